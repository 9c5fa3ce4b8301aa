/* Variant matching (docs/lexicon-format.md, "Variants"): entries written
 * another way than their folded selves — pinyin, initials, homophones,
 * split characters, emoji, leet, wildcards, inserted letters, digit
 * syllables — found in the folded text of one line.
 *
 * The trie (built here from the entries' folded units, stored in the db as
 * the V* sections of common/db.h) holds every entry variants apply to: at
 * least 2 units, not exact, and either some variant kinds (deny or allow)
 * or an allow entry (matched as itself, it covers variant hits). Each node
 * indexes its children twice: by unit (exact, split, emoji, leet) and by
 * reading of the unit (homophones, pinyin, digits), plus by near-homophone
 * key under near entries. The matcher walks it from every character of the
 * line, depth first, each character standing for a child in every way its
 * class allows; where an entry ends, its options and the guards decide. The
 * caller (lib/scan) applies scenes, allow coverage and selection. */
#ifndef SHAI_VARIANT_H
#define SHAI_VARIANT_H

#include <stddef.h>
#include <stdint.h>

#include "common/db.h"

/* Build: the trie of db's entries, whose folded units are
 * cp_units[unit_off[i] .. unit_off[i + 1]); db->entries is set. */
int shi_variant_build(shai_db *db, const uint32_t *cp_units, const uint32_t *unit_off);

/* Whether an opened db's variant sections are sound: every index in
 * bounds, children after their parents, entries that may have variants. */
int shi_variant_valid(const shai_db *db);

/* One character of a line's folded text: its code point, the original
 * bytes it came from, and whether the original was an uppercase letter. */
typedef struct shi_vchar {
    uint64_t start, end;
    uint32_t cp;
    uint8_t upper;
    uint8_t trig; /* a trigger of the prefilter (shi_variant_filter_mark) */
} shi_vchar;

/* A match: entry `entry` at original [start, end), kind SHAI_VARIANT_*
 * (SHAI_VARIANT_NONE: the entry as itself, which the caller needs for allow
 * coverage and to drop variant hits an exact one holds). */
typedef struct shi_vhit {
    uint64_t start, end;
    uint32_t entry;
    uint32_t kind;
    uint32_t word; /* the default mode's selection (lib/scan/variants.c): a word */
} shi_vhit;

/* Room in the matcher itself for a short line: no allocation. */
#define SHI_VLINE_INLINE 128u
#define SHI_VHITS_INLINE 32u
#define SHI_VUNIT_WORDS 8u /* the size of match.c's per-character record, in uint64_t */

/* The matcher's storage, kept from one line to the next. */
typedef struct shi_vmatcher {
    void *units; /* per character of the line (match.c) */
    size_t units_cap;
    shi_vhit *hits;
    size_t nhits, hits_cap;
    int nomem;
    uint64_t units_inline[SHI_VLINE_INLINE * SHI_VUNIT_WORDS];
    shi_vhit hits_inline[SHI_VHITS_INLINE];
} shi_vmatcher;

/* Grows *buf, of *cap elements of `size` bytes, which starts as the
 * storage at `inline_buf`, to hold n; 0 when out of memory. */
int shi_vgrow(void **buf, size_t *cap, const void *inline_buf, size_t n, size_t size);

void shi_vmatcher_init(shi_vmatcher *m);
void shi_vmatcher_release(shi_vmatcher *m);

/* Ways of shi_variant_match: a vertical run; starts near triggers only. */
#define SHI_VMATCH_VERTICAL 1
#define SHI_VMATCH_TRIGGERS 2

/* Finds the matches that start at chars[from..to) of chars[0..n) (a line
 * or a window of one, the others its context; or with SHI_VMATCH_VERTICAL
 * one character per line of a vertical run: then a match with no other
 * kind is SHAI_VARIANT_VERTICAL) into m->hits[0..m->nhits). With
 * SHI_VMATCH_TRIGGERS (chars[].trig marked by shi_variant_filter_mark), the
 * walk starts only where a variant match, or a match as itself that
 * overlaps one, can start: near a trigger. Returns SHAI_OK or
 * SHAI_E_NOMEM. */
int shi_variant_match(shi_vmatcher *m, const shai_db *db, const shi_vchar *chars, size_t n,
                      size_t from, size_t to, int how);

/* The prefilter (common/db.h, shi_vfilter; filter.c). Derives db->vfilter
 * from the trie, when a db with one is compiled or opened (none when
 * homophones apply to so many pairs of units that nearly every line would
 * pass it): SHAI_OK or SHAI_E_NOMEM. */
int shi_variant_prepare(shai_db *db);
/* Whether the prefilter of an opened db (stored in the file) can be
 * scanned with: its sizes, and vsolo sorted. Any bits are safe to scan
 * with; wrong ones give wrong hits, never a read out of bounds. */
int shi_variant_filter_valid(const shai_db *db);
/* Whether the line p[0..n) (original bytes, valid UTF-8, no break) holds a
 * trigger: when it does not, no variant match is in it. */
int shi_variant_filter_bytes(const shai_db *db, const unsigned char *p, size_t n);

/* Derives the prefilter's syllable pairs (common/db.h, vsyl_pairs) for a
 * db compiled or opened: NULL without a prefilter, or when no entry takes
 * pinyin. */
int shi_variant_derive(shai_db *db);
/* Marks the triggers of c[0..n) (a line's characters, folded, or a window
 * of them) in c[].trig; returns how many there are. */
size_t shi_variant_filter_mark(const shai_db *db, shi_vchar *c, size_t n);

/* A unit or counter character after a number (元 块 年 月 号 楼 …): no
 * letter or digit before it is an insertion (3号楼). */
int shi_variant_is_counter(uint32_t cp);

/* The fold of a character the segment leaves as it is (one outside the
 * db's alphabet: no symbol, no expansion), or cp itself when it is in the
 * alphabet or folds to other than one character: the segment folds the
 * alphabet only, the variant layer the rest where it needs them (ｄｕ is du,
 * 雖 of 弓雖 is 虽). */
uint32_t shi_variant_fold_free(const shai_db *db, uint32_t cp);

/* The spellings of initials a db's vinit holds per entry, at most: one
 * per choice among its characters' readings with other first letters. */
#define SHI_VINIT_SPELLINGS 8

/* Sets position pos of the spellings keys[0..*n) to the first letter of
 * cp's readings, adding a spelling for each other first letter while there
 * are fewer than SHI_VINIT_SPELLINGS; 0 when cp has no reading. */
int shi_vinit_letter(char keys[][SHI_VINIT_MAX], uint32_t *n, uint32_t pos, uint32_t cp);

/* The entries of db->vinit whose initials are key[0..SHI_VINIT_MAX)
 * (NUL-padded): the first index, and *end past the last. */
uint32_t shi_vinit_find(const shai_db *db, const char *key, uint32_t *end);
/* The child of trie node `node` (0: the root) for code point cp, as
 * itself (folded as the segment folds it), or 0. */
uint32_t shi_vtrie_child(const shai_db *db, uint32_t node, uint32_t cp);
/* Whether the token t[0..k) (lowercase letters and digits) spells a whole
 * entry that takes pinyin, from the trie's root, each unit as one syllable
 * of its readings (its tone digit after it or not); 1 also where the walk
 * would take too long to tell. */
int shi_vtrie_pinyin_whole(const shai_db *db, const char *t, size_t k);

/* Whether the lowercase letters t[0..k) are initials inside those of some
 * entry of db->vinit, next to a character of it equal to `before` (the Han
 * character before them in the text, else 0) or `after` (0 if none): the
 * matcher may read them with the characters around (牛B). Any, for a db
 * with very many such entries. */
int shi_vinit_holds(const shai_db *db, const char *t, size_t k, uint32_t before, uint32_t after);

/* Han ideograph (the blocks the readings cover). */
static inline int shi_is_han(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x3134F) || (cp >= 0xF900 && cp <= 0xFAFF);
}

#endif
