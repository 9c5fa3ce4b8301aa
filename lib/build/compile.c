

/* Compilation: entries -> dense alphabet -> trie -> double-array
 * Aho-Corasick automaton with shared output lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/builder.h"
#include "common/db.h"
#include "rules/compile.h"
#include "unicode/charclass.h"
#include "unicode/fold.h"
#include "unicode/utf8.h"

#define NCP 0x110000u

typedef struct tnode {
    uint32_t first_child, last_child, next_sibling;
    uint32_t sym;
    uint32_t first_entry; /* entries ending here, linked through entry_next */
    uint32_t slot;        /* double-array slot once placed */
    uint32_t depth;
    uint32_t base; /* double-array base of the children once placed */
} tnode;

/* A state while the automaton is built; split into shi_slot + shi_link. */
typedef struct build_slot {
    uint32_t base, check, fail, out;
} build_slot;

/* Placement hints for nodes with many children, by number of children
 * (the last bucket: that many or more): where the last such node fit. The
 * first free slot is far behind them, in space only small nodes fit, so
 * their search starts a little before the hint instead. The db grows by
 * about 3 % (jieba 100k) and placement takes half the instructions. */
#define SHI_HINTS 64
#define SHI_HINT_MIN 15
#define SHI_HINT_SLACK 4096

typedef struct ctx {
    const shai_builder *b;
    shai_db *db;
    /* units of every entry, concatenated */
    uint32_t *units;
    uint32_t *unit_off; /* nentries + 1 */
    uint32_t *cp_sym;   /* folded code point -> symbol (NCP values) */
    uint32_t *cp_units; /* the units as code points, before symbol mapping */
    int has_rules;
    uint64_t *mapped; /* NCP bits: the code points some fold stage maps */
    uint32_t nsym;
    tnode *nodes;
    uint32_t nnodes, nodes_cap;
    uint32_t *entry_next;
    /* double array under construction */
    build_slot *slots;
    uint32_t slots_cap, slots_hi; /* hi: one past the highest used slot */
    uint32_t first_free;
    uint32_t hint[SHI_HINTS]; /* see SHI_HINTS */
    uint64_t *used;           /* one bit per slot, slots_cap bits: placement search */
    uint32_t *syms;           /* scratch: the children's symbols of one node */
    uint32_t *bfs;            /* trie nodes in BFS order */
} ctx;

static int is_mapped(const ctx *c, uint32_t cp)
{
    return (int)(c->mapped[cp >> 6] >> (cp & 63) & 1);
}

static void note_mapped(uint32_t cp, void *user)
{
    ctx *c = user;
    c->mapped[cp >> 6] |= UINT64_C(1) << (cp & 63);
}

/* Which code points the fold stages map, so that folding any other takes no
 * table search: a small compile then costs what the lexicon needs, not a
 * pass over every code point. */
static int build_fold_cache(ctx *c)
{
    c->mapped = calloc(NCP / 64, sizeof *c->mapped);
    if (!c->mapped)
        return SHAI_E_NOMEM;
    shi_fold_each_mapped(note_mapped, c);
    return SHAI_OK;
}

/* Folds cp, of class cls, into seq; returns the number of code points. */
static uint32_t fold_cp(const ctx *c, uint32_t cp, uint8_t cls, uint32_t *seq)
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
static int decode_entries(ctx *c)
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
static int build_alphabet(ctx *c)
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

static uint32_t unit_value(const ctx *c, uint32_t cp)
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
    ctx *c;
    uint32_t *full;     /* the values of the composed blocks */
    uint32_t *block_at; /* block -> its index in full, or NO_BLOCK if uniform */
    uint32_t *expand;
    uint32_t nexpand, expand_cap;
    int rc;
} compose;

/* The map value of one code point under the db's options. */
static uint32_t compose_cls(compose *k, uint32_t cp, uint8_t cls)
{
    ctx *c = k->c;
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
static uint32_t identity_value(const ctx *c, uint32_t cp)
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
    ctx *c = k->c;
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

static int build_map(ctx *c)
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

static uint32_t new_node(ctx *c, uint32_t sym, uint32_t depth)
{
    if (c->nnodes == c->nodes_cap) {
        uint32_t ncap = c->nodes_cap ? c->nodes_cap * 2 : 1024;
        tnode *q = realloc(c->nodes, (size_t)ncap * sizeof *q);
        if (!q)
            return 0;
        c->nodes = q;
        c->nodes_cap = ncap;
    }
    tnode *n = &c->nodes[c->nnodes];
    memset(n, 0, sizeof *n);
    n->sym = sym;
    n->depth = depth;
    n->first_entry = UINT32_MAX;
    return c->nnodes++;
}

typedef struct sort_key {
    const uint32_t *units;
    uint32_t len, entry;
} sort_key;

static int by_units(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    for (uint32_t i = 0; i < n; i++)
        if (x->units[i] != y->units[i])
            return x->units[i] < y->units[i] ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Trie from entries sorted by their units: a node's next child is always a
 * new last child, so insertion is linear in the total length. */
static int build_trie(ctx *c)
{
    uint32_t n = c->b->nentries;
    sort_key *order = malloc(((size_t)n + 1) * sizeof *order);
    c->entry_next = malloc(((size_t)n + 1) * sizeof *c->entry_next);
    if (!order || !c->entry_next) {
        free(order);
        return SHAI_E_NOMEM;
    }
    /* by first symbol (a counting sort), then each bucket by the rest */
    uint32_t *start = calloc((size_t)c->nsym + 1, sizeof *start);
    if (!start) {
        free(order);
        return SHAI_E_NOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = c->unit_off[i + 1] - c->unit_off[i];
        start[len ? c->units[c->unit_off[i]] + 1 : 0]++;
    }
    /* key 0: entries that fold to nothing; key sym + 1: first symbol sym */
    for (uint32_t key = 1; key <= c->nsym; key++)
        start[key] += start[key - 1]; /* the end of each bucket */
    for (uint32_t key = c->nsym; key > 0; key--)
        start[key] = start[key - 1]; /* ... made its start */
    start[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = c->unit_off[i + 1] - c->unit_off[i];
        uint32_t key = len ? c->units[c->unit_off[i]] + 1 : 0;
        order[start[key]++] = (sort_key){c->units + c->unit_off[i], len, i};
    }
    for (uint32_t key = 0, from = 0; key <= c->nsym; key++) {
        uint32_t to = start[key];
        if (to - from > 1)
            qsort(order + from, to - from, sizeof *order, by_units);
        from = to;
    }
    free(start);
    /* the root, node 0: new_node's 0 cannot tell that it failed */
    new_node(c, 0, 0);
    if (c->nnodes != 1) {
        free(order);
        return SHAI_E_NOMEM;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t e = order[k].entry;
        uint32_t node = 0;
        if (order[k].len == 0)
            continue; /* folds to nothing: can never match (shai lint reports it) */
        for (uint32_t i = c->unit_off[e]; i < c->unit_off[e + 1]; i++) {
            uint32_t sym = c->units[i];
            uint32_t lc = c->nodes[node].last_child;
            if (lc && c->nodes[lc].sym == sym) {
                node = lc;
                continue;
            }
            uint32_t child = new_node(c, sym, c->nodes[node].depth + 1);
            if (!child) {
                free(order);
                return SHAI_E_NOMEM;
            }
            if (lc)
                c->nodes[lc].next_sibling = child;
            else
                c->nodes[node].first_child = child;
            c->nodes[node].last_child = child;
            node = child;
        }
        /* entries with equal units arrive in index order: append */
        c->entry_next[e] = UINT32_MAX;
        if (c->nodes[node].first_entry == UINT32_MAX) {
            c->nodes[node].first_entry = e;
        } else {
            uint32_t t = c->nodes[node].first_entry;
            while (c->entry_next[t] != UINT32_MAX)
                t = c->entry_next[t];
            c->entry_next[t] = e;
        }
    }
    free(order);
    return SHAI_OK;
}

static int grow_slots(ctx *c, uint32_t need)
{
    if (need <= c->slots_cap)
        return SHAI_OK;
    uint64_t ncap = c->slots_cap ? c->slots_cap : 4096;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX / 2)
        return SHAI_E_TOO_LARGE;
    build_slot *q = realloc(c->slots, (size_t)ncap * sizeof *q);
    if (!q)
        return SHAI_E_NOMEM;
    c->slots = q;
    /* zero words past the array let a placement window read beyond it */
    size_t pad = c->nsym / 64 + 4;
    uint64_t *u = realloc(c->used, (size_t)(ncap / 64 + pad) * sizeof *u);
    if (!u)
        return SHAI_E_NOMEM;
    c->used = u;
    memset(u + c->slots_cap / 64, 0, ((size_t)(ncap - c->slots_cap) / 64 + pad) * sizeof *u);
    for (uint64_t i = c->slots_cap; i < ncap; i++)
        q[i] = (build_slot){0, SHI_EMPTY_CHECK, 0, 0};
    c->slots_cap = (uint32_t)ncap;
    return SHAI_OK;
}

/* The used bits of slots pos..pos+63, bit i for slot pos + i. Slots past
 * the array are free: the bitmap has zero words past its end for every
 * window a placement can try (base < slots_cap + 64, symbol < nsym). */
static inline uint64_t used_at(const ctx *c, uint64_t pos)
{
    const uint64_t *w = c->used + pos / 64;
    unsigned sh = (unsigned)(pos % 64);
    return (w[0] >> sh) | ((w[1] << 1) << (63 - sh));
}

/* The first free slot at or after i (slots past the array are free). */
static uint32_t next_free(const ctx *c, uint32_t i)
{
    uint32_t w = i / 64;
    if (i >= c->slots_cap)
        return i;
    uint64_t bits = ~c->used[w] & (~0ull << (i % 64));
    while (!bits) {
        if (++w >= c->slots_cap / 64)
            return c->slots_cap;
        bits = ~c->used[w];
    }
    return w * 64 + (uint32_t)__builtin_ctzll(bits);
}

/* Finds the first base for the children of trie node `n` and claims their
 * slots. Candidate bases are tested 64 at a time: a base fits when the slot
 * of every child is free, so the fitting bases of a window are the AND of
 * the free bits each child sees from it. */
static int place(ctx *c, uint32_t n)
{
    tnode *node = &c->nodes[n];
    uint32_t k = 0;
    for (uint32_t ch = node->first_child; ch; ch = c->nodes[ch].next_sibling)
        c->syms[k++] = c->nodes[ch].sym;
    uint32_t top = c->syms[k - 1];
    uint64_t base = 0;
    if (n != 0) {
        const uint32_t *sym = c->syms;
        uint32_t last = 0; /* the child that ruled out the last window */
        uint32_t h = k < SHI_HINTS ? k : SHI_HINTS - 1;
        uint64_t from = c->first_free;
        if (h >= SHI_HINT_MIN && c->hint[h] > from + SHI_HINT_SLACK)
            from = c->hint[h] - SHI_HINT_SLACK;
        for (base = from > sym[0] ? from - sym[0] : 0;; base += 64) {
            uint64_t fit = ~used_at(c, base + sym[last]);
            for (uint32_t i = 0; i < k && fit; i++) {
                fit &= ~used_at(c, base + sym[i]);
                if (!fit)
                    last = i;
            }
            if (fit) {
                base += (uint64_t)__builtin_ctzll(fit);
                break;
            }
        }
    }
    if (base + top >= UINT32_MAX / 2)
        return SHAI_E_TOO_LARGE;
    int rc = grow_slots(c, (uint32_t)base + top + 1);
    if (rc)
        return rc;
    node->base = (uint32_t)base;
    for (uint32_t ch = node->first_child; ch; ch = c->nodes[ch].next_sibling) {
        uint32_t s = node->base + c->nodes[ch].sym;
        c->used[s / 64] |= 1ull << (s % 64);
        c->nodes[ch].slot = s;
        if (s + 1 > c->slots_hi)
            c->slots_hi = s + 1;
    }
    {
        uint32_t h = k < SHI_HINTS ? k : SHI_HINTS - 1;
        c->hint[h] = (uint32_t)base + c->syms[0];
    }
    c->first_free = next_free(c, c->first_free);
    return SHAI_OK;
}

static uint32_t go(const ctx *c, uint32_t s, uint32_t sym)
{
    uint32_t t = c->slots[s].base + sym;
    return (t < c->slots_cap && c->slots[t].check == s) ? t : UINT32_MAX;
}

static int build_automaton(ctx *c)
{
    int rc = grow_slots(c, c->nsym + 1);
    if (rc)
        return rc;
    c->slots[SHI_ROOT].check = SHI_ROOT; /* the root is its own parent */
    c->used[0] |= 1;
    c->slots_hi = 1;
    c->first_free = 1;
    c->bfs = malloc((size_t)c->nnodes * sizeof *c->bfs);
    c->syms = malloc((size_t)c->nsym * sizeof *c->syms);
    if (!c->bfs || !c->syms)
        return SHAI_E_NOMEM;
    /* Level order: the order of placement, of parent links and of failure
     * links. */
    uint32_t head = 0, tail = 0;
    c->bfs[tail++] = 0;
    while (head < tail)
        for (uint32_t ch = c->nodes[c->bfs[head++]].first_child; ch; ch = c->nodes[ch].next_sibling)
            c->bfs[tail++] = ch;
    /* Children sets are placed in level order, each at the first base
     * where its whole pattern fits. (Largest-first placement measured no
     * denser and slower on the jieba 100k lexicon.) A node's own slot is
     * not needed to place its children; parents are linked afterwards. */
    for (uint32_t i = 0; i < c->nnodes; i++)
        if (c->nodes[c->bfs[i]].first_child && (rc = place(c, c->bfs[i])))
            return rc;
    c->nodes[0].slot = SHI_ROOT;
    for (uint32_t i = 0; i < c->nnodes; i++) {
        const tnode *node = &c->nodes[c->bfs[i]];
        if (!node->first_child)
            continue;
        c->slots[node->slot].base = node->base;
        for (uint32_t ch = node->first_child; ch; ch = c->nodes[ch].next_sibling)
            c->slots[c->nodes[ch].slot].check = node->slot;
    }
    /* Every base + symbol must stay inside the array: no bounds check at
     * scan time. */
    uint32_t nslots = c->slots_hi;
    for (uint32_t i = 0; i < c->slots_hi; i++)
        if (c->slots[i].check != SHI_EMPTY_CHECK && c->slots[i].base + c->nsym > nslots)
            nslots = c->slots[i].base + c->nsym;
    if ((rc = grow_slots(c, nslots)))
        return rc;

    /* Failure links and output lists, in BFS order. */
    uint32_t nent = c->b->nentries;
    shi_out *outs = malloc(((size_t)nent + 1) * sizeof *outs);
    uint8_t *depth = calloc(nslots, 1);
    if (!outs || !depth) {
        free(outs);
        free(depth);
        return SHAI_E_NOMEM;
    }
    c->db->outs = outs;
    c->db->depth = depth;
    uint32_t nouts = 1;
    outs[0] = (shi_out){0, 0};
    for (uint32_t k = 0; k < c->nnodes; k++) {
        tnode *node = &c->nodes[c->bfs[k]];
        uint32_t s = node->slot;
        depth[s] = (uint8_t)node->depth;
        uint32_t fail = SHI_ROOT;
        if (node->depth > 1) {
            uint32_t f = c->slots[c->slots[s].check].fail;
            for (;;) {
                uint32_t t = go(c, f, node->sym);
                if (t != UINT32_MAX) {
                    fail = t;
                    break;
                }
                if (f == SHI_ROOT)
                    break;
                f = c->slots[f].fail;
            }
        }
        c->slots[s].fail = fail;
        uint32_t out = node->depth ? c->slots[fail].out : 0;
        /* own entries first (in index order), then the fail state's; every
         * node links to a smaller index, so no list can loop */
        uint32_t k_own = 0;
        for (uint32_t e = node->first_entry; e != UINT32_MAX; e = c->entry_next[e])
            k_own++;
        uint32_t j = 0;
        for (uint32_t e = node->first_entry; e != UINT32_MAX; e = c->entry_next[e], j++) {
            uint32_t at = nouts + k_own - 1 - j;
            outs[at] = (shi_out){e, j + 1 == k_own ? out : at - 1};
        }
        if (k_own) {
            out = nouts + k_own - 1;
            nouts += k_own;
        }
        c->slots[s].out = out;
    }
    c->db->nouts = nouts;
    shi_slot *hot = malloc((size_t)nslots * sizeof *hot);
    shi_link *cold = malloc((size_t)nslots * sizeof *cold);
    c->db->slots = hot;
    c->db->links = cold;
    if (!hot || !cold)
        return SHAI_E_NOMEM;
    for (uint32_t i = 0; i < nslots; i++) {
        hot[i] =
            (shi_slot){c->slots[i].base | (c->slots[i].out ? SHI_SLOT_OUT : 0), c->slots[i].check};
        cold[i] = (shi_link){c->slots[i].fail, c->slots[i].out};
    }
    c->db->nslots = nslots;
    return SHAI_OK;
}

static int build_entries(ctx *c)
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
static int build_scenes(ctx *c)
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
    db->scenes = names;
    db->scene_actions = actions;
    if (!names || !actions)
        return SHAI_E_NOMEM;
    size_t at = (size_t)db->strings_len + 1;
    for (uint32_t i = 0; i < b->nscenes; i++) {
        const shi_bscene *sc = &b->scenes[i];
        size_t n = strlen(sc->name) + 1;
        memcpy(strings + at, sc->name, n);
        names[i] = (uint32_t)at;
        at += n;
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
static int build_sources(ctx *c)
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
    ctx c = {.b = b};
    c.db = calloc(1, sizeof *c.db);
    if (!c.db)
        return SHAI_E_NOMEM;
    int rc = build_fold_cache(&c);
    if (!rc)
        rc = decode_entries(&c);
    if (!rc)
        rc = build_alphabet(&c);
    if (!rc)
        rc = build_trie(&c);
    if (!rc)
        rc = build_automaton(&c);
    if (!rc)
        rc = build_map(&c);
    if (!rc)
        rc = build_entries(&c);
    if (!rc)
        rc = build_scenes(&c);
    if (!rc)
        rc = build_sources(&c);
    c.db->nsym = c.nsym;
    if (!rc)
        rc = shi_db_prepare(c.db);
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
