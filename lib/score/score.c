/* Scorers at check time (score.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score/score.h"
#include "unicode/fold.h"
#include "unicode/utf8.h"

int shi_score_space(uint32_t cp)
{
    return cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

uint32_t shi_score_find(const shai_db *db, const shi_scorer *s, uint64_t key)
{
    if (!s->nslots)
        return UINT32_MAX;
    const shi_sslot *t = db->score_slots + s->first;
    uint32_t mask = s->nslots - 1, i = shi_score_hash(key, s->nslots);
    /* a table has at least one empty slot (validated on open): the probe
     * ends; the bound makes sure of it */
    for (uint32_t n = 0; n < s->nslots; n++, i = (i + 1) & mask) {
        if (t[i].key == key)
            return s->first + i;
        if (!t[i].key)
            return UINT32_MAX;
    }
    return UINT32_MAX;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The n-grams of one window: the keys of all (keys[0..nkeys)), the slots
 * of those the scorer has (found[0..n)). */
typedef struct window {
    uint64_t keys[SHI_SCORE_WINDOW * SHI_SCORE_N];
    uint32_t found[SHI_SCORE_WINDOW * SHI_SCORE_N];
    size_t n, nkeys;
    uint32_t cps;               /* code points in the window so far */
    uint32_t hist[SHI_SCORE_N]; /* the last code points, hist[0] the latest; 0: a space */
} window;

static void window_close(const shai_db *db, const shi_scorer *s, window *w, shi_score_result *r,
                         int *any)
{
    qsort(w->found, w->n, sizeof w->found[0], cmp_u32);
    qsort(w->keys, w->nkeys, sizeof w->keys[0], cmp_u64);
    size_t distinct = 0;
    for (size_t i = 0; i < w->nkeys; i++)
        distinct += !i || w->keys[i] != w->keys[i - 1];
    double sum = 0;
    int target = 0;
    for (size_t i = 0; i < w->n; i++) {
        if (i && w->found[i] == w->found[i - 1])
            continue;
        const shi_sslot *sl = &db->score_slots[w->found[i]];
        sum += sl->weight;
        target |= sl->flags & SHI_SSLOT_TARGET;
    }
    /* the weights of a vector of presences of unit length */
    sum = s->bias + (distinct ? sum / sqrt((double)distinct) : 0);
    if (!*any || sum > r->score)
        r->score = sum;
    *any = 1;
    if (target && sum >= s->threshold)
        r->flagged = 1;
    w->n = 0;
    w->nkeys = 0;
    w->cps = 0;
    memset(w->hist, 0, sizeof w->hist);
}

/* One folded code point of the line. */
static void window_put(const shai_db *db, const shi_scorer *s, window *w, uint32_t cp,
                       shi_score_result *r, int *any)
{
    if (w->cps == SHI_SCORE_WINDOW)
        window_close(db, s, w, r, any);
    w->cps++;
    memmove(w->hist + 1, w->hist, (SHI_SCORE_N - 1) * sizeof w->hist[0]);
    w->hist[0] = shi_score_space(cp) ? 0 : cp;
    if (!w->hist[0])
        return;
    uint32_t g[SHI_SCORE_N];
    for (unsigned n = 1; n <= SHI_SCORE_N && w->hist[n - 1]; n++) {
        /* the n-gram ending here, first code point first */
        for (unsigned i = 0; i < n; i++)
            g[i] = w->hist[n - 1 - i];
        uint64_t key = shi_score_key(g, n);
        w->keys[w->nkeys++] = key;
        uint32_t slot = shi_score_find(db, s, key);
        if (slot != UINT32_MAX)
            w->found[w->n++] = slot;
    }
}

shi_score_result shi_score_line(const shai_db *db, const shi_scorer *s, const unsigned char *text,
                                size_t len)
{
    shi_score_result r = {s->bias, 0};
    window win, *w = &win;
    w->n = 0;
    w->nkeys = 0;
    w->cps = 0;
    memset(w->hist, 0, sizeof w->hist);
    int any = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp, seq[SHI_FOLD_MAX];
        size_t need;
        i += shi_utf8_decode(text + i, len - i, &cp, &need);
        if (cp == SHI_INVALID_CP) {
            window_put(db, s, w, 0xFFFD, &r, &any);
            continue;
        }
        uint8_t cls = shi_fold_class(cp);
        if (cls == SHI_CLS_IGNORE && (db->fold & SHAI_FOLD_IGNORABLES))
            continue;
        if (cls == SHI_CLS_BREAK) {
            window_put(db, s, w, cp, &r, &any);
            continue;
        }
        uint32_t k = shi_fold_cp(db->fold, cp, seq);
        for (uint32_t j = 0; j < k; j++)
            window_put(db, s, w, seq[j], &r, &any);
    }
    if (w->cps || !any)
        window_close(db, s, w, &r, &any);
    return r;
}

int shi_score_valid(const shai_db *db)
{
    for (uint32_t i = 0; i < db->nscorers; i++) {
        const shi_scorer *s = &db->scorers[i];
        if (s->name >= db->strings_len || s->category >= db->strings_len || !isfinite(s->bias) ||
            !isfinite(s->threshold) || s->first > db->nscore_slots ||
            s->nslots > db->nscore_slots - s->first || (s->nslots & (s->nslots - 1)))
            return 0;
        uint32_t empty = 0;
        for (uint32_t j = 0; j < s->nslots; j++) {
            const shi_sslot *sl = &db->score_slots[s->first + j];
            empty += !sl->key;
            if (!isfinite(sl->weight) || (sl->flags & ~SHI_SSLOT_TARGET))
                return 0;
        }
        if (s->nslots && !empty)
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ public API */

uint32_t shai_db_scorer_count(const shai_db *db)
{
    return db ? db->nscorers : 0;
}

int shai_db_scorer(const shai_db *db, const char *name, size_t len, uint32_t *id)
{
    if (!db || !id || (!name && len))
        return SHAI_E_INVALID_ARG;
    for (uint32_t i = 0; i < db->nscorers; i++) {
        const char *s = db->strings + db->scorers[i].name;
        if (strlen(s) == len && (len == 0 || memcmp(s, name, len) == 0)) {
            *id = i;
            return SHAI_OK;
        }
    }
    return SHAI_E_NOT_FOUND;
}

int shai_db_scorer_info(const shai_db *db, uint32_t id, const char **name, const char **category,
                        double *threshold, uint32_t *weights)
{
    if (!db)
        return SHAI_E_INVALID_ARG;
    if (id >= db->nscorers)
        return SHAI_E_OUT_OF_RANGE;
    const shi_scorer *s = &db->scorers[id];
    if (name)
        *name = db->strings + s->name;
    if (category)
        *category = db->strings + s->category;
    if (threshold)
        *threshold = s->threshold;
    if (weights)
        *weights = s->nweights;
    return SHAI_OK;
}

int shai_db_scene_scorer(const shai_db *db, uint32_t scene, uint32_t scorer, uint32_t *action)
{
    if (!db || !action)
        return SHAI_E_INVALID_ARG;
    if (scene >= db->nscenes || scorer >= db->nscorers)
        return SHAI_E_OUT_OF_RANGE;
    *action = db->scene_scores[(size_t)scene * db->nscorers + scorer];
    return SHAI_OK;
}

int shai_score(const shai_db *db, uint32_t scorer, const char *text, size_t len, double *score,
               int *flagged)
{
    if (score)
        *score = 0;
    if (flagged)
        *flagged = 0;
    if (!db || (!text && len))
        return SHAI_E_INVALID_ARG;
    if (scorer >= db->nscorers)
        return SHAI_E_OUT_OF_RANGE;
    const shi_scorer *s = &db->scorers[scorer];
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    double best = 0;
    int any = 0, flag = 0;
    do {
        const unsigned char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        const unsigned char *le = nl ? nl : end;
        shi_score_result r = shi_score_line(db, s, p, (size_t)(le - p));
        if (!any || r.score > best)
            best = r.score;
        any = 1;
        flag |= r.flagged;
        p = nl ? nl + 1 : end;
    } while (p < end);
    if (score)
        *score = best;
    if (flagged)
        *flagged = flag;
    return SHAI_OK;
}
