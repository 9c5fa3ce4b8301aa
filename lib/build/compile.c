/* Compilation: entries -> dense alphabet -> trie -> double-array
 * Aho-Corasick automaton with shared output lists (the stages are in
 * build/map.c and build/automaton.c); then the entries, scenes and sources
 * of the db, and the rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/compile.h"
#include "rules/compile.h"
#include "variant/variant.h"
#include "unicode/charclass.h"

static int build_entries(shi_compile *c)
{
    const shai_builder *b = c->b;
    shai_db *db = c->db;
    shi_entry *entries = malloc(((size_t)b->nentries + 1) * sizeof *entries);
    char *strings = malloc(b->pool_len + 1);
    uint32_t *cats = malloc(((size_t)b->ncategories + 1) * sizeof *cats);
    db->entries = entries;
    db->strings = strings;
    db->categories = cats;
    if (!entries || !strings || !cats)
        return SHAI_E_NOMEM;
    uint32_t nnotes = 0;
    for (uint32_t i = 0; i < b->nentries; i++)
        nnotes += b->entries[i].tag != SHI_NO_STRING || b->entries[i].suggestion != SHI_NO_STRING;
    shi_note *notes = malloc(((size_t)nnotes + 1) * sizeof *notes);
    db->notes = notes;
    if (!notes)
        return SHAI_E_NOMEM;
    db->nnotes = nnotes;
    nnotes = 0;
    if (b->pool_len)
        memcpy(strings, b->pool, b->pool_len);
    strings[b->pool_len] = '\0';
    if (b->ncategories)
        memcpy(cats, b->categories, b->ncategories * sizeof *cats);
    for (uint32_t i = 0; i < b->nentries; i++) {
        const shi_bentry *be = &b->entries[i];
        uint32_t first = c->unit_off[i], units = c->unit_off[i + 1] - first;
        uint32_t last = units ? first + units - 1 : first;
        /* boundaries come from the characters as matched: folded */
        uint32_t cp0 = units ? c->cp_units[first] : 0, cpn = units ? c->cp_units[last] : 0;
        if (be->text_len > SHI_ENTRY_MAX_TEXT)
            return SHAI_E_TOO_LARGE;
        entries[i] = (shi_entry){
            .text = be->text,
            .category = be->category,
            .text_len = (uint16_t)be->text_len,
            .action = (uint8_t)be->action,
            .flags = be->flags,
            .bound = (uint8_t)((shi_is_word_char(cp0) ? SHI_BOUND_START : 0) |
                               (shi_is_word_char(cpn) ? SHI_BOUND_END : 0)),
            .units = (uint8_t)units,
            .variants = (be->flags & (SHAI_ENTRY_EXACT | SHAI_ENTRY_RULE)) ? 0 : be->variants,
        };
        if (be->tag != SHI_NO_STRING || be->suggestion != SHI_NO_STRING)
            notes[nnotes++] = (shi_note){i, be->tag, be->suggestion};
        if (units > db->max_units)
            db->max_units = units;
        if (be->flags & SHAI_ENTRY_EXACT)
            db->has_exact = 1;
        if ((be->flags & SHAI_ENTRY_ALLOW) && units > db->max_allow_units)
            db->max_allow_units = units;
    }
    db->nentries = b->nentries;
    db->strings_len = (uint32_t)b->pool_len;
    db->ncategories = b->ncategories;
    return SHAI_OK;
}

/* db->scenes and db->scene_actions: each scene's name appended to the
 * strings, and what it does with each category of the db. A scene may name
 * categories no entry has: they are not in the db, and so have no effect. */
static int build_scenes(shi_compile *c)
{
    const shai_builder *b = c->b;
    shai_db *db = c->db;
    if (!b->nscenes)
        return SHAI_OK;
    uint64_t bytes = (uint64_t)db->strings_len + 1;
    for (uint32_t i = 0; i < b->nscenes; i++)
        bytes += strlen(b->scenes[i].name) + 1;
    if (bytes > UINT32_MAX - 1)
        return SHAI_E_TOO_LARGE;
    char *strings = realloc((char *)db->strings, (size_t)bytes);
    if (!strings)
        return SHAI_E_NOMEM;
    db->strings = strings;
    uint32_t *names = malloc((size_t)b->nscenes * sizeof *names);
    uint8_t *actions = malloc((size_t)b->nscenes * db->ncategories + 1);
    uint8_t *variants = malloc((size_t)b->nscenes * SHI_VKINDS);
    db->scenes = names;
    db->scene_actions = actions;
    db->scene_variants = variants;
    if (!names || !actions || !variants)
        return SHAI_E_NOMEM;
    size_t at = (size_t)db->strings_len + 1;
    for (uint32_t i = 0; i < b->nscenes; i++) {
        const shi_bscene *sc = &b->scenes[i];
        size_t n = strlen(sc->name) + 1;
        memcpy(strings + at, sc->name, n);
        names[i] = (uint32_t)at;
        at += n;
        memcpy(variants + (size_t)i * SHI_VKINDS, sc->variants, SHI_VKINDS);
        for (uint32_t k = 0; k < db->ncategories; k++) {
            const char *category = strings + db->categories[k];
            uint8_t action = sc->others;
            for (uint32_t j = 0; j < sc->n; j++)
                if (strcmp(sc->categories[j], category) == 0)
                    action = sc->actions[j];
            actions[(size_t)i * db->ncategories + k] = action;
        }
    }
    /* the last string keeps its NUL at strings[strings_len] */
    db->strings_len = (uint32_t)(at - 1);
    db->nscenes = b->nscenes;
    return SHAI_OK;
}

/* db->sources: where each entry was first written. */
static int build_sources(shi_compile *c)
{
    const shai_builder *b = c->b;
    size_t names = 0;
    for (uint32_t i = 0; i < b->nfiles; i++)
        names += strlen(b->files[i]) + 1;
    if (names > UINT32_MAX - 1)
        return SHAI_E_TOO_LARGE;
    size_t arrays = 2 * ((size_t)b->nentries + 1) * sizeof(uint32_t) + b->nfiles * sizeof(uint32_t);
    shi_sources *s = malloc(sizeof *s + arrays + names + 1);
    if (!s)
        return SHAI_E_NOMEM;
    uint32_t *file = (uint32_t *)(s + 1), *line = file + b->nentries + 1;
    uint32_t *name_at = line + b->nentries + 1;
    char *text = (char *)(name_at + b->nfiles);
    size_t at = 0;
    for (uint32_t i = 0; i < b->nfiles; i++) {
        size_t n = strlen(b->files[i]) + 1;
        memcpy(text + at, b->files[i], n);
        name_at[i] = (uint32_t)at;
        at += n;
    }
    text[at] = '\0';
    for (uint32_t i = 0; i < b->nentries; i++) {
        const shi_addition *a = &b->additions[b->entries[i].addition];
        file[i] = a->file == SHI_NO_SOURCE ? SHI_NO_STRING : name_at[a->file];
        line[i] = a->line;
    }
    *s = (shi_sources){file, line, text};
    c->db->sources = s;
    return SHAI_OK;
}

int shai_builder_compile(const shai_builder *b, shai_db **out)
{
    if (out)
        *out = NULL;
    if (!b || !out)
        return SHAI_E_INVALID_ARG;
    shi_compile c = {.b = b};
    c.db = calloc(1, sizeof *c.db);
    if (!c.db)
        return SHAI_E_NOMEM;
    int rc = shi_build_fold_cache(&c);
    if (!rc)
        rc = shi_decode_entries(&c);
    if (!rc)
        rc = shi_build_alphabet(&c);
    if (!rc)
        rc = shi_build_trie(&c);
    if (!rc)
        rc = shi_build_automaton(&c);
    if (!rc)
        rc = shi_build_map(&c);
    if (!rc)
        rc = build_entries(&c);
    c.db->fold = b->fold;
    if (!rc)
        rc = shi_variant_build(c.db, c.cp_units, c.unit_off);
    if (!rc)
        rc = build_scenes(&c);
    if (!rc)
        rc = shi_build_scorers(&c);
    if (!rc)
        rc = build_sources(&c);
    c.db->nsym = c.nsym;
    if (!rc)
        rc = shi_db_prepare(c.db);
    if (!rc)
        rc = shi_variant_prepare(c.db);
    if (!rc)
        rc = shi_variant_derive(c.db);
    if (!rc)
        rc = shi_rules_compile(c.db);
    snprintf(c.db->fold_version, sizeof c.db->fold_version, "%s", shai_fold_table_version());
    c.db->fold = b->fold;
    c.db->max_gap = b->max_gap;
    c.db->repeats = b->repeats;
    free(c.units);
    free(c.unit_off);
    free(c.cp_sym);
    free(c.cp_units);
    free(c.mapped);
    free(c.nodes);
    free(c.entry_next);
    free(c.slots);
    free(c.bfs);
    free(c.used);
    free(c.syms);
    if (rc) {
        shai_db_free(c.db);
        return rc;
    }
    *out = c.db;
    return SHAI_OK;
}
