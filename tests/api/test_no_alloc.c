/*
 * Scanning allocates nothing: malloc and friends are counted (glibc, not
 * under ASan). Uses only shai.h.
 */
#include "test_util.h"

/* Count heap allocations by interposing malloc and friends (glibc exports
 * the real ones as __libc_*). Not under ASan, which owns malloc itself. */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCATIONS 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static volatile int counting;
static volatile long allocations;

void *malloc(size_t n)
{
    if (counting)
        allocations++;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    if (counting)
        allocations++;
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    if (counting)
        allocations++;
    return __libc_realloc(p, n);
}

void *aligned_alloc(size_t a, size_t n)
{
    if (counting)
        allocations++;
    return __libc_memalign(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
    if (counting)
        allocations++;
    *out = __libc_memalign(a, n);
    return *out ? 0 : 12 /* ENOMEM */;
}

static int count_only(const shai_hit *hit, void *user)
{
    (void)hit;
    ++*(size_t *)user;
    return 0;
}
#endif

static void test_scan_does_not_allocate(void **state)
{
    (void)state;
#ifdef COUNT_ALLOCATIONS
    /* The counter sees the library's allocations. */
    allocations = 0;
    counting = 1;
    shai_builder *b = NULL;
    shai_builder_new(&b);
    counting = 0;
    shai_builder_free(b);
    assert_true(allocations > 0);

    for (int raw = 0; raw < 2; raw++) {
        shai_db *db = stream_db(raw);
        const size_t len = sizeof stream_text - 1;
        shai_hit hits[64];
        size_t count = 0, seen = 0;
        shai_stream *s = NULL;
        assert_status(shai_stream_open(db, 0, count_only, &seen, &s), SHAI_OK);
        /* Warm up once, then count. */
        assert_status(shai_scan(db, stream_text, len, 0, count_only, &seen), SHAI_OK);
        allocations = 0;
        counting = 1;
        for (uint32_t flags = 0; flags < 4; flags++) {
            shai_scan(db, stream_text, len, flags, count_only, &seen);
            shai_scan_hits(db, stream_text, len, flags, hits, 64, &count);
            shai_scan_hits(db, stream_text, len, flags, NULL, 0, &count);
        }
        for (size_t i = 0; i < len; i += 7)
            shai_stream_write(s, stream_text + i, len - i < 7 ? len - i : 7);
        uint64_t horizon = 0;
        shai_stream_horizon(s, &horizon);
        counting = 0;
        long n = allocations;
        assert_status(shai_stream_close(s), SHAI_OK);
        assert_true(seen > 0);
        if (n != 0)
            print_error("%ld heap allocations while scanning (%s options)\n", n,
                        raw ? "raw" : "default");
        assert_int_equal(n, 0);
        shai_db_free(db);
    }
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_does_not_allocate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
