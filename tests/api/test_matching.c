/*
 * The default matching rules: folding, noise gaps, clause punctuation,
 * repeats, exact entries, and options that change them. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

static shai_db *evasion_db(uint32_t extra_flags, int64_t gap, int64_t fold, int64_t repeats)
{
    shai_builder *b = new_builder();
    if (gap >= 0)
        assert_status(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, gap), SHAI_OK);
    if (fold >= 0)
        assert_status(shai_builder_set_option(b, SHAI_OPT_FOLD, fold), SHAI_OK);
    if (repeats >= 0)
        assert_status(shai_builder_set_option(b, SHAI_OPT_REPEATS, repeats), SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_BLOCK, extra_flags,
                                         NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("fuck"), "abuse", SHAI_ACTION_REVIEW, extra_flags,
                                         NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博史"), NULL, SHAI_ACTION_BLOCK,
                                         SHAI_ENTRY_ALLOW | extra_flags, NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

static void test_default_matching(void **state)
{
    (void)state;
    /* The evasions of DESIGN.md meet the word; offsets stay in the user's text. */
    shai_db *db = evasion_db(0, -1, -1, -1);
    static const struct {
        const char *text;
        size_t len;
        const char *hits;
    } cases[] = {
        {LIT("赌博"), "0-6:赌博"},
        {LIT("賭博"), "0-6:赌博"},
        {LIT("x賭博x"), "1-7:赌博"},
        {LIT("赌*博"), "0-7:赌博"},
        {LIT("赌 博"), "0-7:赌博"},
        {LIT("赌\xe2\x80\x8b博"), "0-9:赌博"}, /* ZWSP */
        {LIT("赌***博"), "0-9:赌博"},          /* three noise characters: the default gap */
        {LIT("赌****博"), ""},                 /* four: too many */
        {LIT("FUCK"), "0-4:fuck"},
        {LIT("ｆｕｃｋ"), "0-12:fuck"},
        {LIT("Fu\xd1\x81k"), "0-5:fuck"}, /* Cyrillic с */
        {LIT("f.u.c.k"), "0-7:fuck"},
        {LIT("FUCKING"), ""},
        {LIT("中国賭博史"), "6-15:+赌博史"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = scan_render(db, cases[i].text, cases[i].len, 0);
        if (strcmp(got, cases[i].hits) != 0)
            print_error("case #%zu '%s'\n", i, cases[i].text);
        assert_string_equal(got, cases[i].hits);
    }
    /* A doubled character: some hit, inside the text, and the verdict. */
    shai_hit hits[4];
    size_t count = 0;
    uint32_t verdict = 0;
    assert_status(shai_check(db, LIT("赌赌博博"), 0, &verdict, hits, 4, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_int_equal(count, 1);
    assert_true(hits[0].start <= 3 && hits[0].end >= 9 && hits[0].end <= 12);
    /* Allow entries are folded too. */
    assert_status(shai_check(db, LIT("中国賭 博史"), 0, &verdict, hits, 4, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    /* Masking covers the whole violation, noise in between included. */
    size_t n = 0;
    assert_string_equal(mask_of(db, LIT("赌 博!"), '*', &n), "***!");
    shai_db_free(db);
}

static void test_clause_punctuation(void **state)
{
    (void)state;
    /* Default options. Clause punctuation (, . ! ? ; : 、 。 … and their
     * full-width forms, after folding) is noise inside a Latin word but a
     * boundary between other characters: 入住日：您好 does not contain 日您. */
    shai_db *db = evasion_db(0, -1, -1, -1);
    static const struct {
        const char *text;
        size_t len;
        const char *hits;
    } cases[] = {
        {LIT("赌,博"), ""},           {LIT("赌，博"), ""},
        {LIT("赌。博"), ""},          {LIT("赌、博"), ""},
        {LIT("赌!博"), ""},           {LIT("赌：博"), ""},
        {LIT("赌…博"), ""},           {LIT("赌*博"), "0-7:赌博"},
        {LIT("赌 - 博"), "0-9:赌博"}, {LIT("f.u.c.k"), "0-7:fuck"},
        {LIT("f,u;c!k"), "0-7:fuck"}, {LIT("f. u. c. k"), "0-10:fuck"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = scan_render(db, cases[i].text, cases[i].len, 0);
        if (strcmp(got, cases[i].hits) != 0)
            print_error("case #%zu '%s'\n", i, cases[i].text);
        assert_string_equal(got, cases[i].hits);
    }
    shai_db_free(db);
}

static void test_clause_punctuation_after_digits(void **state)
{
    (void)state;
    /* A digit is not a Latin letter: clause punctuation after it is a
     * boundary, whatever the width of the digit (no folding here). */
    shai_builder *b = new_raw_builder();
    assert_status(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 3), SHAI_OK);
    assert_status(add_plain(b, LIT("1000")), SHAI_OK);
    assert_status(add_plain(b, LIT("００００")), SHAI_OK);
    assert_status(add_plain(b, LIT("ab")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    assert_string_equal(scan_render(db, LIT("a,b"), 0), "0-3:ab");
    /* no noise is skipped between two digits (4～6 级 is not 46级) */
    assert_string_equal(scan_render(db, LIT("1*000"), 0), "");
    assert_string_equal(scan_render(db, LIT("1,000"), 0), "");
    assert_string_equal(scan_render(db, LIT("０*０００"), 0), "");
    assert_string_equal(scan_render(db, LIT("０,０００"), 0), "");
    shai_db_free(db);
}

static void test_exact_entries(void **state)
{
    (void)state;
    shai_db *db = evasion_db(SHAI_ENTRY_EXACT, -1, -1, -1);
    uint32_t flags = 0;
    assert_status(shai_db_entry_info(db, entry_of(db, "赌博", 0), NULL, NULL, &flags, NULL, NULL),
                  SHAI_OK);
    assert_int_equal(flags, SHAI_ENTRY_EXACT);
    assert_status(shai_db_entry_info(db, entry_of(db, "赌博史", 1), NULL, NULL, &flags, NULL, NULL),
                  SHAI_OK);
    assert_int_equal(flags, SHAI_ENTRY_EXACT | SHAI_ENTRY_ALLOW);
    assert_string_equal(scan_render(db, LIT("x赌博x"), 0), "1-7:赌博");
    assert_string_equal(scan_render(db, LIT("賭博"), 0), "");
    assert_string_equal(scan_render(db, LIT("赌 博"), 0), "");
    assert_string_equal(scan_render(db, LIT("赌\xe2\x80\x8b博"), 0), "");
    assert_string_equal(scan_render(db, LIT("FUCK"), 0), "");
    assert_string_equal(scan_render(db, LIT("f.u.c.k"), 0), "");
    assert_string_equal(scan_render(db, LIT("fuck"), 0), "0-4:fuck");
    shai_db_free(db);

    /* EXACT is part of what makes an entry: an exact and a folded 赌博 are
     * different entries? Either way the folded one still matches 賭博. */
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_entry(b, LIT("赌博"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_EXACT,
                                         NULL, NULL),
                  SHAI_OK);
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    const char *r = scan_render(db, LIT("賭博"), 0);
    assert_int_equal(strncmp(r, "0-6:赌博", strlen("0-6:赌博")), 0);
    shai_db_free(db);
}

static void test_options_change_matching(void **state)
{
    (void)state;
    /* No gap: noise breaks the word, folding still applies. */
    shai_db *db = evasion_db(0, 0, -1, -1);
    assert_string_equal(scan_render(db, LIT("赌 博"), 0), "");
    assert_string_equal(scan_render(db, LIT("賭博"), 0), "0-6:赌博");
    shai_db_free(db);
    /* No folding: the noise gap still applies. */
    db = evasion_db(0, -1, 0, -1);
    assert_string_equal(scan_render(db, LIT("賭博"), 0), "");
    assert_string_equal(scan_render(db, LIT("FUCK"), 0), "");
    assert_string_equal(scan_render(db, LIT("赌 博"), 0), "0-7:赌博");
    shai_db_free(db);
    /* Only T2S. */
    db = evasion_db(0, 0, SHAI_FOLD_T2S, 0);
    assert_string_equal(scan_render(db, LIT("賭博"), 0), "0-6:赌博");
    assert_string_equal(scan_render(db, LIT("FUCK"), 0), "");
    shai_db_free(db);
    /* A larger gap. */
    db = evasion_db(0, 16, -1, -1);
    assert_string_equal(scan_render(db, LIT("赌****************博"), 0), "0-22:赌博");
    assert_string_equal(scan_render(db, LIT("赌*****************博"), 0), "");
    shai_db_free(db);
    /* No repeats: a doubled character is just another character. */
    db = evasion_db(0, -1, -1, 0);
    assert_string_equal(scan_render(db, LIT("赌赌博博"), 0), "3-9:赌博");
    shai_db_free(db);
}

static void test_noise_in_entries_hides_nothing(void **state)
{
    (void)state;
    /* Default options. Noise between two characters of a word is invisible
     * on both sides (法*轮*功 is the word 法轮功), so a word written with
     * noise never stops another word from matching across the same noise. */
    shai_builder *b = new_builder();
    assert_status(add_plain(b, LIT("法轮功")), SHAI_OK);
    assert_status(add_plain(b, LIT("法*轮*功")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    uint32_t plain = entry_of(db, "法轮功", 0), dotted = entry_of(db, "法*轮*功", 0);
    static const char *const texts[] = {"法*轮功", "法*轮*功", "法轮功", "法 轮-功"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        shai_hit hits[4];
        size_t count = 0;
        assert_status(
            shai_scan_hits(db, texts[i], strlen(texts[i]), SHAI_SCAN_OVERLAPPING, hits, 4, &count),
            SHAI_OK);
        if (count != 2)
            print_error("text '%s': %s\n", texts[i], render_hits(db, hits, count));
        assert_int_equal(count, 2);
        assert_int_equal(hits[0].entry, plain < dotted ? plain : dotted);
        assert_int_equal(hits[1].entry, plain < dotted ? dotted : plain);
        assert_int_equal(hits[0].start, 0);
        assert_int_equal(hits[0].end, strlen(texts[i]));
    }
    const char *r = NULL;
    assert_int_equal(verdict_of(db, LIT("法*轮功"), 0, &r), SHAI_ACTION_BLOCK);
    shai_db_free(db);

    /* A match in progress does not swallow the noise another word needs. */
    b = new_builder();
    assert_status(add_plain(b, LIT("法轮")), SHAI_OK);
    assert_status(add_plain(b, LIT("轮*功")), SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    assert_string_equal(scan_render(db, LIT("法轮*功"), SHAI_SCAN_OVERLAPPING),
                        "0-6:法轮 3-10:轮*功");
    shai_db_free(db);

    /* Clause punctuation inside a word stays where the text keeps it. */
    b = new_builder();
    assert_status(add_plain(b, LIT("日您")), SHAI_OK);
    assert_status(add_plain(b, LIT("日：您")), SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    assert_string_equal(scan_render(db, LIT("入住日：您好"), SHAI_SCAN_OVERLAPPING), "6-15:日：您");
    assert_string_equal(scan_render(db, LIT("日您"), SHAI_SCAN_OVERLAPPING), "0-6:日您");
    shai_db_free(db);
}

/* Noise between two words ends a match: the character next to the gap makes
 * a common word with the text's character beyond the hit (弹|性 服务, 安静.坐|落,
 * 下去 你的), both sides alike; real evasions keep hitting (聚众赌 博及: 众赌
 * and 博及 are no words). Texts from the bundled corpora. */
static void test_noise_between_words(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    static const char *const words[] = {"性服务", "静坐", "去你的", "罢运",
                                        "恶心人", "赌博", "法轮功", "他妈"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        assert_status(add_plain(b, words[i], strlen(words[i])), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    static const struct {
        const char *text;
        size_t len;
        const char *hits;
    } cases[] = {
        {LIT("很好的弹性 服务很到位"), ""}, {LIT("空气清新,安静.坐落在山坡上"), ""},
        {LIT("生活下去 你的妈妈"), ""},     {LIT("平凡也罢 运动最后"), ""},
        {LIT("真是恶心 人家起码"), ""},     {LIT("彈性 服務"), ""},
        {LIT("赌 博"), "0-7:赌博"},         {LIT("我要赌 博"), "6-13:赌博"},
        {LIT("聚众赌 博及"), "6-13:赌博"},  {LIT("赌.博网站"), "0-7:赌博"},
        {LIT("法 轮 功"), "0-11:法轮功"},   {LIT("真他 妈"), "3-10:他妈"},
        {LIT("性 服务"), "0-10:性服务"},    {LIT("弹性服务"), "3-12:性服务"},
        {LIT("静坐落"), "0-6:静坐"},
    };
    static const uint32_t modes[] = {0, SHAI_SCAN_OVERLAPPING};
    for (size_t m = 0; m < 2; m++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            const char *got = scan_render(db, cases[i].text, cases[i].len, modes[m]);
            if (strcmp(got, cases[i].hits) != 0)
                print_error("case #%zu '%s', flags %u\n", i, cases[i].text, (unsigned)modes[m]);
            assert_string_equal(got, cases[i].hits);
        }
    }
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_matching),
        cmocka_unit_test(test_clause_punctuation),
        cmocka_unit_test(test_clause_punctuation_after_digits),
        cmocka_unit_test(test_exact_entries),
        cmocka_unit_test(test_options_change_matching),
        cmocka_unit_test(test_noise_in_entries_hides_nothing),
        cmocka_unit_test(test_noise_between_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
