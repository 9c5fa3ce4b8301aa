/*
 * The fold tables of #15 items 3, 4 and 10 through the public API: a lexicon
 * written in Simplified Chinese and plain ASCII hits Traditional, styled and
 * variant text at the original bytes; standard Simplified characters are not
 * folded into others (an entry 着 does not hit 著作); β is not "ss".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shai.h"

/* the fold alone: no variants (tests/variant has those) */
static const char lexicon[] = "@variants none\n"
                              "@category fraud\n"
                              "发票咨询qq\n"
                              "@category gambling\n"
                              "汇丰娱乐城\n"
                              "@category test\n"
                              "凌辱\n"
                              "咨询\n"
                              "巨额\n"
                              "汇丰\n"
                              "镰刀\n"
                              "复苏\n"
                              "牦牛\n"
                              "仿佛\n"
                              "计划\n"
                              "凌晨\n"
                              "岳父\n"
                              "抵触\n"
                              "朱砂\n"
                              "修长\n"
                              "着\n"
                              "具\n"
                              "坂\n"
                              "借\n"
                              "傻逼\n"
                              "博彩\n"
                              "冰毒\n"
                              "发财\n"
                              "淫秽\n"
                              "你妈\n"
                              "黄色\n"
                              "大麻\n"
                              "@category abuse\n"
                              "fuck\n"
                              "text\n"
                              "ass\n"
                              "bitch\n"
                              "vpn\n"
                              "k5\n";

static shai_db *db;

static int setup(void **state)
{
    shai_builder *b;
    int rc;
    (void)state;
    if (shai_builder_new(&b) || shai_builder_add_source(b, "forms.txt", lexicon, strlen(lexicon)))
        return -1;
    rc = shai_builder_compile(b, &db);
    shai_builder_free(b);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    shai_db_free(db);
    return 0;
}

/* The original bytes of every hit (leftmost-longest), joined by '|'. */
static void spans(const char *text, char *out, size_t cap)
{
    shai_hit hits[32];
    size_t n, len = 0;
    uint32_t verdict;
    assert_int_equal(shai_check(db, text, strlen(text), 0, &verdict, hits, 32, &n), SHAI_OK);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t k = (size_t)(hits[i].end - hits[i].start);
        assert_true(hits[i].start <= hits[i].end && hits[i].end <= strlen(text));
        assert_true(len + k + 2 < cap);
        if (i)
            out[len++] = '|';
        memcpy(out + len, text + hits[i].start, k);
        len += k;
        out[len] = '\0';
    }
}

typedef struct cse {
    const char *item, *text, *expect;
} cse;

static void run(const cse *cases, size_t n)
{
    char got[1024];
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        spans(cases[i].text, got, sizeof got);
        if (strcmp(got, cases[i].expect) != 0) {
            print_error("%s: \"%s\" -> \"%s\", expected \"%s\"\n", cases[i].item, cases[i].text,
                        got, cases[i].expect);
            failed = 1;
        }
    }
    assert_false(failed);
}

/* Item 3: OpenCC's Traditional->Simplified; standard Simplified stays. */
static void test_traditional(void **state)
{
    static const cse cases[] = {
        {"t2s", "發票諮詢qq聯繫", "發票諮詢qq"},
        {"t2s", "歡迎光臨滙豐娛樂城", "滙豐娛樂城"},
        {"t2s", "遭到淩辱", "淩辱"},
        {"t2s", "諮詢", "諮詢"},
        {"t2s", "鉅額", "鉅額"},
        {"t2s", "滙豐", "滙豐"},
        {"t2s", "鐮刀", "鐮刀"},
        {"t2s", "犛牛", "犛牛"},
        {"t2s", "計劃", "計劃"},
        {"t2s", "淩晨", "淩晨"},
        {"t2s", "嶽父", "嶽父"},
        {"t2s", "抵觸", "抵觸"},
        {"t2s", "硃砂", "硃砂"},
        {"t2s", "脩長", "脩長"},
        /* OpenCC's default candidate keeps 甦 and 彷 (甦醒 and 彷徨 are
         * Simplified too); only its phrase table makes 复苏 and 仿佛 */
        {"t2s", "復甦", ""},
        {"t2s", "彷彿", ""},
        /* standard Simplified characters are not folded into others */
        {"simplified", "他的著作", ""},
        {"simplified", "俱樂部", ""},
        {"simplified", "大阪", ""},
        {"simplified", "藉口", ""},
        {"simplified", "穿着", "着"},
    };
    (void)state;
    run(cases, sizeof cases / sizeof cases[0]);
}

/* Item 4: styled letters, CJK radicals, variant characters. */
static void test_styled_and_variants(void **state)
{
    static const cse cases[] = {
        {"negative squared", "🅵🆄🅲🅺 you", "🅵🆄🅲🅺"},
        {"negative circled", "🅕🅤🅒🅚 you", "🅕🅤🅒🅚"},
        {"regional indicator", "🇫🇺🇨🇰 you", "🇫🇺🇨🇰"},
        {"parenthesised", "⒡⒰⒞⒦ you", "⒡⒰⒞⒦"},
        {"parenthesised", "加⒦⑸号", "⒦⑸"},
        {"small capitals", "ꜰᴜᴄᴋ you", "ꜰᴜᴄᴋ"},
        {"small capitals", "ʙɪᴛᴄʜ", "ʙɪᴛᴄʜ"},
        {"hook letters", "ƒuck you", "ƒuck"},
        {"hook letters", "ɓitƈɦ", "ɓitƈɦ"},
        {"enclosing Cyrillic marks", "f\xd2\x89u\xd2\x89\x63\xd2\x89k\xd2\x89 you",
         "f\xd2\x89u\xd2\x89\x63\xd2\x89k\xd2\x89"},
        {"cyrillic capitals", "ТЕХТ", "ТЕХТ"},
        {"cyrillic capitals", "a ВІТСН", "ВІТСН"},
        {"radicals", "⻩⾊网站", "⻩⾊"},
        {"variants", "你真儍逼", "儍逼"},
        {"variants", "愽彩网", "愽彩"},
        {"variants", "卖氷毒", "氷毒"},
        {"variants", "発财", "発财"},
        {"variants", "婬秽", "婬秽"},
        {"variants", "伱妈", "伱妈"},
        {"variants", "沵妈", "沵妈"},
        {"variants", "大蔴", "大蔴"},
    };
    (void)state;
    run(cases, sizeof cases / sizeof cases[0]);
}

/* A styled hit's offsets are the original bytes (🅵 is 4 bytes, ⒦ 3). */
static void test_offsets(void **state)
{
    const char *text = "ab 🅵🆄🅲🅺 ⒦⑸";
    shai_hit hits[4];
    size_t n;
    uint32_t verdict;
    (void)state;
    assert_int_equal(shai_check(db, text, strlen(text), 0, &verdict, hits, 4, &n), SHAI_OK);
    assert_int_equal(n, 2);
    assert_int_equal(hits[0].start, 3);
    assert_int_equal(hits[0].end, 3 + 16);
    assert_int_equal(hits[1].start, 3 + 16 + 1);
    assert_int_equal(hits[1].end, 3 + 16 + 1 + 6);
}

/* Item 10: β folds to b, so mathematics is not "ass". */
static void test_beta(void **state)
{
    static const cse cases[] = {
        {"beta", "若α＋β≥1.5", ""},
        {"beta", "β-carotene", ""},
        {"beta", "αss", "αss"}, /* α is still a */
        {"beta", "βitch", "βitch"},
    };
    char folded[64];
    size_t n;
    (void)state;
    run(cases, sizeof cases / sizeof cases[0]);
    assert_int_equal(shai_fold(SHAI_FOLD_ALL, "α＋β", strlen("α＋β"), folded, sizeof folded, &n),
                     SHAI_OK);
    assert_string_equal(folded, "a+b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traditional),
        cmocka_unit_test(test_styled_and_variants),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_beta),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
