/* Lexicon source format v1 (docs/lexicon-format.md): parsing and loading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/lexicon.h"
#include "common/db.h"
#include "unicode/fold.h"
#include "rules/compile.h"
#include "unicode/utf8.h"

_Static_assert(SHAI_MAX_ENTRY_CODEPOINTS == 128, "update the message in check_value");
_Static_assert(SHAI_MAX_LEXICON_FILE_BYTES == (size_t)256 << 20, "update the message in read_file");

void shi_lex_names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

char *shi_lex_copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

int shi_lex_names_push(name_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        char **q = realloc(l->v, ncap * sizeof *q);
        if (!q)
            return SHAI_E_NOMEM;
        l->v = q;
        l->cap = ncap;
    }
    if (!(l->v[l->n] = shi_lex_copy_string(s)))
        return SHAI_E_NOMEM;
    l->n++;
    return SHAI_OK;
}

void shi_lex_parse_free(parse *ps)
{
    free(ps->items);
    shi_lex_names_free(&ps->names);
    for (uint32_t i = 0; i < ps->nscenes; i++)
        shi_bscene_free(&ps->scenes[i]);
    free(ps->scenes);
    for (uint32_t i = 0; i < ps->nscorers; i++)
        shi_bscorer_free(&ps->scorers[i]);
    free(ps->scorers);
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
    uint16_t variants; /* SHI_VMASK_* */
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

int shi_lex_fail_at(parse *ps, int status, const char *file, uint32_t line, const char *lp,
                    const char *at, const char *fmt, span what)
{
    char msg[512];
    int n = (int)(what.n > 64 ? 64 : what.n);
    snprintf(msg, sizeof msg, fmt, n, what.p ? what.p : "");
    return shi_builder_fail(ps->b, status, file, line, column_of(lp, (size_t)(at - lp)), msg);
}

int shi_lex_is_space(char c)
{
    return c == ' ' || c == '\t';
}

span shi_lex_trim(const char *p, const char *e)
{
    while (p < e && shi_lex_is_space(*p))
        p++;
    while (e > p && shi_lex_is_space(e[-1]))
        e--;
    return (span){p, (size_t)(e - p)};
}

int shi_lex_span_is(span s, const char *lit)
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
int shi_lex_check_value(parse *ps, const char *file, uint32_t line, const char *lp, span v,
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
    if (shi_lex_span_is(v, shai_action_name(SHAI_ACTION_BLOCK)))
        *action = SHAI_ACTION_BLOCK;
    else if (shi_lex_span_is(v, shai_action_name(SHAI_ACTION_REVIEW)))
        *action = SHAI_ACTION_REVIEW;
    else
        return 0;
    return 1;
}

/* A variant list (`@variants`, `variants=`): kind names, `near`, `none`,
 * `all` or `standard`, separated by commas. */
static int parse_variants(parse *ps, const char *file, uint32_t line, const char *lp, span v,
                          uint16_t *out)
{
    static const struct {
        const char *name;
        uint16_t mask;
    } names[] = {
        {"pinyin", SHI_VMASK(SHAI_VARIANT_PINYIN)},
        {"homophone", SHI_VMASK(SHAI_VARIANT_HOMOPHONE)},
        {"near", SHI_VMASK_NEAR | SHI_VMASK(SHAI_VARIANT_HOMOPHONE)},
        {"initials", SHI_VMASK(SHAI_VARIANT_INITIALS)},
        {"split", SHI_VMASK(SHAI_VARIANT_SPLIT)},
        {"emoji", SHI_VMASK(SHAI_VARIANT_EMOJI)},
        {"digit", SHI_VMASK(SHAI_VARIANT_DIGIT)},
        {"leet", SHI_VMASK(SHAI_VARIANT_LEET)},
        {"wildcard", SHI_VMASK(SHAI_VARIANT_WILDCARD)},
        {"insert", SHI_VMASK(SHAI_VARIANT_INSERT)},
        {"none", 0},
        {"all", SHI_VMASK_ALL},
        {"standard", SHI_VMASK_STANDARD},
    };
    if (!v.n)
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, v.p,
                               "variants: a list of kinds, 'none', 'all' or 'standard'%.*s",
                               (span){"", 0});
    uint16_t mask = 0;
    const char *p = v.p, *e = v.p + v.n;
    while (p <= e) {
        const char *ce = memchr(p, ',', (size_t)(e - p));
        if (!ce)
            ce = e;
        span name = {p, (size_t)(ce - p)};
        size_t k = 0;
        while (k < sizeof names / sizeof names[0] && !shi_lex_span_is(name, names[k].name))
            k++;
        if (k == sizeof names / sizeof names[0])
            return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, p,
                                   "unknown variant kind '%.*s' (pinyin homophone near initials "
                                   "split emoji digit leet "
                                   "wildcard insert, none, all, standard)",
                                   name);
        mask |= names[k].mask;
        p = ce + 1;
    }
    *out = mask;
    return SHAI_OK;
}

static int directive(parse *ps, defaults *d, const char *file, uint32_t line, const char *lp,
                     span body)
{
    const char *p = body.p + 1, *e = body.p + body.n;
    const char *ne = p;
    while (ne < e && !shi_lex_is_space(*ne))
        ne++;
    span name = {p, (size_t)(ne - p)};
    span value = shi_lex_trim(ne, e);
    int rc;
    if (shi_lex_span_is(name, "category")) {
        if (!value.n)
            return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, body.p,
                                   "directive '@%.*s' needs a value", name);
        if ((rc = shi_lex_check_value(ps, file, line, lp, value, "category")))
            return rc;
        d->category = value;
    } else if (shi_lex_span_is(name, "variants")) {
        if ((rc = parse_variants(ps, file, line, lp, value.n ? value : (span){body.p, 0},
                                 &d->variants)))
            return rc;
    } else if (shi_lex_span_is(name, "action")) {
        if (!parse_action(value, &d->action))
            return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, value.n ? value.p : body.p,
                                   "action must be 'block' or 'review', not '%.*s'", value);
    } else if (shi_lex_span_is(name, "allow") || shi_lex_span_is(name, "deny") ||
               shi_lex_span_is(name, "exact") || shi_lex_span_is(name, "fold")) {
        if (value.n)
            return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, value.p,
                                   "directive takes no value: '%.*s'", value);
        if (shi_lex_span_is(name, "allow"))
            d->flags |= SHAI_ENTRY_ALLOW;
        else if (shi_lex_span_is(name, "deny"))
            d->flags &= (uint8_t)~SHAI_ENTRY_ALLOW;
        else if (shi_lex_span_is(name, "exact"))
            d->flags |= SHAI_ENTRY_EXACT;
        else
            d->flags &= (uint8_t)~SHAI_ENTRY_EXACT;
    } else if (shi_lex_span_is(name, "tag") || shi_lex_span_is(name, "suggestion")) {
        int is_tag = shi_lex_span_is(name, "tag");
        if (value.n &&
            (rc = shi_lex_check_value(ps, file, line, lp, value, is_tag ? "tag" : "suggestion")))
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
        return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, body.p,
                               "unknown directive '%.*s'", shown);
    }
    return SHAI_OK;
}

static int attributes(parse *ps, pending *it, const char *file, uint32_t line, const char *lp,
                      const char *p, const char *e)
{
    int rc;
    while (p < e) {
        while (p < e && shi_lex_is_space(*p))
            p++;
        if (p == e)
            break;
        const char *te = p;
        while (te < e && !shi_lex_is_space(*te))
            te++;
        span tok = {p, (size_t)(te - p)};
        const char *eq = memchr(p, '=', tok.n);
        if (!eq) {
            if (shi_lex_span_is(tok, "allow"))
                it->flags |= SHAI_ENTRY_ALLOW;
            else if (shi_lex_span_is(tok, "deny"))
                it->flags &= (uint8_t)~SHAI_ENTRY_ALLOW;
            else if (shi_lex_span_is(tok, "exact") && !(it->flags & SHAI_ENTRY_RULE))
                it->flags |= SHAI_ENTRY_EXACT;
            else if (shi_lex_span_is(tok, "fold"))
                it->flags &= (uint8_t)~SHAI_ENTRY_EXACT;
            else
                return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, p,
                                       "unknown attribute '%.*s'", tok);
        } else {
            span key = {p, (size_t)(eq - p)};
            span val = {eq + 1, (size_t)(te - eq - 1)};
            if (!val.n)
                return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, p,
                                       "attribute '%.*s' needs a value", key);
            if (shi_lex_span_is(key, "category")) {
                if ((rc = shi_lex_check_value(ps, file, line, lp, val, "category")))
                    return rc;
                it->category = val;
            } else if (shi_lex_span_is(key, "variants")) {
                if ((rc = parse_variants(ps, file, line, lp, val, &it->variants)))
                    return rc;
            } else if (shi_lex_span_is(key, "action")) {
                if (!parse_action(val, &it->action))
                    return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, val.p,
                                           "action must be 'block' or 'review', not '%.*s'", val);
            } else if (shi_lex_span_is(key, "tag")) {
                if ((rc = shi_lex_check_value(ps, file, line, lp, val, "tag")))
                    return rc;
                it->tag = val;
                it->has_tag = 1;
            } else if (shi_lex_span_is(key, "suggestion")) {
                if ((rc = shi_lex_check_value(ps, file, line, lp, val, "suggestion")))
                    return rc;
                it->suggestion = val;
                it->has_suggestion = 1;
            } else {
                return shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, p,
                                       "unknown attribute '%.*s'", key);
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

int shi_lex_parse_source(parse *ps, const char *file, const char *data, size_t len)
{
    defaults d = {.category = {default_category, sizeof default_category - 1},
                  .action = SHAI_ACTION_BLOCK,
                  .variants = ps->b->variants};
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    uint32_t line = 0;
    int rc = shi_lex_names_push(&ps->names, file);
    if (rc)
        return shi_builder_fail(ps->b, rc, file, 0, 0, shai_status_message(rc));
    uint32_t name = (uint32_t)ps->names.n - 1;
    int in_scene = 0; /* lines are those of the last scene opened */
    /* lines are those of the last scorer opened (1), or of a scorer whose
     * `@scorer` line was skipped (2, lenient) */
    int in_scorer = 0;
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
        if (in_scorer) {
            span body = shi_lex_trim(s, le);
            if (*s == '@' && shi_lex_starts_directive(body, "@end")) {
                if (body.n > 4) {
                    rc = shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, s,
                                         "directive takes no value: '%.*s'", body);
                    goto line_failed;
                }
                int was = in_scorer;
                in_scorer = 0;
                if (was == 1 && (rc = shi_lex_scorer_close(ps, &ps->scorers[ps->nscorers - 1], file,
                                                           line, lp))) {
                    /* a scorer without its bias, threshold or category is dropped */
                    shi_bscorer_free(&ps->scorers[--ps->nscorers]);
                    goto line_failed;
                }
                continue;
            }
            if (in_scorer == 2) {
                rc = shi_builder_fail(ps->b, SHAI_E_LEXICON, file, line,
                                      column_of(lp, (size_t)(s - lp)),
                                      "line of a scorer whose '@scorer' line was skipped");
                goto line_failed;
            }
            if ((rc =
                     shi_lex_scorer_line(ps, &ps->scorers[ps->nscorers - 1], file, line, lp, body)))
                goto line_failed;
            continue;
        }
        if (*s == '@' && shi_lex_starts_directive(shi_lex_trim(s, le), "@scorer")) {
            in_scene = 0;
            bad_scene = 0;
            in_scorer = 2;
            if ((rc = shi_lex_scorer_open(ps, file, line, lp, shi_lex_trim(s, le), name)))
                goto line_failed;
            in_scorer = 1;
            continue;
        }
        if (*s == '@' && shi_lex_starts_directive(shi_lex_trim(s, le), "@scene")) {
            bad_scene = 0;
            if ((rc = shi_lex_scene_open(ps, file, line, lp, shi_lex_trim(s, le), name))) {
                in_scene = 0;
                bad_scene = line;
                goto line_failed;
            }
            in_scene = 1;
            continue;
        }
        if (*s == '@' && shi_lex_starts_directive(shi_lex_trim(s, le), "@end")) {
            span body = shi_lex_trim(s, le);
            if (bad_scene && body.n == 4) {
                bad_scene = 0;
                continue;
            }
            if (!in_scene) {
                rc = shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, s,
                                     "'%.*s' outside a scene", body);
                goto line_failed;
            }
            if (body.n > 4) {
                rc = shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, s,
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
                rc = shi_lex_fail_at(ps, SHAI_E_LEXICON, file, line, lp, s,
                                     "only '@scene' and '@end' may appear in a scene, not '%.*s'",
                                     shi_lex_next_token(&(const char *){s}, le));
                goto line_failed;
            }
            if ((rc = shi_lex_scene_line(ps, &ps->scenes[ps->nscenes - 1], file, line, lp,
                                         shi_lex_trim(s, le))))
                goto line_failed;
            continue;
        }
        if (*s == '@' && shi_lex_starts_directive(shi_lex_trim(s, le), "@categories")) {
            if ((rc = shi_lex_declare_categories(ps, file, line, lp, shi_lex_trim(s, le), name)))
                goto line_failed;
            continue;
        }
        if (*s == '@') {
            if ((rc = directive(ps, &d, file, line, lp, shi_lex_trim(s, le))))
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
                      .variants = d.variants,
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
            rc = shi_lex_fail_at(ps, SHAI_E_EMPTY_ENTRY, file, line, lp, s, "empty entry%.*s",
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
        } else if ((rc = shi_lex_check_value(ps, file, line, lp, it.word, "entry"))) {
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
        if ((rc = shi_lex_skip_line(ps, name)))
            return shi_builder_fail(ps->b, rc, file, line, 0, shai_status_message(rc));
    }
    if (in_scorer) {
        /* a scorer runs up to its `@end`: without one, the source ends too soon */
        rc = shi_builder_fail(ps->b, SHAI_E_LEXICON, file, line + 1, 1,
                              "the source ends inside a scorer (no '@end')");
        if (!ps->b->lenient)
            return rc;
        if ((rc = shi_lex_skip_line(ps, name)))
            return shi_builder_fail(ps->b, rc, file, line, 0, shai_status_message(rc));
        if (in_scorer == 1)
            shi_bscorer_free(&ps->scorers[--ps->nscorers]);
    }
    return SHAI_OK;
}

/* Adds the parsed entries, and `paths` (may be NULL) to the builder's
 * paths read: all or nothing. */
int shi_lex_commit(parse *ps, shi_path *paths, uint32_t npaths)
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
    if (!rc && ps->nscorers && b->nscorers + ps->nscorers > b->scorers_cap) {
        shi_bscorer *q = realloc(b->scorers, ((size_t)b->nscorers + ps->nscorers) * sizeof *q);
        if (q) {
            b->scorers = q;
            b->scorers_cap = b->nscorers + ps->nscorers;
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
    for (uint32_t i = 0; i < ps->nscorers; i++) {
        b->scorers[b->nscorers] = ps->scorers[i];
        b->scorers[b->nscorers++].file += b->nfiles;
    }
    ps->nscorers = 0;
    uint32_t first_file = b->nfiles;
    for (size_t i = 0; i < ps->names.n; i++)
        b->files[b->nfiles++] = ps->names.v[i];
    ps->names.n = 0;
    for (uint32_t i = 0; i < npaths; i++)
        b->paths[b->npaths++] = paths[i];
    for (size_t i = 0; i < ps->n; i++) {
        const pending *it = &ps->items[i];
        rc = shi_builder_add_checked(
            b, it->word.p, it->word.n, it->category.p, it->category.n, it->action, it->flags,
            it->has_tag ? it->tag.p : NULL, it->tag.n, it->has_suggestion ? it->suggestion.p : NULL,
            it->suggestion.n, it->variants, first_file + it->file, it->line);
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
    int rc = shi_lex_parse_source(&ps, name ? name : "<source>", data ? data : "", data_len);
    if (rc == SHAI_OK)
        rc = shi_lex_commit(&ps, NULL, 0);
    shi_lex_parse_free(&ps);
    return rc;
}
