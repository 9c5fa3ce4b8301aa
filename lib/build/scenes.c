/* Lexicon sources: `@scene` blocks, `@categories` declarations, and the
 * lines a lenient reading skips (docs/lexicon-format.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/lexicon.h"

/* ---------------------------------------------------------------- scenes */

#define SCENE_NAME_MAX 64

char *shi_lex_copy_span(span v)
{
    char *c = malloc(v.n + 1);
    if (c) {
        memcpy(c, v.p, v.n);
        c[v.n] = '\0';
    }
    return c;
}

int shi_lex_name_ok(span v)
{
    if (!v.n || v.n > SCENE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

static int scene_known(const shi_bscene *v, uint32_t n, span name)
{
    for (uint32_t i = 0; i < n; i++)
        if (shi_lex_span_is(name, v[i].name))
            return 1;
    return 0;
}

/* `@scene NAME`: a new scene, current from here. */
int shi_lex_scene_open(parse *ps, const char *file, uint32_t line, const char *lp, span body,
                       uint32_t name_index)
{
    span name = shi_lex_trim(body.p + 6, body.p + body.n);
    if (!shi_lex_name_ok(name))
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, name.n ? name.p : body.p,
                               "scene name must be 1 to 64 of A-Z a-z 0-9 - _ ., not '%.*s'", name);
    if (scene_known(ps->scenes, ps->nscenes, name) ||
        scene_known(ps->b->scenes, ps->b->nscenes, name))
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, name.p,
                               "scene '%.*s' is already defined", name);
    if (ps->nscenes == ps->scenes_cap) {
        uint32_t ncap = ps->scenes_cap ? ps->scenes_cap * 2 : 8;
        shi_bscene *q = realloc(ps->scenes, ncap * sizeof *q);
        if (!q)
            return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
        ps->scenes = q;
        ps->scenes_cap = ncap;
    }
    shi_bscene *sc = &ps->scenes[ps->nscenes];
    *sc = (shi_bscene){.name = shi_lex_copy_span(name),
                       .others = SHAI_SCENE_KEEP,
                       .file = name_index,
                       .line = line};
    memset(sc->variants, SHAI_ACTION_REVIEW, sizeof sc->variants);
    sc->variants[SHAI_VARIANT_NONE] = SHAI_SCENE_KEEP;
    sc->variants[SHAI_VARIANT_VERTICAL] = SHAI_SCENE_KEEP;
    if (!sc->name)
        return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
    ps->nscenes++;
    return SHAI_OK;
}

static int parse_scene_action(span v, uint8_t *action)
{
    if (shi_lex_span_is(v, "off"))
        *action = SHAI_SCENE_OFF;
    else if (shi_lex_span_is(v, "keep"))
        *action = SHAI_SCENE_KEEP;
    else if (shi_lex_span_is(v, "review"))
        *action = SHAI_ACTION_REVIEW;
    else if (shi_lex_span_is(v, "block"))
        *action = SHAI_ACTION_BLOCK;
    else
        return 0;
    return 1;
}

/* Splits the next token of [*p, e) separated by spaces or tabs. */
span shi_lex_next_token(const char **p, const char *e)
{
    const char *s = *p;
    while (s < e && shi_lex_is_space(*s))
        s++;
    const char *t = s;
    while (t < e && !shi_lex_is_space(*t))
        t++;
    *p = t;
    return (span){s, (size_t)(t - s)};
}

/* Appends a line of a scene naming a category or a scorer to its list:
 * the names, their actions and lines, n of cap; once per scene (`dup`: the
 * error when it is there already). */
static int scene_list_add(parse *ps, char ***names, uint8_t **actions, uint32_t **lines,
                          uint32_t *n, uint32_t *cap, span name, uint8_t action, const char *dup,
                          const char *file, uint32_t line, const char *lp)
{
    for (uint32_t i = 0; i < *n; i++)
        if (shi_lex_span_is(name, (*names)[i]))
            return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, name.p, dup, name);
    if (*n == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 8;
        char **c = realloc(*names, ncap * sizeof *c);
        if (c)
            *names = c;
        uint8_t *a = c ? realloc(*actions, ncap) : NULL;
        if (a)
            *actions = a;
        uint32_t *l = a ? realloc(*lines, ncap * sizeof *l) : NULL;
        if (!l)
            return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
        *lines = l;
        *cap = ncap;
    }
    if (!((*names)[*n] = shi_lex_copy_span(name)))
        return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
    (*lines)[*n] = line;
    (*actions)[(*n)++] = action;
    return SHAI_OK;
}

/* `CATEGORY ACTION` (or `* ACTION`) inside a scene. */
int shi_lex_scene_line(parse *ps, shi_bscene *sc, const char *file, uint32_t line, const char *lp,
                       span body)
{
    const char *p = body.p, *e = body.p + body.n;
    span cat = shi_lex_next_token(&p, e), act = shi_lex_next_token(&p, e),
         extra = shi_lex_next_token(&p, e);
    if (!act.n)
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, cat.p,
                               "scene line '%.*s' needs a category and an action", cat);
    if (extra.n)
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, extra.p,
                               "unexpected '%.*s' after the action", extra);
    uint8_t action;
    if (!parse_scene_action(act, &action))
        return shi_lex_fail_at(
            ps, SHAI_E_LEXICON, file, line, lp, act.p,
            "scene action must be 'off', 'review', 'block' or 'keep', not '%.*s'", act);
    if (shi_lex_span_is(cat, "*")) {
        sc->others = action;
        return SHAI_OK;
    }
    if (cat.n > 6 && memcmp(cat.p, "score:", 6) == 0) {
        span name = {cat.p + 6, cat.n - 6};
        if (action == SHAI_SCENE_KEEP)
            return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, act.p,
                                   "a scorer's action is 'off', 'review' or 'block', not '%.*s'",
                                   act);
        return scene_list_add(ps, &sc->scores, &sc->score_actions, &sc->score_lines, &sc->nscores,
                              &sc->scores_cap, name, action,
                              "scorer '%.*s' is already set in this scene", file, line, lp);
    }
    if (cat.n > 8 && memcmp(cat.p, "variant:", 8) == 0) {
        span kind = {cat.p + 8, cat.n - 8};
        for (uint32_t k = 1; k <= SHAI_VARIANT_MAX; k++)
            if (shi_lex_span_is(kind, shai_variant_name(k))) {
                sc->variants[k] = action;
                return SHAI_OK;
            }
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, kind.p,
                               "unknown variant kind '%.*s' (pinyin initials homophone split emoji "
                               "leet wildcard insert digit vertical)",
                               kind);
    }
    int rc = shi_lex_check_value(ps, file, line, lp, cat, "category");
    if (rc)
        return rc;
    return scene_list_add(ps, &sc->categories, &sc->actions, &sc->lines, &sc->n, &sc->cap, cat,
                          action, "category '%.*s' is already set in this scene", file, line, lp);
}

/* `@categories NAME...`: declared category names. */
int shi_lex_declare_categories(parse *ps, const char *file, uint32_t line, const char *lp,
                               span body, uint32_t name_index)
{
    const char *p = body.p + 11, *e = body.p + body.n;
    span name = shi_lex_next_token(&p, e);
    if (!name.n)
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, body.p,
                               "directive '@categories' needs a value%.*s", (span){"", 0});
    for (; name.n; name = shi_lex_next_token(&p, e)) {
        int rc = shi_lex_check_value(ps, file, line, lp, name, "category");
        if (rc)
            return rc;
        if (ps->ndecls == ps->decls_cap) {
            uint32_t ncap = ps->decls_cap ? ps->decls_cap * 2 : 16;
            shi_decl *q = realloc(ps->decls, ncap * sizeof *q);
            if (!q)
                return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
            ps->decls = q;
            ps->decls_cap = ncap;
        }
        shi_decl *d = &ps->decls[ps->ndecls];
        *d = (shi_decl){shi_lex_copy_span(name), name_index, line};
        if (!d->name)
            return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
        ps->ndecls++;
    }
    return SHAI_OK;
}

int shi_lex_starts_directive(span body, const char *name)
{
    size_t n = strlen(name);
    return body.n >= n && memcmp(body.p, name, n) == 0 &&
           (body.n == n || shi_lex_is_space(body.p[n]));
}

/* Parses one source into ps->items; spans point into `data`. */
/* Records the builder's error, about a line of source `name` (an index in
 * ps->names), as a skipped line, and clears it. */
int shi_lex_skip_line(parse *ps, uint32_t name)
{
    shai_builder *b = ps->b;
    if (ps->nskips == ps->skips_cap) {
        uint32_t cap = ps->skips_cap ? 2 * ps->skips_cap : 16;
        shi_skip *q = realloc(ps->skips, (size_t)cap * sizeof *q);
        if (!q)
            return SHAI_E_NOMEM;
        ps->skips = q;
        ps->skips_cap = cap;
    }
    /* the message without its "file:line:col: " prefix */
    char prefix[600];
    const char *m = b->error_message;
    int n = snprintf(prefix, sizeof prefix, "%s:%u:%u: ", b->error_file, b->error_line,
                     b->error_column);
    if (n > 0 && (size_t)n < sizeof prefix && strncmp(m, prefix, (size_t)n) == 0)
        m += n;
    char *copy = shi_lex_copy_string(m);
    if (!copy)
        return SHAI_E_NOMEM;
    ps->skips[ps->nskips++] =
        (shi_skip){.file = name, .line = b->error_line, .column = b->error_column, .message = copy};
    shi_builder_clear_error(b);
    return SHAI_OK;
}
