/*
 * Argument checks: every function of the builder, db, scan, check, mask and
 * stream API refuses bad arguments with SHAI_E_INVALID_ARG (or OUT_OF_RANGE)
 * and changes nothing. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

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
    const uint32_t bad_flags[] = {0x10u, 0x20u, 0x80000000u, UINT32_MAX};
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

static void test_scan_bad_args(void **state)
{
    (void)state;
    shai_db *db = small_db();
    assert_status(shai_scan(NULL, LIT("赌博"), 0, never_called, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_scan(db, LIT("赌博"), 0, NULL, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_scan(db, NULL, 6, 0, never_called, NULL), SHAI_E_INVALID_ARG);
    const uint32_t bad_flags[] = {0x10u, 0x20u, 0x80000000u, UINT32_MAX};
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
    assert_status(shai_scan_hits(db, LIT("赌博"), 0x10u, hits, 4, &count), SHAI_E_INVALID_ARG);
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
    assert_status(shai_check(db, LIT("赌博"), 0x10u, &verdict, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
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
    assert_status(shai_stream_open(db, 0x10u, collect_hit, &hv, &s), SHAI_E_INVALID_ARG);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
