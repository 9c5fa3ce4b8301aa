/* Matching rules that neither hide real hits nor join separate words
 * (issue 15): repeats next to failure links, boundaries inside a match
 * (topics, repost marks, brackets, digits), the ASCII full stop and stroke
 * separators, and allow hits that overlap a deny hit partially. Each case
 * is a small lexicon and the original spans shai reports. Public API
 * only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shai.h"

static shai_db *compile(const char *lexicon)
{
    shai_builder *b;
    shai_db *db = NULL;
    assert_int_equal(shai_builder_new(&b), SHAI_OK);
    assert_int_equal(shai_builder_add_source(b, "t.txt", lexicon, strlen(lexicon)), SHAI_OK);
    assert_int_equal(shai_builder_compile(b, &db), SHAI_OK);
    shai_builder_free(b);
    return db;
}

/* The text of hits[0..n), joined by '|' (static storage). */
static const char *join_spans(const char *text, const shai_hit *hits, size_t n)
{
    static char out[512];
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t k = (size_t)(hits[i].end - hits[i].start);
        assert_true(len + k + 2 < sizeof out);
        if (i)
            out[len++] = '|';
        memcpy(out + len, text + hits[i].start, k);
        len += k;
        out[len] = '\0';
    }
    return out;
}

/* The original spans of the violations, joined by '|' (shai_check with
 * `flags`). */
static const char *spans(const shai_db *db, const char *text, uint32_t flags)
{
    shai_hit hits[16];
    size_t n;
    uint32_t verdict;
    assert_int_equal(shai_check(db, text, strlen(text), flags, &verdict, hits, 16, &n), SHAI_OK);
    return join_spans(text, hits, n);
}

#define OVL SHAI_SCAN_OVERLAPPING

/* A stream hit as "start-end", appended to the string `user`. */
static int collect_span(const shai_hit *hit, void *user)
{
    char *out = user;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%llu-%llu", n ? "|" : "", (unsigned long long)hit->start,
             (unsigned long long)hit->end);
    return 0;
}

/* An overlapping stream of `text` written in two pieces, cut at every
 * byte, reports `want` (collect_span's form) each time. */
static void assert_stream_cuts(const shai_db *db, const char *text, const char *want)
{
    for (size_t cut = 0; cut <= strlen(text); cut++) {
        char got[256] = "";
        shai_stream *st;
        assert_int_equal(shai_stream_open(db, OVL, collect_span, got, &st), SHAI_OK);
        assert_int_equal(shai_stream_write(st, text, cut), SHAI_OK);
        assert_int_equal(shai_stream_write(st, text + cut, strlen(text) - cut), SHAI_OK);
        assert_int_equal(shai_stream_close(st), SHAI_OK);
        assert_string_equal(got, want);
    }
}

/* A doubled character that another entry needs is not swallowed by the
 * repeats rule: the failure links are asked too. */
static void test_repeats_see_failure_links(void **state)
{
    (void)state;
    shai_db *db = compile("鸡鸡\n小鸡巴\n来自\n自由民主党\nxxx\n赌博\n");
    assert_string_equal(spans(db, "小鸡鸡", OVL), "鸡鸡");
    assert_string_equal(spans(db, "小鸡鸡巴", OVL), "鸡鸡");
    /* 自由民主党 is found, the doubled 自 included */
    assert_string_equal(spans(db, "來自自由民主黨", OVL), "來自自|自自由民主黨");
    /* leftmost-longest: the doubled unit is shared, the first hit up to its
     * last copy and the neighbour from there */
    assert_string_equal(spans(db, "來自自由民主黨", 0), "來自|自由民主黨");
    assert_string_equal(spans(db, "來自自自由民主黨", 0), "來自自|自由民主黨");
    assert_string_equal(spans(db, "来自自", 0), "来自自");
    assert_string_equal(spans(db, "赌赌博博", 0), "赌赌博博");
    /* a placeholder is not the word */
    assert_string_equal(spans(db, "XXXX", OVL), "");
    assert_string_equal(spans(db, "xxx", OVL), "xxx");
    /* a doubled character still joins where nothing goes on through it */
    assert_string_equal(spans(db, "赌赌博博", OVL), "赌赌博博");
    shai_db_free(db);
}

/* An entry that begins or ends with noise does not stop that noise being
 * skipped for the others: the choice waits for the character after the
 * gap. Where both readings give a hit, the skipping one wins. */
static void test_noise_an_entry_takes(void **state)
{
    (void)state;
    shai_db *db = compile("赌博\n\\#话题\n+v\n靖国神社\n/天\n赌%\nab-\nab-cd\n");
    for (uint32_t flags = 0; flags <= OVL; flags += OVL) {
        assert_string_equal(spans(db, "赌#博", flags), "赌#博");
        assert_string_equal(spans(db, "赌#话题", flags), "#话题");
        assert_string_equal(spans(db, "赌+博", flags), "赌+博");
        assert_string_equal(spans(db, "赌+v", flags), "+v");
        assert_string_equal(spans(db, "靖国/神社", flags), "靖国/神社");
        assert_string_equal(spans(db, "靖国/天", flags), "/天");
        assert_string_equal(spans(db, "赌%博", flags), "赌%博");
        assert_string_equal(spans(db, "赌%", flags), "赌%");
        assert_string_equal(spans(db, "赌% 说", flags), "赌%");
        assert_string_equal(spans(db, "赌 %博", flags), "赌 %博");
        assert_string_equal(spans(db, "ab-cd", flags), "ab-cd");
        assert_string_equal(spans(db, "ab-", flags), "ab-");
        assert_string_equal(spans(db, "ab-xy", flags), "ab-");
        assert_string_equal(spans(db, "ab--cd", flags), "ab--cd");
        /* past the gap bound only the take reading is left, and a line end
         * decides */
        assert_string_equal(spans(db, "赌%%%%博", flags), "赌%");
        assert_string_equal(spans(db, "赌%\n博", flags), "赌%");
    }
    shai_db_free(db);
    /* both readings give a hit: the skipping one */
    db = compile("赌博\n\\#博a\n");
    assert_string_equal(spans(db, "赌#博a", OVL), "赌#博");
    assert_string_equal(spans(db, "#博a", OVL), "#博a");
    shai_db_free(db);
    /* ... unless noise between two words ends the skipping one (博彩 is a
     * word, docs/lexicon-format.md): the taking one */
    db = compile("赌博\n\\#博彩\n");
    assert_string_equal(spans(db, "赌#博彩", OVL), "#博彩");
    assert_string_equal(spans(db, "赌#博彩", 0), "#博彩");
    assert_string_equal(spans(db, "#博彩", OVL), "#博彩");
    shai_db_free(db);
    /* the skip reading looks ahead for a hit across the gap: a longer entry
     * that merely begins across it does not hide www. */
    db = compile("www.\nwww.sina5io.com\n\\.com\n");
    assert_string_equal(spans(db, "www.sina.cn", OVL), "www.");
    assert_string_equal(spans(db, "www.sina5io.com", OVL), "www.sina5io.com");
    shai_db_free(db);
}

/* The spans shai_scan_hits reports in overlapping mode, joined by '|'. */
static const char *scan_spans(const shai_db *db, const char *text)
{
    shai_hit hits[16];
    size_t n;
    assert_int_equal(shai_scan_hits(db, text, strlen(text), OVL, hits, 16, &n), SHAI_OK);
    return join_spans(text, hits, n);
}

/* Overlapping scans report the hits of both readings of such noise, each
 * once, ordered by end; the default mode keeps the one reading. */
static void test_noise_both_readings(void **state)
{
    (void)state;
    shai_db *db = compile("赌博\n赌%\n");
    assert_string_equal(scan_spans(db, "赌%博"), "赌%|赌%博");
    assert_string_equal(scan_spans(db, "赌%博\n赌%博"), "赌%|赌%博|赌%|赌%博");
    assert_string_equal(spans(db, "赌%博", 0), "赌%博");
    /* violations too, where no allow entry can cover a hit (shai_scan, as
     * `shai scan --overlapping` does), but not shai_check, whose verdict
     * and coverage keep one reading */
    shai_hit hits[4];
    size_t n;
    assert_int_equal(
        shai_scan_hits(db, "赌%博", strlen("赌%博"), OVL | SHAI_SCAN_VIOLATIONS, hits, 4, &n),
        SHAI_OK);
    assert_int_equal(n, 2);
    assert_string_equal(spans(db, "赌%博", OVL), "赌%博");
    shai_db_free(db);
    db = compile("赌博\n博%话\n%话题\n");
    assert_string_equal(scan_spans(db, "赌%博%话题"), "赌%博|博%话|%话题");
    shai_db_free(db);
    /* the take reading's hit ends past the skip reading's */
    db = compile("赌博\n\\#博鸟\n");
    assert_string_equal(scan_spans(db, "赌#博鸟"), "赌#博|#博鸟");
    shai_db_free(db);
    /* the reading that loses keeps the word test across noise: 博士 and 打赌
     * are words, so 赌#博 and 赌%博 join two (the shadow reading's hits too) */
    db = compile("赌博\n\\#博士\n赌%\n");
    assert_string_equal(scan_spans(db, "赌#博士"), "#博士");
    assert_string_equal(scan_spans(db, "打赌%博"), "赌%");
    assert_string_equal(scan_spans(db, "赌%博"), "赌%|赌%博");
    shai_db_free(db);
    /* readings found on real text with a public word list: an entry that
     * begins with the noise inside another (hexun.com, .com; q@q) */
    db = compile("hexun.com\n.com\nq@\nqq\n");
    assert_string_equal(scan_spans(db, "hexun.com"), "hexun.com|.com");
    assert_string_equal(scan_spans(db, "q@q"), "q@|q@q");
    shai_db_free(db);
    /* noise that only the failure links take, where the main reading skips
     * it or ends its match (a mark): 史a then a%, 赌博 then 博【 */
    db = compile("史a\na%\n赌博\n博【\n");
    assert_string_equal(scan_spans(db, "史a%"), "史a|a%");
    assert_string_equal(scan_spans(db, "赌博【"), "赌博|博【");
    assert_string_equal(spans(db, "赌博【", 0), "赌博");
    shai_db_free(db);
    /* a line's first `#` is noise to every reading, also to one that the
     * main reading's look-ahead across it leaves behind */
    db = compile("中中\n÷中中\n");
    assert_string_equal(scan_spans(db, "中÷中#中"), "中÷中|÷中#中|中#中");
    assert_string_equal(scan_spans(db, "#中÷中#中"), "中÷中");
    shai_db_free(db);
    /* a doubled character is one character to every reading (repeats):
     * skipped or taken whole, never taken from its second copy */
    db = compile("━\n.x\ntui?\n");
    assert_string_equal(scan_spans(db, ".━━━━"), "━━━━");
    assert_string_equal(scan_spans(db, "a tui ??? b"), "tui ???");
    shai_db_free(db);
    /* a take reading's hit between two of the skip reading's, in order */
    db = compile("赌博\n%博\n博\n");
    assert_string_equal(scan_spans(db, "赌%博"), "赌%博|%博|博");
    shai_db_free(db);
    /* a stream split anywhere gives the same */
    db = compile("赌博\n赌%\n");
    assert_stream_cuts(db, "x赌%博y赌%博", "1-5|1-8|9-13|9-16");
    shai_db_free(db);
}

/* A Weibo topic `#…#` and the repost mark `//@` end a match. */
static void test_topics_and_reposts(void **state)
{
    (void)state;
    shai_db *db = compile("军火\n国男\n性药\n赌博\n");
    assert_string_equal(spans(db, "#意大利紧急求助中国#男人的朋友", OVL), "");
    assert_string_equal(spans(db, "#中国火箭军#火神山医院#", OVL), "");
    assert_string_equal(spans(db, "总把无知当个性//@药物那些事儿", OVL), "");
    /* one `#` on its own is still noise, and so is a slash */
    assert_string_equal(spans(db, "赌#博", OVL), "赌#博");
    assert_string_equal(spans(db, "性/药", OVL), "性/药");
    /* a new line starts without a topic */
    assert_string_equal(spans(db, "#话题#\n赌#博", OVL), "赌#博");
    /* a line's first `#` that another follows closely opens a topic (after
     * it no word that the word test would see: 火一, 博一) */
    assert_string_equal(spans(db, "火箭军#火一二三#", OVL), "");
    assert_string_equal(spans(db, "你们别赌#博一二三#", OVL), "");
    assert_string_equal(spans(db, "我赌#博\n#话题#", OVL), "赌#博");
    assert_string_equal(
        spans(db, "赌#博一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一#", OVL),
        "赌#博");
    /* in a stream cut anywhere, the same */
    assert_stream_cuts(db, "来赌#博彩网#\n赌#博\n中国#男人", "18-25");
    shai_db_free(db);
}

/* Many topic marks in one scan (the scanner keeps the last decisions):
 * each line's topic still ends the match, each lone `#` is still noise
 * (一二三 makes no word with 博: the word test would not end it). */
static void test_many_topics(void **state)
{
    (void)state;
    shai_db *db = compile("赌博\n");
    static char text[200 * 64];
    size_t len = 0;
    for (int i = 0; i < 200; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%s",
                                i % 2 ? "我赌#博\n" : "你们别赌#博一二三#\n");
    shai_hit hits[256];
    size_t n;
    assert_int_equal(shai_scan_hits(db, text, len, OVL, hits, 256, &n), SHAI_OK);
    assert_int_equal(n, 100);
    for (size_t i = 0; i < n; i++)
        assert_memory_equal(text + hits[i].start, "赌#博", hits[i].end - hits[i].start);
    shai_db_free(db);
}

/* Brackets, title marks and quotes end a match, unless every character of
 * the entry is inside its own pair. */
static void test_brackets_and_quotes(void **state)
{
    (void)state;
    shai_db *db = compile("完美\n机巴\n操比\n偷拍\n赌博\n");
    assert_string_equal(spans(db, "完《美国》", OVL), "");
    assert_string_equal(spans(db, "危机》《巴黎", OVL), "");
    assert_string_equal(spans(db, "[健美操]比", OVL), "");
    assert_string_equal(spans(db, "偷偷\"拍", OVL), "");
    /* two characters inside the pair are not one bracketed character, even
     * when the second doubles the first */
    assert_string_equal(spans(db, "为了“偷偷”拍婚纱照", OVL), "");
    assert_string_equal(spans(db, "【赌】【博】", OVL), "赌】【博");
    assert_string_equal(spans(db, "（赌）（博）", OVL), "赌）（博");
    shai_db_free(db);
}

/* No noise is skipped between two digits. */
static void test_digits(void **state)
{
    (void)state;
    shai_db *db = compile("46级\n代开\n");
    assert_string_equal(spans(db, "东北风4～6 级", OVL), "");
    assert_string_equal(spans(db, "4/6级", OVL), "");
    assert_string_equal(spans(db, "46级", OVL), "46级");
    assert_string_equal(spans(db, "代-开", OVL), "代-开");
    shai_db_free(db);
}

/* The ASCII full stop is noise between Chinese characters, and so are the
 * strokes 丨 丶 ノ 〃; clause punctuation stays a boundary, and so does an
 * ellipsis written with full stops. */
static void test_full_stop_and_strokes(void **state)
{
    (void)state;
    shai_db *db = compile("代开发票\n法轮功\n日您\n操我\n艹你\nfuck\n");
    assert_string_equal(spans(db, "代.开.发.票", OVL), "代.开.发.票");
    assert_string_equal(spans(db, "法丨轮丶功", OVL), "法丨轮丶功");
    assert_string_equal(spans(db, "法ノ轮〃功", OVL), "法ノ轮〃功");
    assert_string_equal(spans(db, "入住日。您好", OVL), "");
    assert_string_equal(spans(db, "入住日，您好", OVL), "");
    /* two or more full stops in a row are an ellipsis: clause punctuation
     * but after a Latin letter */
    assert_string_equal(spans(db, "我操...我大山东挺住啊", OVL), "");
    assert_string_equal(spans(db, "我艹..你女生为啥要看", OVL), "");
    assert_string_equal(spans(db, "f..u..c..k", OVL), "f..u..c..k");
    assert_string_equal(spans(db, "法.轮 .功", OVL), "法.轮 .功");
    shai_db_free(db);
}

/* Noise inside a Latin word: skipped where the entry has its own (mother
 * fucker) or between every two of its letters (f u c k); `the pen is` reads
 * two words, not penis. In every mode, and in the shadow reading of an
 * overlapping scan (a# with a#, a# entry beside). */
static void test_latin_words(void **state)
{
    (void)state;
    shai_db *db = compile("penis\nfuck\nmother fucker\nsb\nab#\nabcd\n");
    const uint32_t modes[] = {0, OVL, SHAI_SCAN_VIOLATIONS};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        uint32_t f = modes[m];
        assert_string_equal(spans(db, "the pen is mightier", f), "");
        assert_string_equal(spans(db, "pe nis", f), "");
        assert_string_equal(spans(db, "p e n i s", f), "p e n i s");
        assert_string_equal(spans(db, "p.e.n.i.s", f), "p.e.n.i.s");
        assert_string_equal(spans(db, "fu.ck", f), "");
        assert_string_equal(spans(db, "f u c k", f), "f u c k");
        assert_string_equal(spans(db, "mother fucker", f), "mother fucker");
        assert_string_equal(spans(db, "motherfucker", f), "motherfucker");
        assert_string_equal(spans(db, "mother.fucker", f), "mother.fucker");
        assert_string_equal(spans(db, "m o t h e r f u c k e r", f),
                            f == OVL ? "f u c k|m o t h e r f u c k e r"
                                     : "m o t h e r f u c k e r");
        assert_string_equal(spans(db, "moth erfucker", f), "");
        assert_string_equal(spans(db, "s.b", f), "s.b");
    }
    /* ab#cd: the skip reading (abcd across the #) is one word cut in two */
    assert_string_equal(scan_spans(db, "ab#cd"), "ab#");
    assert_string_equal(scan_spans(db, "a b c d"), "a b c d");
    shai_db_free(db);
}

/* An allow hit that reaches past a deny hit's end and holds more than half
 * of it covers it; one that holds half or less, or ends where the deny hit
 * ends without holding all of it, does not. */
static void test_allow_partial_overlap(void **state)
{
    (void)state;
    shai_db *db = compile("是垃圾\n操你妈\n@allow\n垃圾桶\n垃圾堆\n妈妈\n你妈\n");
    for (uint32_t flags = 0; flags <= OVL; flags += OVL) {
        assert_string_equal(spans(db, "这里是垃圾桶", flags), "");
        assert_string_equal(spans(db, "到处是垃圾堆", flags), "");
        assert_string_equal(spans(db, "这里是垃圾", flags), "是垃圾");
        assert_string_equal(spans(db, "操你妈妈", flags), "操你妈");
        assert_string_equal(spans(db, "操你妈", flags), "操你妈");
    }
    shai_db_free(db);
    /* leftmost-longest: when the longest deny hit is covered, a shorter one
     * at the same start is still reported */
    db = compile("是垃\n是垃圾\n@allow\n垃圾桶\n");
    assert_string_equal(spans(db, "是垃圾桶", 0), "是垃");
    assert_string_equal(spans(db, "是垃圾桶", OVL), "是垃");
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repeats_see_failure_links),
        cmocka_unit_test(test_noise_an_entry_takes),
        cmocka_unit_test(test_noise_both_readings),
        cmocka_unit_test(test_topics_and_reposts),
        cmocka_unit_test(test_many_topics),
        cmocka_unit_test(test_brackets_and_quotes),
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_full_stop_and_strokes),
        cmocka_unit_test(test_allow_partial_overlap),
        cmocka_unit_test(test_latin_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
