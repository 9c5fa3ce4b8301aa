/*
 * Saved dbs: serialize, save, open and borrow give the same db; damaged
 * images are refused. Uses only shai.h.
 */
#include "test_util.h"

#include <unistd.h>

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

static void *image_of(const shai_db *db, size_t *size)
{
    size_t need = 0;
    assert_status(shai_db_serialize(db, NULL, 0, &need), SHAI_E_BUFFER_TOO_SMALL);
    assert_true(need > 0);
    /* malloc memory is aligned enough for SHAI_DB_BORROW */
    void *img = malloc(need);
    assert_non_null(img);
    if (need > 1)
        assert_status(shai_db_serialize(db, img, need - 1, size), SHAI_E_BUFFER_TOO_SMALL);
    assert_status(shai_db_serialize(db, img, need, size), SHAI_OK);
    assert_int_equal(*size, need);
    /* the memory is more than the image: the derived tables count */
    size_t bytes = 0;
    assert_status(shai_db_size(db, &bytes), SHAI_OK);
    assert_true(bytes > need);
    return img;
}

/* Same entries, categories, options and hits. */
static void assert_same_db(const shai_db *a, const shai_db *b)
{
    assert_int_equal(shai_db_entry_count(a), shai_db_entry_count(b));
    assert_int_equal(shai_db_category_count(a), shai_db_category_count(b));
    for (uint32_t i = 0; i < shai_db_entry_count(a); i++) {
        const char *ta = NULL, *tb = NULL;
        size_t la = 0, lb = 0;
        assert_status(shai_db_entry_text(a, i, &ta, &la), SHAI_OK);
        assert_status(shai_db_entry_text(b, i, &tb, &lb), SHAI_OK);
        assert_int_equal(la, lb);
        assert_memory_equal(ta, tb, la);
        uint32_t ca, cb, aa, ab, fa, fb;
        const char *ga, *gb, *sa, *sb;
        assert_status(shai_db_entry_info(a, i, &ca, &aa, &fa, &ga, &sa), SHAI_OK);
        assert_status(shai_db_entry_info(b, i, &cb, &ab, &fb, &gb, &sb), SHAI_OK);
        assert_int_equal(ca, cb);
        assert_int_equal(aa, ab);
        assert_int_equal(fa, fb);
        assert_true((ga == NULL) == (gb == NULL));
        if (ga)
            assert_string_equal(ga, gb);
        assert_true((sa == NULL) == (sb == NULL));
        if (sa)
            assert_string_equal(sa, sb);
    }
    for (uint32_t c = 0; c < shai_db_category_count(a); c++) {
        const char *na = NULL, *nb = NULL;
        assert_status(shai_db_category_name(a, c, &na), SHAI_OK);
        assert_status(shai_db_category_name(b, c, &nb), SHAI_OK);
        assert_string_equal(na, nb);
    }
    for (uint32_t opt = SHAI_OPT_FOLD; opt <= SHAI_OPT_REPEATS; opt++) {
        int64_t va = -1, vb = -2;
        assert_status(shai_db_option(a, opt, &va), SHAI_OK);
        assert_status(shai_db_option(b, opt, &vb), SHAI_OK);
        assert_int_equal(va, vb);
    }
    const size_t len = sizeof stream_text - 1;
    for (uint32_t flags = 0; flags < 4; flags++) {
        hit_vec ha = {0}, hb = {0};
        assert_status(shai_scan(a, stream_text, len, flags, collect_hit, &ha), SHAI_OK);
        assert_status(shai_scan(b, stream_text, len, flags, collect_hit, &hb), SHAI_OK);
        assert_true(ha.n > 0);
        assert_same_hits(&ha, &hb);
        hit_vec_free(&ha);
        hit_vec_free(&hb);
    }
}

static void test_saved_db_bad_args(void **state)
{
    (void)state;
    shai_db *db = stream_db(0);
    size_t size = 0;
    char buf[16];
    shai_db *out = NULL;
    assert_status(shai_db_serialize(NULL, buf, sizeof buf, &size), SHAI_E_INVALID_ARG);
    assert_status(shai_db_serialize(db, buf, sizeof buf, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_serialize(db, NULL, 16, &size), SHAI_E_INVALID_ARG);
    assert_status(shai_db_save(NULL, "/tmp/x.shai"), SHAI_E_INVALID_ARG);
    assert_status(shai_db_save(db, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_open(NULL, &out), SHAI_E_INVALID_ARG);
    assert_status(shai_db_open("/tmp/x.shai", NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_from_buffer(NULL, 16, 0, &out), SHAI_E_INVALID_ARG);
    assert_status(shai_db_from_buffer(buf, sizeof buf, 0, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_size(NULL, &size), SHAI_E_INVALID_ARG);
    assert_status(shai_db_size(db, NULL), SHAI_E_INVALID_ARG);

    size_t n = 0;
    void *img = image_of(db, &n);
    assert_status(shai_db_from_buffer(img, n, 0x2u, &out), SHAI_E_INVALID_ARG);
    assert_status(shai_db_from_buffer(img, n, UINT32_MAX, &out), SHAI_E_INVALID_ARG);

    char *unaligned = malloc(n + 1);
    assert_non_null(unaligned);
    memcpy(unaligned + 1, img, n);
    /* A copied image need not be aligned. */
    out = NULL;
    assert_status(shai_db_from_buffer(unaligned + 1, n, 0, &out), SHAI_OK);
    assert_same_db(db, out);
    shai_db_free(out);
    /* A borrowed one must be 8-byte aligned: the caller broke the contract,
     * the image itself is fine. */
    out = NULL;
    int borrow_unaligned = shai_db_from_buffer(unaligned + 1, n, SHAI_DB_BORROW, &out);
    free(unaligned);
    free(img);
    shai_db_free(db);
    assert_status(borrow_unaligned, SHAI_E_INVALID_ARG);
    assert_null(out);
}

static void test_saved_db_round_trip(void **state)
{
    (void)state;
    for (int raw = 0; raw < 2; raw++) {
        shai_builder *b = raw ? new_raw_builder() : new_builder();
        static const char *const deny[] = {"赌博", "赌", "博彩", "ass", "qq", "🎲赌", "赌博网站"};
        for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++)
            assert_status(shai_builder_add_entry(b, deny[i], strlen(deny[i]), i % 2 ? "a" : NULL,
                                                 i % 3 ? SHAI_ACTION_BLOCK : SHAI_ACTION_REVIEW,
                                                 i == 4 ? SHAI_ENTRY_EXACT : 0,
                                                 i == 1 ? "tag" : NULL, i == 2 ? "很好" : NULL),
                          SHAI_OK);
        assert_status(shai_builder_add_entry(b, LIT("赌博史"), "历史", SHAI_ACTION_BLOCK,
                                             SHAI_ENTRY_ALLOW, NULL, NULL),
                      SHAI_OK);
        shai_db *db = compile_builder(b);
        shai_builder_free(b);

        size_t n = 0;
        void *img = image_of(db, &n);
        shai_db *copy = NULL, *borrowed = NULL, *opened = NULL;
        assert_status(shai_db_from_buffer(img, n, 0, &copy), SHAI_OK);
        assert_status(shai_db_from_buffer(img, n, SHAI_DB_BORROW, &borrowed), SHAI_OK);
        assert_same_db(db, copy);
        assert_same_db(db, borrowed);
        shai_db_free(borrowed);

        /* The copy does not depend on the image. */
        memset(img, 0, n);
        assert_same_db(db, copy);
        shai_db_free(copy);

        char path[] = "/tmp/shai-api-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        assert_status(shai_db_save(db, path), SHAI_OK);
        assert_status(shai_db_open(path, &opened), SHAI_OK);
        assert_same_db(db, opened);
        /* A saved db survives its file being removed while open. */
        assert_int_equal(unlink(path), 0);
        assert_same_db(db, opened);
        shai_db_free(opened);

        /* An image of an image is the same image. */
        void *img2 = image_of(db, &n);
        assert_status(shai_db_from_buffer(img2, n, 0, &copy), SHAI_OK);
        size_t n2 = 0;
        void *img3 = image_of(copy, &n2);
        assert_int_equal(n, n2);
        assert_memory_equal(img2, img3, n);
        shai_db_free(copy);
        free(img2);
        free(img3);
        free(img);
        shai_db_free(db);
    }
}

static void test_saved_db_rejects_damage(void **state)
{
    (void)state;
    shai_db *db = stream_db(1);
    size_t n = 0;
    unsigned char *img = image_of(db, &n);
    unsigned char *work = malloc(n);
    assert_non_null(work);
    shai_db *out = NULL;

    /* Every truncation. */
    for (size_t len = 0; len < n; len += 1 + len / 8) {
        memcpy(work, img, len);
        out = NULL;
        int rc = shai_db_from_buffer(len ? work : img, len, 0, &out);
        if (rc != SHAI_E_BAD_DB)
            print_error("truncated to %zu of %zu bytes\n", len, n);
        assert_status(rc, SHAI_E_BAD_DB);
        assert_null(out);
    }
    /* Single flipped bits, spread over the image. */
    for (size_t pos = 0; pos < n; pos += 1 + n / 64) {
        memcpy(work, img, n);
        work[pos] ^= 0x10;
        out = NULL;
        int rc = shai_db_from_buffer(work, n, SHAI_DB_BORROW, &out);
        if (rc != SHAI_E_BAD_DB && rc != SHAI_E_DB_VERSION)
            print_error("bit flipped at %zu of %zu\n", pos, n);
        assert_true(rc == SHAI_E_BAD_DB || rc == SHAI_E_DB_VERSION);
        assert_null(out);
    }
    /* Not a db at all. */
    static const char junk[64] = "# gambling.txt\n赌博\n";
    assert_status(shai_db_from_buffer(junk, sizeof junk, 0, &out), SHAI_E_BAD_DB);

    /* Files: missing, empty, text. */
    assert_status(shai_db_open("/nonexistent/dir/x.shai", &out), SHAI_E_IO);
    char path[] = "/tmp/shai-api-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_status(shai_db_open(path, &out), SHAI_E_BAD_DB);
    assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
    close(fd);
    assert_status(shai_db_open(path, &out), SHAI_E_BAD_DB);
    /* Saving into a missing directory fails cleanly. */
    assert_status(shai_db_save(db, "/nonexistent/dir/x.shai"), SHAI_E_IO);
    unlink(path);
    free(work);
    free(img);
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_saved_db_bad_args),
        cmocka_unit_test(test_saved_db_round_trip),
        cmocka_unit_test(test_saved_db_rejects_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
