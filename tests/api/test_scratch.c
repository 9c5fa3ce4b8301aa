/*
 * Scratches (shai_scratch_new and the *_with calls): one argument check per
 * function, the same results as the calls without a scratch, a scratch in
 * use refused, and no heap allocation per call once a scratch is warm, on a
 * db with regular-expression rules.
 *
 * Allocations are counted with a replaced allocator: this executable defines
 * malloc, calloc, realloc and free (forwarding to glibc's), which the
 * library and PCRE2 then call; under AddressSanitizer, which owns the
 * allocator, through its malloc hook instead.
 */
#include "test_util.h"

#include <pthread.h>

/* ------------------------------------------------------------ counting */

static volatile int counting;
static volatile size_t allocations;

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifdef UNDER_ASAN
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static void on_malloc(const volatile void *p, size_t size)
{
    (void)p;
    (void)size;
    if (counting)
        allocations++;
}

static void on_free(const volatile void *p)
{
    (void)p;
}

static void install_counter(void)
{
    assert_int_not_equal(__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free), 0);
}
#else
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);

void *malloc(size_t size)
{
    if (counting)
        allocations++;
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    if (counting)
        allocations++;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    if (counting)
        allocations++;
    return __libc_realloc(p, size);
}

void free(void *p)
{
    __libc_free(p);
}

static void install_counter(void) {}
#endif

/* ----------------------------------------------------------------- data */

/* Words, an allow word, deny rules and an allow rule that covers some of
 * their matches: every part of the scan that may allocate is used. */
static const char lexicon[] = "@category gambling\n"
                              "赌博\n"
                              "网赌\n"
                              "@allow\n"
                              "禁止赌博\n"
                              "re:qq\\s*[:=]?\\s*10000\n"
                              "@deny\n"
                              "@category spam\n"
                              "@action review\n"
                              "re:qq\\s*[:=]?\\s*[1-9][0-9]{4,11}\n"
                              "re:(?:https?://|www\\.)[a-z0-9./-]+\n"
                              "re:1[3-9][0-9]{9}\n";

/* Lines short and long (past the 2 KB a scanner holds in itself), with word
 * hits, covered ones, rule hits and covered rule hits. */
static char *make_text(size_t *len)
{
    static const char *const lines[] = {
        "禁止赌博，远离网赌。加QQ：12345678 领取彩金\n",
        "官方客服 qq=10000 不是骗子，访问 www.example.com/a 或拨 13812345678\n",
        "这是一条普通的评论，没有任何问题。\n",
    };
    size_t cap = 64 * 1024, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
            size_t k = strlen(lines[i]);
            memcpy(t + n, lines[i], k);
            n += k;
        }
    /* one long line: 200 pieces with a rule hit in each */
    for (int i = 0; i < 200; i++) {
        n += (size_t)snprintf(t + n, cap - n, "第%d段 赌博 qq %d http://x.cn/%d ", i, 20000 + i, i);
    }
    t[n++] = '\n';
    *len = n;
    return t;
}

static shai_db *rules_db(void)
{
    shai_db *db = db_from_source(lexicon);
    assert_non_null(db);
    return db;
}

/* ---------------------------------------------------------------- tests */

static void test_scratch_new_args(void **state)
{
    (void)state;
    assert_status(shai_scratch_new(NULL, NULL), SHAI_E_INVALID_ARG);
    shai_scratch *s = (shai_scratch *)&s;
    assert_status(shai_scratch_new(NULL, &s), SHAI_OK);
    assert_non_null(s);
    shai_scratch_free(s);
    shai_scratch_free(NULL);
}

static int count_hit(const shai_hit *hit, void *user)
{
    (void)hit;
    (*(size_t *)user)++;
    return 0;
}

static void test_scan_with_args(void **state)
{
    (void)state;
    shai_db *db = rules_db();
    shai_scratch *s = NULL;
    assert_status(shai_scratch_new(db, &s), SHAI_OK);
    size_t n = 0;
    assert_status(shai_scan_with(NULL, s, LIT("赌博"), 0, count_hit, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_with(db, NULL, LIT("赌博"), 0, count_hit, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_with(db, s, LIT("赌博"), 0, NULL, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_with(db, s, NULL, 1, 0, count_hit, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_with(db, s, LIT("赌博"), 0x80, count_hit, &n), SHAI_E_INVALID_ARG);
    assert_int_equal(n, 0);
    assert_status(shai_scan_with(db, s, NULL, 0, 0, count_hit, &n), SHAI_OK);
    assert_status(shai_scan_with(db, s, LIT("赌博"), 0, count_hit, &n), SHAI_OK);
    assert_int_equal(n, 1);
    shai_scratch_free(s);
    shai_db_free(db);
}

static void test_scan_hits_with_args(void **state)
{
    (void)state;
    shai_db *db = rules_db();
    shai_scratch *s = NULL;
    assert_status(shai_scratch_new(db, &s), SHAI_OK);
    shai_hit hits[4];
    size_t count = 99;
    assert_status(shai_scan_hits_with(db, NULL, LIT("赌博"), 0, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_int_equal(count, 0);
    assert_status(shai_scan_hits_with(NULL, s, LIT("赌博"), 0, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_scan_hits_with(db, s, LIT("赌博"), 0, NULL, 4, &count), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_hits_with(db, s, LIT("赌博"), 0, hits, 4, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_hits_with(db, s, LIT("赌博"), 0, NULL, 0, &count),
                  SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(count, 1);
    shai_scratch_free(s);
    shai_db_free(db);
}

static void test_check_with_args(void **state)
{
    (void)state;
    shai_db *db = rules_db();
    shai_scratch *s = NULL;
    assert_status(shai_scratch_new(db, &s), SHAI_OK);
    shai_hit hits[4];
    size_t count = 99;
    uint32_t verdict = 99;
    assert_status(shai_check_with(db, NULL, LIT("赌博"), 0, &verdict, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    assert_int_equal(count, 0);
    assert_status(shai_check_with(NULL, s, LIT("赌博"), 0, &verdict, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_with(db, s, LIT("赌博"), 0, NULL, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_with(db, s, LIT("赌博"), 0, &verdict, hits, 4, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_with(db, s, LIT("赌博"), 0, &verdict, NULL, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_with(db, s, LIT("赌博"), 0x80, &verdict, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_with(db, s, LIT("赌博"), 0, &verdict, hits, 4, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_int_equal(count, 1);
    shai_scratch_free(s);
    shai_db_free(db);
}

static void test_mask_with_args(void **state)
{
    (void)state;
    shai_db *db = rules_db();
    shai_scratch *s = NULL;
    assert_status(shai_scratch_new(db, &s), SHAI_OK);
    char out[64];
    size_t out_len = 99;
    assert_status(shai_mask_with(db, NULL, LIT("赌博"), '*', out, sizeof out, &out_len),
                  SHAI_E_INVALID_ARG);
    assert_int_equal(out_len, 0);
    assert_status(shai_mask_with(NULL, s, LIT("赌博"), '*', out, sizeof out, &out_len),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_mask_with(db, s, LIT("赌博"), 0xD800, out, sizeof out, &out_len),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_mask_with(db, s, LIT("赌博"), '*', NULL, sizeof out, &out_len),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_mask_with(db, s, LIT("赌博"), '*', out, sizeof out, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_mask_with(db, s, LIT("x赌博"), '*', out, sizeof out, &out_len), SHAI_OK);
    assert_string_equal(out, "x**");
    shai_scratch_free(s);
    shai_db_free(db);
}

/* Every call with a scratch gives what the call without one gives, on two
 * dbs in turn with one scratch (made for neither). */
static void test_same_results(void **state)
{
    (void)state;
    shai_db *dbs[2] = {rules_db(), db_from_source("赌博\n网赌\n@allow\n禁止赌博\n")};
    assert_non_null(dbs[1]);
    shai_scratch *s = NULL;
    assert_status(shai_scratch_new(NULL, &s), SHAI_OK);
    size_t len;
    char *text = make_text(&len);
    size_t cap = 4096;
    shai_hit *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b);
    char *ma = malloc(len * 3 + 1), *mb = malloc(len * 3 + 1);
    assert_true(a && b && ma && mb);
    for (int round = 0; round < 4; round++) {
        const shai_db *db = dbs[round % 2];
        for (uint32_t flags = 0; flags < 4; flags++) {
            size_t na = 0, nb = 0;
            assert_status(shai_scan_hits(db, text, len, flags, a, cap, &na), SHAI_OK);
            assert_status(shai_scan_hits_with(db, s, text, len, flags, b, cap, &nb), SHAI_OK);
            assert_int_equal(na, nb);
            assert_memory_equal(a, b, na * sizeof *a);
            hit_vec hv = {0};
            assert_status(shai_scan_with(db, s, text, len, flags, collect_hit, &hv), SHAI_OK);
            assert_int_equal(hv.n, na);
            assert_memory_equal(hv.v, a, na * sizeof *a);
            hit_vec_free(&hv);
        }
        for (uint32_t flags = 0; flags <= SHAI_SCAN_OVERLAPPING; flags++) {
            size_t na = 0, nb = 0;
            uint32_t va = 99, vb = 98;
            assert_status(shai_check(db, text, len, flags, &va, a, cap, &na), SHAI_OK);
            assert_status(shai_check_with(db, s, text, len, flags, &vb, b, cap, &nb), SHAI_OK);
            assert_int_equal(va, vb);
            assert_int_equal(na, nb);
            assert_memory_equal(a, b, na * sizeof *a);
        }
        size_t la = 0, lb = 0;
        assert_status(shai_mask(dbs[round % 2], text, len, 0x2588, ma, len * 3 + 1, &la), SHAI_OK);
        assert_status(shai_mask_with(db, s, text, len, 0x2588, mb, len * 3 + 1, &lb), SHAI_OK);
        assert_int_equal(la, lb);
        assert_memory_equal(ma, mb, la);
    }
    /* the rules db reports rule hits, covered ones left out */
    uint32_t verdict = 0;
    size_t n = 0;
    assert_status(shai_check_with(dbs[0], s, LIT("qq 10000 qq 12345"), 0, &verdict, a, cap, &n),
                  SHAI_OK);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].start, 9);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    free(a);
    free(b);
    free(ma);
    free(mb);
    free(text);
    shai_scratch_free(s);
    shai_db_free(dbs[0]);
    shai_db_free(dbs[1]);
}

/* A callback that scans again with the scratch of the scan that called it. */
typedef struct nested {
    const shai_db *db;
    shai_scratch *s;
    int rc;
} nested;

static int scan_again(const shai_hit *hit, void *user)
{
    (void)hit;
    nested *ns = user;
    size_t n = 0;
    ns->rc = shai_scan_with(ns->db, ns->s, LIT("赌博"), 0, count_hit, &n);
    return 0;
}

static void test_scratch_in_use(void **state)
{
    (void)state;
    shai_db *db = rules_db();
    shai_scratch *s = NULL;
    assert_status(shai_scratch_new(db, &s), SHAI_OK);
    nested ns = {db, s, 99};
    assert_status(shai_scan_with(db, s, LIT("赌博"), 0, scan_again, &ns), SHAI_OK);
    assert_status(ns.rc, SHAI_E_STATE);
    /* given back: usable again */
    size_t n = 0;
    assert_status(shai_scan_with(db, s, LIT("赌博"), 0, count_hit, &n), SHAI_OK);
    assert_int_equal(n, 1);
    shai_scratch_free(s);
    shai_db_free(db);
}

/* One scratch per thread, one db shared: every thread gets the answer of
 * the calls without a scratch. */
typedef struct worker {
    const shai_db *db;
    const char *text;
    size_t len;
    uint32_t verdict;
    size_t count;
    int ok;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    shai_scratch *s = NULL;
    w->ok = shai_scratch_new(w->db, &s) == SHAI_OK;
    for (int i = 0; i < 50 && w->ok; i++) {
        uint32_t verdict = 99;
        size_t count = 0;
        int rc = shai_check_with(w->db, s, w->text, w->len, SHAI_SCAN_OVERLAPPING, &verdict, NULL,
                                 0, &count);
        w->ok = (rc == SHAI_OK || rc == SHAI_E_BUFFER_TOO_SMALL) && verdict == w->verdict &&
                count == w->count;
    }
    shai_scratch_free(s);
    return NULL;
}

static void test_scratch_per_thread(void **state)
{
    (void)state;
    shai_db *db = rules_db();
    size_t len;
    char *text = make_text(&len);
    uint32_t verdict = 0;
    size_t count = 0;
    assert_status(shai_check(db, text, len, SHAI_SCAN_OVERLAPPING, &verdict, NULL, 0, &count),
                  SHAI_E_BUFFER_TOO_SMALL);
    worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){db, text, len, verdict, count, 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_true(w[i].ok);
    }
    free(text);
    shai_db_free(db);
}

/* The point of a scratch: once warm, shai_check on a db with rules
 * allocates nothing; the same call without a scratch does (which shows the
 * counter counts). */
static void test_no_allocation_per_check(void **state)
{
    (void)state;
    install_counter();
    shai_db *db = rules_db();
    shai_scratch *s = NULL;
    assert_status(shai_scratch_new(db, &s), SHAI_OK);
    size_t len;
    char *text = make_text(&len);
    shai_hit hits[64];
    size_t count = 0;
    uint32_t verdict = 0;
    /* warm: the scratch grows to this text, the db derives its rule gates */
    assert_status(shai_check_with(db, s, text, len, 0, &verdict, hits, 64, &count),
                  SHAI_E_BUFFER_TOO_SMALL);
    size_t expect = count;
    assert_true(expect > 64);

    allocations = 0;
    counting = 1;
    for (int i = 0; i < 100; i++) {
        int rc = shai_check_with(db, s, text, len, 0, &verdict, hits, 64, &count);
        if (rc != SHAI_E_BUFFER_TOO_SMALL || count != expect)
            break;
        rc = shai_check_with(db, s, LIT("加QQ 12345678 赌博"), SHAI_SCAN_OVERLAPPING, &verdict,
                             hits, 64, &count);
        if (rc != SHAI_OK || count != 2)
            break;
    }
    counting = 0;
    size_t with_scratch = allocations;
    assert_int_equal(count, 2);
    assert_int_equal(with_scratch, 0);

    allocations = 0;
    counting = 1;
    int rc = shai_check(db, text, len, 0, &verdict, hits, 64, &count);
    counting = 0;
    assert_status(rc, SHAI_E_BUFFER_TOO_SMALL);
    assert_true(allocations > 0);

    free(text);
    shai_scratch_free(s);
    shai_db_free(db);
}

/* shai_check_batch_with: its arguments, the answers of shai_check_batch, and
 * no allocation once the scratch has seen the batch. */
static void test_check_batch_with(void **state)
{
    (void)state;
    install_counter();
    shai_db *db = rules_db();
    shai_scratch *s = NULL;
    assert_status(shai_scratch_new(db, &s), SHAI_OK);
    size_t long_len;
    char *long_text = make_text(&long_len);
    const char *texts[] = {"禁止赌博，远离网赌", "加QQ 12345678 赌博", "", "普通的评论", long_text};
    size_t lens[] = {strlen(texts[0]), strlen(texts[1]), 0, strlen(texts[3]), long_len};
    enum { N = 5, CAP = 2048 };
    uint32_t verdicts[N], verdicts2[N];
    int32_t statuses[N], statuses2[N];
    size_t offsets[N + 1], offsets2[N + 1];
    static shai_hit hits[CAP], hits2[CAP];

    assert_status(
        shai_check_batch_with(db, NULL, texts, lens, N, 0, verdicts, statuses, hits, CAP, offsets),
        SHAI_E_INVALID_ARG);
    assert_status(
        shai_check_batch_with(NULL, s, texts, lens, N, 0, verdicts, statuses, hits, CAP, offsets),
        SHAI_E_INVALID_ARG);
    assert_status(
        shai_check_batch_with(db, s, NULL, lens, N, 0, verdicts, statuses, hits, CAP, offsets),
        SHAI_E_INVALID_ARG);
    assert_status(
        shai_check_batch_with(db, s, texts, lens, N, 0, verdicts, statuses, hits, CAP, NULL),
        SHAI_E_INVALID_ARG);

    assert_status(
        shai_check_batch(db, texts, lens, N, 0, verdicts2, statuses2, hits2, CAP, offsets2),
        SHAI_OK);
    assert_status(
        shai_check_batch_with(db, s, texts, lens, N, 0, verdicts, statuses, hits, CAP, offsets),
        SHAI_OK);
    assert_memory_equal(verdicts, verdicts2, sizeof verdicts);
    assert_memory_equal(statuses, statuses2, sizeof statuses);
    assert_memory_equal(offsets, offsets2, sizeof offsets);
    assert_memory_equal(hits, hits2, offsets[N] * sizeof hits[0]);
    assert_int_equal(verdicts[0], SHAI_ACTION_BLOCK); /* 网赌; 禁止赌博 covers 赌博 */
    assert_int_equal(verdicts[2], SHAI_ACTION_PASS);
    assert_int_equal(verdicts[3], SHAI_ACTION_PASS);
    assert_true(offsets[N] > 200);

    allocations = 0;
    counting = 1;
    int rc = SHAI_OK;
    for (int i = 0; i < 50 && rc == SHAI_OK; i++)
        rc =
            shai_check_batch_with(db, s, texts, lens, N, 0, verdicts, statuses, hits, CAP, offsets);
    counting = 0;
    assert_status(rc, SHAI_OK);
    assert_int_equal(allocations, 0);

    free(long_text);
    shai_scratch_free(s);
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scratch_new_args),        cmocka_unit_test(test_scan_with_args),
        cmocka_unit_test(test_scan_hits_with_args),     cmocka_unit_test(test_check_with_args),
        cmocka_unit_test(test_mask_with_args),          cmocka_unit_test(test_same_results),
        cmocka_unit_test(test_scratch_in_use),          cmocka_unit_test(test_scratch_per_thread),
        cmocka_unit_test(test_no_allocation_per_check), cmocka_unit_test(test_check_batch_with),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
