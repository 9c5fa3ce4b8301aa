/*
 * Invalid UTF-8 and NUL bytes in the text: offsets stay in the original bytes. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_utf8_offsets),
        cmocka_unit_test(test_nul_bytes_in_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
