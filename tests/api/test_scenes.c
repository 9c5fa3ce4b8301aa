/*
 * Scenes and policies (shai.h, "scenes"): one argument check per new
 * function, what a scene does to hits and verdicts (off hits hide nothing,
 * actions mapped, allow coverage unchanged, rules, masks, streams,
 * batches, scratches), scenes kept by a saved db, the old format refused,
 * and malformed scene sources reported with file, line and column.
 */
#include "test_util.h"

/* ad-law 最好 (review) overlaps gambling 好赌 (block); an allow entry
 * 禁止赌博 covers 赌博; a rule in spam; a category (hate) that no scene
 * names. Categories in order of first use: ad-law 0, gambling 1,
 * uncategorized 2 (the allow entry), spam 3, abuse 4. */
static const char LEXICON[] = "@category ad-law\n"
                              "@action review\n"
                              "最好\tsuggestion=很好\n"
                              "@category gambling\n"
                              "@action block\n"
                              "好赌\n"
                              "赌博\n"
                              "@allow\n"
                              "禁止赌博\tcategory=uncategorized\n"
                              "@deny\n"
                              "@category spam\n"
                              "@action review\n"
                              "re:qq[0-9]{5,}\n"
                              "@category abuse\n"
                              "@action review\n"
                              "傻瓜\n";

static const char SCENES[] = "# scenes\n"
                             "@scene comments\n"
                             "ad-law   off\n"
                             "abuse    block\n"
                             "nosuch   block\n"
                             "\n"
                             "@scene strict\n"
                             "ad-law\treview\n"
                             "*        block\n"
                             "@scene quiet\n"
                             "*        off\n"
                             "spam     keep\n"
                             "@end\n"
                             "@category abuse\n"
                             "笨蛋\n";

enum { AD_LAW, GAMBLING, UNCATEGORIZED, SPAM, ABUSE };
enum { COMMENTS, STRICT, QUIET };

static shai_db *compile_sources(const char *scenes)
{
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_source(b, "words.txt", LIT(LEXICON)), SHAI_OK);
    if (scenes)
        assert_status(shai_builder_add_source(b, "scenes.txt", scenes, strlen(scenes)), SHAI_OK);
    shai_db *db = NULL;
    assert_status(shai_builder_compile(b, &db), SHAI_OK);
    shai_builder_free(b);
    return db;
}

static int setup(void **state)
{
    *state = compile_sources(SCENES);
    return 0;
}

static int teardown(void **state)
{
    shai_db_free(*state);
    return 0;
}

static shai_policy *scene_policy(const shai_db *db, const char *name)
{
    shai_policy *p = NULL;
    uint32_t id = UINT32_MAX;
    assert_status(shai_policy_new(db, &p), SHAI_OK);
    if (name) {
        assert_status(shai_db_scene(db, name, strlen(name), &id), SHAI_OK);
        assert_status(shai_policy_set_scene(p, id), SHAI_OK);
    }
    return p;
}

/* The violations of text under policy p as "entry-text/action ..." and the
 * verdict. */
static void check_text(const shai_db *db, const shai_policy *p, const char *text, uint32_t flags,
                       char *out, size_t cap, uint32_t *verdict)
{
    shai_hit hits[16];
    size_t n = 0;
    assert_status(shai_check_policy(db, p, NULL, text, strlen(text), flags, verdict, hits, 16, &n),
                  SHAI_OK);
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *word;
        size_t len;
        assert_status(shai_db_entry_text(db, hits[i].entry, &word, &len), SHAI_OK);
        at += (size_t)snprintf(out + at, cap - at, "%s%s/%s", i ? " " : "", word,
                               shai_action_name(hits[i].action));
    }
}

/* ------------------------------------------------------------ arguments */

static void test_db_scene_args(void **state)
{
    const shai_db *db = *state;
    const char *name = NULL;
    uint32_t id = 99, action = 99;

    assert_int_equal(shai_db_scene_count(NULL), 0);
    assert_int_equal(shai_db_scene_count(db), 3);

    assert_status(shai_db_scene_name(NULL, 0, &name), SHAI_E_INVALID_ARG);
    assert_status(shai_db_scene_name(db, 0, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_scene_name(db, 3, &name), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_scene_name(db, 2, &name), SHAI_OK);
    assert_string_equal(name, "quiet");

    assert_status(shai_db_scene(NULL, LIT("strict"), &id), SHAI_E_INVALID_ARG);
    assert_status(shai_db_scene(db, LIT("strict"), NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_scene(db, NULL, 3, &id), SHAI_E_INVALID_ARG);
    assert_status(shai_db_scene(db, NULL, 0, &id), SHAI_E_NOT_FOUND);
    assert_status(shai_db_scene(db, LIT("stric"), &id), SHAI_E_NOT_FOUND);
    assert_status(shai_db_scene(db, LIT("strict2"), &id), SHAI_E_NOT_FOUND);
    assert_status(shai_db_scene(db, LIT("Strict"), &id), SHAI_E_NOT_FOUND);
    assert_status(shai_db_scene(db, "strict!", 6, &id), SHAI_OK);
    assert_int_equal(id, STRICT);

    assert_status(shai_db_scene_action(NULL, 0, 0, &action), SHAI_E_INVALID_ARG);
    assert_status(shai_db_scene_action(db, 0, 0, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_scene_action(db, 3, 0, &action), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_scene_action(db, 0, shai_db_category_count(db), &action),
                  SHAI_E_OUT_OF_RANGE);
    assert_string_equal(shai_status_name(SHAI_E_NOT_FOUND), "E_NOT_FOUND");
}

static void test_policy_args(void **state)
{
    const shai_db *db = *state;
    shai_policy *p = (shai_policy *)1;
    uint32_t action = 99;

    assert_status(shai_policy_new(NULL, &p), SHAI_E_INVALID_ARG);
    assert_null(p);
    assert_status(shai_policy_new(db, NULL), SHAI_E_INVALID_ARG);
    shai_policy_free(NULL);

    assert_status(shai_policy_new(db, &p), SHAI_OK);
    assert_status(shai_policy_set_scene(NULL, 0), SHAI_E_INVALID_ARG);
    assert_status(shai_policy_set_scene(p, 3), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_policy_set_category(NULL, 0, SHAI_SCENE_OFF), SHAI_E_INVALID_ARG);
    assert_status(shai_policy_set_category(p, 0, 4), SHAI_E_INVALID_ARG);
    assert_status(shai_policy_set_category(p, shai_db_category_count(db), SHAI_SCENE_OFF),
                  SHAI_E_OUT_OF_RANGE);
    assert_status(shai_policy_category(NULL, 0, &action), SHAI_E_INVALID_ARG);
    assert_status(shai_policy_category(p, 0, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_policy_category(p, shai_db_category_count(db), &action),
                  SHAI_E_OUT_OF_RANGE);
    /* a new policy keeps every category */
    for (uint32_t c = 0; c < shai_db_category_count(db); c++) {
        assert_status(shai_policy_category(p, c, &action), SHAI_OK);
        assert_int_equal(action, SHAI_SCENE_KEEP);
    }
    assert_status(shai_policy_set_category(p, SHAI_ALL_CATEGORIES, SHAI_ACTION_REVIEW), SHAI_OK);
    for (uint32_t c = 0; c < shai_db_category_count(db); c++) {
        assert_status(shai_policy_category(p, c, &action), SHAI_OK);
        assert_int_equal(action, SHAI_ACTION_REVIEW);
    }
    shai_policy_free(p);
}

static int ignore_hit(const shai_hit *hit, void *user)
{
    (void)hit;
    (void)user;
    return 0;
}

static void test_policy_call_args(void **state)
{
    const shai_db *db = *state;
    shai_db *other = compile_sources(SCENES);
    shai_policy *p = scene_policy(db, "comments"), *foreign = scene_policy(other, "comments");
    uint32_t verdict = 9;
    shai_hit hits[4];
    size_t count = 9, out_len = 9, offsets[2];
    char out[64];
    const char *texts[1] = {"好赌"};
    size_t lens[1] = {6};
    uint32_t verdicts[1];
    shai_stream *s = (shai_stream *)1;

    /* scan */
    assert_status(shai_scan_policy(NULL, p, NULL, LIT("x"), 0, ignore_hit, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_scan_policy(db, p, NULL, LIT("x"), 0, NULL, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_policy(db, p, NULL, NULL, 1, 0, ignore_hit, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_scan_policy(db, p, NULL, LIT("x"), 0x80, ignore_hit, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_scan_policy(db, foreign, NULL, LIT("x"), 0, ignore_hit, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_scan_policy(db, NULL, NULL, NULL, 0, 0, ignore_hit, NULL), SHAI_OK);

    /* check */
    assert_status(shai_check_policy(NULL, p, NULL, LIT("x"), 0, &verdict, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_policy(db, p, NULL, LIT("x"), 0, NULL, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_policy(db, p, NULL, LIT("x"), 0, &verdict, hits, 4, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_policy(db, p, NULL, LIT("x"), 0, &verdict, NULL, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_policy(db, p, NULL, NULL, 2, 0, &verdict, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_policy(db, p, NULL, LIT("x"), 0x80, &verdict, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_policy(db, foreign, NULL, LIT("好赌"), 0, &verdict, hits, 4, &count),
                  SHAI_E_INVALID_ARG);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    assert_int_equal(count, 0);

    /* batch */
    assert_status(
        shai_check_batch_policy(NULL, p, NULL, texts, lens, 1, 0, verdicts, NULL, hits, 4, offsets),
        SHAI_E_INVALID_ARG);
    assert_status(
        shai_check_batch_policy(db, p, NULL, NULL, lens, 1, 0, verdicts, NULL, hits, 4, offsets),
        SHAI_E_INVALID_ARG);
    assert_status(
        shai_check_batch_policy(db, p, NULL, texts, lens, 1, 0, verdicts, NULL, hits, 4, NULL),
        SHAI_E_INVALID_ARG);
    assert_status(shai_check_batch_policy(db, foreign, NULL, texts, lens, 1, 0, verdicts, NULL,
                                          hits, 4, offsets),
                  SHAI_E_INVALID_ARG);

    /* mask */
    assert_status(shai_mask_policy(NULL, p, NULL, LIT("x"), '*', out, sizeof out, &out_len),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_mask_policy(db, p, NULL, LIT("x"), '*', out, sizeof out, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_mask_policy(db, p, NULL, LIT("x"), 0, out, sizeof out, &out_len),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_mask_policy(db, p, NULL, LIT("x"), '*', NULL, 4, &out_len),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_mask_policy(db, foreign, NULL, LIT("x"), '*', out, sizeof out, &out_len),
                  SHAI_E_INVALID_ARG);

    /* stream */
    assert_status(shai_stream_open_policy(NULL, p, 0, ignore_hit, NULL, &s), SHAI_E_INVALID_ARG);
    assert_null(s);
    assert_status(shai_stream_open_policy(db, p, 0, NULL, NULL, &s), SHAI_E_INVALID_ARG);
    assert_status(shai_stream_open_policy(db, p, 0, ignore_hit, NULL, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_stream_open_policy(db, p, 0x80, ignore_hit, NULL, &s), SHAI_E_INVALID_ARG);
    assert_status(shai_stream_open_policy(db, foreign, 0, ignore_hit, NULL, &s),
                  SHAI_E_INVALID_ARG);

    shai_policy_free(p);
    shai_policy_free(foreign);
    shai_db_free(other);
}

/* ------------------------------------------------------------ semantics */

static void test_scene_actions_compiled(void **state)
{
    const shai_db *db = *state;
    static const uint32_t want[3][5] = {
        /* ad-law, gambling, uncategorized, spam, abuse */
        [COMMENTS] = {SHAI_SCENE_OFF, SHAI_SCENE_KEEP, SHAI_SCENE_KEEP, SHAI_SCENE_KEEP,
                      SHAI_ACTION_BLOCK},
        [STRICT] = {SHAI_ACTION_REVIEW, SHAI_ACTION_BLOCK, SHAI_ACTION_BLOCK, SHAI_ACTION_BLOCK,
                    SHAI_ACTION_BLOCK},
        [QUIET] = {SHAI_SCENE_OFF, SHAI_SCENE_OFF, SHAI_SCENE_OFF, SHAI_SCENE_KEEP, SHAI_SCENE_OFF},
    };
    const char *name;
    assert_int_equal(shai_db_category_count(db), 5); /* `nosuch` added no category */
    assert_status(shai_db_category_name(db, ABUSE, &name), SHAI_OK);
    assert_string_equal(name, "abuse");
    for (uint32_t s = 0; s < 3; s++)
        for (uint32_t c = 0; c < 5; c++) {
            uint32_t action = 99;
            assert_status(shai_db_scene_action(db, s, c, &action), SHAI_OK);
            assert_int_equal(action, want[s][c]);
        }
}

static void test_no_policy_is_the_db(void **state)
{
    const shai_db *db = *state;
    shai_policy *keep = scene_policy(db, NULL);
    static const char *const texts[] = {"最好赌", "禁止赌博和赌博", "qq123456 傻瓜 笨蛋", ""};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        for (uint32_t flags = 0; flags <= SHAI_SCAN_OVERLAPPING; flags++) {
            shai_hit a[16], b[16], c[16];
            size_t na, nb, nc;
            uint32_t va, vb, vc;
            size_t len = strlen(texts[i]);
            assert_status(shai_check(db, texts[i], len, flags, &va, a, 16, &na), SHAI_OK);
            assert_status(shai_check_policy(db, NULL, NULL, texts[i], len, flags, &vb, b, 16, &nb),
                          SHAI_OK);
            assert_status(shai_check_policy(db, keep, NULL, texts[i], len, flags, &vc, c, 16, &nc),
                          SHAI_OK);
            assert_int_equal(va, vb);
            assert_int_equal(va, vc);
            assert_int_equal(na, nb);
            assert_int_equal(na, nc);
            assert_memory_equal(a, b, na * sizeof *a);
            assert_memory_equal(a, c, na * sizeof *a);
        }
    }
    shai_policy_free(keep);
}

static void test_off_hit_hides_nothing(void **state)
{
    const shai_db *db = *state;
    shai_policy *none = scene_policy(db, NULL), *comments = scene_policy(db, "comments");
    char got[256];
    uint32_t verdict;

    /* leftmost-longest: 最好 (ad-law) starts first and hides 好赌 */
    check_text(db, none, "最好赌", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "最好/review");
    assert_int_equal(verdict, SHAI_ACTION_BLOCK); /* the verdict sees every hit */
    /* with ad-law off, 好赌 is selected */
    check_text(db, comments, "最好赌", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "好赌/block");
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    check_text(db, comments, "最好的", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "");
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    check_text(db, comments, "最好赌", SHAI_SCAN_OVERLAPPING, got, sizeof got, &verdict);
    assert_string_equal(got, "好赌/block");

    /* the raw scan under the policy does not find off hits either */
    hit_vec hv = {0};
    assert_status(shai_scan_policy(db, comments, NULL, LIT("最好赌"), SHAI_SCAN_OVERLAPPING,
                                   collect_hit, &hv),
                  SHAI_OK);
    assert_int_equal(hv.n, 1);
    assert_int_equal(hv.v[0].category, GAMBLING);
    hit_vec_free(&hv);
    shai_policy_free(none);
    shai_policy_free(comments);
}

static void test_actions_are_mapped(void **state)
{
    const shai_db *db = *state;
    shai_policy *comments = scene_policy(db, "comments"), *strict = scene_policy(db, "strict");
    shai_policy *quiet = scene_policy(db, "quiet");
    char got[256];
    uint32_t verdict;

    check_text(db, comments, "傻瓜", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "傻瓜/block");
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    check_text(db, strict, "最好 傻瓜 qq123456", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "最好/review 傻瓜/block qq[0-9]{5,}/block");
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    /* rules: spam keeps its review in quiet, everything else is off */
    check_text(db, quiet, "最好 傻瓜 赌博 qq123456", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "qq[0-9]{5,}/review");
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    /* a rule of an off category is not found */
    shai_policy_set_category(quiet, SPAM, SHAI_SCENE_OFF);
    check_text(db, quiet, "qq123456", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "");
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    shai_policy_free(comments);
    shai_policy_free(strict);
    shai_policy_free(quiet);
}

static void test_allow_coverage_unchanged(void **state)
{
    const shai_db *db = *state;
    shai_policy *strict = scene_policy(db, "strict");
    char got[256];
    uint32_t verdict;
    check_text(db, strict, "禁止赌博", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "");
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    check_text(db, strict, "禁止赌博和赌博", SHAI_SCAN_OVERLAPPING, got, sizeof got, &verdict);
    assert_string_equal(got, "赌博/block");
    /* the allow entry's category off changes nothing: allow entries ignore scenes */
    shai_policy_set_category(strict, UNCATEGORIZED, SHAI_SCENE_OFF);
    check_text(db, strict, "禁止赌博", 0, got, sizeof got, &verdict);
    assert_int_equal(verdict, SHAI_ACTION_PASS);
    shai_policy_free(strict);
}

static void test_custom_policy(void **state)
{
    const shai_db *db = *state;
    shai_policy *p = scene_policy(db, "comments");
    char got[256];
    uint32_t verdict;
    /* only abuse, as a review */
    assert_status(shai_policy_set_category(p, SHAI_ALL_CATEGORIES, SHAI_SCENE_OFF), SHAI_OK);
    assert_status(shai_policy_set_category(p, ABUSE, SHAI_ACTION_REVIEW), SHAI_OK);
    check_text(db, p, "最好赌 傻瓜 笨蛋", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "傻瓜/review 笨蛋/review");
    assert_int_equal(verdict, SHAI_ACTION_REVIEW);
    /* set_scene replaces every earlier setting */
    assert_status(shai_policy_set_scene(p, COMMENTS), SHAI_OK);
    check_text(db, p, "最好赌 傻瓜", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "好赌/block 傻瓜/block");
    shai_policy_free(p);
}

static void test_mask_stream_batch_scratch(void **state)
{
    const shai_db *db = *state;
    shai_policy *comments = scene_policy(db, "comments");
    static const char text[] = "最好的赌博，最好赌！傻瓜";
    char out[128];
    size_t out_len;

    assert_status(shai_mask(db, LIT(text), '*', out, sizeof out, &out_len), SHAI_OK);
    assert_string_equal(out, "**的**，***！**");
    assert_status(shai_mask_policy(db, comments, NULL, LIT(text), '*', out, sizeof out, &out_len),
                  SHAI_OK);
    assert_string_equal(out, "最好的**，最**！**");

    /* a stream fed byte by byte reports what one scan reports */
    hit_vec whole = {0}, pieces = {0};
    assert_status(
        shai_scan_policy(db, comments, NULL, LIT(text), SHAI_SCAN_VIOLATIONS, collect_hit, &whole),
        SHAI_OK);
    assert_int_equal(whole.n, 3);
    shai_stream *s = NULL;
    assert_status(
        shai_stream_open_policy(db, comments, SHAI_SCAN_VIOLATIONS, collect_hit, &pieces, &s),
        SHAI_OK);
    for (size_t i = 0; i < sizeof text - 1; i++)
        assert_status(shai_stream_write(s, text + i, 1), SHAI_OK);
    assert_status(shai_stream_close(s), SHAI_OK);
    assert_int_equal(pieces.n, whole.n);
    assert_memory_equal(pieces.v, whole.v, whole.n * sizeof *whole.v);

    /* with a scratch: the same, and a batch gives each text's own check */
    shai_scratch *scratch = NULL;
    assert_status(shai_scratch_new(db, &scratch), SHAI_OK);
    hit_vec with = {0};
    assert_status(shai_scan_policy(db, comments, scratch, LIT(text), SHAI_SCAN_VIOLATIONS,
                                   collect_hit, &with),
                  SHAI_OK);
    assert_int_equal(with.n, whole.n);
    assert_memory_equal(with.v, whole.v, whole.n * sizeof *whole.v);
    assert_status(
        shai_mask_policy(db, comments, scratch, LIT(text), '#', out, sizeof out, &out_len),
        SHAI_OK);
    assert_string_equal(out, "最好的##，最##！##");

    const char *texts[4] = {"最好", "最好赌", "傻瓜", "禁止赌博"};
    size_t lens[4], offsets[5];
    uint32_t verdicts[4];
    int32_t statuses[4];
    shai_hit hits[8];
    static const uint32_t want[4] = {SHAI_ACTION_PASS, SHAI_ACTION_BLOCK, SHAI_ACTION_BLOCK,
                                     SHAI_ACTION_PASS};
    for (size_t i = 0; i < 4; i++)
        lens[i] = strlen(texts[i]);
    for (int with_scratch = 0; with_scratch < 2; with_scratch++) {
        assert_status(shai_check_batch_policy(db, comments, with_scratch ? scratch : NULL, texts,
                                              lens, 4, 0, verdicts, statuses, hits, 8, offsets),
                      SHAI_OK);
        for (size_t i = 0; i < 4; i++) {
            assert_int_equal(verdicts[i], want[i]);
            assert_int_equal(statuses[i], SHAI_OK);
        }
        assert_int_equal(offsets[4], 2);
        assert_int_equal(hits[0].category, GAMBLING);
        assert_int_equal(hits[1].category, ABUSE);
        assert_int_equal(hits[1].action, SHAI_ACTION_BLOCK);
    }
    shai_scratch_free(scratch);
    hit_vec_free(&whole);
    hit_vec_free(&pieces);
    hit_vec_free(&with);
    shai_policy_free(comments);
}

/* A scene gives what a db compiled without the entries it turns off, and
 * with the actions it sets, gives: random lexicons over a small alphabet
 * (so that hits overlap a lot), random scenes, random texts, both
 * selection modes, and masks. */
static void test_scene_equals_filtered_lexicon(void **state)
{
    (void)state;
    static const char *const chars[] = {"甲", "乙", "丙", "丁", "，"};
    static const char *const categories[] = {"a", "b", "c"};
    uint64_t rng = 20261205;
    uint32_t rounds = test_scale(60);
    for (uint32_t round = 0; round < rounds; round++) {
        /* distinct words: a merged duplicate would keep the first category */
        char words[24][16];
        uint32_t nwords = 0, cat[24], act[24], allow[24];
        for (uint32_t tries = 0; nwords < 12 + rng_below(&rng, 12) && tries < 200; tries++) {
            char w[16] = "";
            uint32_t len = 1 + rng_below(&rng, 3);
            for (uint32_t k = 0; k < len; k++)
                strcat(w, chars[rng_below(&rng, 4)]);
            int dup = 0;
            for (uint32_t j = 0; j < nwords; j++)
                dup |= strcmp(words[j], w) == 0;
            if (dup)
                continue;
            strcpy(words[nwords], w);
            allow[nwords] = rng_below(&rng, 6) == 0;
            cat[nwords] = rng_below(&rng, 3);
            act[nwords] = rng_below(&rng, 2) ? SHAI_ACTION_BLOCK : SHAI_ACTION_REVIEW;
            nwords++;
        }
        uint32_t scene[3];
        for (uint32_t c = 0; c < 3; c++)
            scene[c] = rng_below(&rng, 4); /* off, review, block, keep */

        shai_builder *full = new_raw_builder(), *kept = new_raw_builder();
        for (uint32_t j = 0; j < nwords; j++) {
            uint32_t flags = allow[j] ? SHAI_ENTRY_ALLOW : 0;
            assert_status(shai_builder_add_entry(full, words[j], strlen(words[j]),
                                                 categories[cat[j]], act[j], flags, NULL, NULL),
                          SHAI_OK);
            uint32_t a = allow[j] || scene[cat[j]] == SHAI_SCENE_KEEP ? act[j] : scene[cat[j]];
            if (!allow[j] && a == SHAI_SCENE_OFF)
                continue;
            assert_status(shai_builder_add_entry(kept, words[j], strlen(words[j]),
                                                 categories[cat[j]], a, flags, NULL, NULL),
                          SHAI_OK);
        }
        shai_db *db_full = NULL, *db_kept = NULL;
        assert_status(shai_builder_compile(full, &db_full), SHAI_OK);
        assert_status(shai_builder_compile(kept, &db_kept), SHAI_OK);
        shai_policy *p = NULL;
        assert_status(shai_policy_new(db_full, &p), SHAI_OK);
        for (uint32_t c = 0; c < shai_db_category_count(db_full); c++) {
            const char *name;
            assert_status(shai_db_category_name(db_full, c, &name), SHAI_OK);
            assert_status(shai_policy_set_category(p, c, scene[name[0] - 'a']), SHAI_OK);
        }
        for (uint32_t t = 0; t < 20; t++) {
            char text[128] = "";
            uint32_t len = rng_below(&rng, 24);
            for (uint32_t k = 0; k < len; k++)
                strcat(text, chars[rng_below(&rng, 5)]);
            size_t n = strlen(text);
            for (uint32_t flags = 0; flags <= SHAI_SCAN_OVERLAPPING; flags++) {
                shai_hit a[64], b[64];
                size_t na, nb;
                uint32_t va, vb;
                assert_status(shai_check_policy(db_full, p, NULL, text, n, flags, &va, a, 64, &na),
                              SHAI_OK);
                assert_status(shai_check(db_kept, text, n, flags, &vb, b, 64, &nb), SHAI_OK);
                if (va != vb || na != nb)
                    print_error("round %u text %s flags %u: verdict %u/%u, hits %zu/%zu\n", round,
                                text, flags, va, vb, na, nb);
                assert_int_equal(va, vb);
                assert_int_equal(na, nb);
                for (size_t k = 0; k < na; k++) {
                    const char *ca, *cb;
                    assert_status(shai_db_category_name(db_full, a[k].category, &ca), SHAI_OK);
                    assert_status(shai_db_category_name(db_kept, b[k].category, &cb), SHAI_OK);
                    assert_int_equal(a[k].start, b[k].start);
                    assert_int_equal(a[k].end, b[k].end);
                    assert_int_equal(a[k].action, b[k].action);
                    assert_string_equal(ca, cb);
                }
            }
            char ma[512], mb[512];
            size_t la, lb;
            assert_status(shai_mask_policy(db_full, p, NULL, text, n, '*', ma, sizeof ma, &la),
                          SHAI_OK);
            assert_status(shai_mask(db_kept, text, n, '*', mb, sizeof mb, &lb), SHAI_OK);
            assert_string_equal(ma, mb);
        }
        shai_policy_free(p);
        shai_db_free(db_full);
        shai_db_free(db_kept);
        shai_builder_free(full);
        shai_builder_free(kept);
    }
}

/* --------------------------------------------------------- saved db files */

static void test_saved_db_keeps_scenes(void **state)
{
    const shai_db *db = *state;
    size_t size = 0;
    assert_status(shai_db_serialize(db, NULL, 0, &size), SHAI_E_BUFFER_TOO_SMALL);
    void *image = malloc(size);
    assert_non_null(image);
    assert_status(shai_db_serialize(db, image, size, &size), SHAI_OK);
    shai_db *copy = NULL;
    assert_status(shai_db_from_buffer(image, size, 0, &copy), SHAI_OK);
    assert_int_equal(shai_db_scene_count(copy), 3);
    for (uint32_t s = 0; s < 3; s++) {
        const char *a, *b;
        assert_status(shai_db_scene_name(db, s, &a), SHAI_OK);
        assert_status(shai_db_scene_name(copy, s, &b), SHAI_OK);
        assert_string_equal(a, b);
        for (uint32_t c = 0; c < shai_db_category_count(db); c++) {
            uint32_t x, y;
            assert_status(shai_db_scene_action(db, s, c, &x), SHAI_OK);
            assert_status(shai_db_scene_action(copy, s, c, &y), SHAI_OK);
            assert_int_equal(x, y);
        }
    }
    shai_policy *p = scene_policy(copy, "comments");
    char got[256];
    uint32_t verdict;
    check_text(copy, p, "最好赌", 0, got, sizeof got, &verdict);
    assert_string_equal(got, "好赌/block");
    shai_policy_free(p);
    shai_db_free(copy);

    /* a file of format 3 (before scenes) is refused as a version mismatch */
    uint32_t old = 3;
    memcpy((char *)image + 8, &old, sizeof old);
    copy = (shai_db *)1;
    assert_status(shai_db_from_buffer(image, size, 0, &copy), SHAI_E_DB_VERSION);
    assert_null(copy);
    free(image);

    /* a db without scenes has none, and saves and opens as well */
    shai_db *plain = compile_sources(NULL);
    assert_int_equal(shai_db_scene_count(plain), 0);
    assert_status(shai_db_serialize(plain, NULL, 0, &size), SHAI_E_BUFFER_TOO_SMALL);
    image = malloc(size);
    assert_status(shai_db_serialize(plain, image, size, &size), SHAI_OK);
    assert_status(shai_db_from_buffer(image, size, 0, &copy), SHAI_OK);
    assert_int_equal(shai_db_scene_count(copy), 0);
    shai_db_free(copy);
    free(image);
    shai_db_free(plain);
}

/* --------------------------------------------------------------- sources */

static void test_scene_source_details(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    /* scenes in two sources; entries after @end keep the defaults before
     * the scene; a scene with no lines keeps everything */
    assert_status(shai_builder_add_source(b, "a.txt",
                                          LIT("@category abuse\n@action review\n"
                                              "@scene one\nabuse off\n@end\n傻瓜\n")),
                  SHAI_OK);
    assert_status(shai_builder_add_source(b, "b.txt", LIT("@scene two\n# nothing\n")), SHAI_OK);
    shai_db *db = NULL;
    assert_status(shai_builder_compile(b, &db), SHAI_OK);
    uint32_t category, action;
    assert_status(shai_db_entry_info(db, 0, &category, &action, NULL, NULL, NULL), SHAI_OK);
    assert_int_equal(action, SHAI_ACTION_REVIEW);
    const char *name;
    assert_status(shai_db_category_name(db, category, &name), SHAI_OK);
    assert_string_equal(name, "abuse");
    assert_int_equal(shai_db_scene_count(db), 2);
    assert_status(shai_db_scene_action(db, 0, category, &action), SHAI_OK);
    assert_int_equal(action, SHAI_SCENE_OFF);
    assert_status(shai_db_scene_action(db, 1, category, &action), SHAI_OK);
    assert_int_equal(action, SHAI_SCENE_KEEP);
    /* a name already used by an earlier source */
    assert_status(shai_builder_add_source(b, "c.txt", LIT("@scene three\n@scene one\n")),
                  SHAI_E_LEXICON);
    assert_string_equal(shai_builder_error_message(b), "c.txt:2:8: scene 'one' is already defined");
    shai_db_free(db);
    /* the failed source added nothing: `three` is still free */
    assert_status(shai_builder_add_source(b, "d.txt", LIT("@scene three\n")), SHAI_OK);
    assert_status(shai_builder_compile(b, &db), SHAI_OK);
    assert_int_equal(shai_db_scene_count(db), 3);
    shai_db_free(db);
    shai_builder_free(b);
}

static void test_builder_scenes_and_declarations(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    const char *name = NULL, *file = NULL, *category = NULL;
    uint32_t line = 0, n = 0, action = 0;

    assert_int_equal(shai_builder_scene_count(NULL), 0);
    assert_int_equal(shai_builder_declared_category_count(NULL), 0);
    assert_status(shai_builder_scene(NULL, 0, &name, &file, &line, &n), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_scene(b, 0, &name, &file, &line, &n), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_builder_scene_category(NULL, 0, 0, &category, &action, &line),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_builder_scene_category(b, 0, 0, &category, &action, &line),
                  SHAI_E_OUT_OF_RANGE);
    assert_status(shai_builder_declared_category(NULL, 0, &name, &file, &line), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_declared_category(b, 0, &name, &file, &line), SHAI_E_OUT_OF_RANGE);

    assert_status(shai_builder_add_source(b, "s.txt", LIT(SCENES)), SHAI_OK);
    assert_status(shai_builder_add_source(b, "d.txt",
                                          LIT("# declared\n@categories abuse ad-law\n"
                                              "@categories  spam\n@category spam\n垃圾广告\n")),
                  SHAI_OK);
    assert_int_equal(shai_builder_scene_count(b), 3);
    assert_status(shai_builder_scene(b, 1, &name, &file, &line, &n), SHAI_OK);
    assert_string_equal(name, "strict");
    assert_string_equal(file, "s.txt");
    assert_int_equal(line, 7);
    assert_int_equal(n, 1); /* the `*` line is not a category line */
    assert_status(shai_builder_scene(b, 1, NULL, NULL, NULL, NULL), SHAI_OK);
    assert_status(shai_builder_scene_category(b, 0, 2, &category, &action, &line), SHAI_OK);
    assert_string_equal(category, "nosuch");
    assert_int_equal(action, SHAI_ACTION_BLOCK);
    assert_int_equal(line, 5);
    assert_status(shai_builder_scene_category(b, 0, 3, &category, &action, &line),
                  SHAI_E_OUT_OF_RANGE);
    assert_status(shai_builder_scene_category(b, 3, 0, &category, &action, &line),
                  SHAI_E_OUT_OF_RANGE);

    assert_int_equal(shai_builder_declared_category_count(b), 3);
    assert_status(shai_builder_declared_category(b, 2, &name, &file, &line), SHAI_OK);
    assert_string_equal(name, "spam");
    assert_string_equal(file, "d.txt");
    assert_int_equal(line, 3);
    assert_status(shai_builder_declared_category(b, 3, &name, &file, &line), SHAI_E_OUT_OF_RANGE);

    /* a declaration changes nothing in the db: no category without entries */
    shai_db *db = NULL;
    assert_status(shai_builder_compile(b, &db), SHAI_OK);
    assert_int_equal(shai_db_category_count(db), 2); /* abuse (笨蛋) and spam */
    shai_db_free(db);
    shai_builder_free(b);
}

typedef struct bad_source {
    const char *text;
    uint32_t line, column;
    const char *message;
} bad_source;

static void test_malformed_scenes(void **state)
{
    (void)state;
    static const bad_source cases[] = {
        {"@scene comments\nabuse   sometimes\n", 2, 9,
         "scene action must be 'off', 'review', 'block' or 'keep', not 'sometimes'"},
        {"@scene c\nabuse\n", 2, 1, "scene line 'abuse' needs a category and an action"},
        {"@scene c\nabuse off now\n", 2, 11, "unexpected 'now' after the action"},
        {"@scene c\nabuse off\n  abuse block\n", 3, 3,
         "category 'abuse' is already set in this scene"},
        {"@scene c\n@scene c\n", 2, 8, "scene 'c' is already defined"},
        {"@scene\n", 1, 1, "scene name must be 1 to 64 of A-Z a-z 0-9 - _ ., not ''"},
        {"@scene a b\n", 1, 8, "scene name must be 1 to 64 of A-Z a-z 0-9 - _ ., not 'a b'"},
        {"@scene 评论\n", 1, 8, "scene name must be 1 to 64 of A-Z a-z 0-9 - _ ., not '评论'"},
        {"@scene c\n@category abuse\n", 2, 1,
         "only '@scene' and '@end' may appear in a scene, not '@category'"},
        {"赌博\n@end\n", 2, 1, "'@end' outside a scene"},
        {"@scene c\n@end now\n", 2, 1, "directive takes no value: '@end now'"},
        {"@scene c\nab\x01use off\n", 2, 3, "category: control character"},
        {"@categories\n", 1, 1, "directive '@categories' needs a value"},
        {"@categories abuse b\x02"
         "d\n",
         1, 20, "category: control character"},
        {"@scene c\n@categories abuse\n", 2, 1,
         "only '@scene' and '@end' may appear in a scene, not '@categories'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        shai_builder *b = new_builder();
        int rc = shai_builder_add_source(b, "scenes.txt", cases[i].text, strlen(cases[i].text));
        if (rc != SHAI_E_LEXICON || shai_builder_error_line(b) != cases[i].line ||
            shai_builder_error_column(b) != cases[i].column ||
            !strstr(shai_builder_error_message(b), cases[i].message)) {
            print_error("case %zu: %s -> %s (%u:%u)\n", i, shai_status_name(rc),
                        shai_builder_error_message(b), shai_builder_error_line(b),
                        shai_builder_error_column(b));
            fail();
        }
        assert_string_equal(shai_builder_error_file(b), "scenes.txt");
        assert_int_equal(shai_builder_entry_count(b), 0);
        shai_builder_free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_db_scene_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_call_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scene_actions_compiled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_policy_is_the_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_off_hit_hides_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_actions_are_mapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allow_coverage_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mask_stream_batch_scratch, setup, teardown),
        cmocka_unit_test(test_scene_equals_filtered_lexicon),
        cmocka_unit_test_setup_teardown(test_saved_db_keeps_scenes, setup, teardown),
        cmocka_unit_test(test_scene_source_details),
        cmocka_unit_test(test_builder_scenes_and_declarations),
        cmocka_unit_test(test_malformed_scenes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
