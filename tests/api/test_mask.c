/*
 * shai_mask: masking violations in the original text. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask_basic),
        cmocka_unit_test(test_mask_multibyte),
        cmocka_unit_test(test_mask_buffer_too_small),
        cmocka_unit_test(test_mask_overlapping_violations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
