/* The character map: how every code point folds under the db's options
 * (symbol, class bits, expansions), composed block by block, and the
 * entries' units through the same fold, with the dense alphabet. */
#include <stdlib.h>
#include <string.h>

#include "build/compile.h"
#include "unicode/charclass.h"
#include "unicode/fold.h"
#include "unicode/utf8.h"

static int is_mapped(const shi_compile *c, uint32_t cp)
{
    return (int)(c->mapped[cp >> 6] >> (cp & 63) & 1);
}

static void note_mapped(uint32_t cp, void *user)
{
    shi_compile *c = user;
    c->mapped[cp >> 6] |= UINT64_C(1) << (cp & 63);
}

/* Which code points the fold stages map, so that folding any other takes no
 * table search: a small compile then costs what the lexicon needs, not a
 * pass over every code point. */
int shi_build_fold_cache(shi_compile *c)
{
    c->mapped = calloc(NCP / 64, sizeof *c->mapped);
    if (!c->mapped)
        return SHAI_E_NOMEM;
    shi_fold_each_mapped(note_mapped, c);
    return SHAI_OK;
}

/* Folds cp, of class cls, into seq; returns the number of code points. */
static uint32_t fold_cp(const shi_compile *c, uint32_t cp, uint8_t cls, uint32_t *seq)
{
    uint32_t fold = c->b->fold;
    if (is_mapped(c, cp))
        return shi_fold_cp(fold, cp, seq);
    if ((cls == SHI_CLS_IGNORE && (fold & SHAI_FOLD_IGNORABLES)) ||
        (cls == SHI_CLS_MARK && (fold & SHAI_FOLD_DIACRITICS)))
        return 0;
    seq[0] = cp;
    return 1;
}

/* Punctuation that ends a clause: between two Chinese characters it is a
 * real boundary (入住日：您好 is not 日您), so it is only skipped inside
 * Latin words (f.u.c.k). Code points before or after folding, all below
 * SHI_WORD_CHAR_LIMIT (build_map relies on it). The ASCII full stop is not
 * one: Chinese text ends its sentences with 。 or ．, and 代.开.发.票 spells a
 * word (between two digits nothing is skipped: 3.5). */
static int is_clause_punct(uint32_t cp)
{
    switch (cp) {
    case ',':
    case 0xFF0E: /* ． */
    case '!':
    case '?':
    case ';':
    case ':':
    case 0x3001: /* 、 */
    case 0x3002: /* 。 */
    case 0x2026: /* … */
    case 0xFF61: /* ｡ */
        return 1;
    }
    return 0;
}

/* Strokes and marks used as separators between Chinese characters (法丨轮丶功,
 * 代ノ开, 〃): noise, whatever their Unicode class. */
static const uint32_t separator_glyphs[] = {0x4E28, 0x4E36, 0x30CE, 0x3003}; /* 丨 丶 ノ 〃 */
static uint8_t char_class(uint32_t cp)
{
    for (size_t i = 0; i < sizeof separator_glyphs / sizeof separator_glyphs[0]; i++)
        if (cp == separator_glyphs[i])
            return SHI_CLS_NOISE;
    return shi_fold_class(cp);
}

/* An entry's units: its characters through the same fold as the text.
 * Ignorable characters fold away; noise characters inside an entry stay. */
int shi_decode_entries(shi_compile *c)
{
    const shai_builder *b = c->b;
    size_t cap = 1024, n = 0;
    c->units = malloc(cap * sizeof *c->units);
    c->unit_off = malloc(((size_t)b->nentries + 1) * sizeof *c->unit_off);
    if (!c->units || !c->unit_off)
        return SHAI_E_NOMEM;
    for (uint32_t i = 0; i < b->nentries; i++) {
        const shi_bentry *e = &b->entries[i];
        const unsigned char *s = (const unsigned char *)b->pool + e->text;
        c->unit_off[i] = (uint32_t)n;
        if (e->flags & SHAI_ENTRY_RULE) {
            c->has_rules = 1; /* not in the automaton */
            continue;
        }
        /* fold every character, remembering which units came from noise */
        uint8_t noise[4 * SHAI_MAX_ENTRY_CODEPOINTS];
        size_t first = n;
        for (size_t k = 0; k < e->text_len;) {
            uint32_t cp, seq[SHI_FOLD_MAX];
            size_t need;
            k += shi_utf8_decode(s + k, e->text_len - k, &cp, &need);
            uint8_t cls = char_class(cp);
            uint32_t m = fold_cp(c, cp, cls, seq); /* validated when added */
            if (n + m > cap) {
                cap = cap * 2 + m;
                uint32_t *q = realloc(c->units, cap * sizeof *q);
                if (!q)
                    return SHAI_E_NOMEM;
                c->units = q;
            }
            if (n - first + m > sizeof noise)
                return SHAI_E_ENTRY_TOO_LONG;
            int is_noise = cls == SHI_CLS_NOISE;
            for (uint32_t j = 0; j < m; j++)
                noise[n - first + j] =
                    (uint8_t)(is_noise ? 1 + (is_clause_punct(cp) || is_clause_punct(seq[j])) : 0);
            memcpy(c->units + n, seq, m * sizeof *seq);
            n += m;
        }
        /* Noise between two characters of a word is invisible on both sides:
         * 法.轮.功 is the word 法轮功, fuck you is fuckyou (so neither hides the
         * other). Leading and trailing noise stays (100%, #tag), and so does
         * clause punctuation where the text would not skip it (日：您). */
        if (b->max_gap && !(e->flags & SHAI_ENTRY_EXACT)) {
            size_t len = n - first, lo = 0, hi = len;
            while (lo < len && noise[lo])
                lo++;
            while (hi > lo && noise[hi - 1])
                hi--;
            size_t w = first + lo;
            int latin = 0;
            for (size_t j = lo; j < hi; j++) {
                uint32_t u = c->units[first + j];
                if (noise[j] && (noise[j] == 1 || latin))
                    continue;
                latin = !noise[j] && shi_is_word_char(u) && !shi_is_digit(u);
                c->units[w++] = u;
            }
            for (size_t j = hi; j < len; j++)
                c->units[w++] = c->units[first + j];
            n = w;
        }
        if (n - c->unit_off[i] > SHAI_MAX_ENTRY_CODEPOINTS)
            return SHAI_E_ENTRY_TOO_LONG;
        if (n >= UINT32_MAX / 2)
            return SHAI_E_TOO_LARGE;
    }
    c->unit_off[b->nentries] = (uint32_t)n;
    return SHAI_OK;
}

typedef struct cp_count {
    uint32_t cp, count;
} cp_count;

static int by_count(const void *a, const void *b)
{
    const cp_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->cp < y->cp ? -1 : x->cp > y->cp;
}

/* Dense alphabet: the most frequent characters get the smallest symbols,
 * which keeps the double array compact. */
int shi_build_alphabet(shi_compile *c)
{
    uint32_t nunits = c->unit_off[c->b->nentries];
    c->cp_sym = calloc(NCP, sizeof *c->cp_sym);
    if (!c->cp_sym)
        return SHAI_E_NOMEM;
    uint32_t *count = c->cp_sym; /* counts first, symbols after */
    c->cp_units = malloc(((size_t)nunits + 1) * sizeof *c->cp_units);
    if (!c->cp_units)
        return SHAI_E_NOMEM;
    if (nunits)
        memcpy(c->cp_units, c->units, (size_t)nunits * sizeof *c->units);
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < nunits; i++)
        if (count[c->units[i]]++ == 0)
            distinct++;
    /* rules see the folded text through the symbols: every printable ASCII
     * character gets one */
    uint32_t extra[96], nextra = 0;
    if (c->has_rules) {
        for (uint32_t cp = 0x20; cp < 0x7F; cp++) {
            uint32_t seq[SHI_FOLD_MAX];
            uint32_t f = fold_cp(c, cp, shi_fold_class(cp), seq) == 1 ? seq[0] : NCP;
            if (f < NCP && count[f] == 0) {
                count[f] = 1;
                extra[nextra++] = f;
                distinct++;
            }
        }
    }
    cp_count *list = malloc(((size_t)distinct + 1) * sizeof *list);
    if (!list)
        return SHAI_E_NOMEM;
    uint32_t k = 0;
    for (uint32_t i = 0; i < nunits; i++) {
        uint32_t cp = c->units[i];
        if (count[cp]) {
            list[k++] = (cp_count){cp, count[cp]};
            count[cp] = 0;
        }
    }
    for (uint32_t i = 0; i < nextra; i++)
        if (count[extra[i]]) {
            list[k++] = (cp_count){extra[i], 0};
            count[extra[i]] = 0;
        }
    qsort(list, k, sizeof *list, by_count);
    uint32_t *sym_cp = malloc(((size_t)k + 1) * sizeof *sym_cp);
    if (!sym_cp) {
        free(list);
        return SHAI_E_NOMEM;
    }
    sym_cp[0] = 0;
    for (uint32_t i = 0; i < k; i++) {
        c->cp_sym[list[i].cp] = i + 1;
        sym_cp[i + 1] = list[i].cp;
    }
    c->db->sym_cp = sym_cp;
    free(list);
    c->nsym = k + 1;
    for (uint32_t i = 0; i < nunits; i++)
        c->units[i] = c->cp_sym[c->units[i]];
    return SHAI_OK;
}

static uint32_t unit_value(const shi_compile *c, uint32_t cp)
{
    uint32_t v = c->cp_sym[cp];
    if (shi_is_word_char(cp))
        v |= SHI_MAP_WORD | (shi_is_digit(cp) ? 0 : SHI_MAP_LATIN);
    if (c->b->max_gap && char_class(cp) == SHI_CLS_NOISE)
        v |= SHI_MAP_NOISE;
    return v;
}

/* The character map is composed block by block (SHI_MAP_BLOCK_SIZE code
 * points). Most blocks are uniform: above SHI_WORD_CHAR_LIMIT (below it are
 * every word character and all clause punctuation), no fold stage maps a code point
 * of theirs, no lexicon symbol is among them and one class, or none, covers
 * them whole, so all their code points get one value. Only the other blocks
 * are composed code point by code point: a small compile costs what its
 * lexicon needs, not a pass over every code point. */
#define NBLK SHI_MAP_STAGE1_SIZE
#define NO_BLOCK UINT32_MAX

typedef struct compose {
    shi_compile *c;
    uint32_t *full;     /* the values of the composed blocks */
    uint32_t *block_at; /* block -> its index in full, or NO_BLOCK if uniform */
    uint32_t *expand;
    uint32_t nexpand, expand_cap;
    int rc;
} compose;

/* The map value of one code point under the db's options. */
static uint32_t compose_cls(compose *k, uint32_t cp, uint8_t cls)
{
    shi_compile *c = k->c;
    uint32_t fold = c->b->fold;
    if (char_class(cp) == SHI_CLS_NOISE)
        cls = SHI_CLS_NOISE;
    if (cls == SHI_CLS_BREAK)
        return SHI_MAP_BREAK;
    if ((cls == SHI_CLS_IGNORE && (fold & SHAI_FOLD_IGNORABLES)) ||
        (cls == SHI_CLS_MARK && (fold & SHAI_FOLD_DIACRITICS)))
        return SHI_MAP_IGNORE;
    uint32_t seq[SHI_FOLD_MAX];
    uint32_t n = fold_cp(c, cp, cls, seq);
    if (n == 0)
        return SHI_MAP_IGNORE;
    if (cls == SHI_CLS_NOISE && c->b->max_gap) {
        /* noise stays noise; it keeps a symbol when it folds to one the
         * lexicon uses (e.g. '%' in 100%) */
        return SHI_MAP_NOISE | (n == 1 ? c->cp_sym[seq[0]] : 0) |
               (is_clause_punct(cp) || is_clause_punct(seq[0]) ? SHI_MAP_SEP : 0) |
               (shi_mark_kind(cp) ? SHI_MAP_MARK : 0);
    }
    if (n == 1)
        return unit_value(c, seq[0]);
    uint32_t any = 0, words = 0;
    for (uint32_t i = 0; i < n; i++) {
        any |= c->cp_sym[seq[i]];
        words += shi_is_word_char(seq[i]) != 0;
    }
    if (!any && (words == 0 || words == n)) {
        /* nothing the lexicon uses: one character, word or not as a whole */
        return words ? SHI_MAP_WORD : 0;
    }
    if (k->nexpand + n > k->expand_cap) {
        uint32_t ncap = k->expand_cap * 2 + n + 64;
        uint32_t *q = realloc(k->expand, (size_t)ncap * sizeof *q);
        if (!q) {
            k->rc = SHAI_E_NOMEM;
            return 0;
        }
        k->expand = q;
        k->expand_cap = ncap;
    }
    if (k->nexpand > (SHI_MAP_SYM_MASK >> 5)) {
        k->rc = SHAI_E_TOO_LARGE;
        return 0;
    }
    uint32_t v = SHI_MAP_EXPAND | (k->nexpand << 5) | n;
    for (uint32_t i = 0; i < n; i++)
        k->expand[k->nexpand++] = unit_value(c, seq[i]);
    return v;
}

/* The value of a code point before its class and folds apply. */
static uint32_t identity_value(const shi_compile *c, uint32_t cp)
{
    return c->cp_sym[cp] | (shi_is_word_char(cp) ? SHI_MAP_WORD : 0) |
           (shi_is_word_char(cp) && !shi_is_digit(cp) ? SHI_MAP_LATIN : 0);
}

/* Where cp's value goes; NULL when its block is uniform. */
static uint32_t *value_at(const compose *k, uint32_t cp)
{
    uint32_t at = k->block_at[cp >> SHI_MAP_BLOCK_SHIFT];
    if (at == NO_BLOCK)
        return NULL;
    return k->full + ((size_t)at << SHI_MAP_BLOCK_SHIFT) + (cp & (SHI_MAP_BLOCK_SIZE - 1));
}

static void compose_range(uint32_t first, uint32_t last, uint8_t cls, void *user)
{
    compose *k = user;
    for (uint32_t cp = first; cp <= last; cp++) {
        uint32_t *v = value_at(k, cp);
        if (v)
            *v = compose_cls(k, cp, cls);
        else
            cp |= SHI_MAP_BLOCK_SIZE - 1; /* on to the next block */
    }
}

static void compose_cp(uint32_t cp, void *user)
{
    compose *k = user;
    *value_at(k, cp) = compose_cls(k, cp, shi_fold_class(cp)); /* mapped: a composed block */
}

/* Blocks inside one class range get its class; ranges that begin or end
 * inside a block make it a composed one. */
typedef struct block_classes {
    uint8_t *cls;
    uint32_t *block_at;
} block_classes;

static void classify_blocks(uint32_t first, uint32_t last, uint8_t cls, void *user)
{
    block_classes *bc = user;
    const uint32_t part = SHI_MAP_BLOCK_SIZE - 1;
    if (first & part)
        bc->block_at[first >> SHI_MAP_BLOCK_SHIFT] = 0;
    if ((last + 1) & part)
        bc->block_at[last >> SHI_MAP_BLOCK_SHIFT] = 0;
    /* the whole blocks: [first rounded up, last + 1 rounded down) */
    for (uint32_t blk = (first + part) >> SHI_MAP_BLOCK_SHIFT;
         blk < (last + 1) >> SHI_MAP_BLOCK_SHIFT; blk++)
        bc->cls[blk] = cls;
}

/* Marks the composed blocks in k->block_at (0, numbered after) and gives
 * each uniform block its value in uniform[]. */
static void plan_blocks(compose *k, uint32_t *uniform)
{
    shi_compile *c = k->c;
    uint8_t cls[NBLK];
    memset(cls, SHI_CLS_LETTER, sizeof cls);
    for (uint32_t blk = 0; blk < NBLK; blk++)
        k->block_at[blk] = blk < SHI_WORD_CHAR_LIMIT >> SHI_MAP_BLOCK_SHIFT ? 0 : NO_BLOCK;
    block_classes bc = {cls, k->block_at};
    shi_fold_each_class_range(classify_blocks, &bc);
    const uint32_t words_per_block = SHI_MAP_BLOCK_SIZE / 64;
    for (uint32_t blk = 0; blk < NBLK; blk++)
        for (uint32_t w = 0; w < words_per_block; w++)
            if (c->mapped[blk * words_per_block + w])
                k->block_at[blk] = 0;
    for (uint32_t sym = 1; sym < c->nsym; sym++)
        k->block_at[c->db->sym_cp[sym] >> SHI_MAP_BLOCK_SHIFT] = 0;
    for (uint32_t blk = 0; blk < NBLK; blk++) {
        uint32_t cp = blk << SHI_MAP_BLOCK_SHIFT;
        if (k->block_at[blk] == NO_BLOCK)
            uniform[blk] =
                cls[blk] == SHI_CLS_LETTER ? identity_value(c, cp) : compose_cls(k, cp, cls[blk]);
    }
}

int shi_build_map(shi_compile *c)
{
    shai_db *db = c->db;
    uint32_t *block_at = malloc(NBLK * sizeof *block_at);
    uint32_t *uniform = malloc(NBLK * sizeof *uniform);
    if (!block_at || !uniform) {
        free(block_at);
        free(uniform);
        return SHAI_E_NOMEM;
    }
    compose k = {.c = c, .block_at = block_at};
    plan_blocks(&k, uniform);
    uint32_t ncomposed = 0;
    for (uint32_t blk = 0; blk < NBLK; blk++)
        if (block_at[blk] != NO_BLOCK)
            block_at[blk] = ncomposed++;
    uint32_t *full = malloc(((size_t)ncomposed << SHI_MAP_BLOCK_SHIFT) * sizeof *full);
    if (!full) {
        free(block_at);
        free(uniform);
        free(k.expand);
        return SHAI_E_NOMEM;
    }
    k.full = full;
    /* identity, then classes, then every code point a stage maps */
    for (uint32_t blk = 0; blk < NBLK; blk++)
        if (block_at[blk] != NO_BLOCK)
            for (uint32_t i = 0; i < SHI_MAP_BLOCK_SIZE; i++) {
                uint32_t cp = (blk << SHI_MAP_BLOCK_SHIFT) | i;
                full[((size_t)block_at[blk] << SHI_MAP_BLOCK_SHIFT) | i] = identity_value(c, cp);
            }
    shi_fold_each_class_range(compose_range, &k);
    shi_fold_each_mapped(compose_cp, &k);
    /* the separator glyphs are noise whatever their class (all in the BMP,
     * composed code point by code point) */
    for (size_t i = 0; i < sizeof separator_glyphs / sizeof separator_glyphs[0]; i++)
        *value_at(&k, separator_glyphs[i]) = compose_cls(&k, separator_glyphs[i], SHI_CLS_NOISE);
    if (k.rc) {
        free(full);
        free(block_at);
        free(uniform);
        free(k.expand);
        return k.rc;
    }
    db->expand = k.expand;
    db->nexpand = k.nexpand;

    /* identical blocks stored once, in the order they first occur */
    uint16_t *stage1 = malloc(SHI_MAP_STAGE1_SIZE * sizeof *stage1);
    uint32_t cap2 = 64;
    uint32_t *stage2 = malloc(((size_t)cap2 << SHI_MAP_BLOCK_SHIFT) * sizeof *stage2);
    uint32_t table_cap = 8192;
    uint32_t *table = calloc(table_cap, sizeof *table); /* hash -> unique index + 1 */
    uint32_t same[SHI_MAP_BLOCK_SIZE];
    /* the uniform values met so far and their unique block */
    uint32_t seen_value[8], seen_at[8], nseen = 0;
    int rc = stage1 && stage2 && table ? SHAI_OK : SHAI_E_NOMEM;
    uint32_t nuniq = 0;
    for (uint32_t blk = 0; blk < SHI_MAP_STAGE1_SIZE && !rc; blk++) {
        const uint32_t *v = same;
        if (block_at[blk] != NO_BLOCK) {
            v = full + ((size_t)block_at[blk] << SHI_MAP_BLOCK_SHIFT);
        } else {
            uint32_t s = 0;
            while (s < nseen && seen_value[s] != uniform[blk])
                s++;
            if (s < nseen) {
                stage1[blk] = (uint16_t)seen_at[s];
                continue;
            }
            for (uint32_t i = 0; i < SHI_MAP_BLOCK_SIZE; i++)
                same[i] = uniform[blk];
        }
        uint32_t h = 2166136261u;
        for (uint32_t i = 0; i < SHI_MAP_BLOCK_SIZE; i++)
            h = (h ^ v[i]) * 16777619u;
        uint32_t slot = h & (table_cap - 1);
        for (;;) {
            if (!table[slot]) {
                if (nuniq == cap2) {
                    cap2 *= 2;
                    uint32_t *q =
                        realloc(stage2, ((size_t)cap2 << SHI_MAP_BLOCK_SHIFT) * sizeof *q);
                    if (!q) {
                        rc = SHAI_E_NOMEM;
                        break;
                    }
                    stage2 = q;
                }
                memcpy(stage2 + ((size_t)nuniq << SHI_MAP_BLOCK_SHIFT), v,
                       SHI_MAP_BLOCK_SIZE * sizeof *v);
                table[slot] = nuniq + 1;
                stage1[blk] = (uint16_t)nuniq++;
                break;
            }
            uint32_t u = table[slot] - 1;
            if (memcmp(stage2 + ((size_t)u << SHI_MAP_BLOCK_SHIFT), v,
                       SHI_MAP_BLOCK_SIZE * sizeof *v) == 0) {
                stage1[blk] = (uint16_t)u;
                break;
            }
            slot = (slot + 1) & (table_cap - 1);
        }
        if (!rc && v == same && nseen < 8) {
            seen_value[nseen] = uniform[blk];
            seen_at[nseen++] = stage1[blk];
        }
    }
    free(table);
    free(full);
    free(block_at);
    free(uniform);
    if (rc) {
        free(stage1);
        free(stage2);
        return rc;
    }
    uint32_t *fit = realloc(stage2, ((size_t)nuniq << SHI_MAP_BLOCK_SHIFT) * sizeof *fit);
    if (fit)
        stage2 = fit;
    db->map_stage1 = stage1;
    db->map_stage2 = stage2;
    db->map_nblocks = nuniq;
    return SHAI_OK;
}
