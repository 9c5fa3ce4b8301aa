/* The evasion matrix: real-looking comments that dodge a plain filter, each
 * with the exact original span shai must report; and the false positives
 * folding must not create. Public API only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shai.h"

static const char lexicon[] = "@category gambling\n"
                              "赌博\n"
                              "网上赌场\n"
                              "@category politics\n"
                              "法轮功\n"
                              "@category abuse\n"
                              "fuck\n"
                              "ass\n"
                              "cunt\n"
                              "anal\n"
                              "porn\n"
                              "@category spam\n"
                              "vpn\n"
                              "dubo\n"
                              "110\n"
                              "@category family\n"
                              "爸爸\n"
                              "@category exact\n"
                              "SB\texact\n";

static shai_db *db;

static int setup(void **state)
{
    (void)state;
    shai_builder *b;
    if (shai_builder_new(&b) || shai_builder_add_source(b, "evasion.txt", lexicon, strlen(lexicon)))
        return -1;
    int rc = shai_builder_compile(b, &db);
    shai_builder_free(b);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    shai_db_free(db);
    return 0;
}

/* The matched original texts of the violations (leftmost-longest), joined
 * by '|'. */
static void spans(const char *text, char *out, size_t cap)
{
    shai_hit hits[16];
    size_t n;
    uint32_t verdict;
    assert_int_equal(shai_check(db, text, strlen(text), 0, &verdict, hits, 16, &n), SHAI_OK);
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = (size_t)(hits[i].end - hits[i].start);
        assert_true(len + k + 2 < cap);
        if (i)
            out[len++] = '|';
        memcpy(out + len, text + hits[i].start, k);
        len += k;
        out[len] = '\0';
    }
}

typedef struct cse {
    const char *stage, *text, *expect;
} cse;

static const cse matrix[] = {
    /* Traditional -> Simplified */
    {"t2s", "這個網站可以網上賭博嗎", "賭博"},
    {"t2s", "他在澳門賭博輸光了", "賭博"},
    /* full and half width, case */
    {"width", "翻墙用ＶＰＮ最快", "ＶＰＮ"},
    {"width", "Ｆｕｃｋ you", "Ｆｕｃｋ"},
    {"case", "who uses a VPN here", "VPN"},
    {"case", "FUCK this", "FUCK"},
    /* noise between characters */
    {"noise", "来玩赌*博吧", "赌*博"},
    {"noise", "赌 - 博网站", "赌 - 博"},
    {"noise", "一起赌😀博", "赌😀博"},
    {"noise", "f.u.c.k off", "f.u.c.k"},
    /* invisible characters */
    {"ignorable", "赌\xe2\x80\x8b博", "赌\xe2\x80\x8b博"},       /* U+200B zero-width space */
    {"ignorable", "赌\xe2\x81\xa0博", "赌\xe2\x81\xa0博"},       /* U+2060 word joiner */
    {"ignorable", "赌\xc2\xad博", "赌\xc2\xad博"},               /* U+00AD soft hyphen */
    {"ignorable", "赌\xef\xb8\x8f博", "赌\xef\xb8\x8f博"},       /* U+FE0F variation selector */
    {"ignorable", "fu\xe2\x80\x8d\x63k", "fu\xe2\x80\x8d\x63k"}, /* U+200D zero-width joiner */
    /* compatibility and styled forms */
    {"compat", "加我ⓓⓤⓑⓞ", "ⓓⓤⓑⓞ"},
    {"compat", "𝐝𝐮𝐛𝐨网", "𝐝𝐮𝐛𝐨"},
    {"compat", "快打①①⓪", "①①⓪"},
    /* lookalikes */
    {"confusables", "fu\xd1\x81k you", "fu\xd1\x81k"}, /* Cyrillic с */
    {"confusables", "\xd0\xb0ss hole", "\xd0\xb0ss"},  /* Cyrillic а */
    /* diacritics and combining marks */
    {"diacritics", "free pórn here", "pórn"},
    {"diacritics", "f\xcc\xb2u\xcc\xb2\x63\xcc\xb2k\xcc\xb2!",
     "f\xcc\xb2u\xcc\xb2\x63\xcc\xb2k\xcc\xb2"},
    /* doubled characters */
    {"repeats", "法法轮轮功功好", "法法轮轮功功"},
    {"repeats", "fuuuuck", "fuuuuck"},
    {"repeats", "我爸爸说", "爸爸"},
    /* several at once */
    {"mixed", "網　上　賭　場", "網　上　賭　場"},
    {"mixed", "ＦＵ\xe2\x80\x8bＣＫ", "ＦＵ\xe2\x80\x8bＣＫ"},
};

static void test_evasion_matrix(void **state)
{
    (void)state;
    char got[512];
    int failed = 0;
    for (size_t i = 0; i < sizeof matrix / sizeof matrix[0]; i++) {
        spans(matrix[i].text, got, sizeof got);
        if (strcmp(got, matrix[i].expect) != 0) {
            print_error("%s: \"%s\" -> \"%s\", expected \"%s\"\n", matrix[i].stage, matrix[i].text,
                        got, matrix[i].expect);
            failed = 1;
        }
    }
    assert_false(failed);
}

static const cse clean[] = {
    {"latin", "the class is full of glass", ""},
    {"latin", "Scunthorpe United won", ""},
    {"latin", "an analysis of the data", ""},
    {"latin", "assassins and passengers", ""},
    {"latin", "CLASSIC Ｐａｓｓ", ""},
    {"cjk", "我去赌场玩了一会然后去博物馆", ""},
    {"gap", "赌****博", ""},
    {"gap", "赌，，，，博", ""},
    {"line", "赌\n博", ""},
    {"repeats", "我爸说", ""},
    {"exact", "你真是个sb", ""},
    {"exact", "ＳＢ", ""},
    {"digits", "1100元", ""},
};

static void test_false_positives(void **state)
{
    (void)state;
    char got[512];
    int failed = 0;
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
        spans(clean[i].text, got, sizeof got);
        if (strcmp(got, clean[i].expect) != 0) {
            print_error("%s: \"%s\" -> \"%s\", expected no hit\n", clean[i].stage, clean[i].text,
                        got);
            failed = 1;
        }
    }
    assert_false(failed);
}

static void test_exact_entry(void **state)
{
    (void)state;
    char got[64];
    spans("你真是个SB啊", got, sizeof got);
    assert_string_equal(got, "SB");
}

static void test_mask_covers_original_span(void **state)
{
    (void)state;
    const char *text = "来玩赌*博吧，網上賭場";
    char out[128];
    size_t n;
    assert_int_equal(shai_mask(db, text, strlen(text), '*', out, sizeof out, &n), SHAI_OK);
    assert_string_equal(out, "来玩***吧，****");
}

static void test_fold_shows_the_matcher_view(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } cases[] = {
        {"ＶＰＮ", "vpn"},       {"賭博", "赌博"}, {"ⓓⓤ𝐝𝐮①", "dudu1"},
        {"fu\xd1\x81k", "fuck"}, {"pórn", "porn"}, {"赌\xe2\x80\x8b博", "赌博"},
        {"赌*博", "赌*博"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        size_t n;
        assert_int_equal(
            shai_fold(SHAI_FOLD_ALL, cases[i].in, strlen(cases[i].in), out, sizeof out, &n),
            SHAI_OK);
        assert_string_equal(out, cases[i].out);
    }
}

static void test_no_fold_is_exact(void **state)
{
    (void)state;
    shai_builder *b;
    shai_db *exact;
    assert_int_equal(shai_builder_new(&b), SHAI_OK);
    assert_int_equal(shai_builder_set_option(b, SHAI_OPT_FOLD, 0), SHAI_OK);
    assert_int_equal(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 0), SHAI_OK);
    assert_int_equal(shai_builder_set_option(b, SHAI_OPT_REPEATS, 0), SHAI_OK);
    assert_int_equal(shai_builder_add_source(b, "x", lexicon, strlen(lexicon)), SHAI_OK);
    assert_int_equal(shai_builder_compile(b, &exact), SHAI_OK);
    shai_builder_free(b);
    const char *texts[] = {"賭博", "赌*博", "ＶＰＮ", "法法轮轮功功", "赌\xe2\x80\x8b博"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t n;
        assert_int_equal(
            shai_scan_hits(exact, texts[i], strlen(texts[i]), SHAI_SCAN_OVERLAPPING, NULL, 0, &n),
            SHAI_OK);
        assert_int_equal(n, 0);
    }
    size_t n;
    assert_int_equal(shai_scan_hits(exact, "赌博", strlen("赌博"), 0, NULL, 0, &n),
                     SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(n, 1);
    int64_t v;
    assert_int_equal(shai_db_option(exact, SHAI_OPT_FOLD, &v), SHAI_OK);
    assert_int_equal(v, 0);
    shai_db_free(exact);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evasion_matrix),
        cmocka_unit_test(test_false_positives),
        cmocka_unit_test(test_exact_entry),
        cmocka_unit_test(test_mask_covers_original_span),
        cmocka_unit_test(test_fold_shows_the_matcher_view),
        cmocka_unit_test(test_no_fold_is_exact),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
