/*
 * Helpers shared by the cmocka test programs. Public API only (shai.h).
 */
#ifndef SHAI_TEST_UTIL_H
#define SHAI_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shai.h"

/* Fails with both status names when `actual` is not `expected`. */
#define assert_status(actual, expected)                                                            \
    do {                                                                                           \
        int actual_ = (actual);                                                                    \
        int expected_ = (expected);                                                                \
        if (actual_ != expected_) {                                                                \
            print_error("%s\n  returned %d (%s), expected %d (%s)\n", #actual, actual_,            \
                        shai_status_name(actual_), expected_, shai_status_name(expected_));        \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* String literal with its length, without the terminating NUL. */
#define LIT(s) (s), (sizeof(s) - 1)

/* ------------------------------------------------------------ hit vector */

typedef struct hit_vec {
    shai_hit *v;
    size_t n;
    size_t cap;
    size_t stop_after; /* collect_hit asks to stop once n reaches this; 0: never */
} hit_vec;

static inline void hit_vec_push(hit_vec *hv, const shai_hit *hit)
{
    if (hv->n == hv->cap) {
        hv->cap = hv->cap ? 2 * hv->cap : 16;
        hv->v = realloc(hv->v, hv->cap * sizeof *hv->v);
        assert_non_null(hv->v);
    }
    hv->v[hv->n++] = *hit;
}

static inline void hit_vec_free(hit_vec *hv)
{
    free(hv->v);
    memset(hv, 0, sizeof *hv);
}

/* For qsort: hits by (start, end, entry), whatever order they came in. */
static inline int cmp_hit_span(const void *pa, const void *pb)
{
    const shai_hit *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->entry < b->entry ? -1 : a->entry > b->entry;
}

static inline int collect_hit(const shai_hit *hit, void *user)
{
    hit_vec *hv = user;
    hit_vec_push(hv, hit);
    return hv->stop_after != 0 && hv->n >= hv->stop_after;
}

/* ------------------------------------------------------------------ UTF-8 */

/* Encodes a Unicode scalar value; returns its length (1..4). */
static inline size_t utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* -------------------------------------------------------------------- PRNG */

/* splitmix64: small, fast, and the same sequence on every platform. */
static inline uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline uint32_t rng_below(uint64_t *state, uint32_t n)
{
    return (uint32_t)(rng_next(state) % n);
}

/* -------------------------------------------------------------- workloads */

#if defined(__SANITIZE_ADDRESS__)
#define TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_UNDER_ASAN 1
#endif
#endif

/* How many cases a random test runs for its nominal count n: n times
 * SHAI_TEST_SCALE when that is set (a factor: 0.1 for a quick look, 20 for
 * a long run), else n, or n / 4 under AddressSanitizer, where a case costs
 * several times the CPU. The cases are the same sequence, cut shorter or
 * run longer. Never fewer than one. */
static inline uint32_t test_scale(uint32_t n)
{
    const char *v = getenv("SHAI_TEST_SCALE");
    double factor = 1.0;
    if (v && *v)
        factor = strtod(v, NULL);
#ifdef TEST_UNDER_ASAN
    else
        factor = 0.25;
#endif
    double scaled = (double)n * factor;
    if (!(scaled >= 1.0)) /* also NaN */
        return 1;
    return scaled < (double)UINT32_MAX ? (uint32_t)scaled : UINT32_MAX;
}

/* ------------------------------------------------------------- db helpers */

static inline shai_builder *new_builder(void)
{
    shai_builder *b = NULL;
    assert_status(shai_builder_new(&b), SHAI_OK);
    assert_non_null(b);
    return b;
}

/* A builder whose dbs match text exactly as written: no folding, no noise
 * skipping, no repeats. The contract's rules for hits then apply to the raw
 * code points, which is what the hand-checked cases and the reference
 * matcher assume. */
static inline shai_builder *new_raw_builder(void)
{
    shai_builder *b = new_builder();
    assert_status(shai_builder_set_option(b, SHAI_OPT_FOLD, 0), SHAI_OK);
    assert_status(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 0), SHAI_OK);
    assert_status(shai_builder_set_option(b, SHAI_OPT_REPEATS, 0), SHAI_OK);
    return b;
}

static inline shai_db *compile_builder(const shai_builder *b)
{
    shai_db *db = NULL;
    assert_status(shai_builder_compile(b, &db), SHAI_OK);
    assert_non_null(db);
    return db;
}

/* Compiles a lexicon source (format v1) into a db. */
static inline shai_db *db_from_source(const char *src)
{
    shai_builder *b = new_builder();
    int rc = shai_builder_add_source(b, "test.txt", src, strlen(src));
    if (rc != SHAI_OK)
        print_error("add_source: %s\n", shai_builder_error_message(b));
    assert_status(rc, SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

/* Index of the entry with this text and kind, or UINT32_MAX. */
static inline uint32_t find_entry(const shai_db *db, const char *text, int allow)
{
    size_t want = strlen(text);
    for (uint32_t i = 0; i < shai_db_entry_count(db); i++) {
        const char *t = NULL;
        size_t len = 0;
        uint32_t flags = 0;
        assert_status(shai_db_entry_text(db, i, &t, &len), SHAI_OK);
        assert_status(shai_db_entry_info(db, i, NULL, NULL, &flags, NULL, NULL), SHAI_OK);
        if (len == want && memcmp(t, text, len) == 0 && ((flags & SHAI_ENTRY_ALLOW) != 0) == allow)
            return i;
    }
    return UINT32_MAX;
}

/* Like find_entry, but the entry must exist. */
static inline uint32_t entry_of(const shai_db *db, const char *text, int allow)
{
    uint32_t i = find_entry(db, text, allow);
    if (i == UINT32_MAX)
        print_error("no %s entry '%s' in the db\n", allow ? "allow" : "deny", text);
    assert_true(i != UINT32_MAX);
    return i;
}

/* Renders hits as "start-end:word" separated by spaces; allow hits as
 * "start-end:+word". Returns a static buffer. */
static inline const char *render_hits(const shai_db *db, const shai_hit *hits, size_t n)
{
    static char buf[8192];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *t = "?";
        size_t len = 1;
        if (shai_db_entry_text(db, hits[i].entry, &t, &len) != SHAI_OK) {
            t = "?";
            len = 1;
        }
        int w = snprintf(buf + used, sizeof buf - used, "%s%llu-%llu:%s%.*s", i ? " " : "",
                         (unsigned long long)hits[i].start, (unsigned long long)hits[i].end,
                         (hits[i].flags & SHAI_HIT_ALLOW) ? "+" : "", (int)len, t);
        if (w < 0 || (size_t)w >= sizeof buf - used)
            break;
        used += (size_t)w;
    }
    return buf;
}

/* Scans with shai_scan (callback) and renders the hits; also checks that
 * shai_scan_hits agrees and that every hit's attributes match its entry. */
static inline const char *scan_render(const shai_db *db, const char *text, size_t len,
                                      uint32_t flags)
{
    hit_vec hv = {0};
    assert_status(shai_scan(db, text, len, flags, collect_hit, &hv), SHAI_OK);

    size_t count = 0;
    shai_hit *arr = calloc(hv.n + 1, sizeof *arr);
    assert_non_null(arr);
    assert_status(shai_scan_hits(db, text, len, flags, arr, hv.n + 1, &count), SHAI_OK);
    assert_int_equal(count, hv.n);
    for (size_t i = 0; i < hv.n; i++) {
        assert_int_equal(arr[i].start, hv.v[i].start);
        assert_int_equal(arr[i].end, hv.v[i].end);
        assert_int_equal(arr[i].entry, hv.v[i].entry);
        assert_int_equal(arr[i].category, hv.v[i].category);
        assert_int_equal(arr[i].action, hv.v[i].action);
        assert_int_equal(arr[i].flags, hv.v[i].flags);

        uint32_t category = 0, action = 0, eflags = 0;
        assert_status(
            shai_db_entry_info(db, hv.v[i].entry, &category, &action, &eflags, NULL, NULL),
            SHAI_OK);
        assert_int_equal(hv.v[i].category, category);
        assert_int_equal(hv.v[i].action, action);
        assert_int_equal(hv.v[i].flags & SHAI_HIT_ALLOW, eflags & SHAI_ENTRY_ALLOW);
        assert_true(hv.v[i].start < hv.v[i].end);
        assert_true(hv.v[i].end <= len);
    }
    const char *out = render_hits(db, hv.v, hv.n);
    free(arr);
    hit_vec_free(&hv);
    return out;
}

/* ------------------------------------------- fixtures of the API tests */

/* A callback for calls that must fail before scanning. */
static inline int never_called(const shai_hit *hit, void *user)
{
    (void)hit;
    (void)user;
    fail_msg("%s", "callback called on an invalid call");
    return 1;
}

/* A deny entry with no category, tag or suggestion. */
static inline int add_plain(shai_builder *b, const char *text, size_t len)
{
    return shai_builder_add_entry(b, text, len, NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL);
}

/* Overlapping words: scan order and masking. */
static inline shai_db *chain_db(void)
{
    /* added in an order unlike any hit order */
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("乙丙")), SHAI_OK);
    assert_status(add_plain(b, LIT("甲乙丙")), SHAI_OK);
    assert_status(add_plain(b, LIT("丙")), SHAI_OK);
    assert_status(add_plain(b, LIT("甲乙")), SHAI_OK);
    assert_status(add_plain(b, LIT("丙丁")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

/* Deny and allow entries with both actions: check and mask. */
static inline shai_db *policy_db(void)
{
    shai_builder *b = new_raw_builder();
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博史"), "gambling", SHAI_ACTION_BLOCK,
                                         SHAI_ENTRY_ALLOW, NULL, NULL),
                  SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("最好"), "ad-law", SHAI_ACTION_REVIEW, 0, NULL, "很好"),
        SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("ass"), "abuse", SHAI_ACTION_REVIEW, 0, NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

/* shai_check's verdict; its hits, which are never allow hits, rendered. */
static inline uint32_t verdict_of(const shai_db *db, const char *text, size_t len, uint32_t flags,
                                  const char **rendered)
{
    shai_hit hits[32];
    size_t count = 0;
    uint32_t verdict = 99;
    assert_status(shai_check(db, text, len, flags, &verdict, hits, 32, &count), SHAI_OK);
    assert_true(count <= 32);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(hits[i].flags & SHAI_HIT_ALLOW, 0);
    if (rendered)
        *rendered = render_hits(db, hits, count);
    return verdict;
}

/* shai_mask's output, after checking the size it asks for. Returns a
 * static buffer. */
static inline const char *mask_of(const shai_db *db, const char *text, size_t len,
                                  uint32_t mask_char, size_t *out_len)
{
    static char out[1024];
    size_t need = 0;
    assert_status(shai_mask(db, text, len, mask_char, NULL, 0, &need), SHAI_E_BUFFER_TOO_SMALL);
    assert_true(need < sizeof out);
    memset(out, 0x55, sizeof out);
    assert_status(shai_mask(db, text, len, mask_char, out, need + 1, out_len), SHAI_OK);
    assert_int_equal(*out_len, need);
    assert_int_equal(out[need], '\0');
    return out;
}

static inline void assert_same_hits(const hit_vec *a, const hit_vec *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->v[i].start, b->v[i].start);
        assert_int_equal(a->v[i].end, b->v[i].end);
        assert_int_equal(a->v[i].entry, b->v[i].entry);
        assert_int_equal(a->v[i].category, b->v[i].category);
        assert_int_equal(a->v[i].action, b->v[i].action);
        assert_int_equal(a->v[i].flags, b->v[i].flags);
    }
}

/* raw: exact matching; otherwise the default options (folding, gaps,
 * repeats), under which streams must agree with one-shot scans just the same. */
static inline shai_db *stream_db(int raw)
{
    shai_builder *b = raw ? new_raw_builder() : new_builder();
    static const char *const deny[] = {"赌博", "赌", "博彩", "ass", "qq", "🎲赌", "赌博网站"};
    for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++)
        assert_status(add_plain(b, deny[i], strlen(deny[i])), SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博史"), NULL, SHAI_ACTION_BLOCK,
                                         SHAI_ENTRY_ALLOW, NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

/* A text for stream_db with hits of every kind, invalid bytes and a NUL. */
static const char stream_text[] = "qq赌博网站\xff🎲赌博彩 class ass\xe8\xb5赌博史,qq\0赌博网ass "
                                  "賭 博 ＡＳＳ 赌\u200b博 赌赌博博 a s s Q.Q 赌!!博!彩";

#endif /* SHAI_TEST_UTIL_H */
