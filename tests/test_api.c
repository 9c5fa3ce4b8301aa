/*
 * Public-API tests: argument checks for every function, entry validation and
 * merging, accessors, scan / check / mask / stream semantics on small,
 * hand-checked cases. Uses only shai.h.
 */
#include "test_util.h"

#include <limits.h>
#include <pthread.h>
#include <unistd.h>

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

/* --------------------------------------------------------------- version */

static void test_version(void **state)
{
    (void)state;
    assert_int_equal(shai_version_number(), SHAI_VERSION_NUMBER);
    assert_int_equal(SHAI_VERSION_NUMBER,
                     SHAI_VERSION_MAJOR * 10000 + SHAI_VERSION_MINOR * 100 + SHAI_VERSION_PATCH);
    assert_non_null(shai_version_string());
    assert_string_equal(shai_version_string(), SHAI_VERSION_STRING);

    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", SHAI_VERSION_MAJOR, SHAI_VERSION_MINOR,
             SHAI_VERSION_PATCH);
    assert_string_equal(SHAI_VERSION_STRING, expect);
}

/* --------------------------------------------------------------- status */

static void test_status_names_and_messages(void **state)
{
    (void)state;
#define CHECK_STATUS(name, value, message)                                                         \
    assert_int_equal(SHAI_##name, value);                                                          \
    assert_non_null(shai_status_name(value));                                                      \
    assert_string_equal(shai_status_name(value), #name);                                           \
    assert_non_null(shai_status_message(value));                                                   \
    assert_string_equal(shai_status_message(value), message);
    SHAI_STATUS_LIST(CHECK_STATUS)
#undef CHECK_STATUS
}

static void test_status_unknown(void **state)
{
    (void)state;
    int lo = 0, hi = 0;
#define STATUS_RANGE(name, value, message)                                                         \
    if ((value) < lo)                                                                              \
        lo = (value);                                                                              \
    if ((value) > hi)                                                                              \
        hi = (value);
    SHAI_STATUS_LIST(STATUS_RANGE)
#undef STATUS_RANGE
    const int unknown[] = {hi + 1, hi + 2,  lo - 1,  lo - 2,     100,
                           -100,   INT_MAX, INT_MIN, INT_MIN + 1};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *name = shai_status_name(unknown[i]);
        const char *message = shai_status_message(unknown[i]);
        assert_non_null(name);
        assert_string_equal(name, "UNKNOWN");
        assert_non_null(message);
        assert_true(message[0] != '\0');
        assert_null(strchr(message, '\n'));
    }
}

/* ------------------------------------------------------------ free(NULL) */

static void test_free_null_is_noop(void **state)
{
    (void)state;
    shai_builder_free(NULL);
    shai_db_free(NULL);
    assert_status(shai_stream_close(NULL), SHAI_OK);
}

/* ------------------------------------------------- bad arguments: builder */

static void test_builder_new_bad_args(void **state)
{
    (void)state;
    assert_status(shai_builder_new(NULL), SHAI_E_INVALID_ARG);
}

static void test_builder_add_entry_bad_args(void **state)
{
    (void)state;
    assert_status(shai_builder_add_entry(NULL, LIT("赌博"), "x", SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_E_INVALID_ARG);

    shai_builder *b = new_builder();
    assert_status(shai_builder_add_entry(b, NULL, 6, "x", SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_E_INVALID_ARG);
    /* PASS is only a verdict; anything above BLOCK is not an action. */
    const uint32_t bad_actions[] = {SHAI_ACTION_PASS, 3, 99, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad_actions / sizeof bad_actions[0]; i++)
        assert_status(shai_builder_add_entry(b, LIT("赌博"), "x", bad_actions[i], 0, NULL, NULL),
                      SHAI_E_INVALID_ARG);
    /* Unknown entry flags are rejected, not ignored. */
    const uint32_t bad_flags[] = {0x4u, 0x8u, 0x80000000u, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad_flags / sizeof bad_flags[0]; i++)
        assert_status(shai_builder_add_entry(b, LIT("赌博"), "x", SHAI_ACTION_BLOCK, bad_flags[i],
                                             NULL, NULL),
                      SHAI_E_INVALID_ARG);
    assert_int_equal(shai_builder_entry_count(b), 0);

    /* An error is described by the builder. */
    assert_non_null(shai_builder_error_message(b));
    assert_true(shai_builder_error_message(b)[0] != '\0');

    /* Both actions and both kinds are accepted. */
    assert_status(shai_builder_add_entry(b, LIT("赌博"), "x", SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌场"), "x", SHAI_ACTION_REVIEW, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博史"), NULL, SHAI_ACTION_BLOCK,
                                         SHAI_ENTRY_ALLOW, NULL, NULL),
                  SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 3);
    shai_builder_free(b);
}

static void test_builder_add_source_bad_args(void **state)
{
    (void)state;
    assert_status(shai_builder_add_source(NULL, "x.txt", LIT("赌博\n")), SHAI_E_INVALID_ARG);
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_source(b, "x.txt", NULL, 5), SHAI_E_INVALID_ARG);
    assert_int_equal(shai_builder_entry_count(b), 0);
    /* The name is optional. */
    assert_status(shai_builder_add_source(b, NULL, LIT("赌博\n")), SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 1);
    shai_builder_free(b);
}

static void test_builder_add_path_bad_args(void **state)
{
    (void)state;
    assert_status(shai_builder_add_path(NULL, "/nonexistent"), SHAI_E_INVALID_ARG);
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_path(b, NULL), SHAI_E_INVALID_ARG);
    assert_int_equal(shai_builder_entry_count(b), 0);
    shai_builder_free(b);
}

static void test_builder_accessors_null(void **state)
{
    (void)state;
    assert_int_equal(shai_builder_entry_count(NULL), 0);
    assert_non_null(shai_builder_error_message(NULL));
    assert_string_equal(shai_builder_error_message(NULL), "");
    assert_non_null(shai_builder_error_file(NULL));
    assert_string_equal(shai_builder_error_file(NULL), "");
    assert_int_equal(shai_builder_error_line(NULL), 0);
    assert_int_equal(shai_builder_error_column(NULL), 0);
}

static void test_builder_fresh_has_no_error(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_string_equal(shai_builder_error_message(b), "");
    assert_string_equal(shai_builder_error_file(b), "");
    assert_int_equal(shai_builder_error_line(b), 0);
    assert_int_equal(shai_builder_error_column(b), 0);
    shai_builder_free(b);
}

static void test_compile_bad_args(void **state)
{
    (void)state;
    shai_db *db = NULL;
    assert_status(shai_builder_compile(NULL, &db), SHAI_E_INVALID_ARG);
    assert_null(db);
    shai_builder *b = new_builder();
    assert_status(shai_builder_compile(b, NULL), SHAI_E_INVALID_ARG);
    shai_builder_free(b);
}

/* ------------------------------------------------------ bad arguments: db */

static shai_db *small_db(void)
{
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博史"), "gambling", SHAI_ACTION_BLOCK,
                                         SHAI_ENTRY_ALLOW, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("ass"), "abuse", SHAI_ACTION_REVIEW, 0, NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

static void test_db_accessors_bad_args(void **state)
{
    (void)state;
    const char *text = NULL;
    size_t len = 0;
    uint32_t u = 0;
    const char *s = NULL;

    assert_int_equal(shai_db_entry_count(NULL), 0);
    assert_int_equal(shai_db_category_count(NULL), 0);
    assert_status(shai_db_entry_text(NULL, 0, &text, &len), SHAI_E_INVALID_ARG);
    assert_status(shai_db_entry_info(NULL, 0, &u, &u, &u, &s, &s), SHAI_E_INVALID_ARG);
    assert_status(shai_db_category_name(NULL, 0, &s), SHAI_E_INVALID_ARG);

    shai_db *db = small_db();
    uint32_t n = shai_db_entry_count(db);
    assert_int_equal(n, 3);
    assert_status(shai_db_entry_text(db, 0, NULL, &len), SHAI_E_INVALID_ARG);
    assert_status(shai_db_entry_text(db, 0, &text, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_entry_text(db, n, &text, &len), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_entry_text(db, UINT32_MAX, &text, &len), SHAI_E_OUT_OF_RANGE);

    /* Every out pointer of entry_info may be NULL. */
    assert_status(shai_db_entry_info(db, 0, NULL, NULL, NULL, NULL, NULL), SHAI_OK);
    assert_status(shai_db_entry_info(db, n - 1, &u, NULL, NULL, NULL, NULL), SHAI_OK);
    assert_status(shai_db_entry_info(db, n, &u, &u, &u, &s, &s), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_entry_info(db, UINT32_MAX, NULL, NULL, NULL, NULL, NULL),
                  SHAI_E_OUT_OF_RANGE);

    uint32_t ncat = shai_db_category_count(db);
    assert_int_equal(ncat, 2);
    assert_status(shai_db_category_name(db, 0, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_category_name(db, ncat, &s), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_category_name(db, UINT32_MAX, &s), SHAI_E_OUT_OF_RANGE);
    shai_db_free(db);
}

/* ---------------------------------------------------- bad arguments: scan */

static int never_called(const shai_hit *hit, void *user)
{
    (void)hit;
    (void)user;
    fail_msg("%s", "callback called on an invalid call");
    return 1;
}

static void test_scan_bad_args(void **state)
{
    (void)state;
    shai_db *db = small_db();
    assert_status(shai_scan(NULL, LIT("赌博"), 0, never_called, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_scan(db, LIT("赌博"), 0, NULL, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_scan(db, NULL, 6, 0, never_called, NULL), SHAI_E_INVALID_ARG);
    const uint32_t bad_flags[] = {0x4u, 0x8u, 0x80000000u, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad_flags / sizeof bad_flags[0]; i++)
        assert_status(shai_scan(db, LIT("赌博"), bad_flags[i], never_called, NULL),
                      SHAI_E_INVALID_ARG);
    /* An empty text may be NULL; it has no hits. */
    assert_status(shai_scan(db, NULL, 0, 0, never_called, NULL), SHAI_OK);
    assert_status(shai_scan(db, "", 0, SHAI_SCAN_OVERLAPPING, never_called, NULL), SHAI_OK);
    shai_db_free(db);
}

static void test_scan_hits_bad_args(void **state)
{
    (void)state;
    shai_db *db = small_db();
    shai_hit hits[4];
    size_t count = 0;
    assert_status(shai_scan_hits(NULL, LIT("赌博"), 0, hits, 4, &count), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_hits(db, NULL, 6, 0, hits, 4, &count), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_hits(db, LIT("赌博"), 0, hits, 4, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_hits(db, LIT("赌博"), 0, NULL, 4, &count), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_hits(db, LIT("赌博"), 0x4u, hits, 4, &count), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_hits(db, LIT("赌博"), UINT32_MAX, hits, 4, &count), SHAI_E_INVALID_ARG);
    count = 99;
    assert_status(shai_scan_hits(db, NULL, 0, 0, NULL, 0, &count), SHAI_OK);
    assert_int_equal(count, 0);
    shai_db_free(db);
}

static void test_check_bad_args(void **state)
{
    (void)state;
    shai_db *db = small_db();
    shai_hit hits[4];
    size_t count = 0;
    uint32_t verdict = 0;
    assert_status(shai_check(NULL, LIT("赌博"), 0, &verdict, hits, 4, &count), SHAI_E_INVALID_ARG);
    assert_status(shai_check(db, NULL, 6, 0, &verdict, hits, 4, &count), SHAI_E_INVALID_ARG);
    assert_status(shai_check(db, LIT("赌博"), 0, NULL, hits, 4, &count), SHAI_E_INVALID_ARG);
    assert_status(shai_check(db, LIT("赌博"), 0, &verdict, NULL, 4, &count), SHAI_E_INVALID_ARG);
    assert_status(shai_check(db, LIT("赌博"), 0x4u, &verdict, hits, 4, &count), SHAI_E_INVALID_ARG);
    assert_status(shai_check(db, LIT("赌博"), 0x80000000u, &verdict, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    verdict = 99;
    count = 99;
    assert_status(shai_check(db, NULL, 0, 0, &verdict, NULL, 0, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    assert_int_equal(count, 0);
    shai_db_free(db);
}

static void test_mask_bad_args(void **state)
{
    (void)state;
    shai_db *db = small_db();
    char out[64];
    size_t out_len = 0;
    assert_status(shai_mask(NULL, LIT("赌博"), '*', out, sizeof out, &out_len), SHAI_E_INVALID_ARG);
    assert_status(shai_mask(db, NULL, 6, '*', out, sizeof out, &out_len), SHAI_E_INVALID_ARG);
    assert_status(shai_mask(db, LIT("赌博"), '*', NULL, sizeof out, &out_len), SHAI_E_INVALID_ARG);
    assert_status(shai_mask(db, LIT("赌博"), '*', out, sizeof out, NULL), SHAI_E_INVALID_ARG);
    /* The mask character must be a Unicode scalar value. */
    const uint32_t bad_chars[] = {0xD800u, 0xDBFFu, 0xDC00u, 0xDFFFu, 0x110000u, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad_chars / sizeof bad_chars[0]; i++)
        assert_status(shai_mask(db, LIT("赌博"), bad_chars[i], out, sizeof out, &out_len),
                      SHAI_E_INVALID_ARG);
    /* Largest scalar value is fine. */
    assert_status(shai_mask(db, LIT("赌博"), 0x10FFFFu, out, sizeof out, &out_len), SHAI_OK);
    assert_int_equal(out_len, 8);
    assert_memory_equal(out, "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf", 9);

    out_len = 99;
    assert_status(shai_mask(db, NULL, 0, '*', out, sizeof out, &out_len), SHAI_OK);
    assert_int_equal(out_len, 0);
    assert_int_equal(out[0], '\0');
    shai_db_free(db);
}

static void test_stream_bad_args(void **state)
{
    (void)state;
    shai_db *db = small_db();
    hit_vec hv = {0};
    shai_stream *s = NULL;
    assert_status(shai_stream_open(NULL, 0, collect_hit, &hv, &s), SHAI_E_INVALID_ARG);
    assert_status(shai_stream_open(db, 0, NULL, &hv, &s), SHAI_E_INVALID_ARG);
    assert_status(shai_stream_open(db, 0, collect_hit, &hv, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_stream_open(db, 0x4u, collect_hit, &hv, &s), SHAI_E_INVALID_ARG);
    assert_status(shai_stream_open(db, UINT32_MAX, collect_hit, &hv, &s), SHAI_E_INVALID_ARG);

    uint64_t horizon = 0;
    assert_status(shai_stream_write(NULL, LIT("赌博")), SHAI_E_INVALID_ARG);
    assert_status(shai_stream_horizon(NULL, &horizon), SHAI_E_INVALID_ARG);

    s = NULL;
    assert_status(shai_stream_open(db, 0, collect_hit, &hv, &s), SHAI_OK);
    assert_non_null(s);
    assert_status(shai_stream_write(s, NULL, 3), SHAI_E_INVALID_ARG);
    assert_status(shai_stream_horizon(s, NULL), SHAI_E_INVALID_ARG);
    /* An empty write is fine, with or without a pointer. */
    assert_status(shai_stream_write(s, NULL, 0), SHAI_OK);
    assert_status(shai_stream_write(s, "", 0), SHAI_OK);
    assert_status(shai_stream_horizon(s, &horizon), SHAI_OK);
    assert_int_equal(horizon, 0);
    /* The invalid calls above did not disturb the stream. */
    assert_status(shai_stream_write(s, LIT("网络赌博")), SHAI_OK);
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_string_equal(render_hits(db, hv.v, hv.n), "6-12:赌博");
    hit_vec_free(&hv);
    shai_db_free(db);
}

/* ------------------------------------------------------ entry validation */

static int add_plain(shai_builder *b, const char *text, size_t len)
{
    return shai_builder_add_entry(b, text, len, NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL);
}

static void test_entry_empty(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(add_plain(b, "", 0), SHAI_E_EMPTY_ENTRY);
    assert_status(add_plain(b, "赌博", 0), SHAI_E_EMPTY_ENTRY);
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_true(shai_builder_error_message(b)[0] != '\0');
    shai_builder_free(b);
}

static void test_entry_bad_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\xff",
        "\xfe",
        "a\x80",
        "\xbf"
        "a",
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong 3-byte */
        "\xf0\x80\x80\xaf", /* overlong 4-byte */
        "\xed\xa0\x80",     /* surrogate U+D800 */
        "\xed\xbf\xbf",     /* surrogate U+DFFF */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf5\x80\x80\x80", /* lead byte F5 */
        "\xe8\xb5",         /* truncated 赌 */
        "\xe8\xb5"
        "a",                    /* truncated 赌 before ASCII */
        "\xf0\x9f\x8e",         /* truncated 🎲 */
        "\xf8\x88\x80\x80\x80", /* 5-byte form */
        "赌\xe5\x8d",           /* truncated 博 */
        "a\xc3",                /* truncated é */
    };
    shai_builder *b = new_builder();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = add_plain(b, bad[i], strlen(bad[i]));
        if (rc != SHAI_E_BAD_UTF8)
            print_error("entry #%zu\n", i);
        assert_status(rc, SHAI_E_BAD_UTF8);
    }
    /* text_len, not the NUL, ends the entry: cutting inside 博 is invalid. */
    assert_status(add_plain(b, "赌博", 4), SHAI_E_BAD_UTF8);
    assert_int_equal(shai_builder_entry_count(b), 0);

    /* Edges of every sequence length are valid. */
    static const char *const good[] = {
        "\xc2\xa0",         /* U+00A0 */
        "\xdf\xbf",         /* U+07FF */
        "\xe0\xa0\x80",     /* U+0800 */
        "\xed\x9f\xbf",     /* U+D7FF */
        "\xee\x80\x80",     /* U+E000 */
        "\xef\xbf\xbd",     /* U+FFFD */
        "\xf0\x90\x80\x80", /* U+10000 */
        "\xf4\x8f\xbf\xbf", /* U+10FFFF */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_status(add_plain(b, good[i], strlen(good[i])), SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), sizeof good / sizeof good[0]);
    /* Only text_len bytes count: the rest of the string is not the entry. */
    assert_status(add_plain(b, "赌博XYZ", 6), SHAI_OK);
    shai_db *db = compile_builder(b);
    entry_of(db, "赌博", 0);
    assert_int_equal(find_entry(db, "赌博XYZ", 0), UINT32_MAX);
    shai_db_free(db);
    shai_builder_free(b);
}

static void test_entry_control_chars(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len;
    } bad[] = {
        {LIT("a\tb")},
        {LIT("a\nb")},
        {LIT("\r")},
        {LIT("赌\x01博")},
        {LIT("a\x1f")},
        {LIT("\x7f")},
        {LIT("a\x7f"
             "b")},
        {LIT("\xc2\x80")},
        {LIT("\xc2\x85")},
        {LIT("a\xc2\x9f")},
        {LIT("a\0b")},
        {LIT("\0")},
    };
    shai_builder *b = new_builder();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = add_plain(b, bad[i].text, bad[i].len);
        if (rc >= 0)
            print_error("control-character entry #%zu was accepted\n", i);
        assert_true(rc < 0);
        assert_true(shai_builder_error_message(b)[0] != '\0');
    }
    assert_int_equal(shai_builder_entry_count(b), 0);
    /* Just outside the control ranges (a lone space is refused for another
     * reason: it would match every space). */
    assert_status(add_plain(b, LIT(" ")), SHAI_E_EMPTY_ENTRY);
    assert_status(add_plain(b, LIT("   ")), SHAI_E_EMPTY_ENTRY);
    assert_status(add_plain(b, LIT(" ~")), SHAI_OK);
    assert_status(add_plain(b, LIT("~")), SHAI_OK);
    assert_status(add_plain(b, LIT("\xc2\xa0")), SHAI_OK); /* U+00A0 */
    assert_int_equal(shai_builder_entry_count(b), 3);
    shai_builder_free(b);
}

static void repeat(char *out, const char *unit, size_t times)
{
    size_t ul = strlen(unit);
    for (size_t i = 0; i < times; i++)
        memcpy(out + i * ul, unit, ul);
    out[times * ul] = '\0';
}

static void test_entry_length_limit(void **state)
{
    (void)state;
    char buf[4 * 200 + 1];
    shai_builder *b = new_raw_builder();
    const char *units[] = {"a", "é", "赌", "🎲"};
    for (size_t u = 0; u < 4; u++) {
        repeat(buf, units[u], SHAI_MAX_ENTRY_CODEPOINTS + 1);
        assert_status(add_plain(b, buf, strlen(buf)), SHAI_E_ENTRY_TOO_LONG);
        repeat(buf, units[u], 200);
        assert_status(add_plain(b, buf, strlen(buf)), SHAI_E_ENTRY_TOO_LONG);
    }
    assert_int_equal(shai_builder_entry_count(b), 0);
    for (size_t u = 0; u < 4; u++) {
        repeat(buf, units[u], SHAI_MAX_ENTRY_CODEPOINTS);
        assert_status(add_plain(b, buf, strlen(buf)), SHAI_OK);
    }
    assert_int_equal(shai_builder_entry_count(b), 4);

    /* A 128-code-point entry really matches, at exact offsets. */
    shai_db *db = compile_builder(b);
    char text[4 * 140 + 1];
    repeat(text, "赌", 130);
    hit_vec hv = {0};
    assert_status(shai_scan(db, text, strlen(text), SHAI_SCAN_OVERLAPPING, collect_hit, &hv),
                  SHAI_OK);
    assert_int_equal(hv.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(hv.v[i].start, 3 * i);
        assert_int_equal(hv.v[i].end, 3 * i + 3 * 128);
    }
    hit_vec_free(&hv);
    repeat(text, "🎲", 128);
    assert_status(shai_scan(db, text, strlen(text), 0, collect_hit, &hv), SHAI_OK);
    assert_int_equal(hv.n, 1);
    assert_int_equal(hv.v[0].start, 0);
    assert_int_equal(hv.v[0].end, 512);
    hit_vec_free(&hv);
    /* A run of 129 'a' is not a word of 128 'a'. */
    repeat(text, "a", 129);
    assert_string_equal(scan_render(db, text, strlen(text), SHAI_SCAN_OVERLAPPING), "");
    shai_db_free(db);
    shai_builder_free(b);
}

static void test_entry_error_leaves_builder_unchanged(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    /* A failing duplicate does not merge anything into the first. */
    assert_status(shai_builder_add_entry(b, LIT("赌博"), "other", 7, 0, "t", "s"),
                  SHAI_E_INVALID_ARG);
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "other", SHAI_ACTION_BLOCK, 0x10u, "t", "s"),
        SHAI_E_INVALID_ARG);
    assert_int_equal(shai_builder_entry_count(b), 1);
    shai_db *db = compile_builder(b);
    uint32_t action = 0;
    const char *tag = "x", *suggestion = "x";
    assert_status(
        shai_db_entry_info(db, entry_of(db, "赌博", 0), NULL, &action, NULL, &tag, &suggestion),
        SHAI_OK);
    assert_int_equal(action, SHAI_ACTION_REVIEW);
    assert_null(tag);
    assert_null(suggestion);
    assert_int_equal(shai_db_category_count(db), 1);
    shai_db_free(db);
    shai_builder_free(b);
}

/* ----------------------------------------------------- merging, accessors */

static void entry_attrs(const shai_db *db, uint32_t i, const char **category, uint32_t *action,
                        uint32_t *flags, const char **tag, const char **suggestion)
{
    uint32_t cat = UINT32_MAX;
    assert_status(shai_db_entry_info(db, i, &cat, action, flags, tag, suggestion), SHAI_OK);
    assert_true(cat < shai_db_category_count(db));
    assert_status(shai_db_category_name(db, cat, category), SHAI_OK);
}

static void test_merge_duplicates(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博"), "other", SHAI_ACTION_BLOCK, 0, "t1", NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博"), NULL, SHAI_ACTION_REVIEW, 0, "t2", "s1"),
                  SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "third", SHAI_ACTION_REVIEW, 0, NULL, "s2"),
        SHAI_OK);
    /* Block first, review later: block stays. No tag ever: stays NULL. */
    assert_status(shai_builder_add_entry(b, LIT("网赌"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("网赌"), "gambling", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 2);

    shai_db *db = compile_builder(b);
    assert_int_equal(shai_db_entry_count(db), 2);
    const char *category = NULL, *tag = NULL, *suggestion = NULL;
    uint32_t action = 0, flags = 99;
    entry_attrs(db, entry_of(db, "赌博", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "gambling");
    assert_int_equal(action, SHAI_ACTION_BLOCK);
    assert_int_equal(flags, 0);
    assert_non_null(tag);
    assert_string_equal(tag, "t1");
    assert_non_null(suggestion);
    assert_string_equal(suggestion, "s1");

    entry_attrs(db, entry_of(db, "网赌", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "uncategorized");
    assert_int_equal(action, SHAI_ACTION_BLOCK);
    assert_null(tag);
    assert_null(suggestion);
    shai_db_free(db);
    shai_builder_free(b);
}

static void test_merge_allow_is_separate(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_entry(b, LIT("赌博"), "a", SHAI_ACTION_REVIEW, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "b", SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW, "t", NULL),
        SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "c", SHAI_ACTION_REVIEW, SHAI_ENTRY_ALLOW, "u", "s"),
        SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 2);
    shai_db *db = compile_builder(b);
    const char *category = NULL, *tag = NULL, *suggestion = NULL;
    uint32_t action = 0, flags = 0;
    entry_attrs(db, entry_of(db, "赌博", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "a");
    assert_int_equal(action, SHAI_ACTION_REVIEW);
    assert_int_equal(flags, 0);
    assert_null(tag);
    assert_null(suggestion);
    entry_attrs(db, entry_of(db, "赌博", 1), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "b");
    assert_int_equal(action, SHAI_ACTION_BLOCK);
    assert_int_equal(flags, SHAI_ENTRY_ALLOW);
    assert_string_equal(tag, "t");
    assert_string_equal(suggestion, "s");
    shai_db_free(db);
    shai_builder_free(b);
}

static void test_entry_accessors(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_entry(b, LIT("最好"), "ad-law", SHAI_ACTION_REVIEW, 0, "adlaw", "很好"),
        SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("fuck you"), "abuse", SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("🎲赌"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW,
                                         NULL, NULL),
                  SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 3);
    shai_db *db = compile_builder(b);
    assert_int_equal(shai_db_entry_count(db), 3);

    static const char *const words[] = {"最好", "fuck you", "🎲赌"};
    for (uint32_t i = 0; i < 3; i++) {
        const char *text = NULL;
        size_t len = 0;
        assert_status(shai_db_entry_text(db, i, &text, &len), SHAI_OK);
        assert_non_null(text);
        assert_int_equal(strlen(text), len); /* NUL-terminated, no NUL inside */
        int known = 0;
        for (size_t w = 0; w < 3; w++)
            known |= strcmp(text, words[w]) == 0;
        assert_true(known);
    }

    const char *category = NULL, *tag = NULL, *suggestion = NULL;
    uint32_t action = 0, flags = 0;
    entry_attrs(db, entry_of(db, "最好", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "ad-law");
    assert_int_equal(action, SHAI_ACTION_REVIEW);
    assert_int_equal(flags, 0);
    assert_string_equal(tag, "adlaw");
    assert_string_equal(suggestion, "很好");

    entry_attrs(db, entry_of(db, "fuck you", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "abuse");
    assert_int_equal(action, SHAI_ACTION_BLOCK);
    assert_null(tag);
    assert_null(suggestion);

    entry_attrs(db, entry_of(db, "🎲赌", 1), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "uncategorized");
    assert_int_equal(flags, SHAI_ENTRY_ALLOW);

    /* The db does not depend on the builder. */
    shai_builder_free(b);
    entry_attrs(db, entry_of(db, "最好", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(suggestion, "很好");
    shai_db_free(db);
}

static void test_categories(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_entry(b, LIT("甲"), "a", SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("乙"), "b", SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("丙"), "a", SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("丁"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("戊"), "uncategorized", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("己"), "色情", SHAI_ACTION_REVIEW, SHAI_ENTRY_ALLOW,
                                         NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);

    uint32_t n = shai_db_category_count(db);
    assert_int_equal(n, 4);
    int seen_a = 0, seen_b = 0, seen_u = 0, seen_zh = 0;
    for (uint32_t id = 0; id < n; id++) {
        const char *name = NULL;
        assert_status(shai_db_category_name(db, id, &name), SHAI_OK);
        assert_non_null(name);
        seen_a += strcmp(name, "a") == 0;
        seen_b += strcmp(name, "b") == 0;
        seen_u += strcmp(name, "uncategorized") == 0;
        seen_zh += strcmp(name, "色情") == 0;
    }
    assert_int_equal(seen_a, 1);
    assert_int_equal(seen_b, 1);
    assert_int_equal(seen_u, 1);
    assert_int_equal(seen_zh, 1);

    static const struct {
        const char *word;
        int allow;
        const char *category;
    } expect[] = {{"甲", 0, "a"},
                  {"乙", 0, "b"},
                  {"丙", 0, "a"},
                  {"丁", 0, "uncategorized"},
                  {"戊", 0, "uncategorized"},
                  {"己", 1, "色情"}};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const char *category = NULL;
        uint32_t action = 0, flags = 0;
        entry_attrs(db, entry_of(db, expect[i].word, expect[i].allow), &category, &action, &flags,
                    NULL, NULL);
        assert_string_equal(category, expect[i].category);
    }

    /* Hits carry the category id of their entry. */
    shai_hit hits[8];
    size_t count = 0;
    assert_status(shai_scan_hits(db, LIT("乙丙"), 0, hits, 8, &count), SHAI_OK);
    assert_int_equal(count, 2);
    const char *name = NULL;
    assert_status(shai_db_category_name(db, hits[0].category, &name), SHAI_OK);
    assert_string_equal(name, "b");
    assert_status(shai_db_category_name(db, hits[1].category, &name), SHAI_OK);
    assert_string_equal(name, "a");
    shai_db_free(db);
}

static void test_empty_builder(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    assert_int_equal(shai_db_entry_count(db), 0);
    const char *text = NULL;
    size_t len = 0;
    assert_status(shai_db_entry_text(db, 0, &text, &len), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_entry_info(db, 0, NULL, NULL, NULL, NULL, NULL), SHAI_E_OUT_OF_RANGE);

    static const char sample[] = "赌博 ass 🎲\xff\0 abc";
    for (uint32_t flags = 0; flags < 4; flags++) {
        assert_status(shai_scan(db, sample, sizeof sample - 1, flags, never_called, NULL), SHAI_OK);
        size_t count = 99;
        assert_status(shai_scan_hits(db, sample, sizeof sample - 1, flags, NULL, 0, &count),
                      SHAI_OK);
        assert_int_equal(count, 0);
        shai_stream *s = NULL;
        assert_status(shai_stream_open(db, flags, never_called, NULL, &s), SHAI_OK);
        assert_status(shai_stream_write(s, sample, sizeof sample - 1), SHAI_OK);
        assert_status(shai_stream_close(s), SHAI_OK);
    }
    uint32_t verdict = 99;
    size_t count = 99;
    assert_status(shai_check(db, sample, sizeof sample - 1, 0, &verdict, NULL, 0, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    assert_int_equal(count, 0);
    char out[64];
    size_t out_len = 0;
    assert_status(shai_mask(db, sample, sizeof sample - 1, '*', out, sizeof out, &out_len),
                  SHAI_OK);
    assert_int_equal(out_len, sizeof sample - 1);
    assert_memory_equal(out, sample, sizeof sample);
    shai_db_free(db);
}

static void test_compile_twice(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db1 = compile_builder(b);
    shai_db *db2 = compile_builder(b);
    assert_int_equal(shai_builder_entry_count(b), 1);
    assert_status(add_plain(b, LIT("网络")), SHAI_OK);
    shai_db *db3 = compile_builder(b);
    shai_builder_free(b);
    assert_int_equal(shai_db_entry_count(db1), 1);
    assert_int_equal(shai_db_entry_count(db2), 1);
    assert_int_equal(shai_db_entry_count(db3), 2);
    assert_string_equal(scan_render(db1, LIT("网络赌博"), 0), "6-12:赌博");
    assert_string_equal(scan_render(db2, LIT("网络赌博"), 0), "6-12:赌博");
    assert_string_equal(scan_render(db3, LIT("网络赌博"), 0), "0-6:网络 6-12:赌博");
    shai_db_free(db1);
    shai_db_free(db3);
    assert_string_equal(scan_render(db2, LIT("网络赌博"), 0), "6-12:赌博");
    shai_db_free(db2);
}

/* ----------------------------------------------------------- scan order */

static shai_db *chain_db(void)
{
    /* Overlapping words, added in an order unlike any hit order. */
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

static void test_overlapping_order(void **state)
{
    (void)state;
    shai_db *db = chain_db();
    assert_string_equal(scan_render(db, LIT("甲乙丙丁"), SHAI_SCAN_OVERLAPPING),
                        "0-6:甲乙 0-9:甲乙丙 3-9:乙丙 6-9:丙 6-12:丙丁");
    assert_string_equal(scan_render(db, LIT("丙丙"), SHAI_SCAN_OVERLAPPING), "0-3:丙 3-6:丙");
    shai_db_free(db);
}

static void test_leftmost_longest(void **state)
{
    (void)state;
    shai_db *db = chain_db();
    assert_string_equal(scan_render(db, LIT("甲乙丙丁"), 0), "0-9:甲乙丙");
    assert_string_equal(scan_render(db, LIT("乙丙丁"), 0), "0-6:乙丙");
    assert_string_equal(scan_render(db, LIT("丙丁丙"), 0), "0-6:丙丁 6-9:丙");
    assert_string_equal(scan_render(db, LIT("甲乙甲乙丙"), 0), "0-6:甲乙 6-15:甲乙丙");
    shai_db_free(db);
}

static void test_same_span_lowest_index(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(shai_builder_add_entry(b, LIT("赌博"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW,
                                         NULL, NULL),
                  SHAI_OK);
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    uint32_t allow = entry_of(db, "赌博", 1), deny = entry_of(db, "赌博", 0);
    uint32_t lo = allow < deny ? allow : deny, hi = allow < deny ? deny : allow;

    shai_hit hits[4];
    size_t count = 0;
    assert_status(shai_scan_hits(db, LIT("赌博"), SHAI_SCAN_OVERLAPPING, hits, 4, &count), SHAI_OK);
    assert_int_equal(count, 2);
    assert_int_equal(hits[0].entry, lo);
    assert_int_equal(hits[1].entry, hi);
    assert_status(shai_scan_hits(db, LIT("赌博"), 0, hits, 4, &count), SHAI_OK);
    assert_int_equal(count, 1);
    assert_int_equal(hits[0].entry, lo);
    /* The allow entry covers the deny hit. */
    assert_status(shai_scan_hits(db, LIT("赌博"), SHAI_SCAN_VIOLATIONS, hits, 4, &count), SHAI_OK);
    assert_int_equal(count, 0);
    shai_db_free(db);
}

/* ------------------------------------------------------ word boundaries */

static shai_db *latin_db(void)
{
    shai_builder *b = new_raw_builder();
    static const char *const words[] = {"ass", "qq", "123", "café", "赌a", "b赌", "fuck you"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        assert_status(add_plain(b, words[i], strlen(words[i])), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

static void test_latin_boundaries(void **state)
{
    (void)state;
    shai_db *db = latin_db();
    static const struct {
        const char *text;
        size_t len;
        const char *hits;
    } cases[] = {
        {LIT("class"), ""},
        {LIT("ass"), "0-3:ass"},
        {LIT("an ass."), "3-6:ass"},
        {LIT("assassin"), ""},
        {LIT("ass1"), ""},
        {LIT("1ass"), ""},
        {LIT("_ass_"), "1-4:ass"},
        {LIT("ass,ass"), "0-3:ass 4-7:ass"},
        {LIT("赌ass赌"), "3-6:ass"},
        {LIT("qqq123"), ""},
        {LIT("qq123"), ""},
        {LIT("qq号123"), "0-2:qq 5-8:123"},
        {LIT("加qq"), "3-5:qq"},
        {LIT("1234"), ""},
        {LIT("0123"), ""},
        {LIT("-123-"), "1-4:123"},
        {LIT("cafés"), ""},
        {LIT("café!"), "0-5:café"},
        {LIT("un café"), "3-8:café"},
        {LIT("caféé"), ""},
        {LIT("écafé"), ""},
        {LIT("×ass×"), "2-5:ass"},   /* U+00D7 is not a letter */
        {LIT("÷ass÷"), "2-5:ass"},   /* U+00F7 is not a letter */
        {LIT("Àass"), ""},           /* U+00C0 is */
        {LIT("assǿ"), ""},           /* U+01FF */
        {LIT("ḁass"), ""},           /* U+1E01 */
        {LIT("ａass"), ""},          /* U+FF41 fullwidth a */
        {LIT("ass１"), ""},          /* U+FF11 fullwidth 1 */
        {LIT("＠ass＠"), "3-6:ass"}, /* U+FF20 is not a letter */
        {LIT("赌ab"), ""},
        {LIT("赌a赌"), "0-4:赌a"},
        {LIT("x赌a"), "1-5:赌a"},
        {LIT("ab赌"), ""},
        {LIT("b赌b"), "0-4:b赌"},
        {LIT("赌a b赌"), "0-4:赌a 5-9:b赌"},
        {LIT("fuck you"), "0-8:fuck you"},
        {LIT("fuck young"), ""},
        {LIT("\xff"
             "ass\xff"),
         "1-4:ass"},
        {LIT("a\xff"
             "ass"),
         "2-5:ass"},
        {LIT("ass\0ass"), "0-3:ass 4-7:ass"},
        {LIT("\xe8\xb5"
             "ass"),
         "2-5:ass"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (uint32_t flags = 0; flags < 4; flags++) {
            const char *got = scan_render(db, cases[i].text, cases[i].len, flags);
            if (strcmp(got, cases[i].hits) != 0)
                print_error("case #%zu '%s' flags %u\n", i, cases[i].text, (unsigned)flags);
            assert_string_equal(got, cases[i].hits);
        }
    }
    shai_db_free(db);
}

static void test_cjk_anywhere(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    assert_status(add_plain(b, LIT("🎲")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    assert_string_equal(scan_render(db, LIT("abc赌博def"), 0), "3-9:赌博");
    assert_string_equal(scan_render(db, LIT("1赌博1"), 0), "1-7:赌博");
    assert_string_equal(scan_render(db, LIT("é赌博é"), 0), "2-8:赌博");
    assert_string_equal(scan_render(db, LIT("赌博赌博"), 0), "0-6:赌博 6-12:赌博");
    assert_string_equal(scan_render(db, LIT("赌赌博博"), 0), "3-9:赌博");
    assert_string_equal(scan_render(db, LIT("a🎲b"), 0), "1-5:🎲");
    assert_string_equal(scan_render(db, LIT("🎲🎲"), 0), "0-4:🎲 4-8:🎲");
    shai_db_free(db);
}

/* --------------------------------------------- invalid UTF-8, NUL bytes */

static void test_invalid_utf8_offsets(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    assert_status(add_plain(b, LIT("🎲赌")), SHAI_OK);
    assert_status(add_plain(b, LIT("\xef\xbf\xbd")), SHAI_OK); /* U+FFFD */
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    static const struct {
        const char *text;
        size_t len;
        const char *hits;
    } cases[] = {
        {LIT("\xff赌博"), "1-7:赌博"},
        {LIT("赌\xff博"), ""},
        {LIT("\xe8\xb5赌博"), "2-8:赌博"},
        {LIT("\xe8赌博\xe5"), "1-7:赌博"},
        {LIT("\xed\xa0\x80赌博"), "3-9:赌博"},
        {LIT("\xc0\xaf赌博"), "2-8:赌博"},
        {LIT("\xf0\x9f\x98赌博"), "3-9:赌博"},
        {LIT("\xf4\x90\x80\x80赌博"), "4-10:赌博"},
        {LIT("赌博\x8c\x8c赌博"), "0-6:赌博 8-14:赌博"},
        {LIT("\xe8\xb5\x8c\xe5\x8d\x9a"), "0-6:赌博"},
        {LIT("赌\xe5\x8d"), ""},
        {LIT("\xe8\xb5\x8c\xe5\x8d"), ""},
        {LIT("\xf0🎲赌"), "1-8:🎲赌"},
        {LIT("\xf0\x9f\x8e赌"), ""},
        /* Invalid bytes are not U+FFFD. */
        {LIT("\xff\xfe\x80"), ""},
        {LIT("\xef\xbf\xbd\xff"), "0-3:\xef\xbf\xbd"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (uint32_t flags = 0; flags < 4; flags++) {
            const char *got = scan_render(db, cases[i].text, cases[i].len, flags);
            if (strcmp(got, cases[i].hits) != 0)
                print_error("case #%zu flags %u\n", i, (unsigned)flags);
            assert_string_equal(got, cases[i].hits);
        }
    }
    shai_db_free(db);
}

static void test_nul_bytes_in_text(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    assert_string_equal(scan_render(db, LIT("赌博\0赌博"), 0), "0-6:赌博 7-13:赌博");
    assert_string_equal(scan_render(db, LIT("\0\0赌博\0"), 0), "2-8:赌博");
    assert_string_equal(scan_render(db, LIT("赌\0博"), 0), "");
    char out[32];
    size_t out_len = 0;
    assert_status(shai_mask(db, LIT("\0赌博\0x"), '*', out, sizeof out, &out_len), SHAI_OK);
    assert_int_equal(out_len, 5);
    assert_memory_equal(out, "\0**\0x", 6);
    shai_db_free(db);
}

/* ------------------------------------------------------ termination */

static void test_callback_terminates(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    static const char text[] = "赌博赌博赌博赌博";
    for (uint32_t flags = 0; flags < 4; flags++) {
        for (size_t stop = 1; stop <= 4; stop++) {
            hit_vec hv = {.stop_after = stop};
            int rc = shai_scan(db, LIT(text), flags, collect_hit, &hv);
            assert_status(rc, SHAI_TERMINATED);
            assert_int_equal(hv.n, stop);
            assert_int_equal(hv.v[stop - 1].start, 6 * (stop - 1));
            hit_vec_free(&hv);
        }
    }
    /* Without a stop, all four. */
    hit_vec hv = {0};
    assert_status(shai_scan(db, LIT(text), 0, collect_hit, &hv), SHAI_OK);
    assert_int_equal(hv.n, 4);
    hit_vec_free(&hv);
    shai_db_free(db);
}

static int stop_negative(const shai_hit *hit, void *user)
{
    (void)hit;
    ++*(int *)user;
    return -1;
}

static void test_callback_terminates_any_nonzero(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    int calls = 0;
    assert_status(shai_scan(db, LIT("赌博赌博"), 0, stop_negative, &calls), SHAI_TERMINATED);
    assert_int_equal(calls, 1);
    shai_db_free(db);
}

/* --------------------------------------------------------- scan_hits */

static void test_scan_hits_buffer(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    static const char text[] = "赌博x赌博x赌博";
    size_t count = 0;
    assert_status(shai_scan_hits(db, LIT(text), 0, NULL, 0, &count), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(count, 3);

    shai_hit hits[6];
    memset(hits, 0xAB, sizeof hits);
    count = 0;
    assert_status(shai_scan_hits(db, LIT(text), 0, hits, 2, &count), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(count, 3);
    assert_int_equal(hits[0].start, 0);
    assert_int_equal(hits[0].end, 6);
    assert_int_equal(hits[1].start, 7);
    assert_int_equal(hits[1].end, 13);
    /* Nothing written past cap. */
    shai_hit untouched;
    memset(&untouched, 0xAB, sizeof untouched);
    assert_memory_equal(&hits[2], &untouched, sizeof untouched);

    memset(hits, 0xAB, sizeof hits);
    assert_status(shai_scan_hits(db, LIT(text), 0, hits, 3, &count), SHAI_OK);
    assert_int_equal(count, 3);
    assert_int_equal(hits[2].start, 14);
    assert_int_equal(hits[2].end, 20);
    assert_memory_equal(&hits[3], &untouched, sizeof untouched);

    assert_status(shai_scan_hits(db, LIT(text), 0, hits, 6, &count), SHAI_OK);
    assert_int_equal(count, 3);
    assert_memory_equal(&hits[3], &untouched, sizeof untouched);

    /* No hits: a NULL buffer is fine. */
    assert_status(shai_scan_hits(db, LIT("nothing"), 0, NULL, 0, &count), SHAI_OK);
    assert_int_equal(count, 0);
    shai_db_free(db);
}

/* ------------------------------------------------------------- check */

static shai_db *policy_db(void)
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

static uint32_t verdict_of(const shai_db *db, const char *text, size_t len, uint32_t flags,
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

static void test_check_allow_suppresses(void **state)
{
    (void)state;
    shai_db *db = policy_db();
    const char *r = NULL;
    for (uint32_t flags = 0; flags < 2; flags++) {
        assert_int_equal(verdict_of(db, LIT("中国赌博史"), flags, &r), SHAI_ACTION_PASS);
        assert_string_equal(r, "");
        assert_int_equal(verdict_of(db, LIT("网络赌博"), flags, &r), SHAI_ACTION_BLOCK);
        assert_string_equal(r, "6-12:赌博");
        assert_int_equal(verdict_of(db, LIT("中国赌博史和网络赌博"), flags, &r), SHAI_ACTION_BLOCK);
        assert_string_equal(r, "24-30:赌博");
        assert_int_equal(verdict_of(db, LIT("赌博 史"), flags, &r), SHAI_ACTION_BLOCK);
        assert_string_equal(r, "0-6:赌博");
    }
    /* scan with VIOLATIONS agrees with check. */
    assert_string_equal(scan_render(db, LIT("中国赌博史和网络赌博"), SHAI_SCAN_VIOLATIONS),
                        "24-30:赌博");
    assert_string_equal(scan_render(db, LIT("中国赌博史和网络赌博"), SHAI_SCAN_OVERLAPPING),
                        "6-12:赌博 6-15:+赌博史 24-30:赌博");
    assert_string_equal(scan_render(db, LIT("中国赌博史和网络赌博"), 0), "6-15:+赌博史 24-30:赌博");
    shai_db_free(db);
}

static void test_check_strongest_action(void **state)
{
    (void)state;
    shai_db *db = policy_db();
    const char *r = NULL;
    assert_int_equal(verdict_of(db, LIT("这是最好的"), 0, &r), SHAI_ACTION_REVIEW);
    assert_string_equal(r, "6-12:最好");
    assert_int_equal(verdict_of(db, LIT("最好的赌博"), 0, &r), SHAI_ACTION_BLOCK);
    assert_string_equal(r, "0-6:最好 9-15:赌博");
    assert_int_equal(verdict_of(db, LIT("赌博 ass 最好"), SHAI_SCAN_OVERLAPPING, &r),
                     SHAI_ACTION_BLOCK);
    assert_int_equal(verdict_of(db, LIT("ass"), 0, &r), SHAI_ACTION_REVIEW);
    assert_int_equal(verdict_of(db, LIT("class 最好的赌博史"), 0, &r), SHAI_ACTION_REVIEW);
    assert_string_equal(r, "6-12:最好");
    assert_int_equal(verdict_of(db, LIT("nothing here"), 0, &r), SHAI_ACTION_PASS);
    shai_db_free(db);
}

static void test_check_violations_are_computed_on_all_hits(void **state)
{
    (void)state;
    /* 乙 is covered by the allow entry 甲乙; 乙丙 is not. The leftmost-longest
     * selection runs on the violations, so 乙丙 is reported. */
    shai_builder *b = new_raw_builder();
    assert_status(shai_builder_add_entry(b, LIT("乙"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("甲乙"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW,
                                         NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("乙丙"), NULL, SHAI_ACTION_REVIEW, 0, NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    const char *r = NULL;
    assert_int_equal(verdict_of(db, LIT("甲乙丙"), 0, &r), SHAI_ACTION_REVIEW);
    assert_string_equal(r, "3-9:乙丙");
    assert_int_equal(verdict_of(db, LIT("甲乙"), 0, &r), SHAI_ACTION_PASS);
    assert_int_equal(verdict_of(db, LIT("乙丙"), 0, &r), SHAI_ACTION_BLOCK);
    assert_string_equal(r, "0-6:乙丙");
    assert_int_equal(verdict_of(db, LIT("乙丙"), SHAI_SCAN_OVERLAPPING, &r), SHAI_ACTION_BLOCK);
    assert_string_equal(r, "0-3:乙 0-6:乙丙");
    assert_string_equal(scan_render(db, LIT("甲乙丙"), 0), "0-6:+甲乙");
    assert_string_equal(scan_render(db, LIT("甲乙丙"), SHAI_SCAN_VIOLATIONS), "3-9:乙丙");
    shai_db_free(db);
}

static void test_check_buffer(void **state)
{
    (void)state;
    shai_db *db = policy_db();
    static const char text[] = "最好的赌博,最好";
    uint32_t verdict = 99;
    size_t count = 0;
    /* Too small: the count and the verdict are still complete. */
    assert_status(shai_check(db, LIT(text), 0, &verdict, NULL, 0, &count), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(count, 3);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    shai_hit hits[3];
    verdict = 99;
    assert_status(shai_check(db, LIT(text), 0, &verdict, hits, 1, &count), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(count, 3);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_int_equal(hits[0].start, 0);
    assert_int_equal(hits[0].end, 6);
    assert_status(shai_check(db, LIT(text), 0, &verdict, hits, 3, &count), SHAI_OK);
    assert_int_equal(count, 3);
    assert_string_equal(render_hits(db, hits, 3), "0-6:最好 9-15:赌博 16-22:最好");
    shai_db_free(db);
}

/* -------------------------------------------------------------- mask */

static const char *mask_of(const shai_db *db, const char *text, size_t len, uint32_t mask_char,
                           size_t *out_len)
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

static void test_mask_basic(void **state)
{
    (void)state;
    shai_db *db = policy_db();
    size_t n = 0;
    const char *m = mask_of(db, LIT("网络赌博, you ass!"), '*', &n);
    assert_string_equal(m, "网络**, you ***!");
    assert_int_equal(n, strlen("网络**, you ***!"));
    m = mask_of(db, LIT("中国赌博史"), '*', &n);
    assert_string_equal(m, "中国赌博史");
    m = mask_of(db, LIT("class最好"), '#', &n);
    assert_string_equal(m, "class##");
    m = mask_of(db, LIT(""), '*', &n);
    assert_int_equal(n, 0);
    assert_string_equal(m, "");
    m = mask_of(db, LIT("\xff赌博\xe8\xb5"), '*', &n);
    assert_int_equal(n, 5);
    assert_memory_equal(m, "\xff**\xe8\xb5", 6);
    shai_db_free(db);
}

static void test_mask_multibyte(void **state)
{
    (void)state;
    shai_db *db = policy_db();
    size_t n = 0;
    const char *m = mask_of(db, LIT("网络赌博, you ass!"), 0xFF0A /* ＊ */, &n);
    assert_string_equal(m, "网络＊＊, you ＊＊＊!");
    m = mask_of(db, LIT("网络赌博, you ass!"), 0x2588 /* █ */, &n);
    assert_string_equal(m, "网络██, you ███!");
    m = mask_of(db, LIT("ass"), 0x1F4A9, &n);
    assert_int_equal(n, 12);
    assert_string_equal(m, "💩💩💩");
    m = mask_of(db, LIT("赌博"), 0xE9 /* é */, &n);
    assert_string_equal(m, "éé");
    shai_db_free(db);
}

static void test_mask_buffer_too_small(void **state)
{
    (void)state;
    shai_db *db = policy_db();
    static const char text[] = "网络赌博";
    char out[32];
    size_t out_len = 0;
    /* With ＊ the result grows to 12 bytes + NUL. */
    assert_status(shai_mask(db, LIT(text), 0xFF0A, NULL, 0, &out_len), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(out_len, 12);
    assert_status(shai_mask(db, LIT(text), 0xFF0A, out, 12, &out_len), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(out_len, 12);
    assert_status(shai_mask(db, LIT(text), 0xFF0A, out, 1, &out_len), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(out_len, 12);
    assert_status(shai_mask(db, LIT(text), 0xFF0A, out, 13, &out_len), SHAI_OK);
    assert_string_equal(out, "网络＊＊");
    /* With * it shrinks to 8 bytes. */
    assert_status(shai_mask(db, LIT(text), '*', out, 8, &out_len), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(out_len, 8);
    assert_status(shai_mask(db, LIT(text), '*', out, 9, &out_len), SHAI_OK);
    assert_string_equal(out, "网络**");
    /* Without violations the copy still needs room for the NUL. */
    assert_status(shai_mask(db, LIT("abc"), '*', out, 3, &out_len), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(out_len, 3);
    shai_db_free(db);
}

static void test_mask_overlapping_violations(void **state)
{
    (void)state;
    shai_db *db = chain_db();
    size_t n = 0;
    /* Every code point of every violation: 丙丁 overlaps the leftmost-longest
     * 甲乙丙 but is a violation too, so 丁 is masked as well. */
    const char *m = mask_of(db, LIT("x甲乙丙丁x"), '*', &n);
    assert_string_equal(m, "x****x");
    m = mask_of(db, LIT("甲乙x丙丙丁"), '*', &n);
    assert_string_equal(m, "**x***");
    shai_db_free(db);

    /* A deny hit inside an allow hit is not masked; one that sticks out is. */
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("乙")), SHAI_OK);
    assert_status(add_plain(b, LIT("乙丙")), SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("甲乙"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW,
                                         NULL, NULL),
                  SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    m = mask_of(db, LIT("甲乙"), '*', &n);
    assert_string_equal(m, "甲乙");
    m = mask_of(db, LIT("甲乙丙"), '*', &n);
    assert_string_equal(m, "甲**");
    shai_db_free(db);
}

/* ------------------------------------------------------------ options */

static void test_set_option_bad_args(void **state)
{
    (void)state;
    assert_status(shai_builder_set_option(NULL, SHAI_OPT_FOLD, 0), SHAI_E_INVALID_ARG);
    shai_builder *b = new_builder();
    const uint32_t unknown[] = {0, 4, 99, UINT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        assert_status(shai_builder_set_option(b, unknown[i], 0), SHAI_E_BAD_OPTION);
    static const struct {
        uint32_t option;
        int64_t value;
    } bad[] = {
        {SHAI_OPT_FOLD, -1},
        {SHAI_OPT_FOLD, 0x80},
        {SHAI_OPT_FOLD, SHAI_FOLD_ALL + 1},
        {SHAI_OPT_FOLD, INT64_MAX},
        {SHAI_OPT_FOLD, INT64_MIN},
        {SHAI_OPT_MAX_GAP, -1},
        {SHAI_OPT_MAX_GAP, 17},
        {SHAI_OPT_MAX_GAP, INT64_MAX},
        {SHAI_OPT_REPEATS, -1},
        {SHAI_OPT_REPEATS, 2},
    };
    assert_status(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 5), SHAI_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = shai_builder_set_option(b, bad[i].option, bad[i].value);
        if (rc != SHAI_E_BAD_OPTION)
            print_error("option %u value %lld\n", (unsigned)bad[i].option, (long long)bad[i].value);
        assert_status(rc, SHAI_E_BAD_OPTION);
    }
    static const struct {
        uint32_t option;
        int64_t value;
    } good[] = {
        {SHAI_OPT_FOLD, 0},    {SHAI_OPT_FOLD, SHAI_FOLD_ALL}, {SHAI_OPT_FOLD, SHAI_FOLD_T2S},
        {SHAI_OPT_MAX_GAP, 0}, {SHAI_OPT_MAX_GAP, 16},         {SHAI_OPT_REPEATS, 0},
        {SHAI_OPT_REPEATS, 1},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_status(shai_builder_set_option(b, good[i].option, good[i].value), SHAI_OK);
    shai_builder_free(b);

    /* A refused value leaves the earlier one in place. */
    b = new_builder();
    assert_status(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 5), SHAI_OK);
    assert_status(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 17), SHAI_E_BAD_OPTION);
    assert_status(shai_builder_set_option(b, SHAI_OPT_FOLD, SHAI_FOLD_CASE), SHAI_OK);
    assert_status(shai_builder_set_option(b, SHAI_OPT_FOLD, 0x100), SHAI_E_BAD_OPTION);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    int64_t v = -1;
    assert_status(shai_db_option(db, SHAI_OPT_MAX_GAP, &v), SHAI_OK);
    assert_int_equal(v, 5);
    assert_status(shai_db_option(db, SHAI_OPT_FOLD, &v), SHAI_OK);
    assert_int_equal(v, SHAI_FOLD_CASE);
    shai_db_free(db);
}

static void test_db_option(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_status(shai_db_option(NULL, SHAI_OPT_FOLD, &v), SHAI_E_INVALID_ARG);
    shai_builder *b = new_builder();
    shai_db *db = compile_builder(b);
    assert_status(shai_db_option(db, SHAI_OPT_FOLD, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_option(db, 0, &v), SHAI_E_BAD_OPTION);
    assert_status(shai_db_option(db, 4, &v), SHAI_E_BAD_OPTION);
    assert_status(shai_db_option(db, UINT32_MAX, &v), SHAI_E_BAD_OPTION);
    /* Defaults. */
    assert_status(shai_db_option(db, SHAI_OPT_FOLD, &v), SHAI_OK);
    assert_int_equal(v, SHAI_FOLD_ALL);
    assert_status(shai_db_option(db, SHAI_OPT_MAX_GAP, &v), SHAI_OK);
    assert_int_equal(v, 3);
    assert_status(shai_db_option(db, SHAI_OPT_REPEATS, &v), SHAI_OK);
    assert_int_equal(v, 1);
    /* Options set after compiling do not reach the compiled db. */
    assert_status(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 7), SHAI_OK);
    assert_status(shai_db_option(db, SHAI_OPT_MAX_GAP, &v), SHAI_OK);
    assert_int_equal(v, 3);
    shai_db *db2 = compile_builder(b);
    assert_status(shai_db_option(db2, SHAI_OPT_MAX_GAP, &v), SHAI_OK);
    assert_int_equal(v, 7);
    shai_db_free(db2);
    shai_db_free(db);
    shai_builder_free(b);

    b = new_raw_builder();
    db = compile_builder(b);
    shai_builder_free(b);
    for (uint32_t opt = SHAI_OPT_FOLD; opt <= SHAI_OPT_REPEATS; opt++) {
        assert_status(shai_db_option(db, opt, &v), SHAI_OK);
        assert_int_equal(v, 0);
    }
    shai_db_free(db);
}

/* ------------------------------------------------------------ folding */

static const char *fold_of(uint32_t fold, const char *text, size_t len)
{
    static char out[256];
    size_t need = 0, out_len = 0;
    assert_status(shai_fold(fold, text, len, NULL, 0, &need), SHAI_E_BUFFER_TOO_SMALL);
    assert_true(need < sizeof out);
    if (need > 0)
        assert_status(shai_fold(fold, text, len, out, need, &out_len), SHAI_E_BUFFER_TOO_SMALL);
    memset(out, 0x55, sizeof out);
    assert_status(shai_fold(fold, text, len, out, need + 1, &out_len), SHAI_OK);
    assert_int_equal(out_len, need);
    assert_int_equal(out[need], '\0');
    return out;
}

static void test_fold_table_version(void **state)
{
    (void)state;
    const char *v = shai_fold_table_version();
    assert_non_null(v);
    assert_int_equal(strncmp(v, "shai-fold-", 10), 0);
    assert_null(strchr(v, '\n'));
}

static void test_fold_bad_args(void **state)
{
    (void)state;
    char out[16];
    size_t n = 0;
    assert_status(shai_fold(SHAI_FOLD_ALL, NULL, 3, out, sizeof out, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_fold(SHAI_FOLD_ALL, LIT("abc"), NULL, sizeof out, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_fold(SHAI_FOLD_ALL, LIT("abc"), out, sizeof out, NULL), SHAI_E_INVALID_ARG);
    /* Unknown stage bits, like unknown flags, are an invalid argument. */
    assert_status(shai_fold(0x80, LIT("abc"), out, sizeof out, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_fold(UINT32_MAX, LIT("abc"), out, sizeof out, &n), SHAI_E_INVALID_ARG);
    n = 99;
    assert_status(shai_fold(SHAI_FOLD_ALL, NULL, 0, out, sizeof out, &n), SHAI_OK);
    assert_int_equal(n, 0);
    assert_int_equal(out[0], '\0');
}

static void test_fold_stages(void **state)
{
    (void)state;
    /* The examples of shai.h, one stage at a time. */
    assert_string_equal(fold_of(SHAI_FOLD_WIDTH, LIT("ＶＰＮ")), "VPN");
    assert_string_equal(fold_of(SHAI_FOLD_COMPAT, LIT("ⓓ")), "d");
    assert_string_equal(fold_of(SHAI_FOLD_COMPAT, LIT("𝐝")), "d");
    assert_string_equal(fold_of(SHAI_FOLD_COMPAT, LIT("①")), "1");
    assert_string_equal(fold_of(SHAI_FOLD_CASE, LIT("Du")), "du");
    assert_string_equal(fold_of(SHAI_FOLD_DIACRITICS, LIT("pórn")), "porn");
    assert_string_equal(fold_of(SHAI_FOLD_CONFUSABLES, LIT("fu\xd1\x81k")), "fuck"); /* U+0441 */
    assert_string_equal(fold_of(SHAI_FOLD_T2S, LIT("賭博")), "赌博");
    assert_string_equal(fold_of(SHAI_FOLD_IGNORABLES, LIT("赌\xe2\x80\x8b博")), "赌博");
    /* No stage: the text as it is. */
    assert_string_equal(fold_of(0, LIT("ＶＰＮ Du 賭博 pórn")), "ＶＰＮ Du 賭博 pórn");
    /* A stage does only its own work. */
    assert_string_equal(fold_of(SHAI_FOLD_CASE, LIT("賭博")), "賭博");
    assert_string_equal(fold_of(SHAI_FOLD_T2S, LIT("Du")), "Du");
    /* All stages; noise characters are kept. */
    assert_string_equal(fold_of(SHAI_FOLD_ALL, LIT("ＶＰＮ")), "vpn");
    assert_string_equal(fold_of(SHAI_FOLD_ALL, LIT("賭 博!")), "赌 博!");
    assert_string_equal(fold_of(SHAI_FOLD_ALL, LIT("")), "");
    /* Invalid UTF-8 becomes U+FFFD. */
    assert_string_equal(fold_of(SHAI_FOLD_ALL, LIT("\xff")), "\xef\xbf\xbd");
    assert_string_equal(fold_of(0, LIT("a\xff"
                                       "b")),
                        "a\xef\xbf\xbd"
                        "b");
}

/* ------------------------------------------------ default matching rules */

static shai_db *evasion_db(uint32_t extra_flags, int64_t gap, int64_t fold, int64_t repeats)
{
    shai_builder *b = new_builder();
    if (gap >= 0)
        assert_status(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, gap), SHAI_OK);
    if (fold >= 0)
        assert_status(shai_builder_set_option(b, SHAI_OPT_FOLD, fold), SHAI_OK);
    if (repeats >= 0)
        assert_status(shai_builder_set_option(b, SHAI_OPT_REPEATS, repeats), SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_BLOCK, extra_flags,
                                         NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("fuck"), "abuse", SHAI_ACTION_REVIEW, extra_flags,
                                         NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博史"), NULL, SHAI_ACTION_BLOCK,
                                         SHAI_ENTRY_ALLOW | extra_flags, NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

static void test_default_matching(void **state)
{
    (void)state;
    /* The evasions of DESIGN.md meet the word; offsets stay in the user's text. */
    shai_db *db = evasion_db(0, -1, -1, -1);
    static const struct {
        const char *text;
        size_t len;
        const char *hits;
    } cases[] = {
        {LIT("赌博"), "0-6:赌博"},
        {LIT("賭博"), "0-6:赌博"},
        {LIT("x賭博x"), "1-7:赌博"},
        {LIT("赌*博"), "0-7:赌博"},
        {LIT("赌 博"), "0-7:赌博"},
        {LIT("赌\xe2\x80\x8b博"), "0-9:赌博"}, /* ZWSP */
        {LIT("赌***博"), "0-9:赌博"},          /* three noise characters: the default gap */
        {LIT("赌****博"), ""},                 /* four: too many */
        {LIT("FUCK"), "0-4:fuck"},
        {LIT("ｆｕｃｋ"), "0-12:fuck"},
        {LIT("Fu\xd1\x81k"), "0-5:fuck"}, /* Cyrillic с */
        {LIT("f.u.c.k"), "0-7:fuck"},
        {LIT("FUCKING"), ""},
        {LIT("中国賭博史"), "6-15:+赌博史"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = scan_render(db, cases[i].text, cases[i].len, 0);
        if (strcmp(got, cases[i].hits) != 0)
            print_error("case #%zu '%s'\n", i, cases[i].text);
        assert_string_equal(got, cases[i].hits);
    }
    /* A doubled character: some hit, inside the text, and the verdict. */
    shai_hit hits[4];
    size_t count = 0;
    uint32_t verdict = 0;
    assert_status(shai_check(db, LIT("赌赌博博"), 0, &verdict, hits, 4, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_int_equal(count, 1);
    assert_true(hits[0].start <= 3 && hits[0].end >= 9 && hits[0].end <= 12);
    /* Allow entries are folded too. */
    assert_status(shai_check(db, LIT("中国賭 博史"), 0, &verdict, hits, 4, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    /* Masking covers the whole violation, noise in between included. */
    size_t n = 0;
    assert_string_equal(mask_of(db, LIT("赌 博!"), '*', &n), "***!");
    shai_db_free(db);
}

static void test_clause_punctuation(void **state)
{
    (void)state;
    /* Default options. Clause punctuation (, . ! ? ; : 、 。 … and their
     * full-width forms, after folding) is noise inside a Latin word but a
     * boundary between other characters: 入住日：您好 does not contain 日您. */
    shai_db *db = evasion_db(0, -1, -1, -1);
    static const struct {
        const char *text;
        size_t len;
        const char *hits;
    } cases[] = {
        {LIT("赌,博"), ""},           {LIT("赌，博"), ""},
        {LIT("赌。博"), ""},          {LIT("赌、博"), ""},
        {LIT("赌!博"), ""},           {LIT("赌：博"), ""},
        {LIT("赌…博"), ""},           {LIT("赌*博"), "0-7:赌博"},
        {LIT("赌 - 博"), "0-9:赌博"}, {LIT("f.u.c.k"), "0-7:fuck"},
        {LIT("f,u;c!k"), "0-7:fuck"}, {LIT("f. u. c. k"), "0-10:fuck"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = scan_render(db, cases[i].text, cases[i].len, 0);
        if (strcmp(got, cases[i].hits) != 0)
            print_error("case #%zu '%s'\n", i, cases[i].text);
        assert_string_equal(got, cases[i].hits);
    }
    shai_db_free(db);
}

static void test_clause_punctuation_after_digits(void **state)
{
    (void)state;
    /* A digit is not a Latin letter: clause punctuation after it is a
     * boundary, whatever the width of the digit (no folding here). */
    shai_builder *b = new_raw_builder();
    assert_status(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 3), SHAI_OK);
    assert_status(add_plain(b, LIT("1000")), SHAI_OK);
    assert_status(add_plain(b, LIT("００００")), SHAI_OK);
    assert_status(add_plain(b, LIT("ab")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    assert_string_equal(scan_render(db, LIT("a,b"), 0), "0-3:ab");
    /* no noise is skipped between two digits (4～6 级 is not 46级) */
    assert_string_equal(scan_render(db, LIT("1*000"), 0), "");
    assert_string_equal(scan_render(db, LIT("1,000"), 0), "");
    assert_string_equal(scan_render(db, LIT("０*０００"), 0), "");
    assert_string_equal(scan_render(db, LIT("０,０００"), 0), "");
    shai_db_free(db);
}

static void test_exact_entries(void **state)
{
    (void)state;
    shai_db *db = evasion_db(SHAI_ENTRY_EXACT, -1, -1, -1);
    uint32_t flags = 0;
    assert_status(shai_db_entry_info(db, entry_of(db, "赌博", 0), NULL, NULL, &flags, NULL, NULL),
                  SHAI_OK);
    assert_int_equal(flags, SHAI_ENTRY_EXACT);
    assert_status(shai_db_entry_info(db, entry_of(db, "赌博史", 1), NULL, NULL, &flags, NULL, NULL),
                  SHAI_OK);
    assert_int_equal(flags, SHAI_ENTRY_EXACT | SHAI_ENTRY_ALLOW);
    assert_string_equal(scan_render(db, LIT("x赌博x"), 0), "1-7:赌博");
    assert_string_equal(scan_render(db, LIT("賭博"), 0), "");
    assert_string_equal(scan_render(db, LIT("赌 博"), 0), "");
    assert_string_equal(scan_render(db, LIT("赌\xe2\x80\x8b博"), 0), "");
    assert_string_equal(scan_render(db, LIT("FUCK"), 0), "");
    assert_string_equal(scan_render(db, LIT("f.u.c.k"), 0), "");
    assert_string_equal(scan_render(db, LIT("fuck"), 0), "0-4:fuck");
    shai_db_free(db);

    /* EXACT is part of what makes an entry: an exact and a folded 赌博 are
     * different entries? Either way the folded one still matches 賭博. */
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_entry(b, LIT("赌博"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_EXACT,
                                         NULL, NULL),
                  SHAI_OK);
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    const char *r = scan_render(db, LIT("賭博"), 0);
    assert_int_equal(strncmp(r, "0-6:赌博", strlen("0-6:赌博")), 0);
    shai_db_free(db);
}

static void test_options_change_matching(void **state)
{
    (void)state;
    /* No gap: noise breaks the word, folding still applies. */
    shai_db *db = evasion_db(0, 0, -1, -1);
    assert_string_equal(scan_render(db, LIT("赌 博"), 0), "");
    assert_string_equal(scan_render(db, LIT("賭博"), 0), "0-6:赌博");
    shai_db_free(db);
    /* No folding: the noise gap still applies. */
    db = evasion_db(0, -1, 0, -1);
    assert_string_equal(scan_render(db, LIT("賭博"), 0), "");
    assert_string_equal(scan_render(db, LIT("FUCK"), 0), "");
    assert_string_equal(scan_render(db, LIT("赌 博"), 0), "0-7:赌博");
    shai_db_free(db);
    /* Only T2S. */
    db = evasion_db(0, 0, SHAI_FOLD_T2S, 0);
    assert_string_equal(scan_render(db, LIT("賭博"), 0), "0-6:赌博");
    assert_string_equal(scan_render(db, LIT("FUCK"), 0), "");
    shai_db_free(db);
    /* A larger gap. */
    db = evasion_db(0, 16, -1, -1);
    assert_string_equal(scan_render(db, LIT("赌****************博"), 0), "0-22:赌博");
    assert_string_equal(scan_render(db, LIT("赌*****************博"), 0), "");
    shai_db_free(db);
    /* No repeats: a doubled character is just another character. */
    db = evasion_db(0, -1, -1, 0);
    assert_string_equal(scan_render(db, LIT("赌赌博博"), 0), "3-9:赌博");
    shai_db_free(db);
}

static void test_noise_in_entries_hides_nothing(void **state)
{
    (void)state;
    /* Default options. Noise between two characters of a word is invisible
     * on both sides (法*轮*功 is the word 法轮功), so a word written with
     * noise never stops another word from matching across the same noise. */
    shai_builder *b = new_builder();
    assert_status(add_plain(b, LIT("法轮功")), SHAI_OK);
    assert_status(add_plain(b, LIT("法*轮*功")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    uint32_t plain = entry_of(db, "法轮功", 0), dotted = entry_of(db, "法*轮*功", 0);
    static const char *const texts[] = {"法*轮功", "法*轮*功", "法轮功", "法 轮-功"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        shai_hit hits[4];
        size_t count = 0;
        assert_status(
            shai_scan_hits(db, texts[i], strlen(texts[i]), SHAI_SCAN_OVERLAPPING, hits, 4, &count),
            SHAI_OK);
        if (count != 2)
            print_error("text '%s': %s\n", texts[i], render_hits(db, hits, count));
        assert_int_equal(count, 2);
        assert_int_equal(hits[0].entry, plain < dotted ? plain : dotted);
        assert_int_equal(hits[1].entry, plain < dotted ? dotted : plain);
        assert_int_equal(hits[0].start, 0);
        assert_int_equal(hits[0].end, strlen(texts[i]));
    }
    const char *r = NULL;
    assert_int_equal(verdict_of(db, LIT("法*轮功"), 0, &r), SHAI_ACTION_BLOCK);
    shai_db_free(db);

    /* A match in progress does not swallow the noise another word needs. */
    b = new_builder();
    assert_status(add_plain(b, LIT("法轮")), SHAI_OK);
    assert_status(add_plain(b, LIT("轮*功")), SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    assert_string_equal(scan_render(db, LIT("法轮*功"), SHAI_SCAN_OVERLAPPING),
                        "0-6:法轮 3-10:轮*功");
    shai_db_free(db);

    /* Clause punctuation inside a word stays where the text keeps it. */
    b = new_builder();
    assert_status(add_plain(b, LIT("日您")), SHAI_OK);
    assert_status(add_plain(b, LIT("日：您")), SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    assert_string_equal(scan_render(db, LIT("入住日：您好"), SHAI_SCAN_OVERLAPPING), "6-15:日：您");
    assert_string_equal(scan_render(db, LIT("日您"), SHAI_SCAN_OVERLAPPING), "0-6:日您");
    shai_db_free(db);
}

/* -------------------------------------------------------------- rules */

static void test_add_rule_bad_args(void **state)
{
    (void)state;
    assert_status(shai_builder_add_rule(NULL, LIT("a+"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_E_INVALID_ARG);
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_rule(b, NULL, 2, NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_builder_add_rule(b, LIT("a+"), NULL, SHAI_ACTION_PASS, 0, NULL, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_builder_add_rule(b, LIT("a+"), NULL, 3, 0, NULL, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_add_rule(b, LIT("a+"), NULL, SHAI_ACTION_BLOCK, 0x8u, NULL, NULL),
                  SHAI_E_INVALID_ARG);
    /* RULE is read only; EXACT means nothing for a pattern. */
    assert_status(
        shai_builder_add_rule(b, LIT("a+"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_RULE, NULL, NULL),
        SHAI_E_INVALID_ARG);
    assert_status(
        shai_builder_add_entry(b, LIT("a"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_RULE, NULL, NULL),
        SHAI_E_INVALID_ARG);
    assert_status(
        shai_builder_add_rule(b, LIT("a+"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_EXACT, NULL, NULL),
        SHAI_E_INVALID_ARG);
    /* A bad pattern. */
    assert_status(shai_builder_add_rule(b, LIT("a(b"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_E_REGEX);
    assert_true(shai_builder_error_message(b)[0] != '\0');
    assert_true(shai_builder_error_column(b) >= 1);
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_status(
        shai_builder_add_rule(b, LIT("a+"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW, NULL, NULL),
        SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 1);
    shai_builder_free(b);
}

static void test_rules_match(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_rule(b, LIT("1[3-9]\\d{9}"), "spam", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    uint32_t flags = 0;
    for (uint32_t i = 0; i < shai_db_entry_count(db); i++) {
        uint32_t f = 0;
        assert_status(shai_db_entry_info(db, i, NULL, NULL, &f, NULL, NULL), SHAI_OK);
        flags |= f;
    }
    assert_int_equal(flags, SHAI_ENTRY_RULE);

    /* 电 话 | 11 digits | 赌 博 */
    static const char text[] = "电话13812345678赌博";
    shai_hit hits[8];
    size_t count = 0;
    assert_status(shai_scan_hits(db, LIT(text), SHAI_SCAN_OVERLAPPING, hits, 8, &count), SHAI_OK);
    assert_int_equal(count, 2);
    qsort(hits, count, sizeof *hits, cmp_hit_span);
    assert_int_equal(hits[0].start, 6);
    assert_int_equal(hits[0].end, 17);
    assert_int_equal(hits[0].action, SHAI_ACTION_REVIEW);
    assert_int_equal(hits[1].start, 17);
    assert_int_equal(hits[1].end, 23);
    uint32_t verdict = 0;
    assert_status(shai_check(db, LIT("电话13812345678"), 0, &verdict, hits, 8, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    /* Rules see the folded text and report original offsets. */
    assert_status(shai_scan_hits(db, LIT("１３８１２３４５６７８"), 0, hits, 8, &count), SHAI_OK);
    assert_int_equal(count, 1);
    assert_int_equal(hits[0].start, 0);
    assert_int_equal(hits[0].end, 33);
    /* Masks cover rule hits. */
    size_t n = 0;
    assert_string_equal(mask_of(db, LIT("tel 13812345678."), '*', &n), "tel ***********.");
    /* A rule hit never spans a line break, nor invalid bytes: a surrogate
     * or an overlong form in the middle of a text is no character, even
     * to the loops that decode 3-byte sequences in one step. */
    assert_status(shai_scan_hits(db, LIT("138123\n45678"), 0, hits, 8, &count), SHAI_OK);
    assert_int_equal(count, 0);
    assert_status(shai_scan_hits(db,
                                 LIT("1381234\xed\xa0\x80"
                                     "5678"),
                                 0, hits, 8, &count),
                  SHAI_OK);
    assert_int_equal(count, 0);
    assert_status(shai_scan_hits(db,
                                 LIT("1381234\xe0\x80\xb0"
                                     "5678"),
                                 0, hits, 8, &count),
                  SHAI_OK);
    assert_int_equal(count, 0);
    shai_db_free(db);

    /* ... while a character the rule allows there lets it match. */
    b = new_builder();
    assert_status(shai_builder_add_rule(b, LIT("a.b"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    assert_status(shai_scan_hits(db,
                                 LIT("xa\xe4\xb8\x80"
                                     "bx"),
                                 0, hits, 8, &count),
                  SHAI_OK);
    assert_int_equal(count, 1);
    assert_status(shai_scan_hits(db,
                                 LIT("xa\xed\xa0\x80"
                                     "bx"),
                                 0, hits, 8, &count),
                  SHAI_OK);
    assert_int_equal(count, 0);
    assert_status(shai_scan_hits(db,
                                 LIT("xa\xe0\x80\xaf"
                                     "bx"),
                                 0, hits, 8, &count),
                  SHAI_OK);
    assert_int_equal(count, 0);
    shai_db_free(db);

    /* An allow rule suppresses the deny hits it covers. */
    b = new_builder();
    assert_status(
        shai_builder_add_rule(b, LIT("1[3-9]\\d{9}"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_rule(b, LIT("客服\\s*1\\d{10}"), NULL, SHAI_ACTION_BLOCK,
                                        SHAI_ENTRY_ALLOW, NULL, NULL),
                  SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    assert_status(shai_check(db, LIT("客服 13812345678"), 0, &verdict, hits, 8, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    assert_status(shai_check(db, LIT("加我 13812345678"), 0, &verdict, hits, 8, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    shai_db_free(db);
}

/* ------------------------------------------------------------ streams */

typedef struct stream_ctx {
    hit_vec hits;
    uint64_t horizon;   /* last horizon read */
    uint64_t written;   /* bytes fed so far, including the current write */
    int horizon_broken; /* a hit started before an earlier horizon */
    int early;          /* a hit was reported before its bytes were written */
} stream_ctx;

static int stream_hit(const shai_hit *hit, void *user)
{
    stream_ctx *ctx = user;
    if (hit->start < ctx->horizon)
        ctx->horizon_broken = 1;
    if (hit->end > ctx->written)
        ctx->early = 1;
    hit_vec_push(&ctx->hits, hit);
    return ctx->hits.stop_after != 0 && ctx->hits.n >= ctx->hits.stop_after;
}

/* Streams `text` cut at `cuts` (ascending offsets) and checks the horizon
 * after every write. */
static void stream_with_cuts(const shai_db *db, uint32_t flags, const char *text, size_t len,
                             const size_t *cuts, size_t ncuts, stream_ctx *ctx)
{
    shai_stream *s = NULL;
    assert_status(shai_stream_open(db, flags, stream_hit, ctx, &s), SHAI_OK);
    uint64_t h = 99;
    assert_status(shai_stream_horizon(s, &h), SHAI_OK);
    assert_int_equal(h, 0);
    size_t pos = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t next = i < ncuts ? cuts[i] : len;
        ctx->written = next;
        assert_status(shai_stream_write(s, text + pos, next - pos), SHAI_OK);
        pos = next;
        assert_status(shai_stream_horizon(s, &h), SHAI_OK);
        assert_true(h >= ctx->horizon);
        assert_true(h <= pos);
        ctx->horizon = h;
    }
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_false(ctx->horizon_broken);
    assert_false(ctx->early);
}

static void assert_same_hits(const hit_vec *a, const hit_vec *b)
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
static shai_db *stream_db(int raw)
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

static const char stream_text[] = "qq赌博网站\xff🎲赌博彩 class ass\xe8\xb5赌博史,qq\0赌博网ass "
                                  "賭 博 ＡＳＳ 赌\u200b博 赌赌博博 a s s Q.Q 赌!!博!彩";

static void stream_splits(int raw)
{
    shai_db *db = stream_db(raw);
    const size_t len = sizeof stream_text - 1;
    for (uint32_t flags = 0; flags < 4; flags++) {
        hit_vec once = {0};
        assert_status(shai_scan(db, stream_text, len, flags, collect_hit, &once), SHAI_OK);
        assert_true(once.n > 0);

        /* One write. */
        stream_ctx ctx = {0};
        stream_with_cuts(db, flags, stream_text, len, NULL, 0, &ctx);
        assert_same_hits(&once, &ctx.hits);
        hit_vec_free(&ctx.hits);

        /* Every single cut, including inside every UTF-8 sequence. */
        for (size_t cut = 0; cut <= len; cut++) {
            stream_ctx c = {0};
            stream_with_cuts(db, flags, stream_text, len, &cut, 1, &c);
            assert_same_hits(&once, &c.hits);
            hit_vec_free(&c.hits);
        }

        /* Byte by byte. */
        size_t cuts[sizeof stream_text];
        for (size_t i = 0; i < len; i++)
            cuts[i] = i;
        stream_ctx c = {0};
        stream_with_cuts(db, flags, stream_text, len, cuts, len, &c);
        assert_same_hits(&once, &c.hits);
        hit_vec_free(&c.hits);

        /* Random cuts, empty pieces included. */
        uint64_t rng = 42 + flags;
        for (int round = 0; round < 200; round++) {
            size_t n = rng_below(&rng, 12);
            for (size_t i = 0; i < n; i++)
                cuts[i] = rng_below(&rng, (uint32_t)len + 1);
            for (size_t i = 1; i < n; i++) /* insertion sort */
                for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
                    size_t t = cuts[j];
                    cuts[j] = cuts[j - 1];
                    cuts[j - 1] = t;
                }
            stream_ctx r = {0};
            stream_with_cuts(db, flags, stream_text, len, cuts, n, &r);
            assert_same_hits(&once, &r.hits);
            hit_vec_free(&r.hits);
        }
        hit_vec_free(&once);
    }
    shai_db_free(db);
}

static void test_stream_splits_raw(void **state)
{
    (void)state;
    stream_splits(1);
}

static void test_stream_splits_default(void **state)
{
    (void)state;
    stream_splits(0);
}

static void test_stream_horizon(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    assert_status(add_plain(b, LIT("ass")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    stream_ctx ctx = {0};
    shai_stream *s = NULL;
    assert_status(shai_stream_open(db, 0, stream_hit, &ctx, &s), SHAI_OK);
    uint64_t h = 0;
    /* "as" could still become "ass": its start cannot have been dropped. */
    ctx.written = 5;
    assert_status(shai_stream_write(s, LIT("xyz a")), SHAI_OK);
    assert_status(shai_stream_horizon(s, &h), SHAI_OK);
    assert_true(h <= 4);
    ctx.horizon = h;
    ctx.written = 6;
    assert_status(shai_stream_write(s, LIT("s")), SHAI_OK);
    assert_status(shai_stream_horizon(s, &h), SHAI_OK);
    assert_true(h >= ctx.horizon && h <= 4);
    ctx.horizon = h;
    /* 赌 cut after its first byte. */
    ctx.written = 9;
    assert_status(shai_stream_write(s, LIT("s \xe8")), SHAI_OK);
    assert_status(shai_stream_horizon(s, &h), SHAI_OK);
    assert_true(h >= ctx.horizon && h <= 8);
    ctx.horizon = h;
    ctx.written = 14;
    assert_status(shai_stream_write(s, LIT("\xb5\x8c博")), SHAI_OK);
    assert_status(shai_stream_horizon(s, &h), SHAI_OK);
    assert_true(h >= ctx.horizon && h <= 14);
    ctx.horizon = h;
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_false(ctx.horizon_broken);
    assert_false(ctx.early);
    assert_string_equal(render_hits(db, ctx.hits.v, ctx.hits.n), "4-7:ass 8-14:赌博");
    hit_vec_free(&ctx.hits);
    shai_db_free(db);
}

static void test_stream_terminated_state(void **state)
{
    (void)state;
    shai_db *db = stream_db(1);
    for (uint32_t flags = 0; flags < 4; flags++) {
        stream_ctx ctx = {0};
        ctx.hits.stop_after = 1;
        ctx.written = UINT64_MAX;
        shai_stream *s = NULL;
        assert_status(shai_stream_open(db, flags, stream_hit, &ctx, &s), SHAI_OK);
        int rc = SHAI_OK;
        size_t i = 0;
        /* Byte by byte until the callback stops the stream. */
        for (; i < sizeof stream_text - 1 && rc == SHAI_OK; i++)
            rc = shai_stream_write(s, stream_text + i, 1);
        assert_status(rc, SHAI_TERMINATED);
        assert_int_equal(ctx.hits.n, 1);
        assert_status(shai_stream_write(s, stream_text + i, 1), SHAI_E_STATE);
        assert_status(shai_stream_write(s, LIT("赌博赌博")), SHAI_E_STATE);
        assert_int_equal(ctx.hits.n, 1);
        shai_stream_close(s);
        assert_int_equal(ctx.hits.n, 1);
        hit_vec_free(&ctx.hits);
    }
    shai_db_free(db);
}

static void test_stream_close_reports_last(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("ass")), SHAI_OK);
    assert_status(add_plain(b, LIT("赌")), SHAI_OK);
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    /* Whether "ass" ends a word is only known at the end of the text. */
    hit_vec hv = {0};
    shai_stream *s = NULL;
    assert_status(shai_stream_open(db, 0, collect_hit, &hv, &s), SHAI_OK);
    assert_status(shai_stream_write(s, LIT("an ass")), SHAI_OK);
    assert_int_equal(hv.n, 0);
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_string_equal(render_hits(db, hv.v, hv.n), "3-6:ass");
    hit_vec_free(&hv);

    /* Leftmost-longest: 赌 may still grow into 赌博. */
    assert_status(shai_stream_open(db, 0, collect_hit, &hv, &s), SHAI_OK);
    assert_status(shai_stream_write(s, LIT("x赌")), SHAI_OK);
    assert_int_equal(hv.n, 0);
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_string_equal(render_hits(db, hv.v, hv.n), "1-4:赌");
    hit_vec_free(&hv);

    /* A callback that stops on a hit reported by close. */
    hv.stop_after = 1;
    assert_status(shai_stream_open(db, 0, collect_hit, &hv, &s), SHAI_OK);
    assert_status(shai_stream_write(s, LIT("ass")), SHAI_OK);
    assert_status(shai_stream_close(s), SHAI_TERMINATED);
    assert_int_equal(hv.n, 1);
    hit_vec_free(&hv);
    shai_db_free(db);
}

/* ---------------------------------------------------------- saved dbs */

static void *image_of(const shai_db *db, size_t *size)
{
    size_t need = 0;
    assert_status(shai_db_serialize(db, NULL, 0, &need), SHAI_E_BUFFER_TOO_SMALL);
    assert_true(need > 0);
    /* malloc memory is aligned enough for SHAI_DB_BORROW */
    void *img = malloc(need);
    assert_non_null(img);
    if (need > 1)
        assert_status(shai_db_serialize(db, img, need - 1, size), SHAI_E_BUFFER_TOO_SMALL);
    assert_status(shai_db_serialize(db, img, need, size), SHAI_OK);
    assert_int_equal(*size, need);
    /* the memory is more than the image: the derived tables count */
    size_t bytes = 0;
    assert_status(shai_db_size(db, &bytes), SHAI_OK);
    assert_true(bytes > need);
    return img;
}

/* Same entries, categories, options and hits. */
static void assert_same_db(const shai_db *a, const shai_db *b)
{
    assert_int_equal(shai_db_entry_count(a), shai_db_entry_count(b));
    assert_int_equal(shai_db_category_count(a), shai_db_category_count(b));
    for (uint32_t i = 0; i < shai_db_entry_count(a); i++) {
        const char *ta = NULL, *tb = NULL;
        size_t la = 0, lb = 0;
        assert_status(shai_db_entry_text(a, i, &ta, &la), SHAI_OK);
        assert_status(shai_db_entry_text(b, i, &tb, &lb), SHAI_OK);
        assert_int_equal(la, lb);
        assert_memory_equal(ta, tb, la);
        uint32_t ca, cb, aa, ab, fa, fb;
        const char *ga, *gb, *sa, *sb;
        assert_status(shai_db_entry_info(a, i, &ca, &aa, &fa, &ga, &sa), SHAI_OK);
        assert_status(shai_db_entry_info(b, i, &cb, &ab, &fb, &gb, &sb), SHAI_OK);
        assert_int_equal(ca, cb);
        assert_int_equal(aa, ab);
        assert_int_equal(fa, fb);
        assert_true((ga == NULL) == (gb == NULL));
        if (ga)
            assert_string_equal(ga, gb);
        assert_true((sa == NULL) == (sb == NULL));
        if (sa)
            assert_string_equal(sa, sb);
    }
    for (uint32_t c = 0; c < shai_db_category_count(a); c++) {
        const char *na = NULL, *nb = NULL;
        assert_status(shai_db_category_name(a, c, &na), SHAI_OK);
        assert_status(shai_db_category_name(b, c, &nb), SHAI_OK);
        assert_string_equal(na, nb);
    }
    for (uint32_t opt = SHAI_OPT_FOLD; opt <= SHAI_OPT_REPEATS; opt++) {
        int64_t va = -1, vb = -2;
        assert_status(shai_db_option(a, opt, &va), SHAI_OK);
        assert_status(shai_db_option(b, opt, &vb), SHAI_OK);
        assert_int_equal(va, vb);
    }
    const size_t len = sizeof stream_text - 1;
    for (uint32_t flags = 0; flags < 4; flags++) {
        hit_vec ha = {0}, hb = {0};
        assert_status(shai_scan(a, stream_text, len, flags, collect_hit, &ha), SHAI_OK);
        assert_status(shai_scan(b, stream_text, len, flags, collect_hit, &hb), SHAI_OK);
        assert_true(ha.n > 0);
        assert_same_hits(&ha, &hb);
        hit_vec_free(&ha);
        hit_vec_free(&hb);
    }
}

static void test_saved_db_bad_args(void **state)
{
    (void)state;
    shai_db *db = stream_db(0);
    size_t size = 0;
    char buf[16];
    shai_db *out = NULL;
    assert_status(shai_db_serialize(NULL, buf, sizeof buf, &size), SHAI_E_INVALID_ARG);
    assert_status(shai_db_serialize(db, buf, sizeof buf, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_serialize(db, NULL, 16, &size), SHAI_E_INVALID_ARG);
    assert_status(shai_db_save(NULL, "/tmp/x.shai"), SHAI_E_INVALID_ARG);
    assert_status(shai_db_save(db, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_open(NULL, &out), SHAI_E_INVALID_ARG);
    assert_status(shai_db_open("/tmp/x.shai", NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_from_buffer(NULL, 16, 0, &out), SHAI_E_INVALID_ARG);
    assert_status(shai_db_from_buffer(buf, sizeof buf, 0, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_size(NULL, &size), SHAI_E_INVALID_ARG);
    assert_status(shai_db_size(db, NULL), SHAI_E_INVALID_ARG);

    size_t n = 0;
    void *img = image_of(db, &n);
    assert_status(shai_db_from_buffer(img, n, 0x2u, &out), SHAI_E_INVALID_ARG);
    assert_status(shai_db_from_buffer(img, n, UINT32_MAX, &out), SHAI_E_INVALID_ARG);

    char *unaligned = malloc(n + 1);
    assert_non_null(unaligned);
    memcpy(unaligned + 1, img, n);
    /* A copied image need not be aligned. */
    out = NULL;
    assert_status(shai_db_from_buffer(unaligned + 1, n, 0, &out), SHAI_OK);
    assert_same_db(db, out);
    shai_db_free(out);
    /* A borrowed one must be 8-byte aligned: the caller broke the contract,
     * the image itself is fine. */
    out = NULL;
    int borrow_unaligned = shai_db_from_buffer(unaligned + 1, n, SHAI_DB_BORROW, &out);
    free(unaligned);
    free(img);
    shai_db_free(db);
    assert_status(borrow_unaligned, SHAI_E_INVALID_ARG);
    assert_null(out);
}

static void test_saved_db_round_trip(void **state)
{
    (void)state;
    for (int raw = 0; raw < 2; raw++) {
        shai_builder *b = raw ? new_raw_builder() : new_builder();
        static const char *const deny[] = {"赌博", "赌", "博彩", "ass", "qq", "🎲赌", "赌博网站"};
        for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++)
            assert_status(shai_builder_add_entry(b, deny[i], strlen(deny[i]), i % 2 ? "a" : NULL,
                                                 i % 3 ? SHAI_ACTION_BLOCK : SHAI_ACTION_REVIEW,
                                                 i == 4 ? SHAI_ENTRY_EXACT : 0,
                                                 i == 1 ? "tag" : NULL, i == 2 ? "很好" : NULL),
                          SHAI_OK);
        assert_status(shai_builder_add_entry(b, LIT("赌博史"), "历史", SHAI_ACTION_BLOCK,
                                             SHAI_ENTRY_ALLOW, NULL, NULL),
                      SHAI_OK);
        shai_db *db = compile_builder(b);
        shai_builder_free(b);

        size_t n = 0;
        void *img = image_of(db, &n);
        shai_db *copy = NULL, *borrowed = NULL, *opened = NULL;
        assert_status(shai_db_from_buffer(img, n, 0, &copy), SHAI_OK);
        assert_status(shai_db_from_buffer(img, n, SHAI_DB_BORROW, &borrowed), SHAI_OK);
        assert_same_db(db, copy);
        assert_same_db(db, borrowed);
        shai_db_free(borrowed);

        /* The copy does not depend on the image. */
        memset(img, 0, n);
        assert_same_db(db, copy);
        shai_db_free(copy);

        char path[] = "/tmp/shai-api-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        assert_status(shai_db_save(db, path), SHAI_OK);
        assert_status(shai_db_open(path, &opened), SHAI_OK);
        assert_same_db(db, opened);
        /* A saved db survives its file being removed while open. */
        assert_int_equal(unlink(path), 0);
        assert_same_db(db, opened);
        shai_db_free(opened);

        /* An image of an image is the same image. */
        void *img2 = image_of(db, &n);
        assert_status(shai_db_from_buffer(img2, n, 0, &copy), SHAI_OK);
        size_t n2 = 0;
        void *img3 = image_of(copy, &n2);
        assert_int_equal(n, n2);
        assert_memory_equal(img2, img3, n);
        shai_db_free(copy);
        free(img2);
        free(img3);
        free(img);
        shai_db_free(db);
    }
}

static void test_saved_db_rejects_damage(void **state)
{
    (void)state;
    shai_db *db = stream_db(1);
    size_t n = 0;
    unsigned char *img = image_of(db, &n);
    unsigned char *work = malloc(n);
    assert_non_null(work);
    shai_db *out = NULL;

    /* Every truncation. */
    for (size_t len = 0; len < n; len += 1 + len / 8) {
        memcpy(work, img, len);
        out = NULL;
        int rc = shai_db_from_buffer(len ? work : img, len, 0, &out);
        if (rc != SHAI_E_BAD_DB)
            print_error("truncated to %zu of %zu bytes\n", len, n);
        assert_status(rc, SHAI_E_BAD_DB);
        assert_null(out);
    }
    /* Single flipped bits, spread over the image. */
    for (size_t pos = 0; pos < n; pos += 1 + n / 64) {
        memcpy(work, img, n);
        work[pos] ^= 0x10;
        out = NULL;
        int rc = shai_db_from_buffer(work, n, SHAI_DB_BORROW, &out);
        if (rc != SHAI_E_BAD_DB && rc != SHAI_E_DB_VERSION)
            print_error("bit flipped at %zu of %zu\n", pos, n);
        assert_true(rc == SHAI_E_BAD_DB || rc == SHAI_E_DB_VERSION);
        assert_null(out);
    }
    /* Not a db at all. */
    static const char junk[64] = "# gambling.txt\n赌博\n";
    assert_status(shai_db_from_buffer(junk, sizeof junk, 0, &out), SHAI_E_BAD_DB);

    /* Files: missing, empty, text. */
    assert_status(shai_db_open("/nonexistent/dir/x.shai", &out), SHAI_E_IO);
    char path[] = "/tmp/shai-api-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_status(shai_db_open(path, &out), SHAI_E_BAD_DB);
    assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
    close(fd);
    assert_status(shai_db_open(path, &out), SHAI_E_BAD_DB);
    /* Saving into a missing directory fails cleanly. */
    assert_status(shai_db_save(db, "/nonexistent/dir/x.shai"), SHAI_E_IO);
    unlink(path);
    free(work);
    free(img);
    shai_db_free(db);
}

static void test_stream_ends_inside_a_sequence(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    static const char *const pieces[][3] = {
        {"赌博", "\xe8", NULL},
        {"赌博\xe8", "\xb5", NULL},
        {"\xe5\x8d", NULL, NULL},
        {"赌", "博\xf0\x9f", "\x8e"},
    };
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        hit_vec hv = {0};
        shai_stream *s = NULL;
        assert_status(shai_stream_open(db, 0, collect_hit, &hv, &s), SHAI_OK);
        for (size_t k = 0; k < 3 && pieces[i][k]; k++)
            assert_status(shai_stream_write(s, pieces[i][k], strlen(pieces[i][k])), SHAI_OK);
        assert_status(shai_stream_close(s), SHAI_OK);
        assert_string_equal(render_hits(db, hv.v, hv.n), i == 2 ? "" : "0-6:赌博");
        hit_vec_free(&hv);
    }
    shai_db_free(db);
}

/* ------------------------------------------------------- no allocation */

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

/* ----------------------------------------------------------- threads */

typedef struct thread_job {
    const shai_db *db;
    const char *text;
    size_t len;
    const hit_vec *expect;
    int ok;
} thread_job;

static void *thread_scan(void *arg)
{
    thread_job *job = arg;
    job->ok = 1;
    shai_hit hits[64];
    for (int round = 0; round < 300 && job->ok; round++) {
        size_t count = 0;
        uint32_t flags = (uint32_t)round & 3u;
        if (shai_scan_hits(job->db, job->text, job->len, flags, hits, 64, &count) != SHAI_OK) {
            job->ok = 0;
            break;
        }
        const hit_vec *e = &job->expect[flags];
        if (count != e->n || memcmp(hits, e->v, count * sizeof *hits) != 0)
            job->ok = 0;
    }
    return NULL;
}

static void test_threads_share_db(void **state)
{
    (void)state;
    shai_db *db = stream_db(0);
    const size_t len = sizeof stream_text - 1;
    hit_vec expect[4] = {{0}};
    for (uint32_t flags = 0; flags < 4; flags++)
        assert_status(shai_scan(db, stream_text, len, flags, collect_hit, &expect[flags]), SHAI_OK);
    enum { NTHREADS = 4 };
    pthread_t tid[NTHREADS];
    thread_job jobs[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        jobs[i] = (thread_job){db, stream_text, len, expect, 0};
        assert_int_equal(pthread_create(&tid[i], NULL, thread_scan, &jobs[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_join(tid[i], NULL), 0);
        assert_true(jobs[i].ok);
    }
    for (int i = 0; i < 4; i++)
        hit_vec_free(&expect[i]);
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_status_names_and_messages),
        cmocka_unit_test(test_status_unknown),
        cmocka_unit_test(test_free_null_is_noop),
        cmocka_unit_test(test_builder_new_bad_args),
        cmocka_unit_test(test_builder_add_entry_bad_args),
        cmocka_unit_test(test_builder_add_source_bad_args),
        cmocka_unit_test(test_builder_add_path_bad_args),
        cmocka_unit_test(test_builder_accessors_null),
        cmocka_unit_test(test_builder_fresh_has_no_error),
        cmocka_unit_test(test_compile_bad_args),
        cmocka_unit_test(test_db_accessors_bad_args),
        cmocka_unit_test(test_scan_bad_args),
        cmocka_unit_test(test_scan_hits_bad_args),
        cmocka_unit_test(test_check_bad_args),
        cmocka_unit_test(test_mask_bad_args),
        cmocka_unit_test(test_stream_bad_args),
        cmocka_unit_test(test_entry_empty),
        cmocka_unit_test(test_entry_bad_utf8),
        cmocka_unit_test(test_entry_control_chars),
        cmocka_unit_test(test_entry_length_limit),
        cmocka_unit_test(test_entry_error_leaves_builder_unchanged),
        cmocka_unit_test(test_merge_duplicates),
        cmocka_unit_test(test_merge_allow_is_separate),
        cmocka_unit_test(test_entry_accessors),
        cmocka_unit_test(test_categories),
        cmocka_unit_test(test_empty_builder),
        cmocka_unit_test(test_compile_twice),
        cmocka_unit_test(test_overlapping_order),
        cmocka_unit_test(test_leftmost_longest),
        cmocka_unit_test(test_same_span_lowest_index),
        cmocka_unit_test(test_latin_boundaries),
        cmocka_unit_test(test_cjk_anywhere),
        cmocka_unit_test(test_invalid_utf8_offsets),
        cmocka_unit_test(test_nul_bytes_in_text),
        cmocka_unit_test(test_callback_terminates),
        cmocka_unit_test(test_callback_terminates_any_nonzero),
        cmocka_unit_test(test_scan_hits_buffer),
        cmocka_unit_test(test_check_allow_suppresses),
        cmocka_unit_test(test_check_strongest_action),
        cmocka_unit_test(test_check_violations_are_computed_on_all_hits),
        cmocka_unit_test(test_check_buffer),
        cmocka_unit_test(test_mask_basic),
        cmocka_unit_test(test_mask_multibyte),
        cmocka_unit_test(test_mask_buffer_too_small),
        cmocka_unit_test(test_mask_overlapping_violations),
        cmocka_unit_test(test_set_option_bad_args),
        cmocka_unit_test(test_db_option),
        cmocka_unit_test(test_fold_table_version),
        cmocka_unit_test(test_fold_bad_args),
        cmocka_unit_test(test_fold_stages),
        cmocka_unit_test(test_default_matching),
        cmocka_unit_test(test_clause_punctuation),
        cmocka_unit_test(test_clause_punctuation_after_digits),
        cmocka_unit_test(test_exact_entries),
        cmocka_unit_test(test_options_change_matching),
        cmocka_unit_test(test_noise_in_entries_hides_nothing),
        cmocka_unit_test(test_add_rule_bad_args),
        cmocka_unit_test(test_rules_match),
        cmocka_unit_test(test_stream_splits_raw),
        cmocka_unit_test(test_stream_splits_default),
        cmocka_unit_test(test_stream_horizon),
        cmocka_unit_test(test_stream_terminated_state),
        cmocka_unit_test(test_stream_close_reports_last),
        cmocka_unit_test(test_stream_ends_inside_a_sequence),
        cmocka_unit_test(test_saved_db_bad_args),
        cmocka_unit_test(test_saved_db_round_trip),
        cmocka_unit_test(test_saved_db_rejects_damage),
        cmocka_unit_test(test_scan_does_not_allocate),
        cmocka_unit_test(test_threads_share_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
