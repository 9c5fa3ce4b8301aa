/*
 * A callback that returns non-zero stops the scan with SHAI_TERMINATED. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

static void test_callback_terminates(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    static const char text[] = "赌博赌博赌博赌博";
    for (uint32_t flags = 0; flags < 4; flags++) {
        for (size_t stop = 1; stop <= 4; stop++) {
            hit_vec hv = {.stop_after = stop};
            int rc = shai_scan(db, LIT(text), flags, collect_hit, &hv);
            assert_status(rc, SHAI_TERMINATED);
            assert_int_equal(hv.n, stop);
            assert_int_equal(hv.v[stop - 1].start, 6 * (stop - 1));
            hit_vec_free(&hv);
        }
    }
    /* Without a stop, all four. */
    hit_vec hv = {0};
    assert_status(shai_scan(db, LIT(text), 0, collect_hit, &hv), SHAI_OK);
    assert_int_equal(hv.n, 4);
    hit_vec_free(&hv);
    shai_db_free(db);
}

static int stop_negative(const shai_hit *hit, void *user)
{
    (void)hit;
    ++*(int *)user;
    return -1;
}

static void test_callback_terminates_any_nonzero(void **state)
{
    (void)state;
    shai_builder *b = new_raw_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    int calls = 0;
    assert_status(shai_scan(db, LIT("赌博赌博"), 0, stop_negative, &calls), SHAI_TERMINATED);
    assert_int_equal(calls, 1);
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callback_terminates),
        cmocka_unit_test(test_callback_terminates_any_nonzero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
