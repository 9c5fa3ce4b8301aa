/* The compiled db: immutable arrays shared by the build, scan, policy and
 * (later) serialization stages. Every array is addressed by index, never by
 * pointer into another array, so the whole db can be written to a file. */
#ifndef SHAI_DB_H
#define SHAI_DB_H

#include <stddef.h>
#include <stdint.h>

#include "shai.h"

/* Character map value: dense symbol id (0 = not in the lexicon's alphabet)
 * plus class bits. */
#define SHI_MAP_SYM_MASK 0x003FFFFFu
#define SHI_MAP_WORD (1u << 24)   /* Latin letter or digit (boundary rule) */
#define SHI_MAP_NOISE (1u << 25)  /* may be skipped between characters of an entry */
#define SHI_MAP_IGNORE (1u << 26) /* folds to nothing: invisible to the matcher */
#define SHI_MAP_BREAK (1u << 27)  /* line break, control, invalid byte: no hit spans it */
/* noise that begins an entry (#话题): only in map_bmp (shi_db_prepare),
 * where the root loop sends it to the general step inside a match */
#define SHI_MAP_LEADS (1u << 22)
/* noise that is a boundary in some positions (shi_mark_kind: #topic#, //@,
 * brackets and quotes): the general step decides, the fast loops stop */
#define SHI_MAP_MARK (1u << 23)
/* folds to several units: the symbol field is (offset << 5) | length in
 * db->expand */
#define SHI_MAP_EXPAND (1u << 28)
/* clause punctuation (，。、：…): noise only right after a Latin letter
 * (f.u.c.k), a boundary between Chinese characters (日：您 is not 日您) */
#define SHI_MAP_SEP (1u << 29)
/* a Latin letter (a word character that is not a digit) */
#define SHI_MAP_LATIN (1u << 30)
/* a gated regular-expression rule can begin with the character: only in
 * the copy of map_bmp that shi_rules_map derives, never in a saved db */
#define SHI_MAP_RULE (1u << 31)

#define SHI_MAP_BLOCK_SHIFT 8
#define SHI_MAP_BLOCK_SIZE (1u << SHI_MAP_BLOCK_SHIFT)
#define SHI_MAP_STAGE1_SIZE (0x110000u >> SHI_MAP_BLOCK_SHIFT)

/* Entry boundary bits. */
#define SHI_BOUND_START 0x1u
#define SHI_BOUND_END 0x2u

/* Largest SHAI_OPT_MAX_GAP (documented in shai.h). */
#define SHI_MAX_GAP 16

#define SHI_NO_STRING UINT32_MAX
#define SHI_ROOT 0u
#define SHI_EMPTY_CHECK UINT32_MAX

/* One double-array slot = one automaton state (or a free slot): the part
 * every step reads, kept small for the cache. The top bit of base says the
 * state has outputs, so a step needs no other load to know it. */
#define SHI_SLOT_BASE 0x7FFFFFFFu
#define SHI_SLOT_OUT 0x80000000u
typedef struct shi_slot {
    uint32_t base;  /* children of this state live at base + symbol */
    uint32_t check; /* parent state, SHI_EMPTY_CHECK for a free slot */
} shi_slot;

/* The part of a state read on a mismatch or a hit. */
typedef struct shi_link {
    uint32_t fail; /* Aho-Corasick failure state */
    uint32_t out;  /* head of the output list in db->outs, 0 = none */
} shi_link;

/* Output list node: an entry that ends in this state; lists share tails. */
typedef struct shi_out {
    uint32_t entry;
    uint32_t next; /* 0 ends the list */
} shi_out;

/* Per symbol: the root's child on it. The scanner's root loop steps from
 * the root (or a child of the root) with one load of this table; derived
 * from the slots when a db is compiled or opened, never stored. */
#define SHI_NO_CHILD 0xFFFFFFFEu /* never a check value */
typedef struct shi_rootc {
    uint32_t base; /* the child's base (SHI_SLOT_OUT included), 0 without a child */
    uint32_t id;   /* the child, or SHI_NO_CHILD */
} shi_rootc;

/* 16 bytes: what a scan reads of an entry. Tags and suggestions, which only
 * shai_db_entry_info reads, are in db->notes. */
typedef struct shi_entry {
    uint32_t text;     /* offset of the NUL-terminated text in strings */
    uint32_t category; /* category id */
    uint16_t text_len; /* bytes (at most SHI_MAX_RULE_BYTES) */
    uint8_t action;    /* SHAI_ACTION_REVIEW / _BLOCK */
    uint8_t flags;     /* SHAI_ENTRY_* */
    uint8_t bound;     /* SHI_BOUND_* */
    uint8_t units;     /* length in automaton steps */
    uint16_t variants; /* SHI_VMASK_* bits: the variant kinds the entry may be written in */
} shi_entry;

/* Variant kinds an entry opts into (shi_entry.variants): bit SHAI_VARIANT_*
 * of each kind, and SHI_VMASK_NEAR for near-homophones. */
#define SHI_VMASK(kind) (1u << (kind))
#define SHI_VMASK_NEAR (1u << 11)
#define SHI_VMASK_ALL 0x0BFEu /* kinds 1..9 and near */
#define SHI_VMASK_STANDARD                                                                         \
    (SHI_VMASK(SHAI_VARIANT_PINYIN) | SHI_VMASK(SHAI_VARIANT_HOMOPHONE) |                          \
     SHI_VMASK(SHAI_VARIANT_SPLIT) | SHI_VMASK(SHAI_VARIANT_EMOJI) |                               \
     SHI_VMASK(SHAI_VARIANT_LEET) | SHI_VMASK(SHAI_VARIANT_WILDCARD) |                             \
     SHI_VMASK(SHAI_VARIANT_INSERT))

_Static_assert(SHI_VMASK_STANDARD == SHAI_VARIANTS_STANDARD && SHI_VMASK_ALL == SHAI_VARIANTS_ALL &&
                   SHI_VMASK_NEAR == SHAI_VARIANTS_NEAR,
               "the public variant masks");

/* The variant trie (lib/variant): one node per prefix of the units of the
 * entries variants apply to, children after their parent. A node's edges
 * are [edge, next node's edge) in vedges (by unit, sorted by code point),
 * [redge, next's redge) in vredges (by reading of the child's unit: one
 * edge per reading, sorted by SHI_VKEY), [nedge, next's nedge) in vnedges
 * (by near-homophone key, children under near entries only) and its
 * entries [out, next's out) in vouts; the last node is a sentinel that only
 * closes the ranges. */
typedef struct shi_vnode {
    uint32_t cp;      /* the unit of the edge into this node (folded) */
    uint32_t edge;    /* first child in vedges */
    uint32_t redge;   /* first child in vredges */
    uint32_t nedge;   /* first child in vnedges */
    uint32_t out;     /* first entry in vouts */
    uint16_t below;   /* OR of the variants of the entries at and below the node */
    uint16_t depth;   /* units from the root */
    uint16_t read[4]; /* readings of cp (shi_reading), 0 after the last */
    /* a filter of what a child of the node is written as: bit
     * shi_vbloom_bit(key) for its unit, each of its readings and near keys
     * (SHI_VKEY_*); a walk does not try a character none of whose keys is
     * set. Any value is safe to scan with. */
    uint64_t bloom[2];
} shi_vnode;

/* Keys of the variant filters: a code point, a reading, a near key. */
#define SHI_VKEY_READING 0x80000000u
#define SHI_VKEY_NEAR 0x40000000u
static inline uint32_t shi_vbloom_bit(uint32_t key)
{
    return (uint32_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 57); /* 0..127 */
}
/* The bit of the pair filter (vpair, nvpair words, a power of 2) for the
 * reading r of a first unit and the key of a second one. */
static inline uint64_t shi_vpair_bit(uint32_t r, uint32_t key, uint32_t nwords)
{
    uint64_t h = (((uint64_t)r << 32) | key) * 0xD6E8FEB86659FD93ull;
    return (h ^ (h >> 32)) & ((uint64_t)nwords * 64 - 1);
}

/* The variant prefilter (lib/variant/filter.c), derived from the trie
 * when a db is compiled and saved with it (derived again on open when the
 * file's was made with other tables): what a character of the text, folded,
 * can be in a variant match. A variant match writes some unit another
 * way, so it holds a "trigger": a Latin letter or digit, a wildcard, an
 * emoji, another character outside Han and punctuation, the first half of
 * a split pair, or the first of two Han characters (noise between) whose
 * keys (readings, near keys; the character itself when it has no reading)
 * are those of two adjacent units of an entry that takes homophones.
 * Lines without one are not walked, and a walk starts only near one.
 * Bits per code point of the BMP (a character above it is looked at each
 * time). */
#define SHI_VF_PAIR_BITS 19
#define SHI_VF_TRIG 1u           /* a trigger by itself */
#define SHI_VF_UNIT 2u           /* neither trigger nor noise: a unit as itself or a homophone */
#define SHI_VF_FIRST 4u          /* one of its keys is one of the first unit of a homophone pair */
#define SHI_VF_SECOND 8u         /* ... of the second */
#define SHI_VF_SPLIT 16u         /* the first half of a split pair that makes a unit */
#define SHI_VF_SPLIT2 32u        /* the second half of one */
#define SHI_VF_IGNORE 3u         /* TRIG | UNIT: not in the folded text at all */
#define SHI_VF_FIRST_EXACT 64u   /* as itself, the first unit of a homophone pair */
#define SHI_VF_SECOND_EXACT 128u /* ... the second */
#define SHI_VF_BIGRAM_BITS 21
typedef struct shi_vfilter {
    uint8_t flags[0x10000]; /* SHI_VF_* of each code point of the BMP */
    /* hashed (unit, next unit) of the trie's edges: two characters of the
     * text that are no such pair are not both in a match as themselves */
    uint64_t bigram[(size_t)1 << (SHI_VF_BIGRAM_BITS - 6)];
    uint64_t pair[(size_t)1 << (SHI_VF_PAIR_BITS - 6)]; /* hashed key pairs */
    /* hashed (key, key) of the same pairs: an insertion between two homophones */
    uint64_t keys2[(size_t)1 << (SHI_VF_PAIR_BITS - 6)];
    uint32_t depth; /* the most units of an entry of the trie */
    uint32_t near;  /* some entry takes near-homophones: near keys count */
    uint32_t kinds; /* SHI_VMASK_* of the kinds some entry takes */
    uint32_t mixed; /* some entry has a Latin unit next to one that may be pinyin */
    uint64_t la_before[2], la_after[2]; /* those Latin units (ASCII), before and after it */
    uint64_t syl[8]; /* toneless syllables (ids) of units some pinyin entry has */
    /* the code points of the BMP some fold stage changes: the others are
     * their own fold (shi_variant_fold_free) */
    uint64_t mapped[0x10000 / 64];
} shi_vfilter;

static inline uint64_t shi_vf_pair_hash(uint32_t k1, uint32_t k2);
static inline uint32_t shi_vf_bigram_bit(uint32_t a, uint32_t b)
{
    return (uint32_t)(shi_vf_pair_hash(a, b) >> (64 - SHI_VF_BIGRAM_BITS));
}

/* The two bits of the pair filter for keys k1 then k2 (both are set). */
static inline uint64_t shi_vf_pair_hash(uint32_t k1, uint32_t k2)
{
    uint64_t x = ((uint64_t)k1 << 32) | k2; /* MurmurHash3's finalizer */
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ull;
    return x ^ (x >> 33);
}
#define SHI_VF_PAIR_BIT1(h) ((uint32_t)((h) >> (64 - SHI_VF_PAIR_BITS)))
#define SHI_VF_PAIR_BIT2(h) ((uint32_t)((h) >> 20) & ((1u << SHI_VF_PAIR_BITS) - 1))

typedef struct shi_vedge {
    uint32_t key;   /* code point, or SHI_VKEY reading key */
    uint32_t child; /* node index, greater than the parent's */
} shi_vedge;

/* An entry's initials (the first letters of its syllables), for the
 * `initials` option; sorted by letters. */
#define SHI_VINIT_MAX 12
typedef struct shi_vinit {
    uint32_t entry;
    char letters[SHI_VINIT_MAX]; /* NUL-padded, lowercase a-z */
} shi_vinit;

#define SHI_ENTRY_MAX_TEXT UINT16_MAX

/* The tag and suggestion of an entry that has either, sorted by entry. */
typedef struct shi_note {
    uint32_t entry;
    uint32_t tag;        /* offset in strings or SHI_NO_STRING */
    uint32_t suggestion; /* offset in strings or SHI_NO_STRING */
} shi_note;

/* Where each entry of a compiled db was written (shai_db_entry_source): one
 * allocation, the arrays and names following the struct. A saved db has
 * none. */
typedef struct shi_sources {
    const uint32_t *file; /* per entry: offset of its source's name, or SHI_NO_STRING */
    const uint32_t *line; /* per entry */
    const char *names;
} shi_sources;

/* A scorer (lib/score, docs/lexicon-format.md "Scorers"): a linear model
 * over the n-grams of a folded line; its n-gram table is the open-addressing
 * hash table db->score_slots[first, first + nslots), nslots a power of two
 * with at least one empty slot. */
typedef struct shi_scorer {
    uint32_t name;     /* offset of its name in strings */
    uint32_t category; /* offset of the category name of its flags in strings */
    uint32_t first;    /* its first slot in score_slots */
    uint32_t nslots;   /* a power of two, or 0 */
    float bias;        /* a line's score before its n-grams */
    float threshold;   /* a line at or over it that names a target is flagged */
    uint32_t nweights; /* n-grams with a weight (statistics) */
    uint32_t ntargets; /* n-grams that are targets (statistics) */
} shi_scorer;

/* One n-gram of a scorer: key 0 is an empty slot (shi_score_key). */
typedef struct shi_sslot {
    uint64_t key;
    float weight;
    uint32_t flags; /* SHI_SSLOT_* (score/score.h) */
} shi_sslot;

/* The db's arrays, one line each: X(ID, field, type, count), count being
 * the number of elements, an expression of `db` (of counts only, known
 * before the array is read). This list declares the fields of struct
 * shai_db and drives their sizes, serialization, the bounds checks on open,
 * shai_db_size and shai_db_free: a new array is one line here and its
 * producer in build/compile.c (and, when its count is new, that count).
 *
 * The stored arrays are the sections of a saved db, in file order
 * (docs/db-format.md): a new one changes the file format (SHI_FORMAT in
 * io/dbfile.c). */
#define SHI_DB_STORED(X)                                                                           \
    /* character map: two stages of SHI_MAP_BLOCK_SIZE code points */                              \
    X(STAGE1, map_stage1, uint16_t, SHI_MAP_STAGE1_SIZE) /* block numbers */                       \
    X(STAGE2, map_stage2, uint32_t, (uint64_t)db->map_nblocks << SHI_MAP_BLOCK_SHIFT)              \
    X(EXPAND, expand, uint32_t, db->nexpand) /* map values of the units of multi-unit folds */     \
    /* automaton */                                                                                \
    X(SLOTS, slots, shi_slot, db->nslots)                                                          \
    X(LINKS, links, shi_link, db->nslots)                                                          \
    X(DEPTH, depth, uint8_t, db->nslots) /* length of each state's string */                       \
    X(OUTS, outs, shi_out, db->nouts)                                                              \
    /* entries */                                                                                  \
    X(ENTRIES, entries, shi_entry, db->nentries)                                                   \
    X(STRINGS, strings, char, (uint64_t)db->strings_len + 1)                                       \
    X(CATEGORIES, categories, uint32_t, db->ncategories) /* category id -> offset in strings */    \
    X(SYMCP, sym_cp, uint32_t, db->nsym)                 /* symbol -> folded code point */         \
    X(NOTES, notes, shi_note, db->nnotes)                /* entries with a tag or a suggestion */  \
    /* scenes: scene id -> offset of its name in strings; per scene, per                           \
     * category, SHAI_SCENE_OFF, SHAI_ACTION_REVIEW, _BLOCK or SHAI_SCENE_KEEP */                  \
    X(SCENES, scenes, uint32_t, db->nscenes)                                                       \
    X(SCENE_ACTIONS, scene_actions, uint8_t, (uint64_t)db->nscenes * db->ncategories)              \
    /* per scene, per variant kind (SHAI_VARIANT_*): SHAI_SCENE_OFF, _ACTION_*, _KEEP */           \
    X(SCENE_VARIANTS, scene_variants, uint8_t, (uint64_t)db->nscenes *SHI_VKINDS)                  \
    /* the variant trie (lib/variant) */                                                           \
    X(VNODES, vnodes, shi_vnode, db->nvnodes)                                                      \
    X(VEDGES, vedges, shi_vedge, db->nvedges)                                                      \
    X(VREDGES, vredges, shi_vedge, db->nvredges)                                                   \
    X(VNEDGES, vnedges, shi_vedge, db->nvnedges)                                                   \
    X(VOUTS, vouts, uint32_t, db->nvouts)                                                          \
    X(VINIT, vinit, shi_vinit, db->nvinit)                                                         \
    /* the pair filter: (reading of a first unit, key of a second) */                              \
    X(VPAIR, vpair, uint64_t, db->nvpair)                                                          \
    /* the variant prefilter (shi_variant_prepare), derived when a db is compiled: one, with a     \
     * trie (none when homophones apply to too many pairs of units); the pairs of units of         \
     * homophone entries that no other pair of readings shares (sorted, a << 32 | b) */            \
    X(VFILTER, vfilter, shi_vfilter, db->nvfilter)                                                 \
    X(VSOLO, vsolo, uint64_t, db->nvsolo)                                                          \
    /* hashed pairs of characters (a << 32 | b) of the BMP that may be a unit as itself and a      \
     * homophone, or the reverse: one load where the keys would be read (none: 0 words) */         \
    X(VCHARS2, vchars2, uint64_t, db->nvchars2)                                                    \
    /* the scorers (lib/score): each, its n-gram slots, and per scene, per scorer,                 \
     * SHAI_SCENE_OFF, SHAI_ACTION_REVIEW or _BLOCK */                                             \
    X(SCORERS, scorers, shi_scorer, db->nscorers)                                                  \
    X(SCORE_SLOTS, score_slots, shi_sslot, db->nscore_slots)                                       \
    X(SCENE_SCORES, scene_scores, uint8_t, (uint64_t)db->nscenes * db->nscorers)

/* The arrays shi_db_prepare derives from the stored ones when a db is
 * compiled or opened: in the process's own memory, never saved. */
#define SHI_DB_DERIVED(X)                                                                          \
    X(ROOTC, rootc, shi_rootc, db->nsym)                                                           \
    X(MAP_BMP, map_bmp, uint32_t, 0x10000u) /* the map of U+0000..U+FFFF in one stage */           \
    /* the variant trie's root: child by symbol; first root redge by reading key */                \
    X(VROOT_SYM, vroot_sym, uint32_t, db->nsym)                                                    \
    X(VROOT_READ, vroot_read, uint32_t, db->nvroot_read)                                           \
    /* syllables of two adjacent units of a pinyin entry (below) */                                \
    X(VSYL_PAIRS, vsyl_pairs, uint64_t, db->vsyl_pairs ? SHI_VSYL_WORDS : 0)                       \
    /* the homophone pairs' context (filter.c, SHI_VCTX_WORDS) */                                  \
    X(VPAIR_CTX, vpair_ctx, uint64_t, db->vpair_ctx ? 2 * SHI_VCTX_WORDS : 0)                      \
    /* the letters of the initials' spellings (filter.c, SHI_VINIT_LETTER_WORDS) */                \
    X(VINIT_LETTERS, vinit_letters, uint64_t, db->vinit_letters ? SHI_VINIT_LETTER_WORDS : 0)      \
    /* the insertions' context (filter.c, SHI_VINS_WORDS) */                                       \
    X(VINS_CTX, vins_ctx, uint64_t, db->vins_ctx ? SHI_VINS_WORDS : 0)                             \
    /* the split units' context (filter.c, SHI_VSPLIT_WORDS) */                                    \
    X(VSPLIT_CTX, vsplit_ctx, uint64_t, db->vsplit_ctx ? SHI_VSPLIT_WORDS : 0)                     \
    /* the placeholders' context (filter.c, SHI_VWILD_WORDS) */                                    \
    X(VWILD_CTX, vwild_ctx, uint64_t, db->vwild_ctx ? SHI_VWILD_WORDS : 0)

/* The syllable pairs (db->vsyl_pairs), for the prefilter's test of a token
 * of pinyin, from every two adjacent units a, b of the entries that take
 * pinyin: bit shi_vsyl_pair_bit(x, y) of the first SHI_VSYL_PAIR_WORDS for
 * each syllable x of a's readings and y of b's; the same in the next
 * SHI_VSYL_PAIR_WORDS where b or a may be a homophone; then a filter of
 * 2^SHI_VSYL_CHAR_BITS bits (two a key, filter.c: key2_set) of (x, b) and
 * (a, y), a syllable beside a unit as itself; then a filter of
 * 2^SHI_VSYL_WHOLE_BITS bits of the same keys where a and b are all of an
 * entry. Syllables are ids below SHI_VSYL_MAX (variant/tables.h:
 * shi_py_nsyl; none are derived if it has more), so the pair bits are
 * exact. */
#define SHI_VSYL_MAX 512u
#define SHI_VSYL_PAIR_WORDS ((size_t)SHI_VSYL_MAX * SHI_VSYL_MAX / 64)
#define SHI_VSYL_CHAR_BITS 21
#define SHI_VSYL_WHOLE_BITS 16
#define SHI_VSYL_WHOLE (2 * SHI_VSYL_PAIR_WORDS + ((size_t)1 << (SHI_VSYL_CHAR_BITS - 6)))
#define SHI_VSYL_WORDS (SHI_VSYL_WHOLE + ((size_t)1 << (SHI_VSYL_WHOLE_BITS - 6)))
#define SHI_VSYL_TAG 0x40000000u /* marks a syllable in a (syllable, unit) key */
static inline uint32_t shi_vsyl_pair_bit(uint32_t a, uint32_t b)
{
    return a * SHI_VSYL_MAX + b;
}

/* The homophone pairs' context (db->vpair_ctx), for the prefilter: a filter
 * of SHI_VCTX_WORDS words of the pairs (unit or key, unit or key) that are
 * a whole entry of two units, then one of the units (and their keys) right
 * before or after a homophone pair in some longer entry. */
#define SHI_VCTX_BITS 16
#define SHI_VCTX_WORDS ((size_t)1 << (SHI_VCTX_BITS - 6))

/* The insertions' context (db->vins_ctx), for the prefilter: a filter of
 * 2^SHI_VINS_BITS bits (two a key, filter.c: key2_set) of each two adjacent
 * units a, c of the entries that take insertions, as themselves, with a
 * tag when they are a whole entry, and with each unit right before a or
 * after c in some entry (the key of its most common reading, which the
 * unit itself has too), on its side. */
#define SHI_VINS_BITS 21
#define SHI_VINS_WORDS ((size_t)1 << (SHI_VINS_BITS - 6))

/* The split units' context (db->vsplit_ctx), for the prefilter: a filter
 * of 2^SHI_VSPLIT_BITS bits (two a key) of each unit u of an entry that
 * takes split characters, that the split table composes, with each unit
 * right before or after it in some entry (the key of its most common
 * reading, which the unit itself has too), on its side, and with a tag when
 * u is a whole entry. */
#define SHI_VSPLIT_BITS 20
#define SHI_VSPLIT_WORDS ((size_t)1 << (SHI_VSPLIT_BITS - 6))

/* The placeholders' context (db->vwild_ctx), for the prefilter: a filter
 * of 2^SHI_VWILD_BITS bits (two a key) of the units a, d two apart in an
 * entry that takes wildcards (the keys of their most common readings),
 * and of each unit a followed by the last unit of such an entry, tagged:
 * the units either side of a placeholder for the unit between them, or of
 * one for the last. */
#define SHI_VWILD_BITS 18
#define SHI_VWILD_WORDS ((size_t)1 << (SHI_VWILD_BITS - 6))

/* The letters of the initials' spellings (db->vinit_letters), for the
 * prefilter: bit 26 * x + y for each letter y right after letter x in some
 * spelling, and bit 26 * 26 + x for each letter x in one (x, y: 0 for a).
 * A token none of whose letters and pairs of letters are set is in none. */
#define SHI_VINIT_LETTER_WORDS 11

/* Variant kinds, SHAI_VARIANT_NONE included: the size of a kind table. */
#define SHI_VKINDS 16u

#define SHI_DB_FIELD_(id, field, type, count) const type *field;
#define SHI_DB_ID_(id, field, type, count) SHI_SEC_##id,
#define SHI_DB_BYTES_(id, field, type, count) ((uint64_t)(count) * sizeof(type))

/* Section numbers: the stored arrays in file order. */
enum { SHI_DB_STORED(SHI_DB_ID_) SHI_SEC_COUNT };

/* Where a db's stored arrays live, and who releases them. */
#define SHI_ORIGIN_COMPILED 0 /* each its own allocation, freed with the db */
#define SHI_ORIGIN_BORROWED 1 /* in an image the caller keeps (SHAI_DB_BORROW) */
#define SHI_ORIGIN_COPY 2     /* in an image on the heap, freed with the db */
#define SHI_ORIGIN_MAPPED 3   /* in a mapped file, unmapped with the db */

struct shai_db {
    SHI_DB_STORED(SHI_DB_FIELD_)
    SHI_DB_DERIVED(SHI_DB_FIELD_)

    /* counts of the arrays */
    uint32_t map_nblocks;
    uint32_t nsym; /* symbols are 1..nsym-1 */
    uint32_t nexpand;
    uint32_t nslots;
    uint32_t nouts;
    uint32_t nentries;
    uint32_t nnotes;
    uint32_t strings_len;
    uint32_t ncategories;
    uint32_t nscenes;
    uint32_t nscorers, nscore_slots; /* scorers, and the slots of their tables */
    /* the variant trie: nodes (the sentinel included; 0 without a trie),
     * edges, entries, initials */
    uint32_t nvnodes, nvedges, nvredges, nvnedges, nvouts, nvinit, nvpair;
    uint32_t nvroot_read;  /* derived: reading keys of vroot_read */
    uint32_t vroot_lookup; /* derived: some root child has no symbol of its own */
    /* the variant prefilter: 0 or 1; pairs of vsolo; words of vchars2, a
     * power of 2, or 0 */
    uint32_t nvfilter, nvsolo, nvchars2;
    /* the prefilter was derived on open (the file's was made with other
     * tables): its three arrays are the db's own, freed with it */
    uint32_t vfilter_derived;

    void *rules; /* compiled regex rules (rules/rules.h), or NULL */
    /* frees rules; set with them (common does not include rules/) */
    void (*free_rules)(void *rules);
    size_t rules_bytes; /* memory the rules hold, set with them */

    /* matching options (SHAI_OPT_*) */
    uint32_t fold;
    uint32_t max_gap;
    uint32_t repeats;

    uint32_t has_exact;       /* some entry is SHAI_ENTRY_EXACT */
    char fold_version[64];    /* fold tables the db was compiled with */
    uint32_t max_units;       /* longest entry, in units */
    uint32_t max_allow_units; /* longest allow entry, 0 when there is none */
    /* the root loop decodes with PEXT: this CPU has it, and fast
     * (shi_db_prepare; lib/scan/fast.c) */
    uint32_t fast_pext;

    /* The derived arrays are the db's own, freed with it; the stored ones
     * as origin says: a db opened from an image points into it. */
    uint32_t origin;            /* SHI_ORIGIN_* */
    const unsigned char *image; /* the image, NULL for a compiled db */
    size_t image_len;
    shi_sources *sources; /* where entries were written; NULL for a saved db */
};

/* The size in bytes of each stored array of db (by its counts). */
void shi_db_section_sizes(const struct shai_db *db, uint64_t size[SHI_SEC_COUNT]);

/* Derives the in-memory tables of a compiled or opened db (SHI_DB_DERIVED;
 * see docs/db-format.md, "Tables derived on open"). */
int shi_db_prepare(struct shai_db *db);

/* The map value of code point cp < 0x110000 (the scan loops keep the two
 * stages in registers). */
static inline uint32_t shi_map_at(const uint16_t *stage1, const uint32_t *stage2, uint32_t cp)
{
    uint32_t block = stage1[cp >> SHI_MAP_BLOCK_SHIFT];
    return stage2[(block << SHI_MAP_BLOCK_SHIFT) | (cp & (SHI_MAP_BLOCK_SIZE - 1))];
}

static inline uint32_t shi_map(const struct shai_db *db, uint32_t cp)
{
    return cp < 0x110000u ? shi_map_at(db->map_stage1, db->map_stage2, cp) : 0;
}

/* The characters cp, of map value v, folds to as the regex rules see it:
 * none (ignorable, break), those of its expansion, or its symbol's (cp
 * itself outside the alphabet). Writes at most 31 to out; returns how many. */
static inline uint32_t shi_folded_chars(const struct shai_db *db, uint32_t cp, uint32_t v,
                                        uint32_t out[31])
{
    if (v & (SHI_MAP_IGNORE | SHI_MAP_BREAK))
        return 0;
    uint32_t at = 0, n = 1;
    if (v & SHI_MAP_EXPAND) {
        at = (v & SHI_MAP_SYM_MASK) >> 5;
        n = v & 31;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t sym = ((v & SHI_MAP_EXPAND) ? db->expand[at + i] : v) & SHI_MAP_SYM_MASK;
        out[i] = sym ? db->sym_cp[sym] : cp;
    }
    return n;
}

#endif
