/*
 * Merging duplicate entries, the entry and category accessors, empty
 * builders and compiling twice. Uses only shai.h.
 */
#include "test_util.h"

/* UTF-8 of the characters used below, to make byte offsets easy to read:
 * 赌 E8 B5 8C, 博 E5 8D 9A, 史 E5 8F B2 (3 bytes each); é C3 A9; × C3 97;
 * 🎲 F0 9F 8E B2. */

static void entry_attrs(const shai_db *db, uint32_t i, const char **category, uint32_t *action,
                        uint32_t *flags, const char **tag, const char **suggestion)
{
    uint32_t cat = UINT32_MAX;
    assert_status(shai_db_entry_info(db, i, &cat, action, flags, tag, suggestion), SHAI_OK);
    assert_true(cat < shai_db_category_count(db));
    assert_status(shai_db_category_name(db, cat, category), SHAI_OK);
}

static void test_merge_duplicates(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "gambling", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博"), "other", SHAI_ACTION_BLOCK, 0, "t1", NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博"), NULL, SHAI_ACTION_REVIEW, 0, "t2", "s1"),
                  SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "third", SHAI_ACTION_REVIEW, 0, NULL, "s2"),
        SHAI_OK);
    /* Block first, review later: block stays. No tag ever: stays NULL. */
    assert_status(shai_builder_add_entry(b, LIT("网赌"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("网赌"), "gambling", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 2);

    shai_db *db = compile_builder(b);
    assert_int_equal(shai_db_entry_count(db), 2);
    const char *category = NULL, *tag = NULL, *suggestion = NULL;
    uint32_t action = 0, flags = 99;
    entry_attrs(db, entry_of(db, "赌博", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "gambling");
    assert_int_equal(action, SHAI_ACTION_BLOCK);
    assert_int_equal(flags, 0);
    assert_non_null(tag);
    assert_string_equal(tag, "t1");
    assert_non_null(suggestion);
    assert_string_equal(suggestion, "s1");

    entry_attrs(db, entry_of(db, "网赌", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "uncategorized");
    assert_int_equal(action, SHAI_ACTION_BLOCK);
    assert_null(tag);
    assert_null(suggestion);
    shai_db_free(db);
    shai_builder_free(b);
}

static void test_merge_allow_is_separate(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_entry(b, LIT("赌博"), "a", SHAI_ACTION_REVIEW, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "b", SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW, "t", NULL),
        SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("赌博"), "c", SHAI_ACTION_REVIEW, SHAI_ENTRY_ALLOW, "u", "s"),
        SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 2);
    shai_db *db = compile_builder(b);
    const char *category = NULL, *tag = NULL, *suggestion = NULL;
    uint32_t action = 0, flags = 0;
    entry_attrs(db, entry_of(db, "赌博", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "a");
    assert_int_equal(action, SHAI_ACTION_REVIEW);
    assert_int_equal(flags, 0);
    assert_null(tag);
    assert_null(suggestion);
    entry_attrs(db, entry_of(db, "赌博", 1), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "b");
    assert_int_equal(action, SHAI_ACTION_BLOCK);
    assert_int_equal(flags, SHAI_ENTRY_ALLOW);
    assert_string_equal(tag, "t");
    assert_string_equal(suggestion, "s");
    shai_db_free(db);
    shai_builder_free(b);
}

static void test_entry_accessors(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(
        shai_builder_add_entry(b, LIT("最好"), "ad-law", SHAI_ACTION_REVIEW, 0, "adlaw", "很好"),
        SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("fuck you"), "abuse", SHAI_ACTION_BLOCK, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("🎲赌"), NULL, SHAI_ACTION_BLOCK, SHAI_ENTRY_ALLOW,
                                         NULL, NULL),
                  SHAI_OK);
    assert_int_equal(shai_builder_entry_count(b), 3);
    shai_db *db = compile_builder(b);
    assert_int_equal(shai_db_entry_count(db), 3);

    static const char *const words[] = {"最好", "fuck you", "🎲赌"};
    for (uint32_t i = 0; i < 3; i++) {
        const char *text = NULL;
        size_t len = 0;
        assert_status(shai_db_entry_text(db, i, &text, &len), SHAI_OK);
        assert_non_null(text);
        assert_int_equal(strlen(text), len); /* NUL-terminated, no NUL inside */
        int known = 0;
        for (size_t w = 0; w < 3; w++)
            known |= strcmp(text, words[w]) == 0;
        assert_true(known);
    }

    const char *category = NULL, *tag = NULL, *suggestion = NULL;
    uint32_t action = 0, flags = 0;
    entry_attrs(db, entry_of(db, "最好", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "ad-law");
    assert_int_equal(action, SHAI_ACTION_REVIEW);
    assert_int_equal(flags, 0);
    assert_string_equal(tag, "adlaw");
    assert_string_equal(suggestion, "很好");

    entry_attrs(db, entry_of(db, "fuck you", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "abuse");
    assert_int_equal(action, SHAI_ACTION_BLOCK);
    assert_null(tag);
    assert_null(suggestion);

    entry_attrs(db, entry_of(db, "🎲赌", 1), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(category, "uncategorized");
    assert_int_equal(flags, SHAI_ENTRY_ALLOW);

    /* The db does not depend on the builder. */
    shai_builder_free(b);
    entry_attrs(db, entry_of(db, "最好", 0), &category, &action, &flags, &tag, &suggestion);
    assert_string_equal(suggestion, "很好");
    shai_db_free(db);
}

static void test_categories(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_entry(b, LIT("甲"), "a", SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("乙"), "b", SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("丙"), "a", SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("丁"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("戊"), "uncategorized", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("己"), "色情", SHAI_ACTION_REVIEW, SHAI_ENTRY_ALLOW,
                                         NULL, NULL),
                  SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);

    uint32_t n = shai_db_category_count(db);
    assert_int_equal(n, 4);
    int seen_a = 0, seen_b = 0, seen_u = 0, seen_zh = 0;
    for (uint32_t id = 0; id < n; id++) {
        const char *name = NULL;
        assert_status(shai_db_category_name(db, id, &name), SHAI_OK);
        assert_non_null(name);
        seen_a += strcmp(name, "a") == 0;
        seen_b += strcmp(name, "b") == 0;
        seen_u += strcmp(name, "uncategorized") == 0;
        seen_zh += strcmp(name, "色情") == 0;
    }
    assert_int_equal(seen_a, 1);
    assert_int_equal(seen_b, 1);
    assert_int_equal(seen_u, 1);
    assert_int_equal(seen_zh, 1);

    static const struct {
        const char *word;
        int allow;
        const char *category;
    } expect[] = {{"甲", 0, "a"},
                  {"乙", 0, "b"},
                  {"丙", 0, "a"},
                  {"丁", 0, "uncategorized"},
                  {"戊", 0, "uncategorized"},
                  {"己", 1, "色情"}};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const char *category = NULL;
        uint32_t action = 0, flags = 0;
        entry_attrs(db, entry_of(db, expect[i].word, expect[i].allow), &category, &action, &flags,
                    NULL, NULL);
        assert_string_equal(category, expect[i].category);
    }

    /* Hits carry the category id of their entry. */
    shai_hit hits[8];
    size_t count = 0;
    assert_status(shai_scan_hits(db, LIT("乙丙"), 0, hits, 8, &count), SHAI_OK);
    assert_int_equal(count, 2);
    const char *name = NULL;
    assert_status(shai_db_category_name(db, hits[0].category, &name), SHAI_OK);
    assert_string_equal(name, "b");
    assert_status(shai_db_category_name(db, hits[1].category, &name), SHAI_OK);
    assert_string_equal(name, "a");
    shai_db_free(db);
}

static void test_empty_builder(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    assert_int_equal(shai_db_entry_count(db), 0);
    const char *text = NULL;
    size_t len = 0;
    assert_status(shai_db_entry_text(db, 0, &text, &len), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_entry_info(db, 0, NULL, NULL, NULL, NULL, NULL), SHAI_E_OUT_OF_RANGE);

    static const char sample[] = "赌博 ass 🎲\xff\0 abc";
    for (uint32_t flags = 0; flags < 4; flags++) {
        assert_status(shai_scan(db, sample, sizeof sample - 1, flags, never_called, NULL), SHAI_OK);
        size_t count = 99;
        assert_status(shai_scan_hits(db, sample, sizeof sample - 1, flags, NULL, 0, &count),
                      SHAI_OK);
        assert_int_equal(count, 0);
        shai_stream *s = NULL;
        assert_status(shai_stream_open(db, flags, never_called, NULL, &s), SHAI_OK);
        assert_status(shai_stream_write(s, sample, sizeof sample - 1), SHAI_OK);
        assert_status(shai_stream_close(s), SHAI_OK);
    }
    uint32_t verdict = 99;
    size_t count = 99;
    assert_status(shai_check(db, sample, sizeof sample - 1, 0, &verdict, NULL, 0, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    assert_int_equal(count, 0);
    char out[64];
    size_t out_len = 0;
    assert_status(shai_mask(db, sample, sizeof sample - 1, '*', out, sizeof out, &out_len),
                  SHAI_OK);
    assert_int_equal(out_len, sizeof sample - 1);
    assert_memory_equal(out, sample, sizeof sample);
    shai_db_free(db);
}

static void test_compile_twice(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(add_plain(b, LIT("赌博")), SHAI_OK);
    shai_db *db1 = compile_builder(b);
    shai_db *db2 = compile_builder(b);
    assert_int_equal(shai_builder_entry_count(b), 1);
    assert_status(add_plain(b, LIT("网络")), SHAI_OK);
    shai_db *db3 = compile_builder(b);
    shai_builder_free(b);
    assert_int_equal(shai_db_entry_count(db1), 1);
    assert_int_equal(shai_db_entry_count(db2), 1);
    assert_int_equal(shai_db_entry_count(db3), 2);
    assert_string_equal(scan_render(db1, LIT("网络赌博"), 0), "6-12:赌博");
    assert_string_equal(scan_render(db2, LIT("网络赌博"), 0), "6-12:赌博");
    assert_string_equal(scan_render(db3, LIT("网络赌博"), 0), "0-6:网络 6-12:赌博");
    shai_db_free(db1);
    shai_db_free(db3);
    assert_string_equal(scan_render(db2, LIT("网络赌博"), 0), "6-12:赌博");
    shai_db_free(db2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_duplicates), cmocka_unit_test(test_merge_allow_is_separate),
        cmocka_unit_test(test_entry_accessors),  cmocka_unit_test(test_categories),
        cmocka_unit_test(test_empty_builder),    cmocka_unit_test(test_compile_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
