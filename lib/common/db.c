/* Public accessors of a compiled db. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/db.h"

void shai_db_free(shai_db *db)
{
    if (!db)
        return;
    if (db->rules)
        db->free_rules(db->rules);
#define SHI_FREE_(id, field, type, count) free((void *)db->field);
    if (db->origin == SHI_ORIGIN_COMPILED) {
        SHI_DB_STORED(SHI_FREE_)
    } else if (db->vfilter_derived) {
        free((void *)db->vfilter);
        free((void *)db->vsolo);
        free((void *)db->vchars2);
    }
    SHI_DB_DERIVED(SHI_FREE_)
    free(db->sources);
#undef SHI_FREE_
    if (db->origin == SHI_ORIGIN_COPY)
        free((void *)db->image);
    else if (db->origin == SHI_ORIGIN_MAPPED)
        munmap((void *)db->image, db->image_len);
    free(db);
}

void shi_db_section_sizes(const shai_db *db, uint64_t size[SHI_SEC_COUNT])
{
#define SHI_SIZE_(id, field, type, count)                                                          \
    size[SHI_SEC_##id] = SHI_DB_BYTES_(id, field, type, count);
    SHI_DB_STORED(SHI_SIZE_)
#undef SHI_SIZE_
}

int shai_db_size(const shai_db *db, size_t *bytes)
{
    if (bytes)
        *bytes = 0;
    if (!db || !bytes)
        return SHAI_E_INVALID_ARG;
    uint64_t n = sizeof *db + db->rules_bytes;
    if (db->origin != SHI_ORIGIN_COMPILED) {
        n += db->image_len;
        if (db->vfilter_derived) {
            uint64_t size[SHI_SEC_COUNT];
            shi_db_section_sizes(db, size);
            n += size[SHI_SEC_VFILTER] + size[SHI_SEC_VSOLO] + size[SHI_SEC_VCHARS2];
        }
    } else {
        uint64_t size[SHI_SEC_COUNT];
        shi_db_section_sizes(db, size);
        for (int i = 0; i < SHI_SEC_COUNT; i++)
            n += size[i];
    }
#define SHI_ADD_(id, field, type, count) n += db->field ? SHI_DB_BYTES_(id, field, type, count) : 0;
    SHI_DB_DERIVED(SHI_ADD_)
#undef SHI_ADD_
    *bytes = (size_t)n;
    return SHAI_OK;
}

/* The variant trie's root, indexed (SHI_DB_DERIVED): its child by the
 * symbol of a unit, and the first of its children by reading key. */
static int prepare_variants(shai_db *db)
{
    const shi_vnode *root = db->vnodes;
    uint32_t *by_sym = calloc(db->nsym ? db->nsym : 1, sizeof *by_sym);
    db->vroot_sym = by_sym;
    if (!by_sym)
        return SHAI_E_NOMEM;
    for (uint32_t i = root[0].edge; i < root[1].edge; i++) {
        uint32_t v = shi_map(db, db->vedges[i].key), sym = v & SHI_MAP_SYM_MASK;
        if ((v & SHI_MAP_EXPAND) || !sym || sym >= db->nsym || db->sym_cp[sym] != db->vedges[i].key)
            db->vroot_lookup = 1; /* a unit without a symbol of its own: search */
        else
            by_sym[sym] = db->vedges[i].child;
    }
    uint32_t max = 0;
    for (uint32_t i = root[0].redge; i < root[1].redge; i++)
        if (db->vredges[i].key > max)
            max = db->vredges[i].key;
    if (max > 0xFFFFu)
        max = 0xFFFFu;
    db->nvroot_read = max + 2;
    uint32_t *by_read = malloc((size_t)db->nvroot_read * sizeof *by_read);
    db->vroot_read = by_read;
    if (!by_read)
        return SHAI_E_NOMEM;
    uint32_t at = root[0].redge;
    for (uint32_t k = 0; k < db->nvroot_read; k++) {
        while (at < root[1].redge && db->vredges[at].key < k)
            at++;
        by_read[k] = at;
    }
    return SHAI_OK;
}

/* Whether this CPU runs BMI2's PEXT fast: Intel's since Haswell, AMD's
 * since Zen 3, family 19h (before, it is microcoded and slower than the
 * shifts it replaces); other vendors' are not known, so no. The root loop
 * decodes a 3-byte character with it (fast.c). */
static uint32_t cpu_fast_pext(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (!__builtin_cpu_supports("bmi2"))
        return 0;
    if (__builtin_cpu_is("intel"))
        return 1;
    unsigned a, b, c, d;
    if (!__builtin_cpu_is("amd") || !__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    unsigned family = (a >> 8) & 0xF;
    if (family == 0xF)
        family += (a >> 20) & 0xFF;
    return family >= 0x19;
#else
    return 0;
#endif
}

int shi_db_prepare(shai_db *db)
{
    db->fast_pext = cpu_fast_pext();
    shi_rootc *rc = malloc((size_t)db->nsym * sizeof *rc);
    if (!rc)
        return SHAI_E_NOMEM;
    uint32_t root_base = db->slots[SHI_ROOT].base & SHI_SLOT_BASE;
    for (uint32_t sym = 0; sym < db->nsym; sym++) {
        uint32_t t = root_base + sym;
        if (sym && db->slots[t].check == SHI_ROOT && t != SHI_ROOT) {
            rc[sym].base = db->slots[t].base;
            rc[sym].id = t;
        } else {
            rc[sym].base = 0;
            rc[sym].id = SHI_NO_CHILD;
        }
    }
    db->rootc = rc;
    /* the root loop's map: the two stages of U+0000..U+FFFF in one, so one
     * load per character; surrogates are no characters, and a break sends
     * them to the general step, which decodes them as invalid bytes */
    uint32_t *bmp = malloc((size_t)0x10000 * sizeof *bmp);
    if (!bmp)
        return SHAI_E_NOMEM;
    for (uint32_t b = 0; b < 0x10000u >> SHI_MAP_BLOCK_SHIFT; b++)
        memcpy(bmp + (b << SHI_MAP_BLOCK_SHIFT),
               db->map_stage2 + ((size_t)db->map_stage1[b] << SHI_MAP_BLOCK_SHIFT),
               SHI_MAP_BLOCK_SIZE * sizeof *bmp);
    for (uint32_t cp = 0xD800; cp < 0xE000; cp++)
        bmp[cp] = SHI_MAP_BREAK;
    for (uint32_t cp = 0; cp < 0x10000u; cp++) {
        uint32_t v = bmp[cp], sym = v & SHI_MAP_SYM_MASK;
        if ((v & (SHI_MAP_NOISE | SHI_MAP_EXPAND)) == SHI_MAP_NOISE && sym < db->nsym &&
            rc[sym].id != SHI_NO_CHILD)
            bmp[cp] = v | SHI_MAP_LEADS;
    }
    db->map_bmp = bmp;
    return db->nvnodes ? prepare_variants(db) : SHAI_OK;
}

uint32_t shai_db_entry_count(const shai_db *db)
{
    return db ? db->nentries : 0;
}

int shai_db_entry_text(const shai_db *db, uint32_t index, const char **text, size_t *len)
{
    if (!db || !text || !len)
        return SHAI_E_INVALID_ARG;
    if (index >= db->nentries)
        return SHAI_E_OUT_OF_RANGE;
    const shi_entry *e = &db->entries[index];
    *text = db->strings + e->text;
    *len = e->text_len;
    return SHAI_OK;
}

int shai_db_entry_variants(const shai_db *db, uint32_t index, uint32_t *mask)
{
    if (!db || !mask)
        return SHAI_E_INVALID_ARG;
    if (index >= db->nentries)
        return SHAI_E_OUT_OF_RANGE;
    *mask = db->entries[index].variants;
    return SHAI_OK;
}

int shai_db_entry_info(const shai_db *db, uint32_t index, uint32_t *category, uint32_t *action,
                       uint32_t *flags, const char **tag, const char **suggestion)
{
    if (!db)
        return SHAI_E_INVALID_ARG;
    if (index >= db->nentries)
        return SHAI_E_OUT_OF_RANGE;
    const shi_entry *e = &db->entries[index];
    if (category)
        *category = e->category;
    if (action)
        *action = e->action;
    if (flags)
        *flags = e->flags;
    /* notes are sorted by entry */
    uint32_t lo = 0, hi = db->nnotes;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (db->notes[mid].entry < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    const shi_note *n = lo < db->nnotes && db->notes[lo].entry == index ? &db->notes[lo] : NULL;
    if (tag)
        *tag = !n || n->tag == SHI_NO_STRING ? NULL : db->strings + n->tag;
    if (suggestion)
        *suggestion = !n || n->suggestion == SHI_NO_STRING ? NULL : db->strings + n->suggestion;
    return SHAI_OK;
}

int shai_db_entry_source(const shai_db *db, uint32_t index, const char **file, uint32_t *line)
{
    if (!db)
        return SHAI_E_INVALID_ARG;
    if (index >= db->nentries)
        return SHAI_E_OUT_OF_RANGE;
    const shi_sources *s = db->sources;
    uint32_t at = s ? s->file[index] : SHI_NO_STRING;
    if (file)
        *file = at == SHI_NO_STRING ? NULL : s->names + at;
    if (line)
        *line = at == SHI_NO_STRING ? 0 : s->line[index];
    return SHAI_OK;
}

uint32_t shai_db_category_count(const shai_db *db)
{
    return db ? db->ncategories : 0;
}

int shai_db_category_name(const shai_db *db, uint32_t id, const char **name)
{
    if (!db || !name)
        return SHAI_E_INVALID_ARG;
    if (id >= db->ncategories)
        return SHAI_E_OUT_OF_RANGE;
    *name = db->strings + db->categories[id];
    return SHAI_OK;
}

int shai_db_option(const shai_db *db, uint32_t option, int64_t *value)
{
    if (!db || !value)
        return SHAI_E_INVALID_ARG;
    switch (option) {
    case SHAI_OPT_FOLD:
        *value = db->fold;
        return SHAI_OK;
    case SHAI_OPT_MAX_GAP:
        *value = db->max_gap;
        return SHAI_OK;
    case SHAI_OPT_REPEATS:
        *value = db->repeats;
        return SHAI_OK;
    }
    return SHAI_E_BAD_OPTION;
}

const char *shai_db_fold_table_version(const shai_db *db)
{
    return db ? db->fold_version : "";
}
