/*
 * Word boundaries: Latin entries match whole words, CJK entries anywhere. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latin_boundaries),
        cmocka_unit_test(test_cjk_anywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
