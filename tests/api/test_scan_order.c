/*
 * The order of hits: overlapping, leftmost-longest and equal spans. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

static void test_overlapping_order(void **state)
{
    (void)state;
    shai_db *db = chain_db();
    assert_string_equal(scan_render(db, LIT("甲乙丙丁"), SHAI_SCAN_OVERLAPPING),
                        "0-6:甲乙 0-9:甲乙丙 3-9:乙丙 6-9:丙 6-12:丙丁");
    assert_string_equal(scan_render(db, LIT("丙丙"), SHAI_SCAN_OVERLAPPING), "0-3:丙 3-6:丙");
    shai_db_free(db);
}

static void test_leftmost_longest(void **state)
{
    (void)state;
    shai_db *db = chain_db();
    assert_string_equal(scan_render(db, LIT("甲乙丙丁"), 0), "0-9:甲乙丙");
    assert_string_equal(scan_render(db, LIT("乙丙丁"), 0), "0-6:乙丙");
    assert_string_equal(scan_render(db, LIT("丙丁丙"), 0), "0-6:丙丁 6-9:丙");
    assert_string_equal(scan_render(db, LIT("甲乙甲乙丙"), 0), "0-6:甲乙 6-15:甲乙丙");
    shai_db_free(db);
}

static void test_same_span_lowest_index(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(shai_builder_add_entry(b, LIT("赌博"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW,
                                         NULL, NULL),
                  SHAI_OK);
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    uint32_t allow = entry_of(db, "赌博", 1), deny = entry_of(db, "赌博", 0);
    uint32_t lo = allow < deny ? allow : deny, hi = allow < deny ? deny : allow;

    shai_hit hits[4];
    size_t count = 0;
    assert_status(shai_scan_hits(db, LIT("赌博"), SHAI_SCAN_OVERLAPPING, hits, 4, &count), SHAI_OK);
    assert_int_equal(count, 2);
    assert_int_equal(hits[0].entry, lo);
    assert_int_equal(hits[1].entry, hi);
    assert_status(shai_scan_hits(db, LIT("赌博"), 0, hits, 4, &count), SHAI_OK);
    assert_int_equal(count, 1);
    assert_int_equal(hits[0].entry, lo);
    /* The allow entry covers the deny hit. */
    assert_status(shai_scan_hits(db, LIT("赌博"), SHAI_SCAN_VIOLATIONS, hits, 4, &count), SHAI_OK);
    assert_int_equal(count, 0);
    shai_db_free(db);
}

/* Without allow entries, overlapping violations are the overlapping deny
 * hits, in the same order, however many readings a run of doubled
 * characters keeps alive (their hits wait for the ones that sort before
 * them in a buffer of 32: a violation scan that reported its own hits late
 * let that buffer overflow, and a hit came out ahead of one that sorts
 * before it). */
static void test_violations_order_of_doubled_runs(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_set_option(b, SHAI_OPT_VARIANTS, 0), SHAI_OK);
    static const char *const words[] = {"😀😀😀😀", "😀😀", "😀😀😀😀😀", "😀😀😀😀😀😀"};
    for (size_t i = 0; i < 4; i++)
        assert_status(add_plain(b, words[i], strlen(words[i])), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    for (uint32_t n = 2; n <= 40; n++) {
        char text[4 * 40 + 1] = "";
        for (uint32_t k = 0; k < n; k++)
            strcat(text, "😀");
        hit_vec all = {0}, viol = {0};
        assert_status(shai_scan(db, text, strlen(text), SHAI_SCAN_OVERLAPPING, collect_hit, &all),
                      SHAI_OK);
        assert_status(shai_scan(db, text, strlen(text),
                                SHAI_SCAN_OVERLAPPING | SHAI_SCAN_VIOLATIONS, collect_hit, &viol),
                      SHAI_OK);
        assert_true(all.n > 0);
        assert_int_equal(viol.n, all.n);
        for (size_t i = 0; i < all.n; i++) {
            if (all.v[i].start != viol.v[i].start || all.v[i].end != viol.v[i].end ||
                all.v[i].entry != viol.v[i].entry)
                fail_msg("%u characters, hit %zu: [%llu,%llu) #%u overlapping, [%llu,%llu) #%u "
                         "violations",
                         n, i, (unsigned long long)all.v[i].start, (unsigned long long)all.v[i].end,
                         all.v[i].entry, (unsigned long long)viol.v[i].start,
                         (unsigned long long)viol.v[i].end, viol.v[i].entry);
        }
        hit_vec_free(&all);
        hit_vec_free(&viol);
    }
    shai_db_free(db);
}

/* Rule hits come after the word hits of their line, the last word of the
 * line included. */
static void test_rules_after_words_of_line(void **state)
{
    (void)state;
    const char *src = "@category spam\nre:www\\.[a-z]+\\.cn\n@category gambling\n赌博\n";
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_source(b, "order.txt", src, strlen(src)), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    for (uint32_t flags = 0; flags < 4; flags++) {
        shai_hit hits[8];
        size_t n = 0;
        assert_status(shai_scan_hits(db, LIT("www.a.cn 赌博\nwww.b.cn 赌博"), flags, hits, 8, &n),
                      SHAI_OK);
        assert_int_equal(n, 4);
        assert_int_equal(hits[0].start, 9);
        assert_int_equal(hits[1].start, 0);
        assert_int_equal(hits[2].start, 25);
        assert_int_equal(hits[3].start, 16);
    }
    shai_db_free(db);
}

/* A line over 1 MiB is matched by the rules in 1 MiB pieces; the hits of
 * a piece come after the word hits that end within it and before those
 * that end past it, whether the text is scanned whole or streamed in any
 * pieces, with rules that all begin with known characters (written
 * lazily) or one that may begin anywhere (written as the text is read). */
static void test_long_line_same_order_every_path(void **state)
{
    (void)state;
    static const char *const lexicons[] = {
        "@category spam\nre:www\\.[a-z]+\\.cn\n@allow\nre:www\\.ok\\.cn\n"
        "@category gambling\n赌博\n赌博机\n@allow\n赌博机构\n",
        "@category spam\nre:www\\.[a-z]+\\.cn\nre:\\w*号\n@allow\nre:www\\.ok\\.cn\n"
        "@category gambling\n赌博\n赌博机\n@allow\n赌博机构\n",
    };
    /* 1.5 MiB on one line: words, rules, allow hits and a word across
     * the piece boundary somewhere */
    static const char *const parts[] = {
        "赌博 ",     "www.abc.cn ", "赌博机 ",           "www.ok.cn ",
        "赌博机构 ", "微信号 ",     "ＷＷＷ.ＸＹ.ＣＮ ", "赌 博 "};
    size_t cap = (size_t)3 << 19, len = 0; /* 1.5 MiB: a full piece, and more */
    char *text = malloc(cap + 64);
    assert_non_null(text);
    unsigned seed = 12345;
    while (len < cap) {
        seed = seed * 1103515245u + 12345u;
        const char *part = parts[(seed >> 16) % 8];
        size_t k = strlen(part);
        memcpy(text + len, part, k);
        len += k;
        if ((seed >> 8) % 5 == 0)
            text[len++] = 'x';
    }
    memcpy(text + len, "\n赌博 www.end.cn", strlen("\n赌博 www.end.cn"));
    len += strlen("\n赌博 www.end.cn");
    for (size_t lex = 0; lex < 2; lex++) {
        shai_builder *b = new_builder();
        assert_status(shai_builder_add_source(b, "long.txt", lexicons[lex], strlen(lexicons[lex])),
                      SHAI_OK);
        shai_db *db = compile_builder(b);
        shai_builder_free(b);
        for (uint32_t flags = 0; flags < 4; flags++) {
            hit_vec whole = {0};
            assert_status(shai_scan(db, text, len, flags, collect_hit, &whole), SHAI_OK);
            assert_true(whole.n > 5000);
            /* pieces of a few bytes once (the slowest), larger ones always */
            for (unsigned round = flags == 0 ? 0 : 1; round < 3; round++) {
                hit_vec streamed = {0};
                shai_stream *st = NULL;
                assert_status(shai_stream_open(db, flags, collect_hit, &streamed, &st), SHAI_OK);
                for (size_t at = 0; at < len;) {
                    seed = seed * 1103515245u + 12345u;
                    size_t piece = round == 0   ? 1 + (seed >> 8) % 31
                                   : round == 1 ? 1 + (seed >> 8) % 4096
                                                : 1 + (seed >> 8) % 400000;
                    if (piece > len - at)
                        piece = len - at;
                    assert_status(shai_stream_write(st, text + at, piece), SHAI_OK);
                    at += piece;
                }
                assert_status(shai_stream_close(st), SHAI_OK);
                assert_int_equal(streamed.n, whole.n);
                size_t i = 0;
                while (i < whole.n && !memcmp(&whole.v[i], &streamed.v[i], sizeof whole.v[i]))
                    i++;
                for (size_t j = i >= 3 ? i - 3 : 0; i < whole.n && j < i + 3; j++)
                    print_error("  %zu: [%llu,%llu) e%u | [%llu,%llu) e%u\n", j,
                                (unsigned long long)whole.v[j].start,
                                (unsigned long long)whole.v[j].end, whole.v[j].entry,
                                (unsigned long long)streamed.v[j].start,
                                (unsigned long long)streamed.v[j].end, streamed.v[j].entry);
                if (i < whole.n)
                    print_error("lexicon %zu flags %u round %u: hit %zu differs: [%llu, %llu) "
                                "entry %u whole, [%llu, %llu) entry %u streamed\n",
                                lex, flags, round, i, (unsigned long long)whole.v[i].start,
                                (unsigned long long)whole.v[i].end, whole.v[i].entry,
                                (unsigned long long)streamed.v[i].start,
                                (unsigned long long)streamed.v[i].end, streamed.v[i].entry);
                assert_int_equal(i, whole.n);
                hit_vec_free(&streamed);
            }
            hit_vec_free(&whole);
        }
        shai_db_free(db);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlapping_order),
        cmocka_unit_test(test_leftmost_longest),
        cmocka_unit_test(test_same_span_lowest_index),
        cmocka_unit_test(test_violations_order_of_doubled_runs),
        cmocka_unit_test(test_rules_after_words_of_line),
        cmocka_unit_test(test_long_line_same_order_every_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
