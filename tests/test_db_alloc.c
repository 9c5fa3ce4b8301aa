/*
 * Allocation and construction of a db with regex rules, through a
 * replaced allocator (glibc's, counted, failing on demand):
 * - everything a scan reads is derived when the db is compiled or opened,
 *   so the first scan of a db allocates no more than the later ones;
 * - an allocation that fails while compiling or opening makes the call
 *   return SHAI_E_NOMEM (never another status, never a crash) and frees
 *   everything it had taken.
 * Skipped (77) without glibc or under AddressSanitizer, which owns malloc
 * itself. Public API only.
 */
#include <unistd.h>

#include "test_util.h"

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define REPLACED_ALLOCATOR 1
/* glibc's own allocator, under the replaced one */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

static long allocs;  /* allocations made while counting */
static long live;    /* allocations made minus those freed, while counting */
static int counting; /* count (and maybe fail) the calls */
static long fail_at; /* while counting, fail allocation number fail_at (from 1); 0: none */

/* Whether the next allocation is to be made (else it fails). */
static int take(void)
{
    if (!counting)
        return 1;
    if (fail_at && allocs + 1 == fail_at)
        return 0;
    allocs++;
    return 1;
}

void *malloc(size_t size)
{
    if (!take())
        return NULL;
    void *p = __libc_malloc(size);
    live += counting && p;
    return p;
}

void *calloc(size_t n, size_t size)
{
    if (!take())
        return NULL;
    void *p = __libc_calloc(n, size);
    live += counting && p;
    return p;
}

void *realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    if (!take())
        return NULL;
    return __libc_realloc(p, size);
}

void *aligned_alloc(size_t align, size_t size)
{
    if (!take())
        return NULL;
    void *p = __libc_memalign(align, size);
    live += counting && p;
    return p;
}

int posix_memalign(void **out, size_t align, size_t size)
{
    *out = aligned_alloc(align, size);
    return *out ? 0 : 12 /* ENOMEM */;
}

void free(void *p)
{
    live -= counting && p;
    __libc_free(p);
}

static void count_from(long fail)
{
    allocs = live = 0;
    fail_at = fail;
    counting = 1;
}

static void count_stop(void)
{
    counting = 0;
}

/* Rules that begin with ASCII and Chinese characters (so that opening the
 * db tests characters with PCRE2 and makes anchored copies), an allow rule
 * and a word; then the same with a rule that runs on every line (so that
 * the scan loops read no map of the rules' first characters). */
static const char *const lexicons[] = {
    "@category spam\n"
    "re:(?<![0-9])1[3-9][0-9]{9}(?![0-9])\n"
    "re:(?:加|\\+)\\s*(?:v|微)\\s*信?\\s*[a-z][a-z0-9_]{5,19}\n"
    "re:(?:https?://|www\\.)[a-z0-9./]+\n"
    "赌博\n"
    "@allow\n"
    "re:www\\.example\\.com\n",
    "@category spam\n"
    "re:(?<![0-9])1[3-9][0-9]{9}(?![0-9])\n"
    "re:(?:加|\\+)\\s*(?:v|微)\\s*信?\\s*[a-z][a-z0-9_]{5,19}\n"
    "re:\\w*微信号\n"
    "re:(?:https?://|www\\.)[a-z0-9./]+\n"
    "赌博\n"
    "@allow\n"
    "re:www\\.example\\.com\n",
};
#define NLEXICONS (sizeof lexicons / sizeof lexicons[0])

static const char text[] = "加 v信 abcdef 电话 13812345678，赌博 www.example.com 的微信号\n"
                           "www.shai.test 加微 ghijkl";

static shai_builder *rules_builder(size_t lexicon)
{
    shai_builder *b = new_builder();
    const char *src = lexicons[lexicon];
    assert_status(shai_builder_add_source(b, "rules.txt", src, strlen(src)), SHAI_OK);
    return b;
}

/* How many violations of text db finds (written to hits), and the verdict. */
static size_t violations(const shai_db *db, shai_hit *hits, size_t cap, uint32_t *verdict)
{
    size_t n = 0;
    assert_status(shai_check(db, LIT(text), 0, verdict, hits, cap, &n), SHAI_OK);
    return n;
}

/* Each allocation of fn(arg, &db), in turn, fails: the call must return
 * SHAI_E_NOMEM with no db and nothing left allocated, or succeed with a db
 * that finds what `want` finds and that shai_db_free frees whole. Stops at
 * the first call that reached no failing allocation; returns how many
 * allocations that one made. */
static long fail_each(int (*fn)(void *arg, shai_db **db), void *arg, const shai_db *want)
{
    shai_hit want_hits[16], got_hits[16];
    uint32_t want_verdict, got_verdict;
    size_t want_n = violations(want, want_hits, 16, &want_verdict);
    assert_true(want_n >= 4);
    for (long k = 1;; k++) {
        shai_db *db = NULL;
        count_from(k);
        int rc = fn(arg, &db);
        long made = allocs;
        counting = 0;
        if (rc != SHAI_OK) {
            assert_status(rc, SHAI_E_NOMEM);
            assert_null(db);
            assert_int_equal(live, 0);
            continue;
        }
        assert_int_equal(violations(db, got_hits, 16, &got_verdict), want_n);
        assert_int_equal(got_verdict, want_verdict);
        assert_memory_equal(got_hits, want_hits, want_n * sizeof *want_hits);
        counting = 1;
        shai_db_free(db);
        count_stop();
        assert_int_equal(live, 0);
        if (made < k)
            return made;
    }
}

static shai_db *compile_rules(size_t lexicon)
{
    shai_builder *b = rules_builder(lexicon);
    shai_db *db;
    assert_status(shai_builder_compile(b, &db), SHAI_OK);
    shai_builder_free(b);
    return db;
}

static int compile_fn(void *arg, shai_db **db)
{
    return shai_builder_compile(arg, db);
}

typedef struct image {
    void *buf;
    size_t len;
    uint32_t flags;
} image;

static int from_buffer_fn(void *arg, shai_db **db)
{
    image *im = arg;
    return shai_db_from_buffer(im->buf, im->len, im->flags, db);
}

static int open_fn(void *arg, shai_db **db)
{
    return shai_db_open(arg, db);
}

/* The image of db, in memory that shai_db_from_buffer may borrow. */
static image serialize(const shai_db *db)
{
    image im = {0};
    assert_status(shai_db_serialize(db, NULL, 0, &im.len), SHAI_E_BUFFER_TOO_SMALL);
    im.buf = aligned_alloc(8, (im.len + 7) / 8 * 8);
    assert_non_null(im.buf);
    assert_status(shai_db_serialize(db, im.buf, im.len, &im.len), SHAI_OK);
    return im;
}

static void test_compile_fails_whole(void **state)
{
    (void)state;
    for (size_t lex = 0; lex < NLEXICONS; lex++) {
        shai_db *want = compile_rules(lex);
        shai_builder *b = rules_builder(lex);
        /* the words, the rules, their copies and tables: many allocations */
        assert_true(fail_each(compile_fn, b, want) > 40);
        shai_builder_free(b);
        shai_db_free(want);
    }
}

static void test_open_fails_whole(void **state)
{
    (void)state;
    for (size_t lex = 0; lex < NLEXICONS; lex++) {
        shai_db *want = compile_rules(lex);
        image im = serialize(want);
        long copied = fail_each(from_buffer_fn, &im, want);
        im.flags = SHAI_DB_BORROW;
        long borrowed = fail_each(from_buffer_fn, &im, want);
        assert_int_equal(copied, borrowed + 1); /* the copy of the image */
        /* the rules and what is derived from them are made on open */
        assert_true(borrowed > 20);
        char path[] = "/tmp/shai-test-db-alloc-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(im.buf, 1, im.len, f), im.len);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(fail_each(open_fn, path, want), borrowed);
        unlink(path);
        free(im.buf);
        shai_db_free(want);
    }
}

/* Nothing is left to derive when a db is first scanned: the first scan and
 * check of a compiled or opened db allocate as often as the later ones
 * (PCRE2's match data). */
static void test_first_scan_derives_nothing(void **state)
{
    (void)state;
    for (int run = 0; run < 2 * (int)NLEXICONS; run++) {
        int opened = run & 1;
        shai_db *db = compile_rules((size_t)run / 2);
        if (opened) {
            image im = serialize(db);
            shai_db_free(db);
            assert_status(shai_db_from_buffer(im.buf, im.len, 0, &db), SHAI_OK);
            free(im.buf);
        }
        long per_call[4];
        for (int i = 0; i < 4; i++) {
            shai_hit hits[16];
            uint32_t verdict;
            size_t n;
            count_from(0);
            int rc = i % 2 ? shai_check(db, LIT(text), 0, &verdict, hits, 16, &n)
                           : shai_scan_hits(db, LIT(text), 0, hits, 16, &n);
            count_stop();
            assert_status(rc, SHAI_OK);
            assert_int_equal(live, 0);
            per_call[i] = allocs;
        }
        assert_int_equal(per_call[0], per_call[2]);
        assert_int_equal(per_call[1], per_call[3]);
        assert_true(per_call[0] <= 2);
        shai_db_free(db);
    }
}

#endif

int main(void)
{
#ifndef REPLACED_ALLOCATOR
    fprintf(stderr, "no replaceable allocator (glibc without AddressSanitizer)\n");
    return 77;
#else
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_fails_whole),
        cmocka_unit_test(test_open_fails_whole),
        cmocka_unit_test(test_first_scan_derives_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
