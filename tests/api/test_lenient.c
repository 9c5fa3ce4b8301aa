/*
 * Lenient reading (SHAI_OPT_LENIENT, since 0.2): a malformed lexicon line is
 * skipped and recorded, every one of them, and the good lines load; without
 * the option the first bad line still fails the whole source. Argument
 * checks of shai_builder_skipped*. Public API only.
 */
#include "test_util.h"

/* A third-party list: control characters (U+0016, U+0001, DEL), invalid
 * UTF-8, a bad rule, an unknown directive and attribute, good lines
 * between them. */
static const char third_party[] = "赌博\n"
                                  "代\x16"
                                  "开发票\n" /* line 2, col 2 */
                                  "毒品\n"
                                  "\x01"
                                  "x\n"                   /* line 4, col 1 */
                                  "ab\x7f\n"              /* line 5, col 3 */
                                  "坏\xff字\n"            /* line 6, col 2 */
                                  "re:a(b\n"              /* line 7 */
                                  "@colour red\n"         /* line 8 */
                                  "枪支\tshade=dark\n"    /* line 9 */
                                  "  \t category=drugs\n" /* line 10: empty entry */
                                  "冰毒\n";

static const struct {
    uint32_t line, column;
    const char *message;
} expected[] = {
    {2, 2, "entry: control character U+0016"}, {4, 1, "entry: control character U+0001"},
    {5, 3, "entry: control character U+007F"}, {6, 2, "invalid UTF-8 (byte 0xFF)"},
    {7, 0, "missing closing parenthesis"},     {8, 1, "unknown directive '@colour'"},
    {9, 0, "unknown attribute 'shade'"},       {10, 0, "empty entry"},
};

static void test_strict_fails_at_first(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_source(b, "list.txt", third_party, sizeof third_party - 1),
                  SHAI_E_LEXICON);
    assert_int_equal(shai_builder_error_line(b), 2);
    assert_string_equal(shai_builder_error_message(b),
                        "list.txt:2:2: entry: control character U+0016");
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_int_equal(shai_builder_skipped_count(b), 0);
    shai_builder_free(b);
}

static void test_lenient_skips_every_bad_line(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_set_option(b, SHAI_OPT_LENIENT, 1), SHAI_OK);
    assert_status(shai_builder_add_source(b, "list.txt", third_party, sizeof third_party - 1),
                  SHAI_OK);
    assert_string_equal(shai_builder_error_message(b), "");
    size_t n = sizeof expected / sizeof expected[0];
    assert_int_equal(shai_builder_skipped_count(b), n);
    for (uint32_t i = 0; i < n; i++) {
        const char *file = NULL, *message = NULL;
        uint32_t line = 0, column = 0;
        assert_status(shai_builder_skipped(b, i, &file, &line, &column, &message), SHAI_OK);
        assert_string_equal(file, "list.txt");
        assert_int_equal(line, expected[i].line);
        if (expected[i].column)
            assert_int_equal(column, expected[i].column);
        assert_true(column >= 1);
        if (!strstr(message, expected[i].message))
            print_error("line %u: '%s'\n", line, message);
        assert_non_null(strstr(message, expected[i].message));
        assert_null(strchr(message, '\x16'));
    }
    /* the good lines, and only they */
    assert_int_equal(shai_builder_entry_count(b), 3);
    shai_db *db = compile_builder(b);
    uint32_t verdict = 0;
    shai_hit hits[8];
    size_t count = 0;
    static const char text[] = "赌博 毒品 冰毒 开发票";
    assert_status(shai_check(db, text, strlen(text), 0, &verdict, hits, 8, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    static const char clean[] = "开发票 枪支";
    assert_status(shai_check(db, clean, strlen(clean), 0, &verdict, hits, 8, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    shai_db_free(db);

    /* a second source: the records add up, its name kept */
    static const char more[] = "ok\n\x02\n";
    assert_status(shai_builder_add_source(b, "more.txt", more, sizeof more - 1), SHAI_OK);
    assert_int_equal(shai_builder_skipped_count(b), n + 1);
    const char *file = NULL;
    uint32_t line = 0;
    assert_status(shai_builder_skipped(b, (uint32_t)n, &file, &line, NULL, NULL), SHAI_OK);
    assert_string_equal(file, "more.txt");
    assert_int_equal(line, 2);

    /* option off again: strict */
    assert_status(shai_builder_set_option(b, SHAI_OPT_LENIENT, 0), SHAI_OK);
    assert_status(shai_builder_add_source(b, "s.txt", more, sizeof more - 1), SHAI_E_LEXICON);
    assert_int_equal(shai_builder_skipped_count(b), n + 1);
    shai_builder_free(b);
}

static void test_lenient_clean_source(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_set_option(b, SHAI_OPT_LENIENT, 1), SHAI_OK);
    static const char ok[] = "@category drugs\n冰毒\n# comment\n";
    assert_status(shai_builder_add_source(b, "ok.txt", ok, sizeof ok - 1), SHAI_OK);
    assert_int_equal(shai_builder_skipped_count(b), 0);
    assert_int_equal(shai_builder_entry_count(b), 1);
    assert_status(shai_builder_skipped(b, 0, NULL, NULL, NULL, NULL), SHAI_E_OUT_OF_RANGE);
    shai_builder_free(b);
}

static void test_lenient_path_io_error_records_nothing(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_set_option(b, SHAI_OPT_LENIENT, 1), SHAI_OK);
    assert_status(shai_builder_add_path(b, "/nonexistent-shai-dir/x.txt"), SHAI_E_IO);
    assert_int_equal(shai_builder_skipped_count(b), 0);
    shai_builder_free(b);
}

/* A scene whose '@scene' line is skipped: its lines are skipped too, not
 * taken as entries; the lines after its '@end' are entries again. */
static void test_lenient_skipped_scene(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_set_option(b, SHAI_OPT_LENIENT, 1), SHAI_OK);
    static const char src[] = "@scene 评论\nabuse off\n*  keep\n@end\n赌博\n"
                              "@scene ok\nabuse off\n@end\n";
    assert_status(shai_builder_add_source(b, "s.txt", src, sizeof src - 1), SHAI_OK);
    assert_int_equal(shai_builder_skipped_count(b), 3);
    const char *message = NULL;
    uint32_t line = 0;
    assert_status(shai_builder_skipped(b, 1, NULL, &line, NULL, &message), SHAI_OK);
    assert_int_equal(line, 2);
    assert_string_equal(message, "line of the scene whose '@scene' line (1) was skipped");
    assert_status(shai_builder_skipped(b, 2, NULL, &line, NULL, NULL), SHAI_OK);
    assert_int_equal(line, 3);
    assert_int_equal(shai_builder_entry_count(b), 1);
    shai_db *db = compile_builder(b);
    assert_int_equal(shai_db_entry_count(db), 1);
    shai_db_free(db);
    shai_builder_free(b);
}

static void test_skipped_bad_args(void **state)
{
    (void)state;
    assert_int_equal(shai_builder_skipped_count(NULL), 0);
    const char *file = "x";
    assert_status(shai_builder_skipped(NULL, 0, &file, NULL, NULL, NULL), SHAI_E_INVALID_ARG);
    assert_string_equal(file, "x");
    shai_builder *b = new_builder();
    assert_status(shai_builder_skipped(b, 0, &file, NULL, NULL, NULL), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_builder_skipped(b, UINT32_MAX, NULL, NULL, NULL, NULL), SHAI_E_OUT_OF_RANGE);
    assert_string_equal(file, "x");
    assert_status(shai_builder_set_option(b, SHAI_OPT_LENIENT, 1), SHAI_OK);
    static const char one[] = "\x03\n";
    assert_status(shai_builder_add_source(b, NULL, one, sizeof one - 1), SHAI_OK);
    assert_int_equal(shai_builder_skipped_count(b), 1);
    assert_status(shai_builder_skipped(b, 0, NULL, NULL, NULL, NULL), SHAI_OK);
    assert_status(shai_builder_skipped(b, 1, NULL, NULL, NULL, NULL), SHAI_E_OUT_OF_RANGE);
    shai_builder_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_fails_at_first),
        cmocka_unit_test(test_lenient_skips_every_bad_line),
        cmocka_unit_test(test_lenient_clean_source),
        cmocka_unit_test(test_lenient_path_io_error_records_nothing),
        cmocka_unit_test(test_lenient_skipped_scene),
        cmocka_unit_test(test_skipped_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
