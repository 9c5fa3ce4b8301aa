/*
 * Regular-expression rules against PCRE2 itself: every rule hit the library
 * reports must be one PCRE2 finds when it searches each line alone, and no
 * hit may be missing. The library skips a rule on a line where no character
 * it can begin with occurs (lib/rules); these cases aim at that: rules that
 * begin with Chinese alternations, a caseless letter with a non-ASCII other
 * case (K, U+212A KELVIN SIGN), \K, lookarounds and \B before a Chinese
 * first character, rules that begin with assertions, verbs, astral
 * characters, empty matches, more rules than the table has bits, and lines long enough
 * to be cut into pieces.
 *
 * The texts are made of characters that fold to themselves, so that the
 * folded line the rules see is the line as written, with folding on or off.
 */
#include "test_util.h"

#include <pthread.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

static const char *const rules[] = {
    "(?:qq|扣扣|企鹅)\\s*[1-9]\\d{4,}",
    "(?:加|添加)\\s*(?:v|微)\\s*信?\\s*[a-z][a-z0-9_-]{3,}",
    "kit+",
    "fo+",
    "x\\Ky+",
    "(?=\\d{3})\\d+",
    "(*COMMIT)信.",
    "(?:扣|企)(*COMMIT)x",
    "\\G企鹅",
    "q*",
    "😀+a",
    "(?<!a)b{2}",
    "(?<=的)微x",
    "\\B信的",
    /* a rule that begins with assertions is gated on what follows them */
    "(?<![0-9])1\\d{3}",
    "\\b(?:ab|微)c",
    "^甲\\d",
    "(?<=[)(])x+",
    "(?<![[:digit:]])y",
    "\\A\\b(?<!z)k",
    "(?<!a)?b\\d",
    "ab|微x",
    "[^a-z\\s的]{2}",
    /* more gated rules than the table has bits: the last ones share one */
    "甲\\d",
    "乙\\d",
    "丙\\d",
    "丁\\d",
    "戊\\d",
    "己\\d",
    "庚\\d",
    "辛\\d",
};
#define NRULES (sizeof rules / sizeof *rules)

/* What the lines are made of: characters that fold to themselves, and
 * phrases that match a rule by themselves. */
static const char *const pieces[] = {
    "的",
    "是",
    "我",
    "加",
    "添加",
    "微",
    "信",
    "v",
    "x",
    "y",
    "k",
    "i",
    "t",
    "q",
    "扣",
    "企鹅",
    "a",
    "b",
    "1",
    "2",
    "3",
    "9",
    " ",
    "-",
    "😀",
    "甲",
    "乙",
    "丙",
    "丁",
    "戊",
    "己",
    "庚",
    "辛",
    "z",
    "0",
    "@",
    ".",
    ":",
    "f",
    "o",
    /* phrases */
    "的微x",
    "我微信的",
    "Foo",
    "FOO",
    "\xe2\x84\xaait", /* K (KELVIN SIGN) it */
    "加v信abcd",
    "扣扣12345",
    "xyy",
    ")xx",
    "(xx",
    "扣y",
    "企x",
    "a1234",
    "微c",
    "9y",
    "b7",
    "😀a",
    "abb",
    "庚1",
    "辛2",
};
#define NPIECES (sizeof pieces / sizeof *pieces)

typedef struct ref {
    pcre2_code *code[NRULES];
    size_t n;
    pcre2_match_data *md;
} ref;

/* The first n rules. */
static void ref_init(ref *r, size_t n)
{
    r->n = n;
    for (size_t k = 0; k < n; k++) {
        int err;
        PCRE2_SIZE off;
        r->code[k] = pcre2_compile((PCRE2_SPTR)rules[k], PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &err, &off, NULL);
        assert_non_null(r->code[k]);
    }
    r->md = pcre2_match_data_create(1, NULL);
    assert_non_null(r->md);
}

static void ref_free(ref *r)
{
    for (size_t k = 0; k < r->n; k++)
        pcre2_code_free(r->code[k]);
    pcre2_match_data_free(r->md);
}

/* PCRE2's successive non-empty matches of code in line[0..n), as the
 * contract in shai.h describes a rule's hits, pushed as hits of `entry`
 * at `base` + their offsets. Returns what ended the search:
 * PCRE2_ERROR_NOMATCH, another PCRE2 error, or 0 at the end of the line. */
static int pcre2_hits(pcre2_code *code, pcre2_match_data *md, const char *line, size_t n,
                      size_t base, uint32_t entry, hit_vec *out)
{
    size_t at = 0;
    while (at <= n) {
        int rc = pcre2_match(code, (PCRE2_SPTR)line, n, at, 0, md, NULL);
        if (rc < 0)
            return rc;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (ov[1] > ov[0]) {
            shai_hit h = {0};
            h.start = base + ov[0];
            h.end = base + ov[1];
            h.entry = entry;
            hit_vec_push(out, &h);
        }
        if (ov[1] > at) {
            at = ov[1];
        } else {
            at++;
            while (at < n && ((unsigned char)line[at] & 0xC0) == 0x80)
                at++;
        }
    }
    return 0;
}

/* The rule hits of text, line by line. */
static void ref_hits(ref *r, const shai_db *db, const char *text, size_t len, hit_vec *out)
{
    size_t line = 0;
    while (line <= len) {
        const char *nl = memchr(text + line, '\n', len - line);
        size_t end = nl ? (size_t)(nl - text) : len;
        for (size_t k = 0; k < r->n; k++) {
            int rc = pcre2_hits(r->code[k], r->md, text + line, end - line, line,
                                find_entry(db, rules[k], 0), out);
            assert_true(rc == 0 || rc == PCRE2_ERROR_NOMATCH);
        }
        line = end + 1;
    }
}

/* got must hold want's hits, in any order. */
static void same_hits(const char *how, hit_vec *want, hit_vec *got, const char *text, size_t len)
{
    if (want->n)
        qsort(want->v, want->n, sizeof *want->v, cmp_hit_span);
    if (got->n)
        qsort(got->v, got->n, sizeof *got->v, cmp_hit_span);
    if (want->n != got->n)
        print_message("%s: want %zu rule hits, got %zu, text %.*s\n", how, want->n, got->n,
                      (int)(len < 400 ? len : 400), text);
    assert_int_equal(got->n, want->n);
    for (size_t i = 0; i < want->n; i++) {
        if (cmp_hit_span(&want->v[i], &got->v[i])) {
            print_message("%s, hit %zu: want %llu-%llu rule %u, got %llu-%llu rule %u\n", how, i,
                          (unsigned long long)want->v[i].start, (unsigned long long)want->v[i].end,
                          want->v[i].entry, (unsigned long long)got->v[i].start,
                          (unsigned long long)got->v[i].end, got->v[i].entry);
            print_message("text %.*s\n", (int)(len < 400 ? len : 400), text);
        }
        assert_int_equal(cmp_hit_span(&want->v[i], &got->v[i]), 0);
    }
}

/* The text in one call, and streamed in pieces cut at random bytes (a
 * line, and a character, may be cut anywhere). */
static void check_text(ref *r, const shai_db *db, const char *text, size_t len, uint64_t *rng)
{
    hit_vec want = {0}, got = {0};
    ref_hits(r, db, text, len, &want);
    assert_status(shai_scan(db, text, len, SHAI_SCAN_OVERLAPPING, collect_hit, &got), SHAI_OK);
    same_hits("shai_scan", &want, &got, text, len);
    hit_vec_free(&got);
    shai_stream *st = NULL;
    assert_status(shai_stream_open(db, SHAI_SCAN_OVERLAPPING, collect_hit, &got, &st), SHAI_OK);
    for (size_t at = 0; at < len;) {
        size_t n = 1 + rng_below(rng, 64);
        if (n > len - at)
            n = len - at;
        assert_status(shai_stream_write(st, text + at, n), SHAI_OK);
        at += n;
    }
    assert_status(shai_stream_close(st), SHAI_OK);
    same_hits("stream", &want, &got, text, len);
    hit_vec_free(&want);
    hit_vec_free(&got);
}

/* A db of the first n rules. */
static shai_db *rules_db(int fold, size_t n)
{
    shai_builder *b = fold ? new_builder() : new_raw_builder();
    for (size_t k = 0; k < n; k++)
        assert_status(shai_builder_add_rule(b, rules[k], strlen(rules[k]), NULL, SHAI_ACTION_BLOCK,
                                            0, NULL, NULL),
                      SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

/* Random lines of a few to a few hundred pieces; most lines hold no
 * character some rules begin with, so those rules are skipped there. */
static void random_texts(int fold)
{
    shai_db *db = rules_db(fold, NRULES);
    ref r;
    ref_init(&r, NRULES);
    uint64_t rng = 0x5EED0000u + (uint64_t)fold;
    char *text = malloc(1 << 16);
    assert_non_null(text);
    for (uint32_t t = 0, nt = test_scale(3000); t < nt; t++) {
        size_t len = 0;
        uint32_t lines = 1 + rng_below(&rng, 4);
        for (uint32_t l = 0; l < lines; l++) {
            /* each line draws from a small part of the pieces */
            uint32_t from = rng_below(&rng, NPIECES), span = 1 + rng_below(&rng, 12);
            uint32_t n = rng_below(&rng, 2) ? rng_below(&rng, 12) : rng_below(&rng, 300);
            for (uint32_t i = 0; i < n; i++) {
                const char *p = pieces[(from + rng_below(&rng, span)) % NPIECES];
                size_t pl = strlen(p);
                memcpy(text + len, p, pl);
                len += pl;
            }
            if (l + 1 < lines)
                text[len++] = '\n';
        }
        check_text(&r, db, text, len, &rng);
    }
    free(text);
    ref_free(&r);
    shai_db_free(db);
}

static void test_rules_random_folded(void **state)
{
    (void)state;
    random_texts(1);
}

static void test_rules_random_raw(void **state)
{
    (void)state;
    random_texts(0);
}

/* A line longer than the piece the scanner collects for the rules (1 MiB):
 * one rule begins only in the first piece, the other only in the second. */
static void test_rules_long_line(void **state)
{
    (void)state;
    shai_db *db = rules_db(1, 2);
    ref r;
    ref_init(&r, 2);
    size_t cap = 2u << 20, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    /* 加 is not the first character of a scan step */
    static const char head[] = "的的加 v信 abcdef", tail[] = "扣扣 12345";
    memcpy(text, head, sizeof head - 1);
    len = sizeof head - 1;
    /* the tail well inside the second piece */
    while (len < (3u << 19))
        len += (size_t)(memcpy(text + len, "的", 3), 3);
    memcpy(text + len, tail, sizeof tail - 1);
    len += sizeof tail - 1;
    hit_vec got = {0};
    assert_status(shai_scan(db, text, len, SHAI_SCAN_OVERLAPPING, collect_hit, &got), SHAI_OK);
    assert_int_equal(got.n, 2);
    qsort(got.v, got.n, sizeof *got.v, cmp_hit_span);
    assert_int_equal(got.v[0].start, 6);
    assert_int_equal(got.v[0].end, sizeof head - 1);
    assert_int_equal(got.v[1].start, len - (sizeof tail - 1));
    assert_int_equal(got.v[1].end, len);
    hit_vec_free(&got);
    uint64_t rng = 7;
    check_text(&r, db, text, len, &rng);
    free(text);
    ref_free(&r);
    shai_db_free(db);
}

/* Threads that start scanning a freshly compiled db together: the tables
 * that gate the rules were derived when it was compiled, and no scan
 * writes into the db (once the first scan derived them, and threads raced
 * to publish them). Each must find the same hits. */
#define NTHREADS 8

typedef struct first_scan {
    const shai_db *db;
    const char *text;
    size_t len;
    pthread_barrier_t *go;
    hit_vec hits;
    int status;
} first_scan;

static void *first_scan_run(void *arg)
{
    first_scan *f = arg;
    pthread_barrier_wait(f->go);
    f->status = shai_scan(f->db, f->text, f->len, SHAI_SCAN_OVERLAPPING, collect_hit, &f->hits);
    return NULL;
}

static void test_rules_first_scans_race(void **state)
{
    (void)state;
    static const char text[] = "的的加 v信 abcdef 扣扣 12345 微信的 Foo 庚1 kitt";
    for (int round = 0; round < 20; round++) {
        shai_db *db = rules_db(1, NRULES);
        pthread_barrier_t go;
        assert_int_equal(pthread_barrier_init(&go, NULL, NTHREADS), 0);
        first_scan f[NTHREADS];
        pthread_t tid[NTHREADS];
        for (int i = 0; i < NTHREADS; i++) {
            f[i] = (first_scan){.db = db, .text = text, .len = sizeof text - 1, .go = &go};
            assert_int_equal(pthread_create(&tid[i], NULL, first_scan_run, &f[i]), 0);
        }
        for (int i = 0; i < NTHREADS; i++)
            assert_int_equal(pthread_join(tid[i], NULL), 0);
        pthread_barrier_destroy(&go);
        ref r;
        ref_init(&r, NRULES);
        hit_vec want = {0};
        ref_hits(&r, db, text, sizeof text - 1, &want);
        qsort(want.v, want.n, sizeof *want.v, cmp_hit_span);
        assert_true(want.n >= 6);
        for (int i = 0; i < NTHREADS; i++) {
            assert_status(f[i].status, SHAI_OK);
            assert_int_equal(f[i].hits.n, want.n);
            qsort(f[i].hits.v, f[i].hits.n, sizeof *f[i].hits.v, cmp_hit_span);
            for (size_t k = 0; k < want.n; k++)
                assert_int_equal(cmp_hit_span(&f[i].hits.v[k], &want.v[k]), 0);
            hit_vec_free(&f[i].hits);
        }
        hit_vec_free(&want);
        ref_free(&r);
        shai_db_free(db);
    }
}

/* Writes `times` copies of unit, then tail, into text; returns the length. */
static size_t repeated(char *text, const char *unit, size_t times, const char *tail)
{
    size_t len = 0, u = strlen(unit), t = strlen(tail);
    for (size_t i = 0; i < times; i++, len += u)
        memcpy(text + len, unit, u);
    memcpy(text + len, tail, t);
    return len + t;
}

/* A line full of a rule's first characters: after some anchored tries the
 * rest goes to PCRE2's own search, which must take over at the very
 * character where they stopped (here the start of the match). */
static void test_rules_many_starts(void **state)
{
    (void)state;
    shai_db *db = rules_db(1, 2);
    ref r;
    ref_init(&r, 2);
    char text[4096];
    uint64_t rng = 11;
    for (size_t before = 0; before < 200; before += 1 + before / 8) {
        size_t len = repeated(text, "加", before, "加 v信 abcdef 扣扣 12345 加");
        check_text(&r, db, text, len, &rng);
    }
    ref_free(&r);
    shai_db_free(db);
}

/* A line with more characters that rules can begin with than the scanner
 * lists (1024 per piece): the rules must then find theirs by themselves,
 * here the Chinese ones that stand past the listed ones. */
static void test_rules_more_starts_than_listed(void **state)
{
    (void)state;
    shai_db *db = rules_db(1, 3);
    ref r;
    ref_init(&r, 3);
    size_t cap = 16384;
    char *text = malloc(cap);
    assert_non_null(text);
    uint64_t rng = 13;
    for (size_t ks = 1000; ks <= 1100; ks += 20) {
        size_t len = repeated(text, "k ", ks, "加 v信 abcdef 扣扣 12345 kit");
        hit_vec got = {0};
        assert_status(shai_scan(db, text, len, SHAI_SCAN_OVERLAPPING, collect_hit, &got), SHAI_OK);
        assert_int_equal(got.n, 3);
        hit_vec_free(&got);
        check_text(&r, db, text, len, &rng);
    }
    free(text);
    ref_free(&r);
    shai_db_free(db);
}

/* More rules that begin with any Chinese character than compiling a db
 * tests characters for: those past its budget run on every line, and every
 * rule still finds what PCRE2 finds. */
static void test_rules_past_the_budget(void **state)
{
    (void)state;
    enum { NBROAD = 60 };
    shai_builder *b = new_builder();
    char pat[NBROAD][32];
    for (int i = 0; i < NBROAD; i++) {
        snprintf(pat[i], sizeof pat[i], "[\\x{4e00}-\\x{9fa5}]%c%d", 'a' + i % 26, i % 10);
        assert_status(shai_builder_add_rule(b, pat[i], strlen(pat[i]), NULL, SHAI_ACTION_BLOCK, 0,
                                            NULL, NULL),
                      SHAI_OK);
    }
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    assert_non_null(md);
    uint64_t rng = 5;
    for (uint32_t t = 0, nt = test_scale(200); t < nt; t++) {
        /* 的 or x, then a letter and a digit, a few times */
        char text[256];
        size_t len = 0;
        for (int k = 0; k < 6; k++) {
            len += (size_t)(rng_below(&rng, 2) ? (memcpy(text + len, "的", 3), 3)
                                               : (text[len] = 'x', 1));
            text[len++] = (char)('a' + rng_below(&rng, 26));
            text[len++] = (char)('0' + rng_below(&rng, 10));
        }
        hit_vec want = {0}, got = {0};
        for (int i = 0; i < NBROAD; i++) {
            int err;
            PCRE2_SIZE off;
            pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat[i], PCRE2_ZERO_TERMINATED,
                                          PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &err, &off, NULL);
            assert_non_null(c);
            pcre2_hits(c, md, text, len, 0, find_entry(db, pat[i], 0), &want);
            pcre2_code_free(c);
        }
        assert_status(shai_scan(db, text, len, SHAI_SCAN_OVERLAPPING, collect_hit, &got), SHAI_OK);
        same_hits("past the budget", &want, &got, text, len);
        hit_vec_free(&want);
        hit_vec_free(&got);
    }
    pcre2_match_data_free(md);
    shai_db_free(db);
}

/* Random patterns built from pieces that stress the gating: assertions
 * and lookbehinds (with classes holding parentheses) at the start, Chinese
 * and ASCII first characters, alternations, quantifiers, verbs. Each one
 * PCRE2 compiles is a db of its own, and every text must give PCRE2's
 * hits. */
static void test_rules_random_patterns(void **state)
{
    (void)state;
    static const char *const parts[] = {
        "(?<!a)",    "(?<=的)", "(?<![)(])", "(?<=[^x])", "\\b", "\\B", "^",   "\\A", "\\G",
        "加",        "微",      "扣",        "a",         "b",   "x",   "1",   "\\d", "[加a]",
        "(?:",       ")",       "|",         "*",         "+",   "?",   "{2}", ".",   "\\s",
        "(*COMMIT)", "(?=a)",   "(?!b)",     "[^的]",     "\\K", "k",   "信",
    };
    static const char *const chars[] = {"加", "微", "信", "扣", "的", "a", "b",           "x",
                                        "k",  "1",  "2",  " ",  ")",  "(", "\xe2\x84\xaa"};
    uint64_t rng = 0xBADC0DE;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    assert_non_null(md);
    uint32_t tried = 0, ntried = test_scale(400);
    while (tried < ntried) {
        char pat[128];
        size_t plen = 0;
        uint32_t n = 1 + rng_below(&rng, 6);
        for (uint32_t i = 0; i < n; i++) {
            const char *q = parts[rng_below(&rng, sizeof parts / sizeof *parts)];
            size_t ql = strlen(q);
            memcpy(pat + plen, q, ql);
            plen += ql;
        }
        pat[plen] = '\0';
        int err;
        PCRE2_SIZE off;
        pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, plen, PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS,
                                      &err, &off, NULL);
        if (!c)
            continue;
        shai_builder *b = new_raw_builder();
        if (shai_builder_add_rule(b, pat, plen, NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL) !=
            SHAI_OK) {
            shai_builder_free(b);
            pcre2_code_free(c);
            continue;
        }
        tried++;
        shai_db *db = compile_builder(b);
        shai_builder_free(b);
        for (int t = 0; t < 12; t++) {
            char text[256];
            size_t len = 0;
            uint32_t m = rng_below(&rng, 40);
            for (uint32_t i = 0; i < m; i++) {
                const char *q = chars[rng_below(&rng, sizeof chars / sizeof *chars)];
                size_t ql = strlen(q);
                memcpy(text + len, q, ql);
                len += ql;
            }
            hit_vec want = {0}, got = {0};
            pcre2_hits(c, md, text, len, 0, 0, &want);
            assert_status(shai_scan(db, text, len, SHAI_SCAN_OVERLAPPING, collect_hit, &got),
                          SHAI_OK);
            if (want.n != got.n)
                print_message("pattern %s\n", pat);
            same_hits("random pattern", &want, &got, text, len);
            hit_vec_free(&want);
            hit_vec_free(&got);
        }
        shai_db_free(db);
        pcre2_code_free(c);
    }
    pcre2_match_data_free(md);
}

/* A character above U+FFFF that folds to one a rule begins with: the rule
 * must run on its line. */
/* The horizon a hit callback reads may not pass a hit still to come: a
 * word hit is reported during the write, the rule hit that begins before
 * it only at the line's end. */
typedef struct horizon_check {
    shai_stream *st;
    uint64_t max_horizon;
    size_t n;
} horizon_check;

static int check_horizon(const shai_hit *hit, void *user)
{
    horizon_check *c = user;
    assert_true(hit->start >= c->max_horizon);
    uint64_t h = 0;
    assert_status(shai_stream_horizon(c->st, &h), SHAI_OK);
    if (h > c->max_horizon)
        c->max_horizon = h;
    c->n++;
    return 0;
}

static void test_rules_horizon_in_callback(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_rule(b, LIT("加\\d+"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("的"), "x", SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    static const char text[] = "加1的是的是的\n是加22的是的\n";
    for (size_t piece = 1; piece <= sizeof text; piece += 3) {
        horizon_check c = {0};
        assert_status(shai_stream_open(db, SHAI_SCAN_OVERLAPPING, check_horizon, &c, &c.st),
                      SHAI_OK);
        for (size_t at = 0; at < sizeof text - 1; at += piece)
            assert_status(
                shai_stream_write(c.st, text + at,
                                  sizeof text - 1 - at < piece ? sizeof text - 1 - at : piece),
                SHAI_OK);
        assert_status(shai_stream_close(c.st), SHAI_OK);
        assert_int_equal(c.n, 7);
    }
    shai_db_free(db);
}

/* A db of `rule` and a rule that begins with 加 (so that every rule is
 * gated), folding on. */
static shai_db *rule_and_jia(const char *rule)
{
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_rule(b, rule, strlen(rule), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_rule(b, LIT("加\\d"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

/* The hits of text in one shai_scan (round 0, which derives the tables,
 * and 1), then in a stream written a byte at a time (2), where no
 * multi-byte character comes whole in one write. */
static void scan_round(const shai_db *db, const char *text, size_t len, int round, hit_vec *got)
{
    if (round < 2) {
        assert_status(shai_scan(db, text, len, SHAI_SCAN_OVERLAPPING, collect_hit, got), SHAI_OK);
        return;
    }
    shai_stream *st = NULL;
    assert_status(shai_stream_open(db, SHAI_SCAN_OVERLAPPING, collect_hit, got, &st), SHAI_OK);
    for (size_t i = 0; i < len; i++)
        assert_status(shai_stream_write(st, text + i, 1), SHAI_OK);
    assert_status(shai_stream_close(st), SHAI_OK);
}

/* A character that expands to a rule's first character (ﬁ to f, i): the
 * line needs the rule. */
static void test_rules_expansion_folds_to_start(void **state)
{
    (void)state;
    shai_db *db = rule_and_jia("fis+h");
    static const char text[] = "的\xef\xac\x81sh的\n的\xef\xac\x81ssh"; /* 的ﬁsh的 / 的ﬁssh */
    for (int round = 0; round < 3; round++) {
        hit_vec got = {0};
        scan_round(db, LIT(text), round, &got);
        assert_int_equal(got.n, 2);
        qsort(got.v, got.n, sizeof *got.v, cmp_hit_span);
        assert_int_equal(got.v[0].start, 3);
        assert_int_equal(got.v[0].end, 8);
        assert_int_equal(got.v[1].start, 15);
        assert_int_equal(got.v[1].end, 21);
        hit_vec_free(&got);
    }
    shai_db_free(db);
}

/* A character above U+FFFF that folds to a rule's first character. */
static void test_rules_astral_folds_to_start(void **state)
{
    (void)state;
    shai_db *db = rule_and_jia("kit+");
    /* 的 x 𝐊 (U+1D40A MATHEMATICAL BOLD CAPITAL K) i t t 的: the rule sees
     * "kitt" in the folded line and reports the span of 𝐊itt; the line
     * ends with a break */
    static const char text[] = "的x\xf0\x9d\x90\x8aitt的\n";
    for (int round = 0; round < 3; round++) {
        hit_vec got = {0};
        scan_round(db, LIT(text), round, &got);
        assert_int_equal(got.n, 1);
        assert_int_equal(got.v[0].start, 4);
        assert_int_equal(got.v[0].end, 11);
        hit_vec_free(&got);
    }
    shai_db_free(db);
}

/* A rule that gives up at a limit at one start hides nothing else: not the
 * word hits, not the other rules, not its own later matches in the line
 * (through the tries at its first characters, and past them, through
 * PCRE2's search); the scan says SHAI_E_MATCH_LIMIT at the end, and the
 * verdict of a text where only a limit was hit is not PASS. */
static void test_rules_match_limit_goes_on(void **state)
{
    (void)state;
    static const char *const limit_rules[] = {"k(?:a+)+b", "zz\\d"};
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    for (size_t k = 0; k < 2; k++)
        assert_status(shai_builder_add_rule(b, limit_rules[k], strlen(limit_rules[k]), "spam",
                                            SHAI_ACTION_REVIEW, 0, NULL, NULL),
                      SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    uint32_t slow = find_entry(db, limit_rules[0], 0), other = find_entry(db, limit_rules[1], 0);
    uint32_t word = find_entry(db, "赌博", 0);

    /* "kaaa...ac": PCRE2 gives up on it; its required 'b' is further on */
    char pad[64];
    memset(pad, 'a', 40);
    memcpy(pad + 40, "c", 2);
    char text[2048];
    size_t len = 0;
    /* line 1: the tries at the rule's first characters meet the limit */
    len += (size_t)sprintf(text + len, "赌博 k%s kk%s kab zz1 kaab\n", pad, pad);
    /* line 2: more first characters than the tries take, then the limit
     * in PCRE2's own search */
    for (int i = 0; i < 70; i++)
        len += (size_t)sprintf(text + len, "k ");
    len += (size_t)sprintf(text + len, "k%s kab 赌博 zz2\n", pad);
    /* line 3: every rule finds its matches again */
    len += (size_t)sprintf(text + len, "kab zz3");

    hit_vec want = {0};
    const char *needles[][2] = {{"赌博", NULL}, {"kab", "1"}, {"zz1", "1"},
                                {"kaab", "1"},  {"kab", "2"}, {"赌博", "2"},
                                {"zz2", "2"},   {"kab", "3"}, {"zz3", "3"}};
    const char *lines[3] = {text, strchr(text, '\n') + 1, NULL};
    lines[2] = strchr(lines[1], '\n') + 1;
    for (size_t i = 0; i < sizeof needles / sizeof *needles; i++) {
        const char *line = needles[i][1] ? lines[needles[i][1][0] - '1'] : lines[0];
        const char *at = strstr(line, needles[i][0]);
        assert_non_null(at);
        shai_hit h = {0};
        h.start = (uint64_t)(at - text);
        h.end = h.start + strlen(needles[i][0]);
        h.entry = needles[i][0][0] == 'k' ? slow : needles[i][0][0] == 'z' ? other : word;
        hit_vec_push(&want, &h);
    }
    for (int round = 0; round < 2; round++) {
        hit_vec got = {0};
        if (round == 0) {
            assert_status(shai_scan(db, text, len, SHAI_SCAN_OVERLAPPING, collect_hit, &got),
                          SHAI_E_MATCH_LIMIT);
        } else {
            shai_stream *st = NULL;
            assert_status(shai_stream_open(db, SHAI_SCAN_OVERLAPPING, collect_hit, &got, &st),
                          SHAI_OK);
            for (size_t at = 0; at < len; at += 5)
                assert_status(shai_stream_write(st, text + at, len - at < 5 ? len - at : 5),
                              SHAI_OK);
            assert_status(shai_stream_close(st), SHAI_E_MATCH_LIMIT);
        }
        hit_vec w = {0};
        for (size_t i = 0; i < want.n; i++)
            hit_vec_push(&w, &want.v[i]);
        same_hits(round ? "limit, stream" : "limit, scan", &w, &got, text, len);
        hit_vec_free(&w);
        hit_vec_free(&got);
    }
    hit_vec_free(&want);

    /* shai_scan_hits and shai_check fill what they found; the verdict of a
     * line whose only problem is the limit is REVIEW, not PASS */
    shai_hit hits[16];
    size_t count = 0;
    assert_status(shai_scan_hits(db, text, len, 0, hits, 16, &count), SHAI_E_MATCH_LIMIT);
    assert_int_equal(count, 9);
    uint32_t verdict = 99;
    assert_status(shai_check(db, text, len, 0, &verdict, hits, 16, &count), SHAI_E_MATCH_LIMIT);
    assert_int_equal(count, 9);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    char quiet[128];
    int n = sprintf(quiet, "k%s b 好", pad);
    assert_status(shai_check(db, quiet, (size_t)n, 0, &verdict, hits, 16, &count),
                  SHAI_E_MATCH_LIMIT);
    assert_int_equal(count, 0);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    assert_status(shai_check(db, LIT("kab"), 0, &verdict, hits, 16, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    assert_status(shai_check(db, LIT("好"), 0, &verdict, hits, 16, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);

    /* the cost stays bounded: past 8 starts that give up in one line the
     * rule gives up on the rest of it (still a limit, never a pass); the
     * other rule and the words still report theirs */
    for (int starts = 8; starts <= 9; starts++) {
        char many[1024];
        size_t m = 0;
        for (int i = 0; i < starts; i++)
            m += (size_t)sprintf(many + m, "k%s ", pad);
        m += (size_t)sprintf(many + m, "kab zz9 赌博");
        hit_vec got = {0};
        assert_status(shai_scan(db, many, m, SHAI_SCAN_OVERLAPPING, collect_hit, &got),
                      SHAI_E_MATCH_LIMIT);
        size_t found_slow = 0;
        for (size_t i = 0; i < got.n; i++)
            found_slow += got.v[i].entry == slow;
        assert_int_equal(got.n, starts == 8 ? 3 : 2);
        assert_int_equal(found_slow, starts == 8 ? 1 : 0);
        hit_vec_free(&got);
    }
    shai_db_free(db);
}

/* The rules' cost is bounded per scan, not only per line: 10,000 lines on
 * which a rule gives up at every start (420 KB) took minutes of CPU when
 * each line had a budget of its own. The scan now gives up on the rules
 * once a budget proportional to the text's length is spent: SHAI_E_MATCH_LIMIT,
 * never a pass, the word hits all there, the same in a stream. */
static void test_rules_scan_budget(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_rule(b, LIT("(a+)+$"), "spam", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    enum { LINES = 10000 };
    size_t cap = (size_t)LINES * 42 + 16, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; i < LINES; i++) {
        memset(text + len, 'a', 40);
        len += 40;
        memcpy(text + len, "b\n", 2);
        len += 2;
    }
    memcpy(text + len, "赌博", 6);
    len += 6;
    clock_t t0 = clock();
    hit_vec got = {0};
    assert_status(shai_scan(db, text, len, 0, collect_hit, &got), SHAI_E_MATCH_LIMIT);
    double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
    print_message("10,000 lines of (a+)+$ giving up: %.3f s of CPU\n", cpu);
    assert_true(cpu < 10.0); /* minutes before the budget; well under 1 s here */
    assert_int_equal(got.n, 1);
    assert_int_equal(got.v[0].start, len - 6);
    uint32_t verdict = 0;
    shai_hit hits[4];
    size_t count = 0;
    assert_status(shai_check(db, text, len, 0, &verdict, hits, 4, &count), SHAI_E_MATCH_LIMIT);
    assert_int_equal(count, 1);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_status(shai_check(db, text, len - 6, 0, &verdict, hits, 4, &count), SHAI_E_MATCH_LIMIT);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    /* a stream in pieces: the same budget, the same answer */
    hit_vec streamed = {0};
    shai_stream *st = NULL;
    assert_status(shai_stream_open(db, 0, collect_hit, &streamed, &st), SHAI_OK);
    for (size_t at = 0, piece = 1; at < len; at += piece, piece = piece * 7 % 1000 + 1)
        assert_status(shai_stream_write(st, text + at, piece < len - at ? piece : len - at),
                      SHAI_OK);
    assert_status(shai_stream_close(st), SHAI_E_MATCH_LIMIT);
    same_hits("budget, stream", &got, &streamed, text, len);
    hit_vec_free(&streamed);
    hit_vec_free(&got);
    free(text);
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_random_folded),
        cmocka_unit_test(test_rules_random_raw),
        cmocka_unit_test(test_rules_long_line),
        cmocka_unit_test(test_rules_first_scans_race),
        cmocka_unit_test(test_rules_astral_folds_to_start),
        cmocka_unit_test(test_rules_expansion_folds_to_start),
        cmocka_unit_test(test_rules_horizon_in_callback),
        cmocka_unit_test(test_rules_many_starts),
        cmocka_unit_test(test_rules_more_starts_than_listed),
        cmocka_unit_test(test_rules_past_the_budget),
        cmocka_unit_test(test_rules_random_patterns),
        cmocka_unit_test(test_rules_match_limit_goes_on),
        cmocka_unit_test(test_rules_scan_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
