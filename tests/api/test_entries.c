/*
 * Entry validation: empty entries, bad UTF-8, control characters and the
 * length limit are refused, and a refused entry leaves the builder as it was. Uses only shai.h.
 */
#include <errno.h>

#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

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

/* A lexicon source that the builder refuses with `status` at line:col. */
static void source_fails_at(const char *src, int status, uint32_t line, uint32_t col)
{
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_source(b, "edge.txt", src, strlen(src)), status);
    if (shai_builder_error_line(b) != line || shai_builder_error_column(b) != col)
        print_error("%s: at %u:%u, want %u:%u\n", shai_builder_error_message(b),
                    shai_builder_error_line(b), shai_builder_error_column(b), line, col);
    assert_int_equal(shai_builder_error_line(b), line);
    assert_int_equal(shai_builder_error_column(b), col);
    assert_string_equal(shai_builder_error_file(b), "edge.txt");
    assert_int_equal(shai_builder_entry_count(b), 0);
    shai_builder_free(b);
}

/* Lexicon edge cases: each a clear error at its line and column, before
 * the compile (issue #19, item 7). */
static void test_lexicon_edge_cases(void **state)
{
    (void)state;
    /* 40 x U+337F (one character, four when folded): past 128 folded code
     * points at the 33rd; the compile used to fail without a location */
    char src[512] = "好\n";
    for (int i = 0; i < 40; i++)
        strcat(src, "\xe3\x8d\xbf");
    strcat(src, "\n");
    source_fails_at(src, SHAI_E_ENTRY_TOO_LONG, 2, 33);
    /* the same through the API */
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_entry(b, src + 4, strlen(src + 4) - 1, NULL, SHAI_ACTION_BLOCK,
                                         0, NULL, NULL),
                  SHAI_E_ENTRY_TOO_LONG);
    shai_builder_free(b);
    /* a line of an ideographic space (or other white space) only: it would
     * match every space of every text */
    source_fails_at("好\n\xe3\x80\x80\n", SHAI_E_EMPTY_ENTRY, 2, 1);
    source_fails_at("好\n\xc2\xa0\xe3\x80\x80\n", SHAI_E_EMPTY_ENTRY, 2, 1);
    /* categories are words of letters, digits, '-' and '_' */
    source_fails_at("@category a/b c\n好\n", SHAI_E_LEXICON, 1, 12);
    source_fails_at("好\tcategory=ad.law\n", SHAI_E_LEXICON, 1, 14);
    b = new_builder();
    const char *ok = "@category ad-law\n最好\n@category 广告_法2\n好\tcategory=x_1\n";
    assert_status(shai_builder_add_source(b, "ok.txt", ok, strlen(ok)), SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 2);
    shai_builder_free(b);
    /* an endless file is read up to a bound */
    b = new_builder();
    assert_status(shai_builder_add_path(b, "/dev/zero"), SHAI_E_IO);
    assert_int_equal(shai_builder_error_errno(b), EFBIG);
    shai_builder_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_empty),
        cmocka_unit_test(test_entry_bad_utf8),
        cmocka_unit_test(test_entry_control_chars),
        cmocka_unit_test(test_entry_length_limit),
        cmocka_unit_test(test_entry_error_leaves_builder_unchanged),
        cmocka_unit_test(test_lexicon_edge_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
