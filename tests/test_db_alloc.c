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

/* Each allocation of reading a lexicon with rules, in turn, fails: the
 * builder reports SHAI_E_NOMEM (not a bad rule, not another error) and
 * frees what it took; a builder that read the source compiles what `want`
 * does. */
static void test_parse_fails_cleanly(void **state)
{
    (void)state;
    for (size_t lex = 0; lex < NLEXICONS; lex++) {
        shai_db *want = compile_rules(lex);
        const char *src = lexicons[lex];
        long failed = 0;
        for (long k = 1;; k++) {
            count_from(k);
            shai_builder *b = NULL;
            int rc = shai_builder_new(&b);
            if (rc == SHAI_OK)
                rc = shai_builder_add_source(b, "rules.txt", src, strlen(src));
            long made = allocs;
            count_stop();
            if (rc != SHAI_OK) {
                assert_status(rc, SHAI_E_NOMEM);
                failed++;
                counting = 1;
                shai_builder_free(b);
                count_stop();
                assert_int_equal(live, 0);
                continue;
            }
            shai_db *db;
            assert_status(shai_builder_compile(b, &db), SHAI_OK);
            assert_int_equal(shai_db_entry_count(db), shai_db_entry_count(want));
            shai_db_free(db);
            counting = 1;
            shai_builder_free(b);
            count_stop();
            assert_int_equal(live, 0);
            if (made < k) {
                assert_true(failed > 10);
                break;
            }
        }
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

/* ------------------------------------------ scans under failing allocations */

/* A text with a line past 2 KB (a scan then grows room for its folded
 * text) and the hits of `text` on both sides of it. */
static char long_text[2 * sizeof text + 300 * 15 + 1];
static size_t long_len;

static void make_long_text(void)
{
    size_t n = 0;
    memcpy(long_text + n, text, sizeof text - 1);
    n += sizeof text - 1;
    for (int i = 0; i < 300; i++) {
        memcpy(long_text + n, "加微 abcdefg ", 15);
        n += 15;
    }
    long_text[n++] = '\n';
    memcpy(long_text + n, text, sizeof text - 1);
    n += sizeof text - 1;
    long_len = n;
}

#define MAX_HITS 1024

/* A fixed collector: the callback must not allocate while allocations fail. */
typedef struct fixed_hits {
    shai_hit v[MAX_HITS];
    size_t n;
} fixed_hits;

static int fixed_hit(const shai_hit *hit, void *user)
{
    fixed_hits *h = user;
    if (h->n < MAX_HITS)
        h->v[h->n] = *hit;
    h->n++;
    return 0;
}

typedef struct scan_case {
    const shai_db *db;
    const char *text;
    size_t len;
    uint32_t flags;
    unsigned seed; /* of the random chunking, for streams */
} scan_case;

/* One way of scanning under test: fills `got` (and *verdict when it checks)
 * and returns the status. */
typedef int (*scan_way)(const scan_case *c, fixed_hits *got, uint32_t *verdict);

static int way_scan(const scan_case *c, fixed_hits *got, uint32_t *verdict)
{
    (void)verdict;
    return shai_scan(c->db, c->text, c->len, c->flags, fixed_hit, got);
}

static int way_scan_hits(const scan_case *c, fixed_hits *got, uint32_t *verdict)
{
    (void)verdict;
    int rc = shai_scan_hits(c->db, c->text, c->len, c->flags, got->v, MAX_HITS, &got->n);
    assert_true(got->n <= MAX_HITS);
    return rc;
}

static int way_check(const scan_case *c, fixed_hits *got, uint32_t *verdict)
{
    return shai_check(c->db, c->text, c->len, c->flags, verdict, got->v, MAX_HITS, &got->n);
}

static int way_check_with(const scan_case *c, fixed_hits *got, uint32_t *verdict)
{
    shai_scratch *scratch;
    int rc = shai_scratch_new(c->db, &scratch);
    if (rc) {
        assert_null(scratch);
        *verdict = SHAI_ACTION_REVIEW;
        return rc;
    }
    /* twice: the second call reuses what the first grew */
    for (int i = 0; i < 2 && rc == SHAI_OK; i++)
        rc = shai_check_with(c->db, scratch, c->text, c->len, c->flags, verdict, got->v, MAX_HITS,
                             &got->n);
    shai_scratch_free(scratch);
    return rc;
}

/* The text's lines as a batch; got holds all their violations, and the
 * verdict is the strongest of the texts'. */
static int batch(const scan_case *c, shai_scratch *scratch, fixed_hits *got, uint32_t *verdict)
{
    enum { MAX_LINES = 8 };
    const char *texts[MAX_LINES];
    size_t lens[MAX_LINES], offsets[MAX_LINES + 1], n = 0;
    uint32_t verdicts[MAX_LINES];
    int32_t statuses[MAX_LINES];
    for (const char *p = c->text, *end = c->text + c->len; p < end && n < MAX_LINES; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        texts[n] = p;
        lens[n] = (nl ? (size_t)(nl - p) : (size_t)(end - p));
        p += lens[n] + 1;
    }
    int rc = scratch ? shai_check_batch_with(c->db, scratch, texts, lens, n, c->flags, verdicts,
                                             statuses, got->v, MAX_HITS, offsets)
                     : shai_check_batch(c->db, texts, lens, n, c->flags, verdicts, statuses, got->v,
                                        MAX_HITS, offsets);
    got->n = offsets[n];
    *verdict = SHAI_ACTION_PASS;
    int first = SHAI_OK;
    for (size_t i = 0; i < n; i++) {
        if (statuses[i] != SHAI_OK) {
            assert_status(statuses[i], SHAI_E_NOMEM);
            assert_true(verdicts[i] >= SHAI_ACTION_REVIEW);
            if (!first)
                first = statuses[i];
        }
        if (verdicts[i] > *verdict)
            *verdict = verdicts[i];
    }
    assert_status(rc, first);
    return rc;
}

static int way_batch(const scan_case *c, fixed_hits *got, uint32_t *verdict)
{
    return batch(c, NULL, got, verdict);
}

static int way_batch_with(const scan_case *c, fixed_hits *got, uint32_t *verdict)
{
    shai_scratch *scratch;
    int rc = shai_scratch_new(c->db, &scratch);
    if (rc) {
        *verdict = SHAI_ACTION_REVIEW;
        return rc;
    }
    rc = batch(c, scratch, got, verdict);
    shai_scratch_free(scratch);
    return rc;
}

/* A stream fed the text in random pieces (1 to 64 bytes, some longer). */
static int way_stream(const scan_case *c, fixed_hits *got, uint32_t *verdict)
{
    (void)verdict;
    shai_stream *s;
    int rc = shai_stream_open(c->db, c->flags, fixed_hit, got, &s);
    if (rc) {
        assert_null(s);
        return rc;
    }
    unsigned seed = c->seed;
    for (size_t at = 0; at < c->len && rc == SHAI_OK;) {
        seed = seed * 1103515245u + 12345u;
        size_t piece = (seed >> 16) % 8 == 0 ? 700 : 1 + (seed >> 16) % 64;
        if (piece > c->len - at)
            piece = c->len - at;
        rc = shai_stream_write(s, c->text + at, piece);
        at += piece;
    }
    int closed = shai_stream_close(s);
    return rc ? rc : closed;
}

/* Each allocation of `way` over `c`, in turn, fails: the call returns
 * SHAI_OK with the hits (and verdict) of a run without failures, or
 * SHAI_E_NOMEM with hits among those, in their order, and (when it checks)
 * a verdict of at least review; nothing stays allocated either way.
 * Returns how many allocations a run without failures makes. */
static long fail_each_scan(scan_way way, const scan_case *c, int checks)
{
    static fixed_hits want, got;
    uint32_t want_verdict = 0, got_verdict;
    memset(&want, 0, sizeof want);
    assert_status(way(c, &want, &want_verdict), SHAI_OK);
    assert_true(want.n >= 4 && want.n <= MAX_HITS);
    long failed = 0; /* runs that returned SHAI_E_NOMEM */
    for (long k = 1;; k++) {
        memset(&got, 0, sizeof got);
        got_verdict = SHAI_ACTION_PASS;
        count_from(k);
        int rc = way(c, &got, &got_verdict);
        long made = allocs;
        count_stop();
        assert_int_equal(live, 0);
        if (rc == SHAI_OK) {
            assert_int_equal(got.n, want.n);
            assert_memory_equal(got.v, want.v, want.n * sizeof *want.v);
            if (checks)
                assert_int_equal(got_verdict, want_verdict);
            if (made < k) {
                assert_true(failed >= 1);
                return made;
            }
            continue;
        }
        assert_status(rc, SHAI_E_NOMEM);
        failed++;
        if (checks)
            assert_true(got_verdict >= SHAI_ACTION_REVIEW);
        /* the hits reported are found hits, in order */
        size_t j = 0;
        for (size_t i = 0; i < got.n && i < MAX_HITS; i++) {
            while (j < want.n && memcmp(&want.v[j], &got.v[i], sizeof got.v[i]))
                j++;
            assert_true(j < want.n);
            j++;
        }
    }
}

static const struct {
    scan_way way;
    const char *name;
    int checks;
} ways[] = {
    {way_scan, "shai_scan", 0},         {way_scan_hits, "shai_scan_hits", 0},
    {way_check, "shai_check", 1},       {way_check_with, "shai_check_with", 1},
    {way_batch, "shai_check_batch", 1}, {way_batch_with, "shai_check_batch_with", 1},
    {way_stream, "shai_stream", 0},
};

static void test_scan_fails_cleanly(void **state)
{
    (void)state;
    make_long_text();
    for (size_t lex = 0; lex < NLEXICONS; lex++) {
        shai_db *db = compile_rules(lex);
        for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++)
            for (uint32_t flags = 0; flags <= SHAI_SCAN_OVERLAPPING; flags++)
                for (unsigned seed = 1; seed <= (ways[w].way == way_stream ? 4u : 1u); seed++) {
                    scan_case c = {db, long_text, long_len, flags, seed};
                    long made = fail_each_scan(ways[w].way, &c, ways[w].checks);
                    print_message("%s (lexicon %zu, flags %u): %ld allocations\n", ways[w].name,
                                  lex, flags, made);
                    assert_true(made >= 1);
                }
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
        cmocka_unit_test(test_parse_fails_cleanly),
        cmocka_unit_test(test_compile_fails_whole),
        cmocka_unit_test(test_open_fails_whole),
        cmocka_unit_test(test_first_scan_derives_nothing),
        cmocka_unit_test(test_scan_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
