/*
 * The variant layer's tables (lib/variant/tables.h): readings, syllables,
 * prefixes, near classes and the hand-written tables, through their lookups.
 * Links the library's internal archive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "variant/tables.h"

static unsigned syl(const char *s)
{
    unsigned id = shi_py_lookup(s, strlen(s));
    assert_int_not_equal(id, 0);
    assert_string_equal(shi_py_syllable(id), s);
    return id;
}

static shi_reading reading(const char *s, unsigned tone)
{
    return (shi_reading)(syl(s) << 3 | tone);
}

static int has_reading(uint32_t cp, const char *s, unsigned tone)
{
    shi_reading r[SHI_READINGS_MAX];
    unsigned n = shi_py_readings(cp, r);
    assert_true(n <= SHI_READINGS_MAX);
    for (unsigned i = 0; i < n; i++)
        if (r[i] == reading(s, tone))
            return 1;
    return 0;
}

static void test_readings(void **state)
{
    (void)state;
    shi_reading r[SHI_READINGS_MAX];
    /* 赌 dǔ, and only that. */
    assert_int_equal(shi_py_readings(0x8D4C, r), 1);
    assert_int_equal(r[0], reading("du", 3));
    assert_int_equal(SHI_READING_SYL(r[0]), syl("du"));
    assert_int_equal(SHI_READING_TONE(r[0]), 3);
    /* 长: cháng and zhǎng; 長 (Traditional) too. */
    assert_true(has_reading(0x957F, "chang", 2));
    assert_true(has_reading(0x957F, "zhang", 3));
    assert_true(has_reading(0x9577, "chang", 2));
    assert_true(has_reading(0x9577, "zhang", 3));
    /* 读 is dú, never dǔ: not a homophone of 赌. */
    assert_true(has_reading(0x8BFB, "du", 2));
    assert_false(has_reading(0x8BFB, "du", 3));
    /* kMandarin first: 行 xíng before háng. */
    assert_true(shi_py_readings(0x884C, r) >= 2);
    assert_int_equal(r[0], reading("xing", 2));
    assert_true(has_reading(0x884C, "hang", 2));
    /* 吃 chī: the archaic qī of the Hanyu Da Zidian is left out. */
    assert_int_equal(shi_py_readings(0x5403, r), 1);
    assert_int_equal(r[0], reading("chi", 1));
    /* ü: 女 nǚ, 绿 lǜ; neutral tone 5: 吗 ma. */
    assert_true(has_reading(0x5973, "nv", 3));
    assert_true(has_reading(0x7EFF, "lv", 4));
    assert_true(has_reading(0x5417, "ma", 5));
    /* An extension-B character has its reading (the two-stage index reaches it). */
    assert_true(has_reading(0x20000, "he", 1));
    /* No reading: Latin, kana, emoji, beyond Unicode. */
    assert_int_equal(shi_py_readings('a', r), 0);
    assert_int_equal(shi_py_readings(0x3042, r), 0);
    assert_int_equal(shi_py_readings(0x1F42E, r), 0);
    assert_int_equal(shi_py_readings(0x110000, r), 0);
    assert_int_equal(shi_py_readings(0xFFFFFFFFu, r), 0);
}

/* Every reading of every code point names a syllable and a tone 1-5, no duplicates. */
static void test_readings_well_formed(void **state)
{
    (void)state;
    unsigned with = 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        shi_reading r[SHI_READINGS_MAX];
        unsigned n = shi_py_readings(cp, r);
        if (!n)
            continue;
        with++;
        for (unsigned i = 0; i < n; i++) {
            assert_true(SHI_READING_SYL(r[i]) >= 1 && SHI_READING_SYL(r[i]) < shi_py_nsyl);
            assert_true(SHI_READING_TONE(r[i]) >= 1 && SHI_READING_TONE(r[i]) <= 5);
            for (unsigned j = 0; j < i; j++)
                assert_int_not_equal(r[i], r[j]);
        }
    }
    /* Unihan 15.0 gives a Mandarin reading to some 41 000 code points. */
    assert_true(with > 40000);
}

static void test_syllables(void **state)
{
    (void)state;
    assert_true(shi_py_nsyl > 400 && shi_py_nsyl < 450);
    assert_string_equal(shi_py_syllable(0), "");
    assert_string_equal(shi_py_syllable(shi_py_nsyl), "");
    assert_string_equal(shi_py_syllable(100000), "");
    /* Ids are in alphabetical order and every name is found by lookup. */
    for (unsigned i = 1; i < shi_py_nsyl; i++) {
        const char *s = shi_py_syllable(i);
        assert_true(strlen(s) >= 1 && strlen(s) <= 6);
        assert_int_equal(shi_py_lookup(s, strlen(s)), i);
        if (i > 1)
            assert_true(strcmp(shi_py_syllable(i - 1), s) < 0);
    }
    syl("zhuang");
    syl("a");
    syl("lve");
    assert_int_equal(shi_py_lookup("zhuangx", 7), 0);
    assert_int_equal(shi_py_lookup("zhuan", 4), syl("zhua")); /* n bytes only */
    assert_int_equal(shi_py_lookup("", 0), 0);
    assert_int_equal(shi_py_lookup("xyz", 3), 0);
    assert_int_equal(shi_py_lookup("lue", 3), 0); /* ü is written v */
    assert_int_equal(shi_py_lookup("Du", 2), 0);  /* lowercase only */
}

static void test_prefixes(void **state)
{
    (void)state;
    uint16_t out[8];
    uint8_t len[8];
    /* xian: xi, xia, xian, shortest first. */
    unsigned n = shi_py_prefixes("xian", 4, out, len);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], syl("xi"));
    assert_int_equal(len[0], 2);
    assert_int_equal(out[1], syl("xia"));
    assert_int_equal(len[1], 3);
    assert_int_equal(out[2], syl("xian"));
    assert_int_equal(len[2], 4);
    /* Only the first n bytes count, and the rest of s is not read. */
    n = shi_py_prefixes("xianzai", 2, out, len);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], syl("xi"));
    /* duchang: du only (d is no syllable, duc no prefix of one). */
    n = shi_py_prefixes("duchang", 7, out, len);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], syl("du"));
    assert_int_equal(len[0], 2);
    /* u after l or n also spells ü: lue gives lu, lv and lve. */
    n = shi_py_prefixes("lue", 3, out, len);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], syl("lu"));
    assert_int_equal(out[1], syl("lv"));
    assert_int_equal(len[1], 2);
    assert_int_equal(out[2], syl("lve"));
    assert_int_equal(len[2], 3);
    n = shi_py_prefixes("nv", 2, out, len);
    assert_int_equal(n, 2); /* n (嗯), nv */
    assert_int_equal(out[1], syl("nv"));
    /* zhuangzhuang: zhu, zhua, zhuan, zhuang (6 bytes at most). */
    n = shi_py_prefixes("zhuangzhuang", 12, out, len);
    assert_int_equal(n, 4);
    assert_int_equal(out[3], syl("zhuang"));
    assert_int_equal(len[3], 6);
    assert_int_equal(shi_py_prefixes("", 0, out, len), 0);
    assert_int_equal(shi_py_prefixes("vvv", 3, out, len), 0);
    assert_int_equal(shi_py_prefixes("123", 3, out, len), 0);
}

/* shi_py_prefixes against a naive reference (shi_py_lookup of every length, then with v for u
 * after l or n) on every pair of syllables written together and on their u/v spellings. */
static void test_prefixes_reference(void **state)
{
    (void)state;
    for (unsigned i = 1; i < shi_py_nsyl; i++) {
        for (unsigned j = 0; j < shi_py_nsyl; j++) {
            char text[16];
            size_t n =
                (size_t)snprintf(text, sizeof text, "%s%s", shi_py_syllable(i), shi_py_syllable(j));
            for (int pass = 0; pass < 2; pass++) {
                if (pass == 1) { /* lv... -> lu... */
                    if (text[1] != 'v')
                        break;
                    text[1] = 'u';
                }
                uint16_t want[16], got[8];
                uint8_t want_len[16], got_len[8];
                unsigned w = 0;
                for (size_t k = 1; k <= n && k <= 6; k++) {
                    unsigned id = shi_py_lookup(text, k);
                    if (id) {
                        want[w] = (uint16_t)id;
                        want_len[w++] = (uint8_t)k;
                    }
                    if (k >= 2 && (text[0] == 'l' || text[0] == 'n') && text[1] == 'u') {
                        char v[8];
                        memcpy(v, text, k);
                        v[1] = 'v';
                        id = shi_py_lookup(v, k);
                        if (id) {
                            want[w] = (uint16_t)id;
                            want_len[w++] = (uint8_t)k;
                        }
                    }
                }
                unsigned g = shi_py_prefixes(text, n, got, got_len);
                assert_int_equal(g, w < 8 ? w : 8);
                for (unsigned k = 0; k < g; k++) {
                    assert_int_equal(got[k], want[k]);
                    assert_int_equal(got_len[k], want_len[k]);
                }
            }
        }
    }
}

static void test_near(void **state)
{
    (void)state;
    assert_int_equal(shi_py_near(syl("zhi")), shi_py_near(syl("zi")));
    assert_int_equal(shi_py_near(syl("chang")), shi_py_near(syl("can")));
    assert_int_equal(shi_py_near(syl("shen")), shi_py_near(syl("seng")));
    assert_int_equal(shi_py_near(syl("nan")), shi_py_near(syl("lang")));
    assert_int_equal(shi_py_near(syl("ying")), shi_py_near(syl("yin")));
    assert_int_equal(shi_py_near(syl("nv")), shi_py_near(syl("lv")));
    assert_int_equal(shi_py_near(syl("zhuang")), shi_py_near(syl("zuan")));
    /* ong stays ong; other initials and finals stay apart. */
    assert_int_equal(shi_py_near(syl("zhong")), shi_py_near(syl("zong")));
    assert_int_not_equal(shi_py_near(syl("zhong")), shi_py_near(syl("zun")));
    assert_int_not_equal(shi_py_near(syl("dong")), shi_py_near(syl("dun")));
    assert_int_not_equal(shi_py_near(syl("ba")), shi_py_near(syl("pa")));
    assert_int_not_equal(shi_py_near(syl("zi")), shi_py_near(syl("ji")));
    assert_int_not_equal(shi_py_near(syl("fan")), shi_py_near(syl("huan")));
    /* The class is a syllable id of the class; a syllable is in its own class. */
    for (unsigned i = 1; i < shi_py_nsyl; i++) {
        unsigned c = shi_py_near(i);
        assert_true(c >= 1 && c <= i);
        assert_int_equal(shi_py_near(c), c);
    }
    assert_int_equal(shi_py_near(0), 0);
    assert_int_equal(shi_py_near(shi_py_nsyl), 0);
}

static void test_split(void **state)
{
    (void)state;
    assert_int_equal(shi_split_compose(0x7C73, 0x9752), 0x7CBE); /* 米青 精 */
    assert_int_equal(shi_split_compose(0x8EAB, 0x5BF8), 0x5C04); /* 身寸 射 */
    assert_int_equal(shi_split_compose(0x5F13, 0x867D), 0x5F3A); /* 弓虽 强 */
    assert_int_equal(shi_split_compose(0x5973, 0x5E72), 0x5978); /* 女干 奸 */
    assert_int_equal(shi_split_compose(0x6C35, 0x53BB), 0x6CD5); /* 氵去 法 */
    assert_int_equal(shi_split_compose(0x8F66, 0x4ED1), 0x8F6E); /* 车仑 轮 */
    /* Order matters; unrelated pairs compose nothing. */
    assert_int_equal(shi_split_compose(0x9752, 0x7C73), 0); /* 青米 */
    assert_int_equal(shi_split_compose(0x5F13, 0x7BAD), 0); /* 弓箭 */
    assert_int_equal(shi_split_compose(0, 0), 0);
    assert_int_equal(shi_split_compose(0xFFFFFFFFu, 0xFFFFFFFFu), 0);
}

static int emoji_has(uint32_t e, uint32_t c)
{
    uint32_t out[4];
    unsigned n = shi_emoji_chars(e, out);
    assert_true(n <= 4);
    for (unsigned i = 0; i < n; i++)
        if (out[i] == c)
            return 1;
    return 0;
}

static void test_emoji(void **state)
{
    (void)state;
    uint32_t out[4];
    assert_int_equal(shi_emoji_chars(0x1F42E, out), 1); /* 🐮 */
    assert_int_equal(out[0], 0x725B);                   /* 牛 */
    assert_true(emoji_has(0x1F37A, 0x903C));            /* 🍺 逼 */
    assert_true(emoji_has(0x1F37A, 0x5564));            /* 🍺 啤 */
    assert_true(emoji_has(0x1F414, 0x9E21));            /* 🐔 鸡 */
    assert_true(emoji_has(0x1F434, 0x9A6C));            /* 🐴 马 */
    assert_true(emoji_has(0x1F52B, 0x67AA));            /* 🔫 枪 */
    assert_false(emoji_has(0x1F42E, 0x9A6C));
    assert_int_equal(shi_emoji_chars('a', out), 0);
    assert_int_equal(shi_emoji_chars(0xFE0F, out), 0);
    assert_int_equal(shi_emoji_chars(0x725B, out), 0);
}

static void test_leet_digits_wildcards(void **state)
{
    (void)state;
    assert_string_equal(shi_leet_letters('4'), "a");
    assert_string_equal(shi_leet_letters('@'), "a");
    assert_string_equal(shi_leet_letters('0'), "o");
    assert_string_equal(shi_leet_letters('$'), "s");
    assert_non_null(strchr(shi_leet_letters('1'), 'i'));
    assert_non_null(strchr(shi_leet_letters('1'), 'l'));
    assert_null(shi_leet_letters('a'));
    assert_null(shi_leet_letters(' '));
    assert_null(shi_leet_letters(0x7CBE));

    uint16_t s[4];
    unsigned n = shi_digit_syllables(7, s);
    int qi = 0, qu = 0;
    for (unsigned i = 0; i < n; i++) {
        qi |= s[i] == syl("qi");
        qu |= s[i] == syl("qu");
    }
    assert_true(qi && qu);
    for (unsigned d = 0; d <= 9; d++) {
        n = shi_digit_syllables(d, s);
        assert_true(n >= 1 && n <= 4);
    }
    n = shi_digit_syllables(4, s);
    assert_int_equal(s[0], syl("si"));
    assert_int_equal(shi_digit_syllables(10, s), 0);

    assert_true(shi_is_wildcard('x'));
    assert_true(shi_is_wildcard('*'));
    assert_true(shi_is_wildcard(0x00D7)); /* × */
    assert_true(shi_is_wildcard(0x25CB)); /* ○ */
    assert_true(shi_is_wildcard(0x25A1)); /* □ */
    assert_false(shi_is_wildcard('X'));   /* folded text only: X is x by then */
    assert_false(shi_is_wildcard('a'));
    assert_false(shi_is_wildcard(0x6DF7)); /* 混 */
}

static void test_version(void **state)
{
    (void)state;
    assert_int_equal(strncmp(shi_variant_tables_version, "unihan-15.0.0;split-", 20), 0);
    assert_non_null(strstr(shi_variant_tables_version, ";emoji-"));
}

int main(void)
{
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readings),
        cmocka_unit_test(test_readings_well_formed),
        cmocka_unit_test(test_syllables),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_prefixes_reference),
        cmocka_unit_test(test_near),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_emoji),
        cmocka_unit_test(test_leet_digits_wildcards),
        cmocka_unit_test(test_version),
    };
    /* clang-format on */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
