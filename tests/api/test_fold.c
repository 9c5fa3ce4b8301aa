/*
 * shai_fold: the fold table version, arguments and each fold stage. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

static const char *fold_of(uint32_t fold, const char *text, size_t len)
{
    static char out[256];
    size_t need = 0, out_len = 0;
    assert_status(shai_fold(fold, text, len, NULL, 0, &need), SHAI_E_BUFFER_TOO_SMALL);
    assert_true(need < sizeof out);
    if (need > 0)
        assert_status(shai_fold(fold, text, len, out, need, &out_len), SHAI_E_BUFFER_TOO_SMALL);
    memset(out, 0x55, sizeof out);
    assert_status(shai_fold(fold, text, len, out, need + 1, &out_len), SHAI_OK);
    assert_int_equal(out_len, need);
    assert_int_equal(out[need], '\0');
    return out;
}

static void test_fold_table_version(void **state)
{
    (void)state;
    const char *v = shai_fold_table_version();
    assert_non_null(v);
    assert_int_equal(strncmp(v, "shai-fold-", 10), 0);
    assert_null(strchr(v, '\n'));
}

static void test_fold_bad_args(void **state)
{
    (void)state;
    char out[16];
    size_t n = 0;
    assert_status(shai_fold(SHAI_FOLD_ALL, NULL, 3, out, sizeof out, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_fold(SHAI_FOLD_ALL, LIT("abc"), NULL, sizeof out, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_fold(SHAI_FOLD_ALL, LIT("abc"), out, sizeof out, NULL), SHAI_E_INVALID_ARG);
    /* Unknown stage bits, like unknown flags, are an invalid argument. */
    assert_status(shai_fold(0x80, LIT("abc"), out, sizeof out, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_fold(UINT32_MAX, LIT("abc"), out, sizeof out, &n), SHAI_E_INVALID_ARG);
    n = 99;
    assert_status(shai_fold(SHAI_FOLD_ALL, NULL, 0, out, sizeof out, &n), SHAI_OK);
    assert_int_equal(n, 0);
    assert_int_equal(out[0], '\0');
}

static void test_fold_stages(void **state)
{
    (void)state;
    /* The examples of shai.h, one stage at a time. */
    assert_string_equal(fold_of(SHAI_FOLD_WIDTH, LIT("ＶＰＮ")), "VPN");
    assert_string_equal(fold_of(SHAI_FOLD_COMPAT, LIT("ⓓ")), "d");
    assert_string_equal(fold_of(SHAI_FOLD_COMPAT, LIT("𝐝")), "d");
    assert_string_equal(fold_of(SHAI_FOLD_COMPAT, LIT("①")), "1");
    assert_string_equal(fold_of(SHAI_FOLD_CASE, LIT("Du")), "du");
    assert_string_equal(fold_of(SHAI_FOLD_DIACRITICS, LIT("pórn")), "porn");
    assert_string_equal(fold_of(SHAI_FOLD_CONFUSABLES, LIT("fu\xd1\x81k")), "fuck"); /* U+0441 */
    assert_string_equal(fold_of(SHAI_FOLD_T2S, LIT("賭博")), "赌博");
    assert_string_equal(fold_of(SHAI_FOLD_IGNORABLES, LIT("赌\xe2\x80\x8b博")), "赌博");
    /* No stage: the text as it is. */
    assert_string_equal(fold_of(0, LIT("ＶＰＮ Du 賭博 pórn")), "ＶＰＮ Du 賭博 pórn");
    /* A stage does only its own work. */
    assert_string_equal(fold_of(SHAI_FOLD_CASE, LIT("賭博")), "賭博");
    assert_string_equal(fold_of(SHAI_FOLD_T2S, LIT("Du")), "Du");
    /* All stages; noise characters are kept. */
    assert_string_equal(fold_of(SHAI_FOLD_ALL, LIT("ＶＰＮ")), "vpn");
    assert_string_equal(fold_of(SHAI_FOLD_ALL, LIT("賭 博!")), "赌 博!");
    assert_string_equal(fold_of(SHAI_FOLD_ALL, LIT("")), "");
    /* Invalid UTF-8 becomes U+FFFD. */
    assert_string_equal(fold_of(SHAI_FOLD_ALL, LIT("\xff")), "\xef\xbf\xbd");
    assert_string_equal(fold_of(0, LIT("a\xff"
                                       "b")),
                        "a\xef\xbf\xbd"
                        "b");
}

/* A folded text folds to itself: Ǿ (case: ǿ, diacritics: ø) goes on to o,
 * as ø does, so pǿrn cannot dodge porn (found by fuzz-fold). */
static void test_fold_is_idempotent(void **state)
{
    (void)state;
    static const char *const texts[] = {"p\xc7\xbfrn", "p\xc7\xbern", "p\xc3\xb8rn", "porn"};
    for (size_t i = 0; i < 4; i++) {
        char out[32], again[32];
        size_t n = 0, m = 0;
        assert_status(shai_fold(SHAI_FOLD_ALL, texts[i], strlen(texts[i]), out, sizeof out, &n),
                      SHAI_OK);
        assert_string_equal(out, "porn");
        assert_status(shai_fold(SHAI_FOLD_ALL, out, n, again, sizeof again, &m), SHAI_OK);
        assert_string_equal(again, out);
    }
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_entry(b, LIT("porn"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    shai_hit hits[2];
    size_t count = 0;
    assert_status(shai_scan_hits(db, LIT("p\xc7\xbfrn"), 0, hits, 2, &count), SHAI_OK);
    assert_int_equal(count, 1);
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_table_version),
        cmocka_unit_test(test_fold_bad_args),
        cmocka_unit_test(test_fold_stages),
        cmocka_unit_test(test_fold_is_idempotent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
