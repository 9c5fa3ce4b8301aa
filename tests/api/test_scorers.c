/*
 * Scorers (shai.h, "scorers"; docs/lexicon-format.md, "Scorers"): scores
 * worked out by hand, a differential run against a naive reference (fold
 * with shai_fold, split lines and windows, list n-grams, look each up in
 * the model as written), the scene and policy that turn a scorer on, the
 * check verdict, a saved db, argument checks, and malformed `@scorer`
 * blocks reported with file, line and column.
 */
#include "test_util.h"

#include <math.h>

/* A scorer over folded text: 滚 and 滚出 weigh for, 不 against; a line
 * must name 黑人 or 女 to be flagged. */
static const char LEXICON[] = "@category abuse\n"
                              "傻瓜\n"
                              "@scorer rude\n"
                              "@category hate\n"
                              "@bias -1\n"
                              "@threshold 0\n"
                              "@target 黑人\n"
                              "@target 女\n"
                              "2.5\t滚\n"
                              "1.0\t滚出\n"
                              "-3\t不\n"
                              "0.25\tab\n"
                              "@end\n"
                              "@scene comments\n"
                              "abuse review\n"
                              "score:rude review\n"
                              "@scene strict\n"
                              "* block\n"
                              "score:rude block\n"
                              "@scene plain\n"
                              "* keep\n"
                              "@end\n";

static shai_db *compile_text(const char *src, size_t len)
{
    shai_builder *b = NULL;
    shai_db *db = NULL;
    assert_status(shai_builder_new(&b), SHAI_OK);
    assert_status(shai_builder_add_source(b, "words.txt", src, len), SHAI_OK);
    assert_status(shai_builder_compile(b, &db), SHAI_OK);
    shai_builder_free(b);
    return db;
}

static int setup(void **state)
{
    *state = compile_text(LIT(LEXICON));
    return 0;
}

static int teardown(void **state)
{
    shai_db_free(*state);
    return 0;
}

static double score_of(const shai_db *db, const char *text, int *flagged)
{
    double s = -1e9;
    assert_status(shai_score(db, 0, text, strlen(text), &s, flagged), SHAI_OK);
    return s;
}

/* ---------------------------------------------------------- by hand */

/* A window's score: the bias plus the weights of its distinct n-grams over
 * the square root of their number (k). */
static double by_hand(double weights, int k)
{
    return -1 + weights / sqrt(k);
}

static void test_scores_by_hand(void **state)
{
    const shai_db *db = *state;
    int f = -1;
    /* 12 n-grams (5 + 4 + 3): 滚 2.5 and 滚出 1.0 weigh; 黑人 is a target */
    assert_true(fabs(score_of(db, "黑人滚出去", &f) - by_hand(3.5, 12)) < 1e-6);
    assert_int_equal(f, 1);
    /* 2.5 - 3: under the threshold */
    assert_true(fabs(score_of(db, "女人都不滚", &f) - by_hand(-0.5, 12)) < 1e-6);
    assert_int_equal(f, 0);
    /* over the threshold, but no target */
    assert_true(fabs(score_of(db, "滚", &f) - by_hand(2.5, 1)) < 1e-6);
    assert_int_equal(f, 0);
    /* an n-gram counts once, however often the line has it: 滚 黑 人 黑人 */
    assert_true(fabs(score_of(db, "滚 滚 滚 黑人", &f) - by_hand(2.5, 4)) < 1e-6);
    assert_int_equal(f, 1);
    /* folded: Traditional, full width and upper case read as the model's
     * n-grams (滾 -> 滚, ＡＢ -> ab) */
    double folded = score_of(db, "黑人滾ＡＢ", &f);
    assert_true(fabs(folded - by_hand(2.75, 12)) < 1e-6);
    assert_true(folded == score_of(db, "黑人滚ab", &f));
    /* a space parts n-grams: 黑人滚 出 has 7 (no 滚出) */
    assert_true(fabs(score_of(db, "黑人滚 出", &f) - by_hand(2.5, 7)) < 1e-6);
    /* an empty text scores the bias */
    assert_true(fabs(score_of(db, "", &f) + 1.0) < 1e-6);
    assert_int_equal(f, 0);
    /* each line on its own: the highest score, flagged if one line is */
    assert_true(fabs(score_of(db, "不\n黑人滚\n不不", &f) - by_hand(2.5, 6)) < 1e-6);
    assert_int_equal(f, 1);
    /* the target and the weight must be on the same line */
    assert_true(fabs(score_of(db, "黑人\n滚", &f) - by_hand(2.5, 1)) < 1e-6);
    assert_int_equal(f, 0);
}

/* ------------------------------------------------ a naive reference */

/* The model of the differential run, as written: n-grams over a small
 * alphabet of characters that fold to themselves. */
#define NG 40
static const char *const ALPHA[] = {"a", "b", "c", "黑", "人", "滚", "女", "好", "1"};
/* the same characters as a text may write them (folding to ALPHA[i]) */
static const char *const WRITTEN[] = {"A", "ｂ", "C", "黑", "人", "滾", "女", "好", "１"};
#define NALPHA 9

struct model {
    int n[NG]; /* code points of gram i (its ALPHA indices in g[i]) */
    int g[NG][3];
    double w[NG];
    int target[NG];
    double bias, threshold;
};

static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

static void gram_text(const struct model *m, int i, char *out)
{
    out[0] = '\0';
    for (int k = 0; k < m->n[i]; k++)
        strcat(out, ALPHA[m->g[i][k]]);
}

static int same_gram(const struct model *m, int i, int j)
{
    if (m->n[i] != m->n[j])
        return 0;
    for (int k = 0; k < m->n[i]; k++)
        if (m->g[i][k] != m->g[j][k])
            return 0;
    return 1;
}

static void make_model(struct model *m)
{
    for (int i = 0; i < NG; i++) {
        int again;
        do {
            m->n[i] = 1 + (int)rnd(3);
            for (int k = 0; k < m->n[i]; k++)
                m->g[i][k] = (int)rnd(NALPHA);
            again = 0;
            for (int j = 0; j < i; j++)
                again |= same_gram(m, i, j);
        } while (again);
        m->w[i] = ((int)rnd(801) - 400) / 100.0; /* two decimals: exact in the source */
        m->target[i] = rnd(5) == 0;
    }
    m->bias = ((int)rnd(401) - 200) / 100.0;
    m->threshold = ((int)rnd(401) - 200) / 100.0;
}

static shai_db *compile_model(const struct model *m)
{
    char src[8192];
    size_t at = (size_t)snprintf(src, sizeof src,
                                 "x\n@scorer m\n@category c\n@bias %.2f\n@threshold %.2f\n",
                                 m->bias, m->threshold);
    for (int i = 0; i < NG; i++) {
        char g[16];
        gram_text(m, i, g);
        /* a target line without a weight, a weight line, or both */
        if (m->target[i])
            at += (size_t)snprintf(src + at, sizeof src - at, "@target %s\n", g);
        at += (size_t)snprintf(src + at, sizeof src - at, "%.2f\t%s\n", m->w[i], g);
    }
    at += (size_t)snprintf(src + at, sizeof src - at, "@end\n");
    return compile_text(src, at);
}

/* Decodes UTF-8 (valid, as shai_fold writes it) into code points. */
static size_t decode(const char *s, size_t n, uint32_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = shai_utf8_decode(s + i, n - i, &cp);
        out[k++] = cp;
        i += len;
    }
    return k;
}

/* The model's gram index of cps[0..n), or -1. */
static int find_gram(const struct model *m, const uint32_t *cps, int n)
{
    for (int i = 0; i < NG; i++) {
        if (m->n[i] != n)
            continue;
        int ok = 1;
        for (int k = 0; k < n && ok; k++) {
            uint32_t cp;
            shai_utf8_decode(ALPHA[m->g[i][k]], strlen(ALPHA[m->g[i][k]]), &cp);
            ok = cp == cps[k];
        }
        if (ok)
            return i;
    }
    return -1;
}

static int is_space(uint32_t cp)
{
    return cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0x3000;
}

/* The reference: fold, lines, windows of 1024 code points, every n-gram of
 * a window without a space, each gram of the model counted once. */
static void reference(const struct model *m, const char *text, size_t len, double *best,
                      int *flagged, int *tie)
{
    char *folded = malloc(4 * len + 16);
    uint32_t *cps = malloc((4 * len + 16) * sizeof *cps);
    size_t flen;
    assert_status(shai_fold(SHAI_FOLD_ALL, text, len, folded, 4 * len + 16, &flen), SHAI_OK);
    size_t n = decode(folded, flen, cps);
    *flagged = 0;
    *tie = 0;
    int any = 0;
    size_t ls = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && cps[i] != '\n')
            continue;
        /* the line cps[ls, i) */
        size_t w0 = ls;
        do {
            size_t we = w0 + 1024 < i ? w0 + 1024 : i;
            int seen[NG] = {0};
            size_t distinct = 0;
            for (size_t a = w0; a < we; a++)
                for (int k = 1; k <= 3 && a + (size_t)k <= we; k++) {
                    if (is_space(cps[a + (size_t)k - 1]))
                        break;
                    /* a new n-gram unless an earlier start of the window has it */
                    int earlier = 0;
                    for (size_t b = w0; b < a && !earlier; b++)
                        earlier = memcmp(cps + b, cps + a, (size_t)k * sizeof *cps) == 0;
                    distinct += !earlier;
                    int g = find_gram(m, cps + a, k);
                    if (g >= 0)
                        seen[g] = 1;
                }
            double sum = 0;
            int target = 0;
            for (int g = 0; g < NG; g++)
                if (seen[g]) {
                    sum += m->w[g];
                    target |= m->target[g];
                }
            double s = m->bias + (distinct ? sum / sqrt((double)distinct) : 0);
            if (!any || s > *best)
                *best = s;
            any = 1;
            if (target && s >= m->threshold)
                *flagged = 1;
            /* the model is stored in floats: a score this close to the
             * threshold may fall either side of it */
            if (target && fabs(s - m->threshold) < 1e-4)
                *tie = 1;
            w0 = we;
        } while (w0 < i);
        ls = i + 1;
        if (i + 1 == n) /* a final '\n' ends the last line */
            break;
    }
    free(folded);
    free(cps);
}

static void test_naive_reference(void **state)
{
    (void)state;
    char *text = malloc(40000);
    for (int round = 0; round < 30; round++) {
        struct model m;
        make_model(&m);
        shai_db *db = compile_model(&m);
        for (int t = 0; t < 40; t++) {
            /* short texts, and some past a window of 1024 */
            int long_text = t % 10 == 9;
            size_t chars = long_text ? 1000 + rnd(2200) : rnd(40), at = 0;
            for (size_t c = 0; c < chars; c++) {
                /* a long text is mostly a character no n-gram has, so that
                 * its windows differ */
                if (long_text && rnd(10)) {
                    text[at++] = 'z';
                    continue;
                }
                uint32_t r = long_text ? 4 + rnd(16) : rnd(20);
                const char *piece = r < 2    ? " "
                                    : r < 3  ? "\n"
                                    : r < 4  ? "\xe3\x80\x80" /* ideographic space */
                                    : r < 12 ? ALPHA[rnd(NALPHA)]
                                             : WRITTEN[rnd(NALPHA)];
                size_t pl = strlen(piece);
                memcpy(text + at, piece, pl);
                at += pl;
            }
            double want = 0, got = 0;
            int want_f = 0, got_f = 0, tie = 0;
            reference(&m, text, at, &want, &want_f, &tie);
            assert_status(shai_score(db, 0, text, at, &got, &got_f), SHAI_OK);
            if (fabs(want - got) > 1e-4 || (want_f != got_f && !tie)) {
                fprintf(stderr, "round %d text %d (%zu bytes): want %f/%d got %f/%d\n", round, t,
                        at, want, want_f, got, got_f);
                fail();
            }
        }
        shai_db_free(db);
    }
    free(text);
}

/* ------------------------------------------------ scenes and checks */

static uint32_t verdict_under(const shai_db *db, const char *scene, const char *text)
{
    shai_policy *p = NULL;
    uint32_t id, verdict = 99;
    size_t n = 0;
    shai_hit hits[8];
    assert_status(shai_policy_new(db, &p), SHAI_OK);
    if (scene) {
        assert_status(shai_db_scene(db, scene, strlen(scene), &id), SHAI_OK);
        assert_status(shai_policy_set_scene(p, id), SHAI_OK);
    }
    assert_status(shai_check_policy(db, p, NULL, text, strlen(text), 0, &verdict, hits, 8, &n),
                  SHAI_OK);
    shai_policy_free(p);
    return verdict;
}

static void test_scene_turns_it_on(void **state)
{
    const shai_db *db = *state;
    uint32_t id, action = 99;
    assert_status(shai_db_scene(db, LIT("comments"), &id), SHAI_OK);
    assert_status(shai_db_scene_scorer(db, id, 0, &action), SHAI_OK);
    assert_int_equal(action, SHAI_ACTION_REVIEW);
    assert_status(shai_db_scene(db, LIT("plain"), &id), SHAI_OK);
    assert_status(shai_db_scene_scorer(db, id, 0, &action), SHAI_OK);
    assert_int_equal(action, SHAI_SCENE_OFF);

    /* a flagged text: review in comments, block in strict, nothing without */
    assert_int_equal(verdict_under(db, "comments", "黑人滚出去"), SHAI_ACTION_REVIEW);
    assert_int_equal(verdict_under(db, "strict", "黑人滚出去"), SHAI_ACTION_BLOCK);
    assert_int_equal(verdict_under(db, "plain", "黑人滚出去"), SHAI_ACTION_PASS);
    assert_int_equal(verdict_under(db, NULL, "黑人滚出去"), SHAI_ACTION_PASS);
    uint32_t v = 99;
    shai_hit hits[4];
    size_t n = 9;
    assert_status(shai_check(db, LIT("黑人滚出去"), 0, &v, hits, 4, &n), SHAI_OK);
    assert_int_equal(v, SHAI_ACTION_PASS);
    assert_int_equal(n, 0);
    /* a text the scorer does not flag keeps the hits' verdict */
    assert_int_equal(verdict_under(db, "comments", "女人都不滚"), SHAI_ACTION_PASS);
    assert_int_equal(verdict_under(db, "comments", "傻瓜"), SHAI_ACTION_REVIEW);

    /* a policy sets the scorer on its own */
    shai_policy *p = NULL;
    assert_status(shai_policy_new(db, &p), SHAI_OK);
    assert_status(shai_policy_scorer(p, 0, &action), SHAI_OK);
    assert_int_equal(action, SHAI_SCENE_OFF);
    assert_status(shai_policy_set_scorer(p, 0, SHAI_ACTION_BLOCK), SHAI_OK);
    assert_status(shai_check_policy(db, p, NULL, LIT("黑人滚出去"), 0, &v, hits, 4, &n), SHAI_OK);
    assert_int_equal(v, SHAI_ACTION_BLOCK);
    /* batches too */
    const char *texts[2] = {"黑人滚出去", "好"};
    size_t lens[2] = {strlen(texts[0]), strlen(texts[1])};
    uint32_t verdicts[2] = {9, 9};
    int32_t statuses[2];
    size_t counts[3];
    shai_hit bh[8];
    assert_status(
        shai_check_batch_policy(db, p, NULL, texts, lens, 2, 0, verdicts, statuses, bh, 8, counts),
        SHAI_OK);
    assert_int_equal(verdicts[0], SHAI_ACTION_BLOCK);
    assert_int_equal(verdicts[1], SHAI_ACTION_PASS);
    assert_status(shai_policy_set_scorer(p, 0, SHAI_SCENE_KEEP), SHAI_E_INVALID_ARG);
    assert_status(shai_policy_set_scorer(p, 1, SHAI_ACTION_REVIEW), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_policy_set_scorer(NULL, 0, SHAI_ACTION_REVIEW), SHAI_E_INVALID_ARG);
    assert_status(shai_policy_scorer(p, 1, &action), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_policy_scorer(p, 0, NULL), SHAI_E_INVALID_ARG);
    shai_policy_free(p);
}

static void test_info_and_args(void **state)
{
    const shai_db *db = *state;
    const char *name = NULL, *cat = NULL;
    double t = 0;
    uint32_t w = 0, id = 9;
    assert_int_equal(shai_db_scorer_count(db), 1);
    assert_int_equal(shai_db_scorer_count(NULL), 0);
    assert_status(shai_db_scorer_info(db, 0, &name, &cat, &t, &w), SHAI_OK);
    assert_string_equal(name, "rude");
    assert_string_equal(cat, "hate");
    assert_true(t == 0.0);
    assert_int_equal(w, 4);
    assert_status(shai_db_scorer_info(db, 1, &name, NULL, NULL, NULL), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_scorer_info(NULL, 0, &name, NULL, NULL, NULL), SHAI_E_INVALID_ARG);
    assert_status(shai_db_scorer(db, LIT("rude"), &id), SHAI_OK);
    assert_int_equal(id, 0);
    assert_status(shai_db_scorer(db, LIT("rud"), &id), SHAI_E_NOT_FOUND);
    assert_status(shai_db_scorer(db, NULL, 3, &id), SHAI_E_INVALID_ARG);
    assert_status(shai_db_scorer(db, LIT("rude"), NULL), SHAI_E_INVALID_ARG);
    double s = 5;
    int f = 5;
    assert_status(shai_score(db, 1, LIT("x"), &s, &f), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_score(NULL, 0, LIT("x"), &s, &f), SHAI_E_INVALID_ARG);
    assert_status(shai_score(db, 0, NULL, 1, &s, &f), SHAI_E_INVALID_ARG);
    assert_status(shai_score(db, 0, NULL, 0, NULL, NULL), SHAI_OK);
    /* invalid UTF-8 reads as U+FFFD and scores */
    assert_status(shai_score(db, 0, LIT("黑人\xff滚"), &s, &f), SHAI_OK);
    assert_true(fabs(s - by_hand(2.5, 9)) < 1e-6);
    uint32_t a;
    assert_status(shai_db_scene_scorer(db, 9, 0, &a), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_scene_scorer(db, 0, 1, &a), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_scene_scorer(db, 0, 0, NULL), SHAI_E_INVALID_ARG);
}

/* The builder tells a lexicon checker the scorers and every scene's score
 * lines as written, a name that no scorer has included. */
static void test_builder_lists_them(void **state)
{
    (void)state;
    static const char scenes[] = "@scene ads\nscore:rued block\n* keep\nscore:rude off\n@end\n";
    shai_builder *b = NULL;
    const char *name = NULL, *file = NULL;
    uint32_t line = 0, action = 9;
    assert_int_equal(shai_builder_scorer_count(NULL), 0);
    assert_status(shai_builder_scorer(NULL, 0, &name, &file, &line), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_scene_scorer(NULL, 0, 0, &name, &action, &line), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_new(&b), SHAI_OK);
    assert_status(shai_builder_scorer(b, 0, &name, &file, &line), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_builder_add_source(b, "words.txt", LIT(LEXICON)), SHAI_OK);
    assert_status(shai_builder_add_source(b, "scenes.txt", LIT(scenes)), SHAI_OK);
    assert_int_equal(shai_builder_scorer_count(b), 1);
    assert_status(shai_builder_scorer(b, 0, &name, &file, &line), SHAI_OK);
    assert_string_equal(name, "rude");
    assert_string_equal(file, "words.txt");
    assert_int_equal(line, 3);
    assert_status(shai_builder_scorer(b, 1, NULL, NULL, NULL), SHAI_E_OUT_OF_RANGE);
    /* scene 0 (comments): score:rude review on line 16 */
    assert_status(shai_builder_scene_scorer(b, 0, 0, &name, &action, &line), SHAI_OK);
    assert_string_equal(name, "rude");
    assert_int_equal(action, SHAI_ACTION_REVIEW);
    assert_int_equal(line, 16);
    assert_status(shai_builder_scene_scorer(b, 0, 1, &name, &action, &line), SHAI_E_OUT_OF_RANGE);
    /* scene 2 (plain) has none; scene 3 (ads) two, the first naming no scorer */
    assert_status(shai_builder_scene_scorer(b, 2, 0, NULL, NULL, NULL), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_builder_scene_scorer(b, 3, 0, &name, &action, &line), SHAI_OK);
    assert_string_equal(name, "rued");
    assert_int_equal(action, SHAI_ACTION_BLOCK);
    assert_int_equal(line, 2);
    assert_status(shai_builder_scene_scorer(b, 3, 1, &name, &action, &line), SHAI_OK);
    assert_string_equal(name, "rude");
    assert_int_equal(action, SHAI_SCENE_OFF);
    assert_int_equal(line, 4);
    assert_status(shai_builder_scene_scorer(b, 4, 0, NULL, NULL, NULL), SHAI_E_OUT_OF_RANGE);
    shai_builder_free(b);
}

static void test_saved_db_keeps_it(void **state)
{
    const shai_db *db = *state;
    size_t size = 0;
    assert_status(shai_db_serialize(db, NULL, 0, &size), SHAI_E_BUFFER_TOO_SMALL);
    void *image = malloc(size);
    assert_status(shai_db_serialize(db, image, size, &size), SHAI_OK);
    shai_db *copy = NULL;
    assert_status(shai_db_from_buffer(image, size, 0, &copy), SHAI_OK);
    free(image);
    const char *texts[] = {"黑人滚出去", "女人都不滚", "滚 滚", "黑人滾ＡＢ", ""};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        double a, b;
        int fa, fb;
        assert_status(shai_score(db, 0, texts[i], strlen(texts[i]), &a, &fa), SHAI_OK);
        assert_status(shai_score(copy, 0, texts[i], strlen(texts[i]), &b, &fb), SHAI_OK);
        assert_true(a == b);
        assert_int_equal(fa, fb);
    }
    assert_int_equal(verdict_under(copy, "comments", "黑人滚出去"), SHAI_ACTION_REVIEW);
    shai_db_free(copy);
}

/* ------------------------------------------------------- bad sources */

static void test_bad_sources(void **state)
{
    (void)state;
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"@scorer\n", "s.txt:1:1: scorer name must be 1 to 64 of A-Z a-z 0-9 - _ ., not ''"},
        {"@scorer a b\n", "s.txt:1:9: scorer name must be 1 to 64 of A-Z a-z 0-9 - _ ., not 'a b'"},
        {"@scorer a\n@bias 1\n@threshold 1\n@end\n",
         "s.txt:4:1: the scorer ends without '@category'"},
        {"@scorer a\n@category c\n@threshold 1\n@end\n",
         "s.txt:4:1: the scorer ends without '@bias'"},
        {"@scorer a\n@category c\n@bias 1\n@end\n",
         "s.txt:4:1: the scorer ends without '@threshold'"},
        {"@scorer a\n@category c\n@bias x1\n", "s.txt:3:7: not a finite number: 'x1'"},
        {"@scorer a\n@category c\n@bias nan\n", "s.txt:3:7: not a finite number: 'nan'"},
        {"@scorer a\n@category c\n@bias 1\n@bias 2\n",
         "s.txt:4:1: '@bias' is already set in this scorer"},
        {"@scorer a\n@category c\n1.5 ab\n",
         "s.txt:3:1: a scorer line is WEIGHT, a TAB and an n-gram, not '1.5 ab'"},
        {"@scorer a\n@category c\n1.5\tabcd\n",
         "s.txt:3:5: an n-gram is 1 to 3 characters (folded) and no space, not 'abcd'"},
        {"@scorer a\n@category c\n1.5\ta b\n",
         "s.txt:3:5: an n-gram is 1 to 3 characters (folded) and no space, not 'a b'"},
        {"@scorer a\n@category c\n1e99\tab\n", "s.txt:3:1: not a finite number: '1e99'"},
        {"@scorer a\n@category c\n@target\n",
         "s.txt:3:1: scorer directive '@target' needs a value"},
        {"@scorer a\n@category c\n@weight 1\n",
         "s.txt:3:1: only '@category', '@bias', '@threshold', '@target' and '@end' may appear in "
         "a scorer, not '@weight'"},
        {"@scorer a\n@category c\n@bias 1\n@threshold 0\n",
         "s.txt:5:1: the source ends inside a scorer (no '@end')"},
        {"@scorer a\n@category c\n@bias 1\n@threshold 0\n@end now\n",
         "s.txt:5:1: directive takes no value: '@end now'"},
        {"@scorer a\n@category c\n@bias 1\n@threshold 0\n@end\n@scorer a\n",
         "s.txt:6:9: scorer 'a' is already defined"},
        /* a line of a TAB alone, at the end of the source (found by
         * fuzz-lexicon: the parser read the byte past the source) */
        {"@scorer a\n@category c\n\t",
         "s.txt:3:2: a scorer line is WEIGHT, a TAB and an n-gram, not ''"},
        {"@scene s\nscore:a keep\n",
         "s.txt:2:9: a scorer's action is 'off', 'review' or 'block', not 'keep'"},
        {"@scene s\nscore:a off\nscore:a review\n",
         "s.txt:3:7: scorer 'a' is already set in this scene"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        shai_builder *b = NULL;
        assert_status(shai_builder_new(&b), SHAI_OK);
        /* a copy without the NUL: AddressSanitizer sees a read past the source */
        size_t n = strlen(cases[i].text);
        char *src = malloc(n);
        memcpy(src, cases[i].text, n);
        int rc = shai_builder_add_source(b, "s.txt", src, n);
        free(src);
        if (rc != SHAI_E_LEXICON || strcmp(shai_builder_error_message(b), cases[i].message)) {
            fprintf(stderr, "case %zu: %d '%s'\n", i, rc, shai_builder_error_message(b));
            fail();
        }
        shai_builder_free(b);
    }
    /* an n-gram given twice is found when the db is compiled */
    shai_builder *b = NULL;
    shai_db *db = NULL;
    assert_status(shai_builder_new(&b), SHAI_OK);
    assert_status(
        shai_builder_add_source(b, "d.txt",
                                LIT("x\n@scorer a\n@category c\n@bias 0\n@threshold 0\n1\tab\n"
                                    "@target ab\n2\tAB\n@end\n")),
        SHAI_OK);
    assert_status(shai_builder_compile(b, &db), SHAI_E_LEXICON);
    assert_string_equal(shai_builder_error_message(b),
                        "d.txt:8:1: n-gram already given in this scorer (line 6)");
    shai_builder_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scores_by_hand, setup, teardown),
        cmocka_unit_test(test_naive_reference),
        cmocka_unit_test_setup_teardown(test_scene_turns_it_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_info_and_args, setup, teardown),
        cmocka_unit_test(test_builder_lists_them),
        cmocka_unit_test_setup_teardown(test_saved_db_keeps_it, setup, teardown),
        cmocka_unit_test(test_bad_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
