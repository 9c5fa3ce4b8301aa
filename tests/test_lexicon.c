/*
 * Lexicon source format v1 (docs/lexicon-format.md) through
 * shai_builder_add_source and shai_builder_add_path: lines, directives,
 * attributes, escapes, errors with file:line:col, all-or-nothing, directories.
 */
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static int add_src(shai_builder *b, const char *name, const char *src)
{
    return shai_builder_add_source(b, name, src, strlen(src));
}

static void expect_entry(const shai_db *db, const char *word, int allow, const char *category,
                         uint32_t action, const char *tag, const char *suggestion)
{
    uint32_t i = entry_of(db, word, allow);
    uint32_t cat = UINT32_MAX, act = 99, flags = 99;
    const char *t = "?", *s = "?", *name = NULL;
    assert_status(shai_db_entry_info(db, i, &cat, &act, &flags, &t, &s), SHAI_OK);
    assert_status(shai_db_category_name(db, cat, &name), SHAI_OK);
    if (strcmp(name, category) != 0)
        print_error("entry '%s': category '%s', expected '%s'\n", word, name, category);
    assert_string_equal(name, category);
    if (act != action)
        print_error("entry '%s': action %u, expected %u\n", word, (unsigned)act, (unsigned)action);
    assert_int_equal(act, action);
    assert_int_equal(flags, allow ? SHAI_ENTRY_ALLOW : 0);
    if (tag) {
        assert_non_null(t);
        assert_string_equal(t, tag);
    } else {
        assert_null(t);
    }
    if (suggestion) {
        assert_non_null(s);
        assert_string_equal(s, suggestion);
    } else {
        assert_null(s);
    }
}

/* The source must fail with `status` at line:column, adding nothing. When
 * `what` is not NULL the message must be exactly "f.txt:LINE:COL: what";
 * otherwise it must start with "f.txt:LINE:COL: " and say something. */
static void expect_error(const char *src, int status, uint32_t line, uint32_t column,
                         const char *what)
{
    shai_builder *b = new_builder();
    int rc = add_src(b, "f.txt", src);
    const char *msg = shai_builder_error_message(b);
    if (rc != status || shai_builder_error_line(b) != line ||
        shai_builder_error_column(b) != column)
        print_error("source \"%s\"\n  message: %s\n", src, msg);
    assert_status(rc, status);
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_string_equal(shai_builder_error_file(b), "f.txt");
    assert_int_equal(shai_builder_error_line(b), line);
    assert_int_equal(shai_builder_error_column(b), column);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "f.txt:%u:%u: ", (unsigned)line, (unsigned)column);
    if (what) {
        char full[256];
        snprintf(full, sizeof full, "%s%s", prefix, what);
        assert_string_equal(msg, full);
    } else {
        assert_true(strncmp(msg, prefix, strlen(prefix)) == 0);
        assert_true(strlen(msg) > strlen(prefix));
    }
    shai_builder_free(b);
}

/* Like expect_error, for errors whose status is not pinned (control
 * characters): any error, at line:column. */
static void expect_some_error(const char *src, size_t len, uint32_t line, uint32_t column)
{
    shai_builder *b = new_builder();
    int rc = shai_builder_add_source(b, "f.txt", src, len);
    if (rc >= 0)
        print_error("source accepted: \"%s\"\n", src);
    assert_true(rc < 0);
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_int_equal(shai_builder_error_line(b), line);
    assert_int_equal(shai_builder_error_column(b), column);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "f.txt:%u:%u: ", (unsigned)line, (unsigned)column);
    assert_true(strncmp(shai_builder_error_message(b), prefix, strlen(prefix)) == 0);
    shai_builder_free(b);
}

/* ------------------------------------------------------------- lines */

static void test_doc_example(void **state)
{
    (void)state;
    shai_db *db = db_from_source("# gambling.txt — lines starting with '#' are comments\n"
                                 "@category gambling\n"
                                 "@action block\n"
                                 "\n"
                                 "赌博\n"
                                 "网上赌场\n"
                                 "百家乐\taction=review\n"
                                 "最好\tcategory=ad-law action=review suggestion=很好\n"
                                 "\n"
                                 "@allow\n"
                                 "赌博史\n");
    assert_int_equal(shai_db_entry_count(db), 5);
    expect_entry(db, "赌博", 0, "gambling", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "网上赌场", 0, "gambling", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "百家乐", 0, "gambling", SHAI_ACTION_REVIEW, NULL, NULL);
    expect_entry(db, "最好", 0, "ad-law", SHAI_ACTION_REVIEW, NULL, "很好");
    expect_entry(db, "赌博史", 1, "gambling", SHAI_ACTION_BLOCK, NULL, NULL);

    uint32_t verdict = 99;
    size_t count = 0;
    assert_status(shai_check(db, LIT("中国赌博史"), 0, &verdict, NULL, 0, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    shai_hit hit;
    assert_status(shai_check(db, LIT("网络赌博"), 0, &verdict, &hit, 1, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_int_equal(count, 1);
    assert_int_equal(hit.start, 6);
    assert_int_equal(hit.end, 12);
    shai_db_free(db);
}

static void test_bare_word_list(void **state)
{
    (void)state;
    shai_db *db = db_from_source("赌博\n网络赌场\nfuck you\nqq\n");
    assert_int_equal(shai_db_entry_count(db), 4);
    assert_int_equal(shai_db_category_count(db), 1);
    expect_entry(db, "赌博", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "网络赌场", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "fuck you", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "qq", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    shai_db_free(db);
}

static void test_empty_sources(void **state)
{
    (void)state;
    static const char *const sources[] = {
        "", "\n", "\n\n\n", "   \n  ", "# only a comment", "\xEF\xBB\xBF", "\r\n\r\n"};
    shai_builder *b = new_builder();
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
        assert_status(add_src(b, "f.txt", sources[i]), SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 0);
    shai_builder_free(b);
}

static void test_comments(void **state)
{
    (void)state;
    shai_db *db = db_from_source("# comment\n"
                                 "   # indented comment\n"
                                 "#\n"
                                 "#@category nope\n"
                                 "C#\n"
                                 "a #b\n"
                                 "赌博#\n");
    assert_int_equal(shai_db_entry_count(db), 3);
    expect_entry(db, "C#", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "a #b", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "赌博#", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    shai_db_free(db);
}

static void test_bom(void **state)
{
    (void)state;
    shai_db *db = db_from_source("\xEF\xBB\xBF赌博\n网络\n");
    assert_int_equal(shai_db_entry_count(db), 2);
    entry_of(db, "赌博", 0);
    entry_of(db, "网络", 0);
    shai_db_free(db);

    /* The BOM does not hide a directive or a comment on the first line. */
    db = db_from_source("\xEF\xBB\xBF@category x\n赌博\n");
    assert_int_equal(shai_db_entry_count(db), 1);
    expect_entry(db, "赌博", 0, "x", SHAI_ACTION_BLOCK, NULL, NULL);
    shai_db_free(db);
    db = db_from_source("\xEF\xBB\xBF# comment\n赌博\n");
    assert_int_equal(shai_db_entry_count(db), 1);
    entry_of(db, "赌博", 0);
    shai_db_free(db);
}

static void test_crlf(void **state)
{
    (void)state;
    shai_db *db = db_from_source("@category x\r\n"
                                 "@action review\r\n"
                                 "赌博\r\n"
                                 "网络\taction=block\r\n"
                                 "\r\n"
                                 "# comment\r\n"
                                 "@tag t\r\n"
                                 "标签\r\n"
                                 "last");
    assert_int_equal(shai_db_entry_count(db), 4);
    expect_entry(db, "赌博", 0, "x", SHAI_ACTION_REVIEW, NULL, NULL);
    expect_entry(db, "网络", 0, "x", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "标签", 0, "x", SHAI_ACTION_REVIEW, "t", NULL);
    expect_entry(db, "last", 0, "x", SHAI_ACTION_REVIEW, "t", NULL);
    shai_db_free(db);

    /* Line numbers count CRLF lines. */
    expect_error("a\r\nb\r\n@colour red\r\n", SHAI_E_LEXICON, 3, 1, "unknown directive '@colour'");
}

static void test_last_line_without_newline(void **state)
{
    (void)state;
    shai_db *db = db_from_source("甲\n乙");
    assert_int_equal(shai_db_entry_count(db), 2);
    entry_of(db, "乙", 0);
    shai_db_free(db);
    db = db_from_source("甲\taction=review");
    expect_entry(db, "甲", 0, "uncategorized", SHAI_ACTION_REVIEW, NULL, NULL);
    shai_db_free(db);
}

static void test_escapes(void **state)
{
    (void)state;
    shai_db *db = db_from_source("\\#hashtag\n"
                                 "\\@handle\tcategory=social\n"
                                 "\\\\backslash\n"
                                 "a\\b\n"
                                 "tail\\\n"
                                 "  \\#spaced\n");
    assert_int_equal(shai_db_entry_count(db), 6);
    expect_entry(db, "#hashtag", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "@handle", 0, "social", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "\\backslash", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "a\\b", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "tail\\", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "#spaced", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    assert_int_equal(find_entry(db, "\\#hashtag", 0), UINT32_MAX);
    shai_db_free(db);
}

static void test_spaces_trimmed(void **state)
{
    (void)state;
    shai_db *db = db_from_source("  fuck you  \n"
                                 "   赌博   \taction=review\n"
                                 "a  b\n"
                                 "\xe3\x80\x80全角\n"); /* U+3000 is not U+0020: kept */
    assert_int_equal(shai_db_entry_count(db), 4);
    expect_entry(db, "fuck you", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "赌博", 0, "uncategorized", SHAI_ACTION_REVIEW, NULL, NULL);
    entry_of(db, "a  b", 0);
    entry_of(db, "\xe3\x80\x80全角", 0);
    shai_db_free(db);
}

static void test_blank_lines(void **state)
{
    (void)state;
    shai_db *db = db_from_source("\n\n   \n赌博\n\n  \n网络\n\n");
    assert_int_equal(shai_db_entry_count(db), 2);
    shai_db_free(db);
    /* Blank lines still count for line numbers. */
    expect_error("\n\n   \n@colour\n", SHAI_E_LEXICON, 4, 1, "unknown directive '@colour'");
}

/* ------------------------------------------------------- directives */

static void test_directives(void **state)
{
    (void)state;
    shai_db *db = db_from_source("@category c1\n"
                                 "@action review\n"
                                 "@tag t1\n"
                                 "@suggestion s1\n"
                                 "甲\n"
                                 "@category c2\n"
                                 "@action block\n"
                                 "@tag\n"
                                 "@suggestion\n"
                                 "乙\n"
                                 "@allow\n"
                                 "丙\n"
                                 "@action review\n"
                                 "戊\n"
                                 "@deny\n"
                                 "丁\n");
    assert_int_equal(shai_db_entry_count(db), 5);
    expect_entry(db, "甲", 0, "c1", SHAI_ACTION_REVIEW, "t1", "s1");
    expect_entry(db, "乙", 0, "c2", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "丙", 1, "c2", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "戊", 1, "c2", SHAI_ACTION_REVIEW, NULL, NULL);
    expect_entry(db, "丁", 0, "c2", SHAI_ACTION_REVIEW, NULL, NULL);
    shai_db_free(db);
}

static void test_category_names(void **state)
{
    (void)state;
    shai_db *db = db_from_source("@category ad-law\n甲\n"
                                 "@category spam_contact\n乙\n"
                                 "@category 色情\n丙\n"
                                 "@category v2\n丁\n");
    expect_entry(db, "甲", 0, "ad-law", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "乙", 0, "spam_contact", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "丙", 0, "色情", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "丁", 0, "v2", SHAI_ACTION_BLOCK, NULL, NULL);
    assert_int_equal(shai_db_category_count(db), 4);
    shai_db_free(db);
}

static void test_directives_are_per_source(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(
        add_src(b, "one.txt", "@category c1\n@action review\n@allow\n@tag t\n@suggestion s\n甲\n"),
        SHAI_OK);
    assert_status(add_src(b, "two.txt", "乙\n"), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    expect_entry(db, "甲", 1, "c1", SHAI_ACTION_REVIEW, "t", "s");
    expect_entry(db, "乙", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    shai_db_free(db);
}

/* ------------------------------------------------------- attributes */

static void test_attributes(void **state)
{
    (void)state;
    shai_db *db = db_from_source("@category c1\n"
                                 "@allow\n"
                                 "@tag dt\n"
                                 "甲\tcategory=c2 action=review deny tag=t suggestion=s\n"
                                 "乙\tallow\n"
                                 "丙\tdeny\n"
                                 "丁\t  action=review\t tag=x  \n"
                                 "戊\t\tsuggestion=很好\n"
                                 "己\n");
    assert_int_equal(shai_db_entry_count(db), 6);
    expect_entry(db, "甲", 0, "c2", SHAI_ACTION_REVIEW, "t", "s");
    expect_entry(db, "乙", 1, "c1", SHAI_ACTION_BLOCK, "dt", NULL);
    expect_entry(db, "丙", 0, "c1", SHAI_ACTION_BLOCK, "dt", NULL);
    expect_entry(db, "丁", 1, "c1", SHAI_ACTION_REVIEW, "x", NULL);
    expect_entry(db, "戊", 1, "c1", SHAI_ACTION_BLOCK, "dt", "很好");
    /* An attribute does not change the defaults for the next lines. */
    expect_entry(db, "己", 1, "c1", SHAI_ACTION_BLOCK, "dt", NULL);
    shai_db_free(db);
}

static void test_duplicates_merge(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(add_src(b, "one.txt", "赌博\taction=review category=a\n网络\taction=review\n"),
                  SHAI_OK);
    assert_status(add_src(b, "two.txt",
                          "赌博\tcategory=b tag=t suggestion=s\n"
                          "赌博\tallow category=c\n"
                          "网络\tcategory=z tag=u\n"
                          "网络\taction=review tag=v\n"),
                  SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 3);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    expect_entry(db, "赌博", 0, "a", SHAI_ACTION_BLOCK, "t", "s");
    expect_entry(db, "赌博", 1, "c", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "网络", 0, "uncategorized", SHAI_ACTION_BLOCK, "u", NULL);
    shai_db_free(db);

    /* Trimming happens before merging. */
    db = db_from_source("甲\taction=review\n  甲  \taction=review\n");
    assert_int_equal(shai_db_entry_count(db), 1);
    expect_entry(db, "甲", 0, "uncategorized", SHAI_ACTION_REVIEW, NULL, NULL);
    shai_db_free(db);
}

/* ------------------------------------------------------------ errors */

static void test_error_unknown_directive(void **state)
{
    (void)state;
    expect_error("赌博\n网络\n@colour red\n", SHAI_E_LEXICON, 3, 1, "unknown directive '@colour'");
    expect_error("@bogus\n", SHAI_E_LEXICON, 1, 1, "unknown directive '@bogus'");
    /* Directives are case-sensitive. */
    expect_error("@Category x\n", SHAI_E_LEXICON, 1, 1, "unknown directive '@Category'");
}

static void test_error_unknown_attribute(void **state)
{
    (void)state;
    expect_error("a\nb\nc\nd\ne\nf\n百家乐\tactoin=review\n", SHAI_E_LEXICON, 7, 5,
                 "unknown attribute 'actoin'");
    expect_error("赌博\taction=review colour=red\n", SHAI_E_LEXICON, 1, 18,
                 "unknown attribute 'colour'");
    /* block is a value, not a flag. */
    expect_error("赌博\tblock\n", SHAI_E_LEXICON, 1, 4, NULL);
}

static void test_error_bad_action_value(void **state)
{
    (void)state;
    /* The column points at the bad value. */
    expect_error("a\n赌博\taction=blok\n", SHAI_E_LEXICON, 2, 11, NULL);
    shai_builder *b = new_builder();
    assert_status(add_src(b, "f.txt", "a\n赌博\taction=blok\n"), SHAI_E_LEXICON);
    assert_non_null(strstr(shai_builder_error_message(b), "blok"));
    assert_status(add_src(b, "f.txt", "@action blok\n赌博\n"), SHAI_E_LEXICON);
    assert_int_equal(shai_builder_error_line(b), 1);
    assert_non_null(strstr(shai_builder_error_message(b), "blok"));
    assert_status(add_src(b, "f.txt", "赌博\taction=pass\n"), SHAI_E_LEXICON);
    assert_status(add_src(b, "f.txt", "赌博\taction=BLOCK\n"), SHAI_E_LEXICON);
    assert_status(add_src(b, "f.txt", "@action\n"), SHAI_E_LEXICON);
    assert_int_equal(shai_builder_entry_count(b), 0);
    shai_builder_free(b);
}

static void test_error_missing_value(void **state)
{
    (void)state;
    static const char *const sources[] = {
        "赌博\tcategory=\n", "赌博\tcategory\n",    "赌博\taction=\n", "赌博\taction\n",
        "赌博\ttag=\n",      "赌博\tsuggestion=\n", "@category\n",
    };
    shai_builder *b = new_builder();
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        int rc = add_src(b, "f.txt", sources[i]);
        if (rc != SHAI_E_LEXICON)
            print_error("source \"%s\"\n", sources[i]);
        assert_status(rc, SHAI_E_LEXICON);
        assert_int_equal(shai_builder_error_line(b), 1);
        assert_true(shai_builder_error_column(b) >= 1);
    }
    assert_int_equal(shai_builder_entry_count(b), 0);
    shai_builder_free(b);
}

static void test_error_invalid_utf8(void **state)
{
    (void)state;
    expect_error("ok\n赌博\xff\n", SHAI_E_BAD_UTF8, 2, 3, "invalid UTF-8 (byte 0xFF)");
    expect_error("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n\xff赌博\n", SHAI_E_BAD_UTF8, 12, 1,
                 "invalid UTF-8 (byte 0xFF)");
    expect_error("赌\xe5\x8d", SHAI_E_BAD_UTF8, 1, 2, "invalid UTF-8 (byte 0xE5)");
    expect_error("ab\xc0\xaf\n", SHAI_E_BAD_UTF8, 1, 3, "invalid UTF-8 (byte 0xC0)");
    expect_error("\xed\xa0\x80\n", SHAI_E_BAD_UTF8, 1, 1, "invalid UTF-8 (byte 0xED)");
    expect_error("a\ttag=x\xff\n", SHAI_E_BAD_UTF8, 1, 8, "invalid UTF-8 (byte 0xFF)");
    expect_error("@category \xff\n", SHAI_E_BAD_UTF8, 1, 11, "invalid UTF-8 (byte 0xFF)");
}

static void test_error_empty_entry(void **state)
{
    (void)state;
    expect_error("a\n\tcategory=x\n", SHAI_E_EMPTY_ENTRY, 2, 1, NULL);
    expect_error("\tallow\n", SHAI_E_EMPTY_ENTRY, 1, 1, NULL);
}

static void test_error_control_chars(void **state)
{
    (void)state;
    expect_some_error(LIT("a\x01"
                          "b\n"),
                      1, 2);
    expect_some_error(LIT("ok\na\rb\n"), 2, 2);
    expect_some_error(LIT("赌\x7f\n"), 1, 2);
    expect_some_error(LIT("赌博\xc2\x85\n"), 1, 3);
    expect_some_error(LIT("a\0b\n"), 1, 2);
}

static void test_error_entry_too_long(void **state)
{
    (void)state;
    char src[4 * 140];
    strcpy(src, "ok\n");
    for (size_t i = 0; i < SHAI_MAX_ENTRY_CODEPOINTS + 1; i++)
        strcat(src, "赌");
    strcat(src, "\n");
    shai_builder *b = new_builder();
    assert_status(add_src(b, "f.txt", src), SHAI_E_ENTRY_TOO_LONG);
    assert_int_equal(shai_builder_error_line(b), 2);
    assert_int_equal(strncmp(shai_builder_error_message(b), "f.txt:2:", 8), 0);
    assert_int_equal(shai_builder_entry_count(b), 0);

    /* 128 code points plus trimmed spaces is fine. */
    strcpy(src, "  ");
    for (size_t i = 0; i < SHAI_MAX_ENTRY_CODEPOINTS; i++)
        strcat(src, "赌");
    strcat(src, "  \taction=review\n");
    assert_status(add_src(b, "f.txt", src), SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 1);
    shai_builder_free(b);
}

static void test_error_accessors_after_success(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(add_src(b, "words.txt", "甲\n乙\n@colour\n"), SHAI_E_LEXICON);
    assert_string_equal(shai_builder_error_file(b), "words.txt");
    assert_int_equal(shai_builder_error_line(b), 3);
    /* The builder stays usable after an error. */
    assert_status(add_src(b, "good.txt", "甲\n乙\n"), SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 2);
    shai_builder_free(b);
}

static void test_all_or_nothing(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(add_src(b, "one.txt", "甲\taction=review\n"), SHAI_OK);
    /* Fails on its last line: neither 乙 nor the merge into 甲 may stay. */
    assert_status(add_src(b, "two.txt",
                          "乙\n甲\taction=block tag=t suggestion=s\n@category x\n丙\n@colour\n"),
                  SHAI_E_LEXICON);
    assert_int_equal(shai_builder_entry_count(b), 1);
    assert_status(add_src(b, "three.txt", "丁\n甲\ttag=u\n赌\xff\n"), SHAI_E_BAD_UTF8);
    assert_int_equal(shai_builder_entry_count(b), 1);
    assert_status(add_src(b, "four.txt", "戊\n\tallow\n"), SHAI_E_EMPTY_ENTRY);
    assert_int_equal(shai_builder_entry_count(b), 1);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    assert_int_equal(shai_db_entry_count(db), 1);
    expect_entry(db, "甲", 0, "uncategorized", SHAI_ACTION_REVIEW, NULL, NULL);
    assert_int_equal(shai_db_category_count(db), 1);
    shai_db_free(db);
}

/* ------------------------------------------------- exact entries, rules */

static uint32_t flags_of(const shai_db *db, const char *word, int allow)
{
    uint32_t flags = 0;
    assert_status(shai_db_entry_info(db, entry_of(db, word, allow), NULL, NULL, &flags, NULL, NULL),
                  SHAI_OK);
    return flags;
}

static void test_exact_and_fold(void **state)
{
    (void)state;
    shai_db *db = db_from_source("甲\n"
                                 "乙\texact\n"
                                 "@exact\n"
                                 "丙\n"
                                 "丁\tfold\n"
                                 "戊\tallow\n"
                                 "@fold\n"
                                 "己\n");
    assert_int_equal(flags_of(db, "甲", 0), 0);
    assert_int_equal(flags_of(db, "乙", 0), SHAI_ENTRY_EXACT);
    assert_int_equal(flags_of(db, "丙", 0), SHAI_ENTRY_EXACT);
    assert_int_equal(flags_of(db, "丁", 0), 0);
    assert_int_equal(flags_of(db, "戊", 1), SHAI_ENTRY_EXACT | SHAI_ENTRY_ALLOW);
    assert_int_equal(flags_of(db, "己", 0), 0);
    shai_db_free(db);
}

static void test_rules(void **state)
{
    (void)state;
    shai_db *db = db_from_source("@category spam\n"
                                 "@action review\n"
                                 "re:1[3-9]\\d{9}\n"
                                 "\\re:think\n"
                                 "re:wx[a-z]{3}\tcategory=contact action=block\n");
    assert_int_equal(shai_db_entry_count(db), 3);
    expect_entry(db, "re:think", 0, "spam", SHAI_ACTION_REVIEW, NULL, NULL);
    assert_int_equal(flags_of(db, "re:think", 0), 0);
    int rules = 0;
    for (uint32_t i = 0; i < shai_db_entry_count(db); i++) {
        uint32_t flags = 0;
        assert_status(shai_db_entry_info(db, i, NULL, NULL, &flags, NULL, NULL), SHAI_OK);
        rules += (flags & SHAI_ENTRY_RULE) != 0;
    }
    assert_int_equal(rules, 2);

    uint32_t verdict = 0;
    size_t count = 0;
    shai_hit hits[4];
    assert_status(shai_check(db, LIT("电话13812345678"), 0, &verdict, hits, 4, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    assert_int_equal(count, 1);
    assert_int_equal(hits[0].start, 6);
    assert_int_equal(hits[0].end, 17);
    assert_status(shai_check(db, LIT("加wxabc"), 0, &verdict, hits, 4, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    shai_db_free(db);
}

static void test_rule_errors(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(add_src(b, "f.txt", "ok\nre:a(b\n"), SHAI_E_REGEX);
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_int_equal(shai_builder_error_line(b), 2);
    assert_true(shai_builder_error_column(b) >= 4);
    assert_int_equal(strncmp(shai_builder_error_message(b), "f.txt:2:", 8), 0);
    /* Rules cannot be exact. */
    assert_status(add_src(b, "f.txt", "re:abc\texact\n"), SHAI_E_LEXICON);
    assert_int_equal(shai_builder_error_line(b), 1);
    assert_int_equal(shai_builder_entry_count(b), 0);
    shai_builder_free(b);
}

/* ---------------------------------------------------------- add_path */

static char tmp_root[256];

static void make_parents(const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + strlen(tmp_root) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                fail_msg("mkdir %s: %s", buf, strerror(errno));
            *p = '/';
        }
    }
}

/* Writes `content` to tmp_root/rel, creating directories as needed. */
static void write_file(const char *rel, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_root, rel);
    make_parents(path);
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("fopen %s: %s", path, strerror(errno));
    assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
    assert_int_equal(fclose(f), 0);
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char child[1024];
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            remove_tree(child);
        }
        closedir(d);
        assert_int_equal(rmdir(path), 0);
    } else {
        assert_int_equal(unlink(path), 0);
    }
}

static int tmp_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/shai-lexicon-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(tmp_root) ? 0 : -1;
}

static int tmp_teardown(void **state)
{
    (void)state;
    remove_tree(tmp_root);
    return 0;
}

static const char *tmp_path(const char *rel)
{
    static char path[512];
    snprintf(path, sizeof path, "%s%s%s", tmp_root, rel[0] ? "/" : "", rel);
    return path;
}

static void test_add_path_file(void **state)
{
    (void)state;
    write_file("words.txt", "\xEF\xBB\xBF@category x\r\n赌博\r\n网络\taction=review\r\n");
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_path(b, tmp_path("words.txt")), SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 2);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    expect_entry(db, "赌博", 0, "x", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "网络", 0, "x", SHAI_ACTION_REVIEW, NULL, NULL);
    shai_db_free(db);
}

static void test_add_path_file_error(void **state)
{
    (void)state;
    write_file("bad.txt", "赌博\n百家乐\tactoin=review\n");
    shai_builder *b = new_builder();
    const char *path = tmp_path("bad.txt");
    assert_status(shai_builder_add_path(b, path), SHAI_E_LEXICON);
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_string_equal(shai_builder_error_file(b), path);
    assert_int_equal(shai_builder_error_line(b), 2);
    assert_int_equal(shai_builder_error_column(b), 5);
    char expect[600];
    snprintf(expect, sizeof expect, "%s:2:5: unknown attribute 'actoin'", path);
    assert_string_equal(shai_builder_error_message(b), expect);
    shai_builder_free(b);
}

static void test_add_path_directory(void **state)
{
    (void)state;
    /* Byte order of the paths: B.txt < a.txt < d.txt/inner.txt < sub-a.txt
     * < sub.txt < sub/deeper/y.txt < sub/x.txt. The first file that names a
     * word gives its category. */
    write_file("lex/a.txt", "词\tcategory=lower\n甲\n");
    write_file("lex/B.txt", "词\tcategory=upper\n");
    write_file("lex/sub/x.txt", "字\tcategory=dir\n乙\n");
    write_file("lex/sub-a.txt", "丙\tcategory=dash\n");
    write_file("lex/sub.txt", "字\tcategory=dot\n丙\tcategory=dot\n");
    write_file("lex/sub/deeper/y.txt", "\xEF\xBB\xBF丁\r\n");
    write_file("lex/d.txt/inner.txt", "戊\n");
    /* Not *.txt: never read, or they would fail. */
    write_file("lex/z.dat", "@bogus\n");
    write_file("lex/notes.txt.bak", "@bogus\n");
    write_file("lex/sub/readme.md", "@bogus\n");
    write_file("lex/TXT", "@bogus\n");

    shai_builder *b = new_builder();
    int rc = shai_builder_add_path(b, tmp_path("lex"));
    if (rc != SHAI_OK)
        print_error("%s\n", shai_builder_error_message(b));
    assert_status(rc, SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 7);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    expect_entry(db, "词", 0, "upper", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "甲", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "字", 0, "dot", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "丙", 0, "dash", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "乙", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "丁", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    expect_entry(db, "戊", 0, "uncategorized", SHAI_ACTION_BLOCK, NULL, NULL);
    shai_db_free(db);

    /* A trailing slash names the same directory. */
    b = new_builder();
    char with_slash[600];
    snprintf(with_slash, sizeof with_slash, "%s/", tmp_path("lex"));
    assert_status(shai_builder_add_path(b, with_slash), SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 7);
    shai_builder_free(b);
}

static void test_add_path_directory_all_or_nothing(void **state)
{
    (void)state;
    write_file("half/a.txt", "甲\n");
    write_file("half/b.txt", "乙\n@bogus x\n");
    write_file("half/c.txt", "丙\n");
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_path(b, tmp_path("half")), SHAI_E_LEXICON);
    assert_int_equal(shai_builder_entry_count(b), 0);
    const char *file = shai_builder_error_file(b);
    size_t fl = strlen(file);
    assert_true(fl >= 6);
    assert_string_equal(file + fl - 6, "/b.txt");
    assert_int_equal(shai_builder_error_line(b), 2);
    assert_int_equal(shai_builder_error_column(b), 1);
    char expect[600];
    snprintf(expect, sizeof expect, "%s:2:1: unknown directive '@bogus'", file);
    assert_string_equal(shai_builder_error_message(b), expect);

    /* The builder is still usable. */
    write_file("whole/a.txt", "甲\n");
    assert_status(shai_builder_add_path(b, tmp_path("whole")), SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 1);
    shai_builder_free(b);
}

static void test_add_path_missing(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_path(b, tmp_path("does-not-exist")), SHAI_E_IO);
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_true(shai_builder_error_message(b)[0] != '\0');
    assert_status(shai_builder_add_path(b, tmp_path("does-not-exist/x.txt")), SHAI_E_IO);
    /* An empty string is not a path at all. */
    assert_status(shai_builder_add_path(b, ""), SHAI_E_INVALID_ARG);
    assert_int_equal(shai_builder_entry_count(b), 0);
    shai_builder_free(b);
}

static void test_add_path_empty_directory(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s", tmp_path("empty"));
    assert_int_equal(mkdir(path, 0755), 0);
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_path(b, path), SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 0);
    shai_builder_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_example),
        cmocka_unit_test(test_bare_word_list),
        cmocka_unit_test(test_empty_sources),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_spaces_trimmed),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_directives),
        cmocka_unit_test(test_category_names),
        cmocka_unit_test(test_directives_are_per_source),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_duplicates_merge),
        cmocka_unit_test(test_error_unknown_directive),
        cmocka_unit_test(test_error_unknown_attribute),
        cmocka_unit_test(test_error_bad_action_value),
        cmocka_unit_test(test_error_missing_value),
        cmocka_unit_test(test_error_invalid_utf8),
        cmocka_unit_test(test_error_empty_entry),
        cmocka_unit_test(test_error_control_chars),
        cmocka_unit_test(test_error_entry_too_long),
        cmocka_unit_test(test_error_accessors_after_success),
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_exact_and_fold),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_rule_errors),
        cmocka_unit_test(test_add_path_file),
        cmocka_unit_test(test_add_path_file_error),
        cmocka_unit_test(test_add_path_directory),
        cmocka_unit_test(test_add_path_directory_all_or_nothing),
        cmocka_unit_test(test_add_path_missing),
        cmocka_unit_test(test_add_path_empty_directory),
    };
    return cmocka_run_group_tests(tests, tmp_setup, tmp_teardown);
}
