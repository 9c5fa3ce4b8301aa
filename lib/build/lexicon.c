/* Lexicon source format v1 (docs/lexicon-format.md): parsing and loading. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/builder.h"
#include "common/db.h"
#include "unicode/charclass.h"
#include "unicode/fold.h"
#include "rules/compile.h"
#include "unicode/utf8.h"

_Static_assert(SHAI_MAX_ENTRY_CODEPOINTS == 128, "update the message in check_value");
_Static_assert(SHAI_MAX_LEXICON_FILE_BYTES == (size_t)256 << 20, "update the message in read_file");

typedef struct span {
    const char *p;
    size_t n;
} span;

/* A growable list of malloc'ed strings. */
typedef struct name_list {
    char **v;
    size_t n, cap;
} name_list;

static void names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

static int names_push(name_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        char **q = realloc(l->v, ncap * sizeof *q);
        if (!q)
            return SHAI_E_NOMEM;
        l->v = q;
        l->cap = ncap;
    }
    if (!(l->v[l->n] = copy_string(s)))
        return SHAI_E_NOMEM;
    l->n++;
    return SHAI_OK;
}

typedef struct pending {
    span word, category, tag, suggestion;
    uint8_t action, flags, has_tag, has_suggestion;
    uint32_t file; /* index in parse.names */
    uint32_t line;
} pending;

typedef struct parse {
    shai_builder *b;
    pending *items;
    size_t n, cap;
    size_t bytes;
    name_list names;    /* the sources parsed: the builder takes them */
    shi_bscene *scenes; /* the scenes parsed: the builder takes them */
    uint32_t nscenes, scenes_cap;
    shi_decl *decls; /* the `@categories` names parsed: the builder takes them */
    uint32_t ndecls, decls_cap;
    shi_skip *skips; /* lines skipped (SHAI_OPT_LENIENT): the builder takes them */
    uint32_t nskips, skips_cap;
} parse;

static void parse_free(parse *ps)
{
    free(ps->items);
    names_free(&ps->names);
    for (uint32_t i = 0; i < ps->nscenes; i++)
        shi_bscene_free(&ps->scenes[i]);
    free(ps->scenes);
    for (uint32_t i = 0; i < ps->ndecls; i++)
        free(ps->decls[i].name);
    free(ps->decls);
    for (uint32_t i = 0; i < ps->nskips; i++)
        free(ps->skips[i].message);
    free(ps->skips);
}

typedef struct defaults {
    span category, tag, suggestion;
    uint8_t action, flags, has_tag, has_suggestion;
} defaults;

static const char default_category[] = "uncategorized";

/* 1-based code point column of byte offset `at` in line [p, p + at). */
static uint32_t column_of(const char *p, size_t at)
{
    uint32_t col = 1;
    for (size_t i = 0; i < at;) {
        uint32_t cp;
        size_t need;
        i += shi_utf8_decode((const unsigned char *)p + i, at - i, &cp, &need);
        col++;
    }
    return col;
}

static int fail_at(parse *ps, int status, const char *file, uint32_t line, const char *lp,
                   const char *at, const char *fmt, span what)
{
    char msg[512];
    int n = (int)(what.n > 64 ? 64 : what.n);
    snprintf(msg, sizeof msg, fmt, n, what.p ? what.p : "");
    return shi_builder_fail(ps->b, status, file, line, column_of(lp, (size_t)(at - lp)), msg);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static span trim(const char *p, const char *e)
{
    while (p < e && is_space(*p))
        p++;
    while (e > p && is_space(e[-1]))
        e--;
    return (span){p, (size_t)(e - p)};
}

static int span_is(span s, const char *lit)
{
    return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

/* The code point at 1-based code point column `col` of valid UTF-8 `v`. */
static uint32_t codepoint_at(span v, uint32_t col)
{
    uint32_t cp = 0;
    size_t need;
    for (size_t i = 0; i < v.n && col > 0; col--)
        i += shi_utf8_decode((const unsigned char *)v.p + i, v.n - i, &cp, &need);
    return cp;
}

/* The 1-based code point column of the first character of a category name
 * that the format does not allow (punctuation but '-' and '_', spaces,
 * symbols), or 0. */
static uint32_t category_bad_at(span v)
{
    uint32_t col = 0;
    for (size_t i = 0; i < v.n;) {
        uint32_t cp;
        size_t need;
        i += shi_utf8_decode((const unsigned char *)v.p + i, v.n - i, &cp, &need);
        col++;
        if (cp != '-' && cp != '_' && shi_fold_class(cp) != SHI_CLS_LETTER &&
            shi_fold_class(cp) != SHI_CLS_MARK)
            return col;
    }
    return 0;
}

/* Whether an entry is white space only (U+3000 alone, say): it would
 * match every space of every text. */
static int only_white_space(span v)
{
    for (size_t i = 0; i < v.n;) {
        uint32_t cp;
        size_t need;
        i += shi_utf8_decode((const unsigned char *)v.p + i, v.n - i, &cp, &need);
        if (!(cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
              cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000))
            return 0;
    }
    return 1;
}

/* Checks a word or attribute value; reports the failing column in the line. */
static int check_value(parse *ps, const char *file, uint32_t line, const char *lp, span v,
                       const char *what)
{
    uint32_t col;
    int rc = shi_check_word(v.p, v.n, &col);
    if (rc == SHAI_OK && strcmp(what, "entry") == 0) {
        if (only_white_space(v)) {
            rc = SHAI_E_EMPTY_ENTRY;
            col = 1;
        } else {
            rc = shi_check_folded_length(ps->b, v.p, v.n, 0, &col);
        }
    }
    if (rc == SHAI_OK && strcmp(what, "category") == 0 && (col = category_bad_at(v))) {
        uint32_t base = column_of(lp, (size_t)(v.p - lp));
        return shi_builder_fail(ps->b, SHAI_E_LEXICON, file, line, base + col - 1,
                                "category: a word of letters, digits, '-' and '_'");
    }
    if (rc == SHAI_OK)
        return SHAI_OK;
    if (rc == SHAI_E_ENTRY_TOO_LONG && strcmp(what, "entry") != 0)
        return SHAI_OK;
    char msg[160];
    const char *why = rc == SHAI_E_LEXICON          ? "control character"
                      : rc == SHAI_E_EMPTY_ENTRY    ? "empty or white space only"
                      : rc == SHAI_E_ENTRY_TOO_LONG ? "longer than 128 code points (folded)"
                                                    : "invalid UTF-8";
    if (rc == SHAI_E_LEXICON)
        snprintf(msg, sizeof msg, "%s: %s U+%04X", what, why, (unsigned)codepoint_at(v, col));
    else
        snprintf(msg, sizeof msg, "%s: %s", what, why);
    uint32_t base = column_of(lp, (size_t)(v.p - lp));
    return shi_builder_fail(ps->b, rc, file, line, base + (col ? col - 1 : 0), msg);
}

static int parse_action(span v, uint8_t *action)
{
    if (span_is(v, shai_action_name(SHAI_ACTION_BLOCK)))
        *action = SHAI_ACTION_BLOCK;
    else if (span_is(v, shai_action_name(SHAI_ACTION_REVIEW)))
        *action = SHAI_ACTION_REVIEW;
    else
        return 0;
    return 1;
}

static int directive(parse *ps, defaults *d, const char *file, uint32_t line, const char *lp,
                     span body)
{
    const char *p = body.p + 1, *e = body.p + body.n;
    const char *ne = p;
    while (ne < e && !is_space(*ne))
        ne++;
    span name = {p, (size_t)(ne - p)};
    span value = trim(ne, e);
    int rc;
    if (span_is(name, "category")) {
        if (!value.n)
            return fail_at(ps, SHAI_E_LEXICON, file, line, lp, body.p,
                           "directive '@%.*s' needs a value", name);
        if ((rc = check_value(ps, file, line, lp, value, "category")))
            return rc;
        d->category = value;
    } else if (span_is(name, "action")) {
        if (!parse_action(value, &d->action))
            return fail_at(ps, SHAI_E_LEXICON, file, line, lp, value.n ? value.p : body.p,
                           "action must be 'block' or 'review', not '%.*s'", value);
    } else if (span_is(name, "allow") || span_is(name, "deny") || span_is(name, "exact") ||
               span_is(name, "fold")) {
        if (value.n)
            return fail_at(ps, SHAI_E_LEXICON, file, line, lp, value.p,
                           "directive takes no value: '%.*s'", value);
        if (span_is(name, "allow"))
            d->flags |= SHAI_ENTRY_ALLOW;
        else if (span_is(name, "deny"))
            d->flags &= (uint8_t)~SHAI_ENTRY_ALLOW;
        else if (span_is(name, "exact"))
            d->flags |= SHAI_ENTRY_EXACT;
        else
            d->flags &= (uint8_t)~SHAI_ENTRY_EXACT;
    } else if (span_is(name, "tag") || span_is(name, "suggestion")) {
        int is_tag = span_is(name, "tag");
        if (value.n && (rc = check_value(ps, file, line, lp, value, is_tag ? "tag" : "suggestion")))
            return rc;
        if (is_tag) {
            d->tag = value;
            d->has_tag = value.n != 0;
        } else {
            d->suggestion = value;
            d->has_suggestion = value.n != 0;
        }
    } else {
        span shown = {body.p, (size_t)(ne - body.p)};
        return fail_at(ps, SHAI_E_LEXICON, file, line, lp, body.p, "unknown directive '%.*s'",
                       shown);
    }
    return SHAI_OK;
}

static int attributes(parse *ps, pending *it, const char *file, uint32_t line, const char *lp,
                      const char *p, const char *e)
{
    int rc;
    while (p < e) {
        while (p < e && is_space(*p))
            p++;
        if (p == e)
            break;
        const char *te = p;
        while (te < e && !is_space(*te))
            te++;
        span tok = {p, (size_t)(te - p)};
        const char *eq = memchr(p, '=', tok.n);
        if (!eq) {
            if (span_is(tok, "allow"))
                it->flags |= SHAI_ENTRY_ALLOW;
            else if (span_is(tok, "deny"))
                it->flags &= (uint8_t)~SHAI_ENTRY_ALLOW;
            else if (span_is(tok, "exact") && !(it->flags & SHAI_ENTRY_RULE))
                it->flags |= SHAI_ENTRY_EXACT;
            else if (span_is(tok, "fold"))
                it->flags &= (uint8_t)~SHAI_ENTRY_EXACT;
            else
                return fail_at(ps, SHAI_E_LEXICON, file, line, lp, p, "unknown attribute '%.*s'",
                               tok);
        } else {
            span key = {p, (size_t)(eq - p)};
            span val = {eq + 1, (size_t)(te - eq - 1)};
            if (!val.n)
                return fail_at(ps, SHAI_E_LEXICON, file, line, lp, p,
                               "attribute '%.*s' needs a value", key);
            if (span_is(key, "category")) {
                if ((rc = check_value(ps, file, line, lp, val, "category")))
                    return rc;
                it->category = val;
            } else if (span_is(key, "action")) {
                if (!parse_action(val, &it->action))
                    return fail_at(ps, SHAI_E_LEXICON, file, line, lp, val.p,
                                   "action must be 'block' or 'review', not '%.*s'", val);
            } else if (span_is(key, "tag")) {
                if ((rc = check_value(ps, file, line, lp, val, "tag")))
                    return rc;
                it->tag = val;
                it->has_tag = 1;
            } else if (span_is(key, "suggestion")) {
                if ((rc = check_value(ps, file, line, lp, val, "suggestion")))
                    return rc;
                it->suggestion = val;
                it->has_suggestion = 1;
            } else {
                return fail_at(ps, SHAI_E_LEXICON, file, line, lp, p, "unknown attribute '%.*s'",
                               key);
            }
        }
        p = te;
    }
    return SHAI_OK;
}

static int push(parse *ps, const pending *it)
{
    if (ps->n == ps->cap) {
        size_t ncap = ps->cap ? ps->cap * 2 : 256;
        pending *q = realloc(ps->items, ncap * sizeof *q);
        if (!q)
            return SHAI_E_NOMEM;
        ps->items = q;
        ps->cap = ncap;
    }
    ps->items[ps->n++] = *it;
    ps->bytes += it->word.n + it->category.n + it->tag.n + it->suggestion.n + 4;
    return SHAI_OK;
}

/* ---------------------------------------------------------------- scenes */

#define SCENE_NAME_MAX 64

static char *copy_span(span v)
{
    char *c = malloc(v.n + 1);
    if (c) {
        memcpy(c, v.p, v.n);
        c[v.n] = '\0';
    }
    return c;
}

static int scene_name_ok(span v)
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
        if (span_is(name, v[i].name))
            return 1;
    return 0;
}

/* `@scene NAME`: a new scene, current from here. */
static int scene_open(parse *ps, const char *file, uint32_t line, const char *lp, span body,
                      uint32_t name_index)
{
    span name = trim(body.p + 6, body.p + body.n);
    if (!scene_name_ok(name))
        return fail_at(ps, SHAI_E_LEXICON, file, line, lp, name.n ? name.p : body.p,
                       "scene name must be 1 to 64 of A-Z a-z 0-9 - _ ., not '%.*s'", name);
    if (scene_known(ps->scenes, ps->nscenes, name) ||
        scene_known(ps->b->scenes, ps->b->nscenes, name))
        return fail_at(ps, SHAI_E_LEXICON, file, line, lp, name.p,
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
    *sc = (shi_bscene){
        .name = copy_span(name), .others = SHAI_SCENE_KEEP, .file = name_index, .line = line};
    if (!sc->name)
        return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
    ps->nscenes++;
    return SHAI_OK;
}

static int parse_scene_action(span v, uint8_t *action)
{
    if (span_is(v, "off"))
        *action = SHAI_SCENE_OFF;
    else if (span_is(v, "keep"))
        *action = SHAI_SCENE_KEEP;
    else if (span_is(v, "review"))
        *action = SHAI_ACTION_REVIEW;
    else if (span_is(v, "block"))
        *action = SHAI_ACTION_BLOCK;
    else
        return 0;
    return 1;
}

/* Splits the next token of [*p, e) separated by spaces or tabs. */
static span next_token(const char **p, const char *e)
{
    const char *s = *p;
    while (s < e && is_space(*s))
        s++;
    const char *t = s;
    while (t < e && !is_space(*t))
        t++;
    *p = t;
    return (span){s, (size_t)(t - s)};
}

/* `CATEGORY ACTION` (or `* ACTION`) inside a scene. */
static int scene_line(parse *ps, shi_bscene *sc, const char *file, uint32_t line, const char *lp,
                      span body)
{
    const char *p = body.p, *e = body.p + body.n;
    span cat = next_token(&p, e), act = next_token(&p, e), extra = next_token(&p, e);
    if (!act.n)
        return fail_at(ps, SHAI_E_LEXICON, file, line, lp, cat.p,
                       "scene line '%.*s' needs a category and an action", cat);
    if (extra.n)
        return fail_at(ps, SHAI_E_LEXICON, file, line, lp, extra.p,
                       "unexpected '%.*s' after the action", extra);
    uint8_t action;
    if (!parse_scene_action(act, &action))
        return fail_at(ps, SHAI_E_LEXICON, file, line, lp, act.p,
                       "scene action must be 'off', 'review', 'block' or 'keep', not '%.*s'", act);
    if (span_is(cat, "*")) {
        sc->others = action;
        return SHAI_OK;
    }
    int rc = check_value(ps, file, line, lp, cat, "category");
    if (rc)
        return rc;
    for (uint32_t i = 0; i < sc->n; i++)
        if (span_is(cat, sc->categories[i]))
            return fail_at(ps, SHAI_E_LEXICON, file, line, lp, cat.p,
                           "category '%.*s' is already set in this scene", cat);
    if (sc->n == sc->cap) {
        uint32_t ncap = sc->cap ? sc->cap * 2 : 8;
        char **c = realloc(sc->categories, ncap * sizeof *c);
        if (c)
            sc->categories = c;
        uint8_t *a = c ? realloc(sc->actions, ncap) : NULL;
        if (a)
            sc->actions = a;
        uint32_t *l = a ? realloc(sc->lines, ncap * sizeof *l) : NULL;
        if (!l)
            return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
        sc->lines = l;
        sc->cap = ncap;
    }
    if (!(sc->categories[sc->n] = copy_span(cat)))
        return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
    sc->lines[sc->n] = line;
    sc->actions[sc->n++] = action;
    return SHAI_OK;
}

/* `@categories NAME...`: declared category names. */
static int declare_categories(parse *ps, const char *file, uint32_t line, const char *lp, span body,
                              uint32_t name_index)
{
    const char *p = body.p + 11, *e = body.p + body.n;
    span name = next_token(&p, e);
    if (!name.n)
        return fail_at(ps, SHAI_E_LEXICON, file, line, lp, body.p,
                       "directive '@categories' needs a value%.*s", (span){"", 0});
    for (; name.n; name = next_token(&p, e)) {
        int rc = check_value(ps, file, line, lp, name, "category");
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
        *d = (shi_decl){copy_span(name), name_index, line};
        if (!d->name)
            return shi_builder_fail(ps->b, SHAI_E_NOMEM, file, line, 0, "out of memory");
        ps->ndecls++;
    }
    return SHAI_OK;
}

static int starts_directive(span body, const char *name)
{
    size_t n = strlen(name);
    return body.n >= n && memcmp(body.p, name, n) == 0 && (body.n == n || is_space(body.p[n]));
}

/* Parses one source into ps->items; spans point into `data`. */
/* Records the builder's error, about a line of source `name` (an index in
 * ps->names), as a skipped line, and clears it. */
static int skip_line(parse *ps, uint32_t name)
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
    char *copy = copy_string(m);
    if (!copy)
        return SHAI_E_NOMEM;
    ps->skips[ps->nskips++] =
        (shi_skip){.file = name, .line = b->error_line, .column = b->error_column, .message = copy};
    shi_builder_clear_error(b);
    return SHAI_OK;
}

static int parse_source(parse *ps, const char *file, const char *data, size_t len)
{
    defaults d = {.category = {default_category, sizeof default_category - 1},
                  .action = SHAI_ACTION_BLOCK};
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    uint32_t line = 0;
    int rc = names_push(&ps->names, file);
    if (rc)
        return shi_builder_fail(ps->b, rc, file, 0, 0, shai_status_message(rc));
    uint32_t name = (uint32_t)ps->names.n - 1;
    int in_scene = 0;       /* lines are those of the last scene opened */
    uint32_t bad_scene = 0; /* lenient: the skipped '@scene' line whose lines these are */
    while (p < end) {
        line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *lp = p;
        p = nl ? nl + 1 : end;
        if (le > lp && le[-1] == '\r')
            le--;
        /* The whole line must be valid UTF-8, comments included. */
        for (const char *q = lp; q < le;) {
            uint32_t cp;
            size_t need;
            size_t n = shi_utf8_decode((const unsigned char *)q, (size_t)(le - q), &cp, &need);
            if (cp == SHI_INVALID_CP) {
                char msg[64];
                snprintf(msg, sizeof msg, "invalid UTF-8 (byte 0x%02X)", (unsigned char)*q);
                rc = shi_builder_fail(ps->b, SHAI_E_BAD_UTF8, file, line,
                                      column_of(lp, (size_t)(q - lp)), msg);
                goto line_failed;
            }
            q += n;
        }
        const char *s = lp;
        while (s < le && *s == ' ')
            s++;
        if (s == le || *s == '#')
            continue;
        if (*s == '@' && starts_directive(trim(s, le), "@scene")) {
            bad_scene = 0;
            if ((rc = scene_open(ps, file, line, lp, trim(s, le), name))) {
                in_scene = 0;
                bad_scene = line;
                goto line_failed;
            }
            in_scene = 1;
            continue;
        }
        if (*s == '@' && starts_directive(trim(s, le), "@end")) {
            span body = trim(s, le);
            if (bad_scene && body.n == 4) {
                bad_scene = 0;
                continue;
            }
            if (!in_scene) {
                rc = fail_at(ps, SHAI_E_LEXICON, file, line, lp, s, "'%.*s' outside a scene", body);
                goto line_failed;
            }
            if (body.n > 4) {
                rc = fail_at(ps, SHAI_E_LEXICON, file, line, lp, s,
                             "directive takes no value: '%.*s'", body);
                goto line_failed;
            }
            in_scene = 0;
            continue;
        }
        if (bad_scene) {
            /* not entries: the lines of a scene that could not be opened */
            char msg[96];
            snprintf(msg, sizeof msg, "line of the scene whose '@scene' line (%u) was skipped",
                     (unsigned)bad_scene);
            rc = shi_builder_fail(ps->b, SHAI_E_LEXICON, file, line,
                                  column_of(lp, (size_t)(s - lp)), msg);
            goto line_failed;
        }
        if (in_scene) {
            if (*s == '@') {
                rc = fail_at(ps, SHAI_E_LEXICON, file, line, lp, s,
                             "only '@scene' and '@end' may appear in a scene, not '%.*s'",
                             next_token(&(const char *){s}, le));
                goto line_failed;
            }
            if ((rc = scene_line(ps, &ps->scenes[ps->nscenes - 1], file, line, lp, trim(s, le))))
                goto line_failed;
            continue;
        }
        if (*s == '@' && starts_directive(trim(s, le), "@categories")) {
            if ((rc = declare_categories(ps, file, line, lp, trim(s, le), name)))
                goto line_failed;
            continue;
        }
        if (*s == '@') {
            if ((rc = directive(ps, &d, file, line, lp, trim(s, le))))
                goto line_failed;
            continue;
        }
        pending it = {.category = d.category,
                      .tag = d.tag,
                      .suggestion = d.suggestion,
                      .action = d.action,
                      .flags = d.flags,
                      .has_tag = d.has_tag,
                      .has_suggestion = d.has_suggestion,
                      .file = name,
                      .line = line};
        const char *tab = memchr(s, '\t', (size_t)(le - s));
        const char *we = tab ? tab : le;
        int is_rule = 0;
        if (*s == '\\' && s + 1 < we &&
            (s[1] == '#' || s[1] == '@' || s[1] == '\\' ||
             (we - s >= 4 && memcmp(s + 1, "re:", 3) == 0)))
            s++;
        else if (we - s >= 3 && memcmp(s, "re:", 3) == 0) {
            is_rule = 1;
            s += 3;
        }
        while (we > s && we[-1] == ' ')
            we--;
        it.word = (span){s, (size_t)(we - s)};
        if (!it.word.n) {
            rc = fail_at(ps, SHAI_E_EMPTY_ENTRY, file, line, lp, s, "empty entry%.*s",
                         (span){"", 0});
            goto line_failed;
        }
        if (is_rule) {
            uint32_t col;
            it.flags = (uint8_t)((it.flags & ~SHAI_ENTRY_EXACT) | SHAI_ENTRY_RULE);
            if ((rc = shi_check_rule(it.word.p, it.word.n, &col))) {
                char msg[300] = "rule: invalid";
                if (rc == SHAI_E_REGEX)
                    shi_rule_check(it.word.p, it.word.n, msg, sizeof msg);
                else if (rc == SHAI_E_LEXICON)
                    snprintf(msg, sizeof msg, "rule: control character U+%04X",
                             (unsigned)codepoint_at(it.word, col));
                else
                    snprintf(msg, sizeof msg, "rule: %s", shai_status_message(rc));
                uint32_t base = column_of(lp, (size_t)(it.word.p - lp));
                rc = shi_builder_fail(ps->b, rc, file, line, base + (col ? col - 1 : 0), msg);
                goto line_failed;
            }
        } else if ((rc = check_value(ps, file, line, lp, it.word, "entry"))) {
            goto line_failed;
        }
        if (tab && (rc = attributes(ps, &it, file, line, lp, tab + 1, le)))
            goto line_failed;
        if ((rc = push(ps, &it)))
            return shi_builder_fail(ps->b, rc, file, line, 0, shai_status_message(rc));
        continue;
    line_failed:
        /* Lenient: a line-level error skips the line; the others fail. */
        if (!ps->b->lenient || rc == SHAI_E_NOMEM || rc == SHAI_E_TOO_LARGE || !ps->b->error_line)
            return rc;
        if ((rc = skip_line(ps, name)))
            return shi_builder_fail(ps->b, rc, file, line, 0, shai_status_message(rc));
    }
    return SHAI_OK;
}

/* Adds the parsed entries, and `paths` (may be NULL) to the builder's
 * paths read: all or nothing. */
static int commit(parse *ps, shi_path *paths, uint32_t npaths)
{
    shai_builder *b = ps->b;
    if (ps->n > UINT32_MAX)
        return SHAI_E_TOO_LARGE;
    if (ps->names.n > UINT32_MAX)
        return SHAI_E_TOO_LARGE;
    int rc = shi_builder_reserve(b, (uint32_t)ps->n, ps->bytes + 64, (uint32_t)ps->n,
                                 (uint32_t)ps->names.n, npaths);
    if (!rc && ps->nscenes && b->nscenes + ps->nscenes > b->scenes_cap) {
        shi_bscene *q = realloc(b->scenes, ((size_t)b->nscenes + ps->nscenes) * sizeof *q);
        if (q) {
            b->scenes = q;
            b->scenes_cap = b->nscenes + ps->nscenes;
        } else {
            rc = SHAI_E_NOMEM;
        }
    }
    if (!rc && ps->ndecls && b->ndecls + ps->ndecls > b->decls_cap) {
        shi_decl *q = realloc(b->decls, ((size_t)b->ndecls + ps->ndecls) * sizeof *q);
        if (q) {
            b->decls = q;
            b->decls_cap = b->ndecls + ps->ndecls;
        } else {
            rc = SHAI_E_NOMEM;
        }
    }
    if (!rc && ps->nskips && b->nskipped + ps->nskips > b->skipped_cap) {
        if ((uint64_t)b->nskipped + ps->nskips > UINT32_MAX) {
            rc = SHAI_E_TOO_LARGE;
        } else {
            shi_skip *q = realloc(b->skipped, ((size_t)b->nskipped + ps->nskips) * sizeof *q);
            if (q) {
                b->skipped = q;
                b->skipped_cap = b->nskipped + ps->nskips;
            } else {
                rc = SHAI_E_NOMEM;
            }
        }
    }
    if (rc)
        return shi_builder_fail(b, rc, NULL, 0, 0, shai_status_message(rc));
    for (uint32_t i = 0; i < ps->nskips; i++) {
        b->skipped[b->nskipped] = ps->skips[i];
        b->skipped[b->nskipped++].file += b->nfiles;
    }
    ps->nskips = 0;
    for (uint32_t i = 0; i < ps->ndecls; i++) {
        b->decls[b->ndecls] = ps->decls[i];
        b->decls[b->ndecls++].file += b->nfiles;
    }
    ps->ndecls = 0;
    for (uint32_t i = 0; i < ps->nscenes; i++) {
        b->scenes[b->nscenes] = ps->scenes[i];
        b->scenes[b->nscenes++].file += b->nfiles;
    }
    ps->nscenes = 0;
    uint32_t first_file = b->nfiles;
    for (size_t i = 0; i < ps->names.n; i++)
        b->files[b->nfiles++] = ps->names.v[i];
    ps->names.n = 0;
    for (uint32_t i = 0; i < npaths; i++)
        b->paths[b->npaths++] = paths[i];
    for (size_t i = 0; i < ps->n; i++) {
        const pending *it = &ps->items[i];
        rc = shi_builder_add_checked(b, it->word.p, it->word.n, it->category.p, it->category.n,
                                     it->action, it->flags, it->has_tag ? it->tag.p : NULL,
                                     it->tag.n, it->has_suggestion ? it->suggestion.p : NULL,
                                     it->suggestion.n, first_file + it->file, it->line);
        if (rc) /* cannot happen after the reservation above */
            return shi_builder_fail(b, rc, NULL, 0, 0, shai_status_message(rc));
    }
    return SHAI_OK;
}

int shai_builder_add_source(shai_builder *b, const char *name, const char *data, size_t data_len)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    shi_builder_clear_error(b);
    if (!data && data_len)
        return shi_builder_fail(b, SHAI_E_INVALID_ARG, NULL, 0, 0, "data is NULL");
    parse ps = {.b = b};
    int rc = parse_source(&ps, name ? name : "<source>", data ? data : "", data_len);
    if (rc == SHAI_OK)
        rc = commit(&ps, NULL, 0);
    parse_free(&ps);
    return rc;
}

/* ---------------------------------------------------------------- files */

typedef struct file_list {
    char **paths;
    char **data;
    size_t *len;
    size_t n, cap;
    name_list dirs; /* the directories listed, in order */
} file_list;

static void files_free(file_list *fl)
{
    for (size_t i = 0; i < fl->n; i++) {
        free(fl->paths[i]);
        free(fl->data[i]);
    }
    free(fl->paths);
    free(fl->data);
    free(fl->len);
    names_free(&fl->dirs);
}

/* Moves the names of fl into a path list for the builder (directories,
 * then files); NULL when out of memory. */
static shi_path *take_paths(file_list *fl, uint32_t *n)
{
    shi_path *v = malloc((fl->dirs.n + fl->n + 1) * sizeof *v);
    if (!v)
        return NULL;
    *n = 0;
    for (size_t i = 0; i < fl->dirs.n; i++)
        v[(*n)++] = (shi_path){fl->dirs.v[i], SHAI_PATH_DIR};
    for (size_t i = 0; i < fl->n; i++)
        v[(*n)++] = (shi_path){fl->paths[i], SHAI_PATH_FILE};
    return v;
}

static int files_push(file_list *fl, const char *path)
{
    if (fl->n == fl->cap) {
        size_t ncap = fl->cap ? fl->cap * 2 : 16;
        char **p = realloc(fl->paths, ncap * sizeof *p);
        if (!p)
            return SHAI_E_NOMEM;
        fl->paths = p;
        char **d = realloc(fl->data, ncap * sizeof *d);
        if (!d)
            return SHAI_E_NOMEM;
        fl->data = d;
        size_t *l = realloc(fl->len, ncap * sizeof *l);
        if (!l)
            return SHAI_E_NOMEM;
        fl->len = l;
        fl->cap = ncap;
    }
    char *copy = copy_string(path);
    if (!copy)
        return SHAI_E_NOMEM;
    fl->paths[fl->n] = copy;
    fl->data[fl->n] = NULL;
    fl->len[fl->n] = 0;
    fl->n++;
    return SHAI_OK;
}

static int io_fail(shai_builder *b, const char *path, const char *what, int err)
{
    char msg[256];
    char why[128] = "";
    if (err && strerror_r(err, why, sizeof why) != 0)
        snprintf(why, sizeof why, "errno %d", err);
    snprintf(msg, sizeof msg, "%s%s%s", what, err ? ": " : "", why);
    shi_builder_fail(b, SHAI_E_IO, path, 0, 0, msg);
    b->error_os = err;
    return SHAI_E_IO;
}

static int ends_with_txt(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".txt") == 0;
}

static int walk(shai_builder *b, file_list *fl, const char *dir, int depth)
{
    if (depth > 32)
        return io_fail(b, dir, "directories nested too deep", 0);
    DIR *d = opendir(dir);
    if (!d)
        return io_fail(b, dir, "cannot open directory", errno);
    int rc = names_push(&fl->dirs, dir);
    struct dirent *de;
    size_t dlen = strlen(dir);
    while (rc == SHAI_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        size_t n = dlen + 1 + strlen(de->d_name) + 1;
        char *path = malloc(n);
        if (!path) {
            rc = SHAI_E_NOMEM;
            break;
        }
        snprintf(path, n, "%s%s%s", dir, (dlen && dir[dlen - 1] == '/') ? "" : "/", de->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            rc = io_fail(b, path, "cannot stat", errno);
        else if (S_ISDIR(st.st_mode))
            rc = walk(b, fl, path, depth + 1);
        else if (S_ISREG(st.st_mode) && ends_with_txt(de->d_name))
            rc = files_push(fl, path);
        free(path);
    }
    closedir(d);
    return rc;
}

static int read_file(shai_builder *b, const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return io_fail(b, path, "cannot open", errno);
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return SHAI_E_NOMEM;
    }
    for (;;) {
        if (n > SHAI_MAX_LEXICON_FILE_BYTES) { /* read one byte past it */
            free(buf);
            fclose(f);
            return io_fail(b, path, "larger than 256 MiB", EFBIG);
        }
        if (n == cap) {
            size_t ncap =
                cap * 2 <= SHAI_MAX_LEXICON_FILE_BYTES ? cap * 2 : SHAI_MAX_LEXICON_FILE_BYTES + 1;
            char *q = realloc(buf, ncap);
            if (!q) {
                free(buf);
                fclose(f);
                return SHAI_E_NOMEM;
            }
            buf = q;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return io_fail(b, path, "read error", EIO);
    }
    *data = buf;
    *len = n;
    return SHAI_OK;
}

static int cmp_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directories and files of `path`, in the order add_path reads them. */
static int list_path(shai_builder *b, const char *path, file_list *fl)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return io_fail(b, path, "cannot open", errno);
    if (!S_ISDIR(st.st_mode))
        return files_push(fl, path);
    int rc = walk(b, fl, path, 0);
    if (rc == SHAI_OK && fl->n > 1)
        qsort(fl->paths, fl->n, sizeof *fl->paths, cmp_paths);
    return rc;
}

int shai_builder_walk_path(shai_builder *b, const char *path, shai_path_fn fn, void *user)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    shi_builder_clear_error(b);
    if (!path || !*path || !fn)
        return shi_builder_fail(b, SHAI_E_INVALID_ARG, NULL, 0, 0,
                                "path is NULL or empty, or fn is NULL");
    file_list fl = {0};
    int rc = list_path(b, path, &fl);
    if (rc == SHAI_E_NOMEM && !b->error_message[0])
        shi_builder_fail(b, rc, path, 0, 0, shai_status_message(rc));
    for (size_t i = 0; rc == SHAI_OK && i < fl.dirs.n; i++)
        if (fn(fl.dirs.v[i], SHAI_PATH_DIR, user))
            rc = SHAI_TERMINATED;
    for (size_t i = 0; rc == SHAI_OK && i < fl.n; i++)
        if (fn(fl.paths[i], SHAI_PATH_FILE, user))
            rc = SHAI_TERMINATED;
    files_free(&fl);
    return rc;
}

int shai_builder_add_path(shai_builder *b, const char *path)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    shi_builder_clear_error(b);
    if (!path || !*path)
        return shi_builder_fail(b, SHAI_E_INVALID_ARG, NULL, 0, 0, "path is NULL or empty");
    file_list fl = {0};
    int rc = list_path(b, path, &fl);
    parse ps = {.b = b};
    for (size_t i = 0; rc == SHAI_OK && i < fl.n; i++) {
        rc = read_file(b, fl.paths[i], &fl.data[i], &fl.len[i]);
        if (rc == SHAI_OK)
            rc = parse_source(&ps, fl.paths[i], fl.data[i], fl.len[i]);
    }
    shi_path *paths = NULL;
    uint32_t npaths = 0;
    if (rc == SHAI_OK && !(paths = take_paths(&fl, &npaths)))
        rc = SHAI_E_NOMEM;
    if (rc == SHAI_OK) {
        rc = commit(&ps, paths, npaths);
        if (rc == SHAI_OK) { /* the builder owns the names now */
            for (size_t i = 0; i < fl.n; i++)
                free(fl.data[i]);
            fl.n = fl.dirs.n = 0;
        }
    }
    if (rc == SHAI_E_NOMEM && !b->error_message[0])
        shi_builder_fail(b, rc, path, 0, 0, shai_status_message(rc));
    free(paths);
    parse_free(&ps);
    files_free(&fl);
    return rc;
}
