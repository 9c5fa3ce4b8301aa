/*
 * shai_check: allow entries suppress what they cover, the verdict is the
 * strongest remaining action, and the hit buffer. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

static void test_check_allow_suppresses(void **state)
{
    (void)state;
    shai_db *db = policy_db();
    const char *r = NULL;
    for (uint32_t flags = 0; flags < 2; flags++) {
        assert_int_equal(verdict_of(db, LIT("中国赌博史"), flags, &r), SHAI_ACTION_PASS);
        assert_string_equal(r, "");
        assert_int_equal(verdict_of(db, LIT("网络赌博"), flags, &r), SHAI_ACTION_BLOCK);
        assert_string_equal(r, "6-12:赌博");
        assert_int_equal(verdict_of(db, LIT("中国赌博史和网络赌博"), flags, &r), SHAI_ACTION_BLOCK);
        assert_string_equal(r, "24-30:赌博");
        assert_int_equal(verdict_of(db, LIT("赌博 史"), flags, &r), SHAI_ACTION_BLOCK);
        assert_string_equal(r, "0-6:赌博");
    }
    /* scan with VIOLATIONS agrees with check. */
    assert_string_equal(scan_render(db, LIT("中国赌博史和网络赌博"), SHAI_SCAN_VIOLATIONS),
                        "24-30:赌博");
    assert_string_equal(scan_render(db, LIT("中国赌博史和网络赌博"), SHAI_SCAN_OVERLAPPING),
                        "6-12:赌博 6-15:+赌博史 24-30:赌博");
    assert_string_equal(scan_render(db, LIT("中国赌博史和网络赌博"), 0), "6-15:+赌博史 24-30:赌博");
    shai_db_free(db);
}

static void test_check_strongest_action(void **state)
{
    (void)state;
    shai_db *db = policy_db();
    const char *r = NULL;
    assert_int_equal(verdict_of(db, LIT("这是最好的"), 0, &r), SHAI_ACTION_REVIEW);
    assert_string_equal(r, "6-12:最好");
    assert_int_equal(verdict_of(db, LIT("最好的赌博"), 0, &r), SHAI_ACTION_BLOCK);
    assert_string_equal(r, "0-6:最好 9-15:赌博");
    assert_int_equal(verdict_of(db, LIT("赌博 ass 最好"), SHAI_SCAN_OVERLAPPING, &r),
                     SHAI_ACTION_BLOCK);
    assert_int_equal(verdict_of(db, LIT("ass"), 0, &r), SHAI_ACTION_REVIEW);
    assert_int_equal(verdict_of(db, LIT("class 最好的赌博史"), 0, &r), SHAI_ACTION_REVIEW);
    assert_string_equal(r, "6-12:最好");
    assert_int_equal(verdict_of(db, LIT("nothing here"), 0, &r), SHAI_ACTION_PASS);
    shai_db_free(db);
}

static void test_check_violations_are_computed_on_all_hits(void **state)
{
    (void)state;
    /* 乙 is covered by the allow entry 甲乙; 乙丙 is not. The leftmost-longest
     * selection runs on the violations, so 乙丙 is reported. */
    shai_builder *b = new_raw_builder();
    assert_status(shai_builder_add_entry(b, LIT("乙"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("甲乙"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW,
                                         NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("乙丙"), NULL, SHAI_ACTION_REVIEW, 0, NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    const char *r = NULL;
    assert_int_equal(verdict_of(db, LIT("甲乙丙"), 0, &r), SHAI_ACTION_REVIEW);
    assert_string_equal(r, "3-9:乙丙");
    assert_int_equal(verdict_of(db, LIT("甲乙"), 0, &r), SHAI_ACTION_PASS);
    assert_int_equal(verdict_of(db, LIT("乙丙"), 0, &r), SHAI_ACTION_BLOCK);
    assert_string_equal(r, "0-6:乙丙");
    assert_int_equal(verdict_of(db, LIT("乙丙"), SHAI_SCAN_OVERLAPPING, &r), SHAI_ACTION_BLOCK);
    assert_string_equal(r, "0-3:乙 0-6:乙丙");
    assert_string_equal(scan_render(db, LIT("甲乙丙"), 0), "0-6:+甲乙");
    assert_string_equal(scan_render(db, LIT("甲乙丙"), SHAI_SCAN_VIOLATIONS), "3-9:乙丙");
    shai_db_free(db);
}

static void test_check_buffer(void **state)
{
    (void)state;
    shai_db *db = policy_db();
    static const char text[] = "最好的赌博,最好";
    uint32_t verdict = 99;
    size_t count = 0;
    /* Too small: the count and the verdict are still complete. */
    assert_status(shai_check(db, LIT(text), 0, &verdict, NULL, 0, &count), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(count, 3);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    shai_hit hits[3];
    verdict = 99;
    assert_status(shai_check(db, LIT(text), 0, &verdict, hits, 1, &count), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(count, 3);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_int_equal(hits[0].start, 0);
    assert_int_equal(hits[0].end, 6);
    assert_status(shai_check(db, LIT(text), 0, &verdict, hits, 3, &count), SHAI_OK);
    assert_int_equal(count, 3);
    assert_string_equal(render_hits(db, hits, 3), "0-6:最好 9-15:赌博 16-22:最好");
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_allow_suppresses),
        cmocka_unit_test(test_check_strongest_action),
        cmocka_unit_test(test_check_violations_are_computed_on_all_hits),
        cmocka_unit_test(test_check_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
