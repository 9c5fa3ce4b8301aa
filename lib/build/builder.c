/* Builder: entry validation, merging of duplicates, error reporting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/builder.h"
#include "common/db.h"
#include "rules/compile.h"
#include "unicode/charclass.h"
#include "unicode/fold.h"
#include "unicode/utf8.h"

#define SHI_DEFAULT_CATEGORY "uncategorized"
#define SHI_MAX_ENTRIES (1u << 24)
#define SHI_DEFAULT_MAX_GAP 3
/* entries merge when their text and these flags are equal */
#define SHI_KEY_FLAGS (SHAI_ENTRY_ALLOW | SHAI_ENTRY_EXACT | SHAI_ENTRY_RULE)

int shai_builder_new(shai_builder **out)
{
    if (!out)
        return SHAI_E_INVALID_ARG;
    *out = calloc(1, sizeof **out);
    if (!*out)
        return SHAI_E_NOMEM;
    (*out)->fold = SHAI_FOLD_ALL;
    (*out)->max_gap = SHI_DEFAULT_MAX_GAP;
    (*out)->repeats = 1;
    (*out)->variants = SHI_VMASK_STANDARD;
    return SHAI_OK;
}

int shai_builder_set_option(shai_builder *b, uint32_t option, int64_t value)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    switch (option) {
    case SHAI_OPT_FOLD:
        if (value < 0 || (value & ~(int64_t)SHAI_FOLD_ALL))
            return SHAI_E_BAD_OPTION;
        b->fold = (uint32_t)value;
        return SHAI_OK;
    case SHAI_OPT_MAX_GAP:
        if (value < 0 || value > SHI_MAX_GAP)
            return SHAI_E_BAD_OPTION;
        b->max_gap = (uint32_t)value;
        return SHAI_OK;
    case SHAI_OPT_REPEATS:
        if (value != 0 && value != 1)
            return SHAI_E_BAD_OPTION;
        b->repeats = (uint32_t)value;
        return SHAI_OK;
    case SHAI_OPT_LENIENT:
        if (value != 0 && value != 1)
            return SHAI_E_BAD_OPTION;
        b->lenient = (uint8_t)value;
        return SHAI_OK;
    case SHAI_OPT_VARIANTS:
        if (value < 0 || (value & ~(int64_t)SHI_VMASK_ALL))
            return SHAI_E_BAD_OPTION;
        b->variants = (uint16_t)value;
        return SHAI_OK;
    }
    return SHAI_E_BAD_OPTION;
}

void shai_builder_free(shai_builder *b)
{
    if (!b)
        return;
    free(b->entries);
    free(b->additions);
    for (uint32_t i = 0; i < b->nfiles; i++)
        free(b->files[i]);
    free(b->files);
    for (uint32_t i = 0; i < b->npaths; i++)
        free(b->paths[i].name);
    free(b->paths);
    for (uint32_t i = 0; i < b->nscenes; i++)
        shi_bscene_free(&b->scenes[i]);
    free(b->scenes);
    for (uint32_t i = 0; i < b->nscorers; i++)
        shi_bscorer_free(&b->scorers[i]);
    free(b->scorers);
    for (uint32_t i = 0; i < b->ndecls; i++)
        free(b->decls[i].name);
    for (uint32_t i = 0; i < b->nskipped; i++)
        free(b->skipped[i].message);
    free(b->skipped);
    free(b->decls);
    free(b->names);
    free(b->pool);
    free(b->categories);
    free(b->index);
    free(b);
}

void shi_bscene_free(shi_bscene *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        free(s->categories[i]);
    free(s->categories);
    free(s->actions);
    free(s->lines);
    for (uint32_t i = 0; i < s->nscores; i++)
        free(s->scores[i]);
    free(s->scores);
    free(s->score_actions);
    free(s->score_lines);
    free(s->name);
}

void shi_builder_clear_error(shai_builder *b)
{
    b->error_message[0] = '\0';
    b->error_file[0] = '\0';
    b->error_line = 0;
    b->error_column = 0;
    b->error_os = 0;
}

int shi_builder_fail(shai_builder *b, int status, const char *file, uint32_t line, uint32_t column,
                     const char *message)
{
    snprintf(b->error_file, sizeof b->error_file, "%s", file ? file : "");
    b->error_line = line;
    b->error_column = column;
    if (file && line)
        snprintf(b->error_message, sizeof b->error_message, "%s:%u:%u: %s", file, line, column,
                 message);
    else if (file)
        snprintf(b->error_message, sizeof b->error_message, "%s: %s", file, message);
    else
        snprintf(b->error_message, sizeof b->error_message, "%s", message);
    return status;
}

int shi_check_folded_length(const shai_builder *b, const char *text, size_t len, uint32_t flags,
                            uint32_t *column)
{
    /* noise inside an entry is dropped when gaps are skipped: only the
     * other characters count then; characters that may fold away count
     * for none: a lower bound of the units the compile makes */
    int all = b->max_gap == 0 || (flags & SHAI_ENTRY_EXACT);
    uint32_t units = 0, col = 0;
    *column = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp, seq[SHI_FOLD_MAX];
        size_t need;
        i += shi_utf8_decode((const unsigned char *)text + i, len - i, &cp, &need);
        col++;
        uint8_t cls = shi_fold_class(cp);
        if (cls == SHI_CLS_IGNORE || cls == SHI_CLS_MARK)
            continue;
        /* the common case: ASCII and CJK ideographs fold to one character
         * of their own class */
        uint32_t n = cp < 0x80 || (cp >= 0x4E00 && cp <= 0x9FFF) ? (seq[0] = cp, 1)
                                                                 : shi_fold_cp(b->fold, cp, seq);
        for (uint32_t k = 0; k < n; k++)
            units += all || shi_fold_class(seq[k]) != SHI_CLS_NOISE;
        if (units > SHAI_MAX_ENTRY_CODEPOINTS) {
            *column = col;
            return SHAI_E_ENTRY_TOO_LONG;
        }
    }
    return SHAI_OK;
}

int shi_check_word(const char *text, size_t len, uint32_t *column)
{
    *column = 0;
    if (len == 0)
        return SHAI_E_EMPTY_ENTRY;
    const unsigned char *s = (const unsigned char *)text;
    uint32_t ncp = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t need;
        size_t n = shi_utf8_decode(s + i, len - i, &cp, &need);
        ncp++;
        if (cp == SHI_INVALID_CP) {
            *column = ncp;
            return SHAI_E_BAD_UTF8;
        }
        if (shi_is_control(cp)) {
            *column = ncp;
            return SHAI_E_LEXICON;
        }
        if (ncp > SHAI_MAX_ENTRY_CODEPOINTS) {
            *column = ncp;
            return SHAI_E_ENTRY_TOO_LONG;
        }
        i += n;
    }
    return SHAI_OK;
}

static int grow(void **p, size_t elem, uint32_t *cap, size_t need)
{
    if (need <= *cap)
        return SHAI_OK;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX)
        return SHAI_E_TOO_LARGE;
    void *q = realloc(*p, ncap * elem);
    if (!q)
        return SHAI_E_NOMEM;
    *p = q;
    *cap = (uint32_t)ncap;
    return SHAI_OK;
}

static uint32_t hash_entry(const char *text, size_t len, uint32_t allow)
{
    uint32_t h = 2166136261u ^ allow;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 16777619u;
    return h;
}

static int rehash(shai_builder *b, uint32_t cap)
{
    uint32_t *index = calloc(cap, sizeof *index);
    if (!index)
        return SHAI_E_NOMEM;
    for (uint32_t i = 0; i < b->nentries; i++) {
        const shi_bentry *e = &b->entries[i];
        uint32_t h =
            hash_entry(b->pool + e->text, e->text_len, e->flags & SHI_KEY_FLAGS) & (cap - 1);
        while (index[h])
            h = (h + 1) & (cap - 1);
        index[h] = i + 1;
    }
    free(b->index);
    b->index = index;
    b->index_cap = cap;
    return SHAI_OK;
}

int shi_builder_reserve(shai_builder *b, uint32_t entries, size_t bytes, uint32_t categories,
                        uint32_t files, uint32_t paths)
{
    if ((uint64_t)b->nentries + entries > SHI_MAX_ENTRIES ||
        (uint64_t)b->nadditions + entries > UINT32_MAX - 1 ||
        b->names_len + bytes + 64 > UINT32_MAX - 1 || b->pool_len + bytes + 64 > UINT32_MAX - 1)
        return SHAI_E_TOO_LARGE;
    int rc = grow((void **)&b->entries, sizeof *b->entries, &b->entries_cap,
                  (size_t)b->nentries + entries);
    if (!rc)
        rc = grow((void **)&b->additions, sizeof *b->additions, &b->additions_cap,
                  (size_t)b->nadditions + entries);
    if (!rc)
        rc = grow((void **)&b->files, sizeof *b->files, &b->files_cap, (size_t)b->nfiles + files);
    if (!rc)
        rc = grow((void **)&b->paths, sizeof *b->paths, &b->paths_cap, (size_t)b->npaths + paths);
    if (rc)
        return rc;
    rc = grow((void **)&b->categories, sizeof *b->categories, &b->categories_cap,
              (size_t)b->ncategories + categories + 1);
    if (rc)
        return rc;
    if (b->names_len + bytes + 1 > b->names_cap) {
        size_t ncap = b->names_cap ? b->names_cap : 256;
        while (ncap < b->names_len + bytes + 1)
            ncap *= 2;
        char *q = realloc(b->names, ncap);
        if (!q)
            return SHAI_E_NOMEM;
        b->names = q;
        b->names_cap = ncap;
    }
    size_t need = b->pool_len + bytes + sizeof SHI_DEFAULT_CATEGORY;
    if (need > b->pool_cap) {
        size_t ncap = b->pool_cap ? b->pool_cap : 4096;
        while (ncap < need)
            ncap *= 2;
        char *p = realloc(b->pool, ncap);
        if (!p)
            return SHAI_E_NOMEM;
        b->pool = p;
        b->pool_cap = ncap;
    }
    uint64_t want = ((uint64_t)b->nentries + entries) * 2;
    if (want > b->index_cap / 2 || !b->index) {
        uint32_t cap = b->index_cap ? b->index_cap : 64;
        while ((uint64_t)cap < want * 2)
            cap *= 2;
        if (cap != b->index_cap || !b->index)
            return rehash(b, cap);
    }
    return SHAI_OK;
}

/* Pool must have room (reserved). */
static uint32_t pool_add(shai_builder *b, const char *s, size_t len)
{
    uint32_t off = (uint32_t)b->pool_len;
    memcpy(b->pool + b->pool_len, s, len);
    b->pool[b->pool_len + len] = '\0';
    b->pool_len += len + 1;
    return off;
}

/* The id of category `name`, or b->ncategories when there is none. */
static uint32_t find_category(const shai_builder *b, const char *name, size_t len)
{
    for (uint32_t i = 0; i < b->ncategories; i++) {
        const char *c = b->pool + b->categories[i];
        if (strlen(c) == len && memcmp(c, name, len) == 0)
            return i;
    }
    return b->ncategories;
}

static uint32_t intern_category(shai_builder *b, const char *name, size_t len)
{
    uint32_t id = find_category(b, name, len);
    if (id == b->ncategories)
        b->categories[b->ncategories++] = pool_add(b, name, len);
    return id;
}

int shi_builder_add_checked(shai_builder *b, const char *text, size_t len, const char *category,
                            size_t category_len, uint32_t action, uint32_t flags, const char *tag,
                            size_t tag_len, const char *suggestion, size_t suggestion_len,
                            uint32_t variants, uint32_t file, uint32_t line)
{
    size_t bytes = len + category_len + tag_len + suggestion_len + 4;
    int rc = shi_builder_reserve(b, 1, bytes, 1, 0, 0);
    if (rc)
        return rc;
    if (!category) {
        category = SHI_DEFAULT_CATEGORY;
        category_len = strlen(SHI_DEFAULT_CATEGORY);
    }
    shi_addition *a = &b->additions[b->nadditions];
    a->file = file;
    a->line = line;
    a->action = (uint8_t)action;
    uint32_t key = flags & SHI_KEY_FLAGS;
    uint32_t h = hash_entry(text, len, key) & (b->index_cap - 1);
    while (b->index[h]) {
        shi_bentry *e = &b->entries[b->index[h] - 1];
        if ((e->flags & SHI_KEY_FLAGS) == key && e->text_len == len &&
            memcmp(b->pool + e->text, text, len) == 0) {
            if (action > e->action)
                e->action = (uint8_t)action;
            e->variants |= (uint16_t)variants;
            if (e->tag == SHI_NO_STRING && tag)
                e->tag = pool_add(b, tag, tag_len);
            if (e->suggestion == SHI_NO_STRING && suggestion)
                e->suggestion = pool_add(b, suggestion, suggestion_len);
            /* a duplicate adds no category: its name is kept as written */
            uint32_t id = find_category(b, category, category_len);
            a->in_names = id == b->ncategories;
            if (a->in_names) {
                a->category = (uint32_t)b->names_len;
                memcpy(b->names + b->names_len, category, category_len);
                b->names[b->names_len + category_len] = '\0';
                b->names_len += category_len + 1;
            } else {
                a->category = b->categories[id];
            }
            a->entry = b->index[h] - 1;
            b->nadditions++;
            return SHAI_OK;
        }
        h = (h + 1) & (b->index_cap - 1);
    }
    shi_bentry *e = &b->entries[b->nentries];
    e->text = pool_add(b, text, len);
    e->text_len = (uint32_t)len;
    e->category = intern_category(b, category, category_len);
    a->category = b->categories[e->category];
    a->in_names = 0;
    e->tag = tag ? pool_add(b, tag, tag_len) : SHI_NO_STRING;
    e->suggestion = suggestion ? pool_add(b, suggestion, suggestion_len) : SHI_NO_STRING;
    e->action = (uint8_t)action;
    e->flags = (uint8_t)flags;
    e->variants = (uint16_t)variants;
    e->addition = b->nadditions;
    a->entry = b->nentries;
    b->nadditions++;
    b->index[h] = ++b->nentries;
    return SHAI_OK;
}

static int check_attribute(shai_builder *b, const char *what, const char *s)
{
    uint32_t column;
    size_t len = strlen(s);
    int rc = shi_check_word(s, len, &column);
    if (rc == SHAI_OK || (rc == SHAI_E_ENTRY_TOO_LONG && len < 4096))
        return SHAI_OK;
    char msg[128];
    snprintf(msg, sizeof msg, "%s: %s at code point %u", what,
             rc == SHAI_E_EMPTY_ENTRY ? "empty" : shai_status_message(rc), column);
    return shi_builder_fail(b, SHAI_E_INVALID_ARG, NULL, 0, 0, msg);
}

/* The checks add_entry and add_rule share, before their text is checked. */
static int check_action_flags(shai_builder *b, uint32_t action, uint32_t flags, uint32_t allowed,
                              const char *unknown_flags)
{
    if (action != SHAI_ACTION_REVIEW && action != SHAI_ACTION_BLOCK)
        return shi_builder_fail(b, SHAI_E_INVALID_ARG, NULL, 0, 0,
                                "action must be SHAI_ACTION_REVIEW or SHAI_ACTION_BLOCK");
    if (flags & ~allowed)
        return shi_builder_fail(b, SHAI_E_INVALID_ARG, NULL, 0, 0, unknown_flags);
    return SHAI_OK;
}

/* Checks the attributes and adds a checked text (entry or rule). */
static int add_attributed(shai_builder *b, const char *text, size_t len, const char *category,
                          uint32_t action, uint32_t flags, const char *tag, const char *suggestion)
{
    int rc;
    if ((category && (rc = check_attribute(b, "category", category))) ||
        (tag && (rc = check_attribute(b, "tag", tag))) ||
        (suggestion && (rc = check_attribute(b, "suggestion", suggestion))))
        return rc;
    rc = shi_builder_add_checked(b, text, len, category, category ? strlen(category) : 0, action,
                                 flags, tag, tag ? strlen(tag) : 0, suggestion,
                                 suggestion ? strlen(suggestion) : 0,
                                 (flags & SHAI_ENTRY_RULE) ? 0 : b->variants, SHI_NO_SOURCE, 0);
    if (rc)
        return shi_builder_fail(b, rc, NULL, 0, 0, shai_status_message(rc));
    return SHAI_OK;
}

int shai_builder_add_entry(shai_builder *b, const char *text, size_t text_len, const char *category,
                           uint32_t action, uint32_t flags, const char *tag, const char *suggestion)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    shi_builder_clear_error(b);
    if (!text && text_len)
        return shi_builder_fail(b, SHAI_E_INVALID_ARG, NULL, 0, 0, "text is NULL");
    int rc = check_action_flags(b, action, flags, SHAI_ENTRY_ALLOW | SHAI_ENTRY_EXACT,
                                "unknown entry flags");
    if (rc)
        return rc;
    uint32_t column;
    rc = shi_check_word(text, text_len, &column);
    size_t blank = 0;
    while (rc == SHAI_OK && blank < text_len && text[blank] == ' ')
        blank++;
    if (rc == SHAI_OK && blank == text_len)
        rc = SHAI_E_EMPTY_ENTRY; /* only spaces: it would match every space */
    if (rc == SHAI_OK)
        rc = shi_check_folded_length(b, text, text_len, flags, &column);
    if (rc) {
        char msg[128];
        snprintf(msg, sizeof msg, "entry: %s at code point %u",
                 rc == SHAI_E_LEXICON ? "control character" : shai_status_message(rc), column);
        return shi_builder_fail(b, rc == SHAI_E_LEXICON ? SHAI_E_INVALID_ARG : rc, NULL, 0, 0, msg);
    }
    return add_attributed(b, text, text_len, category, action, flags, tag, suggestion);
}

int shai_builder_add_rule(shai_builder *b, const char *pattern, size_t pattern_len,
                          const char *category, uint32_t action, uint32_t flags, const char *tag,
                          const char *suggestion)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    shi_builder_clear_error(b);
    if (!pattern && pattern_len)
        return shi_builder_fail(b, SHAI_E_INVALID_ARG, NULL, 0, 0, "pattern is NULL");
    int rc = check_action_flags(b, action, flags, SHAI_ENTRY_ALLOW, "unknown rule flags");
    if (rc)
        return rc;
    uint32_t col;
    rc = shi_check_rule(pattern, pattern_len, &col);
    if (rc != SHAI_OK) {
        char msg[300], why[256] = "";
        if (rc == SHAI_E_REGEX)
            shi_rule_check(pattern, pattern_len, why, sizeof why);
        snprintf(msg, sizeof msg, "rule: %s at code point %u",
                 rc == SHAI_E_REGEX ? why : shai_status_message(rc), col);
        return shi_builder_fail(b, rc == SHAI_E_LEXICON ? SHAI_E_INVALID_ARG : rc, NULL, 0, col,
                                msg);
    }
    return add_attributed(b, pattern, pattern_len, category, action, flags | SHAI_ENTRY_RULE, tag,
                          suggestion);
}

int shi_check_rule(const char *pattern, size_t len, uint32_t *column)
{
    uint32_t col = 0;
    if (column)
        *column = 0;
    if (len == 0)
        return SHAI_E_EMPTY_ENTRY;
    if (len > SHI_MAX_RULE_BYTES)
        return SHAI_E_ENTRY_TOO_LONG;
    /* UTF-8 and control characters over the whole pattern */
    const unsigned char *s = (const unsigned char *)pattern;
    uint32_t ncp = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t need;
        i += shi_utf8_decode(s + i, len - i, &cp, &need);
        ncp++;
        if (cp == SHI_INVALID_CP || shi_is_control(cp)) {
            if (column)
                *column = ncp;
            return cp == SHI_INVALID_CP ? SHAI_E_BAD_UTF8 : SHAI_E_LEXICON;
        }
    }
    char msg[8];
    col = shi_rule_check(pattern, len, msg, sizeof msg);
    if (col == SHI_RULE_NOMEM)
        return SHAI_E_NOMEM;
    if (col) {
        if (column)
            *column = col;
        return SHAI_E_REGEX;
    }
    return SHAI_OK;
}
