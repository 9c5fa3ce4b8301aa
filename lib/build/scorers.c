/* Lexicon sources: `@scorer` blocks (docs/lexicon-format.md, "Scorers"),
 * and the scorers' part of a compiled db (score/score.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/compile.h"
#include "build/lexicon.h"
#include "score/score.h"
#include "unicode/fold.h"
#include "unicode/utf8.h"

void shi_bscorer_free(shi_bscorer *s)
{
    free(s->name);
    free(s->category);
    free(s->grams);
    memset(s, 0, sizeof *s);
}

static int known(const shi_bscorer *v, uint32_t n, span name)
{
    for (uint32_t i = 0; i < n; i++)
        if (shi_lex_span_is(name, v[i].name))
            return 1;
    return 0;
}

/* `@scorer NAME`: a new scorer, current up to its `@end`. */
int shi_lex_scorer_open(parse *ps, const char *file, uint32_t line, const char *lp, span body,
                        uint32_t name_index)
{
    span name = shi_lex_trim(body.p + 7, body.p + body.n);
    if (!shi_lex_name_ok(name))
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, name.n ? name.p : body.p,
                               "scorer name must be 1 to 64 of A-Z a-z 0-9 - _ ., not '%.*s'",
                               name);
    if (known(ps->scorers, ps->nscorers, name) || known(ps->b->scorers, ps->b->nscorers, name))
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, name.p,
                               "scorer '%.*s' is already defined", name);
    if (ps->nscorers == ps->scorers_cap) {
        uint32_t ncap = ps->scorers_cap ? ps->scorers_cap * 2 : 4;
        shi_bscorer *q = realloc(ps->scorers, ncap * sizeof *q);
        if (!q)
            return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
        ps->scorers = q;
        ps->scorers_cap = ncap;
    }
    shi_bscorer *s = &ps->scorers[ps->nscorers];
    *s = (shi_bscorer){.name = shi_lex_copy_span(name), .file = name_index, .line = line};
    if (!s->name)
        return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
    ps->nscorers++;
    return SHAI_OK;
}

/* A finite number written as strtod reads it, the whole span. */
static int parse_number(span v, float *out)
{
    char buf[64];
    if (!v.n || v.n >= sizeof buf)
        return 0;
    memcpy(buf, v.p, v.n);
    buf[v.n] = '\0';
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (end != buf + v.n || errno || !isfinite(d) || fabs(d) > 1e30)
        return 0;
    *out = (float)d;
    return 1;
}

/* The folded code points of an n-gram as written: 1 to SHI_SCORE_N, none
 * a space. Returns their number, 0 when the n-gram is not one. */
static unsigned fold_gram(const shai_builder *b, span g, uint32_t cps[SHI_SCORE_N])
{
    unsigned n = 0;
    for (size_t i = 0; i < g.n;) {
        uint32_t cp, seq[SHI_FOLD_MAX];
        size_t need;
        i += shi_utf8_decode((const unsigned char *)g.p + i, g.n - i, &cp, &need);
        if (cp == SHI_INVALID_CP)
            return 0;
        uint8_t cls = shi_fold_class(cp);
        if (cls == SHI_CLS_IGNORE && (b->fold & SHAI_FOLD_IGNORABLES))
            continue;
        uint32_t k = cls == SHI_CLS_BREAK ? (seq[0] = cp, 1) : shi_fold_cp(b->fold, cp, seq);
        for (uint32_t j = 0; j < k; j++) {
            if (n == SHI_SCORE_N || shi_score_space(seq[j]))
                return 0;
            cps[n++] = seq[j];
        }
    }
    return n;
}

static int push_gram(parse *ps, shi_bscorer *s, const char *file, uint32_t line, shi_bgram g)
{
    if (s->ngrams == s->grams_cap) {
        uint32_t ncap = s->grams_cap ? s->grams_cap * 2 : 256;
        shi_bgram *q = realloc(s->grams, (size_t)ncap * sizeof *q);
        if (!q)
            return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
        s->grams = q;
        s->grams_cap = ncap;
    }
    s->grams[s->ngrams++] = g;
    return SHAI_OK;
}

/* A line inside `@scorer`: `@category NAME`, `@bias X`, `@threshold X`,
 * `@target NGRAM`, or `WEIGHT<TAB>NGRAM`. `body` is the trimmed line. */
int shi_lex_scorer_line(parse *ps, shi_bscorer *s, const char *file, uint32_t line, const char *lp,
                        span body)
{
    const char *p = body.p, *e = body.p + body.n;
    /* a line of white space only (a TAB, which trimming drops) is not a
     * weight line: nothing to read, not even its first byte */
    if (!body.n)
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, p,
                               "a scorer line is WEIGHT, a TAB and an n-gram, not '%.*s'", body);
    if (*p == '@') {
        span key = shi_lex_next_token(&p, e), value = shi_lex_trim(p, e);
        if (!value.n)
            return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, key.p,
                                   "scorer directive '%.*s' needs a value", key);
        if (shi_lex_span_is(key, "@category")) {
            int rc = shi_lex_check_value(ps, file, line, lp, value, "category");
            if (rc)
                return rc;
            if (s->category)
                return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, key.p,
                                       "the scorer's category is already set%.*s", (span){"", 0});
            if (!(s->category = shi_lex_copy_span(value)))
                return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
            return SHAI_OK;
        }
        if (shi_lex_span_is(key, "@bias") || shi_lex_span_is(key, "@threshold")) {
            int bias = shi_lex_span_is(key, "@bias");
            if ((bias ? s->has_bias : s->has_threshold))
                return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, key.p,
                                       "'%.*s' is already set in this scorer", key);
            if (!parse_number(value, bias ? &s->bias : &s->threshold))
                return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, value.p,
                                       "not a finite number: '%.*s'", value);
            *(bias ? &s->has_bias : &s->has_threshold) = 1;
            return SHAI_OK;
        }
        if (shi_lex_span_is(key, "@target")) {
            shi_bgram g = {.flags = SHI_SSLOT_TARGET, .line = line};
            if (!(g.n = (uint8_t)fold_gram(ps->b, value, g.cp)))
                return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, value.p,
                                       "a target is 1 to 3 characters (folded) and no space, not "
                                       "'%.*s'",
                                       value);
            return push_gram(ps, s, file, line, g);
        }
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, key.p,
                               "only '@category', '@bias', '@threshold', '@target' and '@end' may "
                               "appear in a scorer, not '%.*s'",
                               key);
    }
    const char *tab = memchr(p, '\t', (size_t)(e - p));
    if (!tab)
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, p,
                               "a scorer line is WEIGHT, a TAB and an n-gram, not '%.*s'", body);
    span w = shi_lex_trim(p, tab);
    /* the n-gram is everything after the TAB: a space is never part of one */
    span gtext = {tab + 1, (size_t)(e - tab - 1)};
    shi_bgram g = {.line = line};
    if (!parse_number(w, &g.weight))
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, w.n ? w.p : p,
                               "not a finite number: '%.*s'", w);
    if (!(g.n = (uint8_t)fold_gram(ps->b, gtext, g.cp)))
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, tab + 1,
                               "an n-gram is 1 to 3 characters (folded) and no space, not '%.*s'",
                               gtext);
    return push_gram(ps, s, file, line, g);
}

/* At `@end` (or the end of the source): what a scorer must have. */
int shi_lex_scorer_close(parse *ps, const shi_bscorer *s, const char *file, uint32_t line,
                         const char *lp)
{
    const char *miss = !s->category        ? "@category"
                       : !s->has_bias      ? "@bias"
                       : !s->has_threshold ? "@threshold"
                                           : NULL;
    if (!miss)
        return SHAI_OK;
    span m = {miss, strlen(miss)};
    return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, lp, "the scorer ends without '%.*s'",
                           m);
}

/* ------------------------------------------------------------- compiling */

static int cmp_gram(const void *a, const void *b)
{
    const shi_bgram *x = a, *y = b;
    uint64_t kx = shi_score_key(x->cp, x->n), ky = shi_score_key(y->cp, y->n);
    if (kx != ky)
        return (kx > ky) - (kx < ky);
    return (x->line > y->line) - (x->line < y->line);
}

static uint32_t append_string(char *strings, size_t *len, const char *s)
{
    size_t n = strlen(s);
    uint32_t at = (uint32_t)*len;
    memcpy(strings + *len, s, n + 1);
    *len += n + 1;
    return at;
}

/* The table size of a scorer of n n-grams: a power of two, filled to at
 * most three quarters (linear probing stays short) and with an empty slot. */
static uint32_t table_size(uint32_t n)
{
    uint32_t size = 4;
    while ((uint64_t)size * 3 < (uint64_t)n * 4 + 3)
        size *= 2;
    return size;
}

/* Sorts a copy of a scorer's n-grams and merges the lines of one n-gram: a
 * weight and a target merge; two weights (or two targets) are an error at
 * the second. *out (malloc'ed) receives the distinct n-grams. */
static int merge_grams(shi_compile *c, const shi_bscorer *s, shi_bgram **out, uint32_t *nout)
{
    shi_bgram *g = malloc(((size_t)s->ngrams + 1) * sizeof *g);
    if (!g)
        return SHAI_E_NOMEM;
    if (s->ngrams)
        memcpy(g, s->grams, s->ngrams * sizeof *g);
    qsort(g, s->ngrams, sizeof *g, cmp_gram);
    uint32_t n = 0;
    for (uint32_t j = 0; j < s->ngrams; j++) {
        int target = (g[j].flags & SHI_SSLOT_TARGET) != 0;
        if (n && shi_score_key(g[j].cp, g[j].n) == shi_score_key(g[n - 1].cp, g[n - 1].n)) {
            shi_bgram *prev = &g[n - 1];
            if (target ? (prev->flags & SHI_SSLOT_TARGET) != 0 : prev->has_weight) {
                char msg[96];
                snprintf(msg, sizeof msg, "n-gram already given in this scorer (line %u)",
                         (unsigned)prev->line);
                uint32_t line = g[j].line;
                free(g);
                return shi_builder_fail((shai_builder *)c->b, SHAI_E_LEXICON, c->b->files[s->file],
                                        line, 1, msg);
            }
            if (target)
                prev->flags |= SHI_SSLOT_TARGET;
            else {
                prev->weight = g[j].weight;
                prev->has_weight = 1;
            }
            continue;
        }
        g[n] = g[j];
        g[n++].has_weight = !target;
    }
    *out = g;
    *nout = n;
    return SHAI_OK;
}

int shi_build_scorers(shi_compile *c)
{
    const shai_builder *b = c->b;
    shai_db *db = c->db;
    uint32_t n = b->nscorers;
    uint64_t names = 0, slots = 0;
    for (uint32_t i = 0; i < n; i++) {
        names += strlen(b->scorers[i].name) + strlen(b->scorers[i].category) + 2;
        slots += table_size(b->scorers[i].ngrams);
        if (slots > UINT32_MAX / 2)
            return SHAI_E_TOO_LARGE;
    }
    if ((uint64_t)db->strings_len + 1 + names > UINT32_MAX - 1)
        return SHAI_E_TOO_LARGE;
    /* the names after the strings of the entries and scenes */
    char *strings = realloc((char *)db->strings, (size_t)db->strings_len + 1 + names);
    if (!strings)
        return SHAI_E_NOMEM;
    db->strings = strings;
    size_t len = (size_t)db->strings_len + 1;
    shi_scorer *sc = calloc((size_t)n + 1, sizeof *sc);
    shi_sslot *sl = calloc((size_t)slots + 1, sizeof *sl);
    uint8_t *acts = calloc((size_t)db->nscenes * n + 1, 1);
    db->scorers = sc;
    db->score_slots = sl;
    db->scene_scores = acts;
    if (!sc || !sl || !acts)
        return SHAI_E_NOMEM;
    uint32_t first = 0;
    for (uint32_t i = 0; i < n; i++) {
        const shi_bscorer *s = &b->scorers[i];
        uint32_t size = table_size(s->ngrams), ng = 0;
        shi_bgram *g = NULL;
        int rc = merge_grams(c, s, &g, &ng);
        if (rc)
            return rc;
        sc[i] = (shi_scorer){.name = append_string(strings, &len, s->name),
                             .category = append_string(strings, &len, s->category),
                             .first = first,
                             .nslots = size,
                             .bias = s->bias,
                             .threshold = s->threshold};
        for (uint32_t j = 0; j < ng; j++) {
            uint64_t key = shi_score_key(g[j].cp, g[j].n);
            uint32_t k = shi_score_hash(key, size);
            while (sl[first + k].key)
                k = (k + 1) & (size - 1);
            sl[first + k] = (shi_sslot){key, g[j].has_weight ? g[j].weight : 0.0f, g[j].flags};
            sc[i].nweights += g[j].has_weight;
            sc[i].ntargets += (g[j].flags & SHI_SSLOT_TARGET) != 0;
        }
        free(g);
        first += size;
    }
    /* the strings end with the NUL of the last name */
    db->strings_len = (uint32_t)len - 1;
    db->nscorers = n;
    db->nscore_slots = first;
    /* each scene's line for each scorer (none: off) */
    for (uint32_t k = 0; k < db->nscenes; k++) {
        const shi_bscene *scene = &b->scenes[k];
        for (uint32_t j = 0; j < scene->nscores; j++)
            for (uint32_t i = 0; i < n; i++)
                if (strcmp(scene->scores[j], b->scorers[i].name) == 0)
                    acts[(size_t)k * n + i] = scene->score_actions[j];
    }
    return SHAI_OK;
}
