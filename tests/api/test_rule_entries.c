/*
 * Regular-expression rules through the public API: argument checks and hits. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

static void test_add_rule_bad_args(void **state)
{
    (void)state;
    assert_status(shai_builder_add_rule(NULL, LIT("a+"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_E_INVALID_ARG);
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_rule(b, NULL, 2, NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_builder_add_rule(b, LIT("a+"), NULL, SHAI_ACTION_PASS, 0, NULL, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_builder_add_rule(b, LIT("a+"), NULL, 3, 0, NULL, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_add_rule(b, LIT("a+"), NULL, SHAI_ACTION_BLOCK, 0x8u, NULL, NULL),
                  SHAI_E_INVALID_ARG);
    /* RULE is read only; EXACT means nothing for a pattern. */
    assert_status(
        shai_builder_add_rule(b, LIT("a+"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_RULE, NULL, NULL),
        SHAI_E_INVALID_ARG);
    assert_status(
        shai_builder_add_entry(b, LIT("a"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_RULE, NULL, NULL),
        SHAI_E_INVALID_ARG);
    assert_status(
        shai_builder_add_rule(b, LIT("a+"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_EXACT, NULL, NULL),
        SHAI_E_INVALID_ARG);
    /* A bad pattern. */
    assert_status(shai_builder_add_rule(b, LIT("a(b"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_E_REGEX);
    assert_true(shai_builder_error_message(b)[0] != '\0');
    assert_true(shai_builder_error_column(b) >= 1);
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_status(
        shai_builder_add_rule(b, LIT("a+"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW, NULL, NULL),
        SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 1);
    shai_builder_free(b);
}

static void test_rules_match(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_rule(b, LIT("1[3-9]\\d{9}"), "spam", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    uint32_t flags = 0;
    for (uint32_t i = 0; i < shai_db_entry_count(db); i++) {
        uint32_t f = 0;
        assert_status(shai_db_entry_info(db, i, NULL, NULL, &f, NULL, NULL), SHAI_OK);
        flags |= f;
    }
    assert_int_equal(flags, SHAI_ENTRY_RULE);

    /* 电 话 | 11 digits | 赌 博 */
    static const char text[] = "电话13812345678赌博";
    shai_hit hits[8];
    size_t count = 0;
    assert_status(shai_scan_hits(db, LIT(text), SHAI_SCAN_OVERLAPPING, hits, 8, &count), SHAI_OK);
    assert_int_equal(count, 2);
    qsort(hits, count, sizeof *hits, cmp_hit_span);
    assert_int_equal(hits[0].start, 6);
    assert_int_equal(hits[0].end, 17);
    assert_int_equal(hits[0].action, SHAI_ACTION_REVIEW);
    assert_int_equal(hits[1].start, 17);
    assert_int_equal(hits[1].end, 23);
    uint32_t verdict = 0;
    assert_status(shai_check(db, LIT("电话13812345678"), 0, &verdict, hits, 8, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    /* Rules see the folded text and report original offsets. */
    assert_status(shai_scan_hits(db, LIT("１３８１２３４５６７８"), 0, hits, 8, &count), SHAI_OK);
    assert_int_equal(count, 1);
    assert_int_equal(hits[0].start, 0);
    assert_int_equal(hits[0].end, 33);
    /* Masks cover rule hits. */
    size_t n = 0;
    assert_string_equal(mask_of(db, LIT("tel 13812345678."), '*', &n), "tel ***********.");
    /* A rule hit never spans a line break, nor invalid bytes: a surrogate
     * or an overlong form in the middle of a text is no character, even
     * to the loops that decode 3-byte sequences in one step. */
    assert_status(shai_scan_hits(db, LIT("138123\n45678"), 0, hits, 8, &count), SHAI_OK);
    assert_int_equal(count, 0);
    assert_status(shai_scan_hits(db,
                                 LIT("1381234\xed\xa0\x80"
                                     "5678"),
                                 0, hits, 8, &count),
                  SHAI_OK);
    assert_int_equal(count, 0);
    assert_status(shai_scan_hits(db,
                                 LIT("1381234\xe0\x80\xb0"
                                     "5678"),
                                 0, hits, 8, &count),
                  SHAI_OK);
    assert_int_equal(count, 0);
    shai_db_free(db);

    /* ... while a character the rule allows there lets it match. */
    b = new_builder();
    assert_status(shai_builder_add_rule(b, LIT("a.b"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    assert_status(shai_scan_hits(db,
                                 LIT("xa\xe4\xb8\x80"
                                     "bx"),
                                 0, hits, 8, &count),
                  SHAI_OK);
    assert_int_equal(count, 1);
    assert_status(shai_scan_hits(db,
                                 LIT("xa\xed\xa0\x80"
                                     "bx"),
                                 0, hits, 8, &count),
                  SHAI_OK);
    assert_int_equal(count, 0);
    assert_status(shai_scan_hits(db,
                                 LIT("xa\xe0\x80\xaf"
                                     "bx"),
                                 0, hits, 8, &count),
                  SHAI_OK);
    assert_int_equal(count, 0);
    shai_db_free(db);

    /* An allow rule suppresses the deny hits it covers. */
    b = new_builder();
    assert_status(
        shai_builder_add_rule(b, LIT("1[3-9]\\d{9}"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_rule(b, LIT("客服\\s*1\\d{10}"), NULL, SHAI_ACTION_BLOCK,
                                        SHAI_ENTRY_ALLOW, NULL, NULL),
                  SHAI_OK);
    db = compile_builder(b);
    shai_builder_free(b);
    assert_status(shai_check(db, LIT("客服 13812345678"), 0, &verdict, hits, 8, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    assert_status(shai_check(db, LIT("加我 13812345678"), 0, &verdict, hits, 8, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_rule_bad_args),
        cmocka_unit_test(test_rules_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
