/*
 * shai_scan_hits: the plain-array variant and its buffer sizes. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

static void test_scan_hits_buffer(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    static const char text[] = "赌博x赌博x赌博";
    size_t count = 0;
    assert_status(shai_scan_hits(db, LIT(text), 0, NULL, 0, &count), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(count, 3);

    shai_hit hits[6];
    memset(hits, 0xAB, sizeof hits);
    count = 0;
    assert_status(shai_scan_hits(db, LIT(text), 0, hits, 2, &count), SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(count, 3);
    assert_int_equal(hits[0].start, 0);
    assert_int_equal(hits[0].end, 6);
    assert_int_equal(hits[1].start, 7);
    assert_int_equal(hits[1].end, 13);
    /* Nothing written past cap. */
    shai_hit untouched;
    memset(&untouched, 0xAB, sizeof untouched);
    assert_memory_equal(&hits[2], &untouched, sizeof untouched);

    memset(hits, 0xAB, sizeof hits);
    assert_status(shai_scan_hits(db, LIT(text), 0, hits, 3, &count), SHAI_OK);
    assert_int_equal(count, 3);
    assert_int_equal(hits[2].start, 14);
    assert_int_equal(hits[2].end, 20);
    assert_memory_equal(&hits[3], &untouched, sizeof untouched);

    assert_status(shai_scan_hits(db, LIT(text), 0, hits, 6, &count), SHAI_OK);
    assert_int_equal(count, 3);
    assert_memory_equal(&hits[3], &untouched, sizeof untouched);

    /* No hits: a NULL buffer is fine. */
    assert_status(shai_scan_hits(db, LIT("nothing"), 0, NULL, 0, &count), SHAI_OK);
    assert_int_equal(count, 0);
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_hits_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
