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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlapping_order),
        cmocka_unit_test(test_leftmost_longest),
        cmocka_unit_test(test_same_span_lowest_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
