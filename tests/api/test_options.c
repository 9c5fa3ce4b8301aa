/*
 * Matching options: argument checks and the options a db reports. Uses only shai.h.
 */
#include "test_util.h"

static void test_set_option_bad_args(void **state)
{
    (void)state;
    assert_status(shai_builder_set_option(NULL, SHAI_OPT_FOLD, 0), SHAI_E_INVALID_ARG);
    shai_builder *b = new_builder();
    const uint32_t unknown[] = {0, 6, 99, UINT32_MAX};
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
        {SHAI_OPT_LENIENT, -1},
        {SHAI_OPT_LENIENT, 2},
        {SHAI_OPT_VARIANTS, -1},
        {SHAI_OPT_VARIANTS, 1},
        {SHAI_OPT_VARIANTS, SHAI_VARIANTS_ALL + 0x1000},
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
        {SHAI_OPT_REPEATS, 1}, {SHAI_OPT_LENIENT, 1},          {SHAI_OPT_LENIENT, 0},
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_option_bad_args),
        cmocka_unit_test(test_db_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
