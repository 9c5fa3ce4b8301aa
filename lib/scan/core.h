/* What every step of the scanner shares, inline: the ring, the automaton's
 * transitions, the noise test and the horizon of a state. Beneath the
 * selection, the loops and the general step alike (scanner.h). */
#ifndef SHAI_SCAN_CORE_H
#define SHAI_SCAN_CORE_H

#include "common/latin.h"
#include "scan/scanner.h"
#include "unicode/charclass.h"
#include "unicode/utf8.h"
#include "variant/tables.h"

#define RING_MASK (SHI_RING - 1)

static inline shi_unit *ring_at(shi_scanner *sc, uint64_t u)
{
    return &sc->ring[u & RING_MASK];
}

/* The first unit a match in state s can still start at, after u units
 * (the root's depth is 0). */
static inline uint64_t match_from(const uint8_t *depth, uint64_t u, uint32_t s)
{
    return u > depth[s] ? u - depth[s] : 0;
}

/* Where the last character of unit u starts: its last copy when a doubled
 * character joined it (a bracket after “偷偷 is not after one bracketed
 * character). */
static inline uint64_t unit_last_start(const shi_unit *u)
{
    return (u->prev_word & SHI_PREV_DOUBLED) ? u->start + u->raw : u->start;
}

/* A digit: a word character that is not a Latin letter. */
static inline int is_digit_value(uint32_t v)
{
    return (v & SHI_MAP_WORD) && !(v & SHI_MAP_LATIN);
}

/* Whether the unit of symbol `sym` is a digit (no noise is skipped between
 * two digits). */
static inline int unit_is_digit(const shai_db *db, uint32_t sym)
{
    return sym && shi_is_digit(db->sym_cp[sym]);
}

/* What the characters after a topic mark, p[0..n), say of it: another
 * topic mark within SHI_TOPIC_LOOK characters before a break (it opens a
 * topic), or a break, the look-ahead's end or (final) the text's end first
 * (a lone `#`, as in 赌#博); not yet known when the bytes end first. */
enum { SHI_TOPIC_LONE, SHI_TOPIC_OPENS, SHI_TOPIC_UNKNOWN };
static inline int shi_topic_ahead(const shai_db *db, const unsigned char *p, size_t n, int final)
{
    size_t x = 0;
    for (uint32_t k = 0; k < SHI_TOPIC_LOOK; k++) {
        if (x >= n)
            return final ? SHI_TOPIC_LONE : SHI_TOPIC_UNKNOWN;
        uint32_t cp;
        size_t need, len = shi_utf8_decode(p + x, n - x, &cp, &need);
        if (need)
            return final ? SHI_TOPIC_LONE : SHI_TOPIC_UNKNOWN;
        if (cp >= 0x110000u || ((cp < 0x10000 ? db->map_bmp[cp] : shi_map(db, cp)) & SHI_MAP_BREAK))
            return SHI_TOPIC_LONE;
        if (shi_mark_kind(cp) == SHI_MARK_TOPIC)
            return SHI_TOPIC_OPENS;
        x += len;
    }
    return SHI_TOPIC_LONE;
}

/* Where the topic mark at offset off is among the decided ones (the
 * first ntopic, at most SHI_TOPIC_CACHE), or -1. */
static inline int topic_at(const shi_scanner *sc, uint64_t off)
{
    uint32_t n = sc->ntopic < SHI_TOPIC_CACHE ? sc->ntopic : SHI_TOPIC_CACHE;
    for (uint32_t i = 0; i < n; i++)
        if (sc->topic_off[i] == off + 1)
            return (int)i;
    return -1;
}

/* A topic mark at [off, off + len) of the current write, fresh from it,
 * that a reading inside a match may ask about: decided once, from the bytes
 * after it (the write leaves an undecided one to the next,
 * shi_scanner_feed), and kept for the readings that ask. Not when the line
 * has had a `#`: then it ends a match anyway. */
static __attribute__((noinline, unused)) void topic_note(shi_scanner *sc, uint64_t off,
                                                         uint32_t len)
{
    if (sc->line_topic || topic_at(sc, off) >= 0)
        return;
    int open = 0;
    if (sc->ahead && off + len >= sc->ahead_base && off + len <= sc->ahead_base + sc->ahead_n) {
        size_t at = (size_t)(off + len - sc->ahead_base);
        open = shi_topic_ahead(sc->db, sc->ahead + at, sc->ahead_n - at, sc->ahead_final) ==
               SHI_TOPIC_OPENS;
    }
    uint32_t i = sc->ntopic++ % SHI_TOPIC_CACHE;
    if (sc->ntopic == 2 * SHI_TOPIC_CACHE)
        sc->ntopic = SHI_TOPIC_CACHE; /* full; the next goes in at 0 again */
    sc->topic_off[i] = off + 1;
    sc->topic_open[i] = (uint8_t)open;
}

/* Whether the topic mark at offset off opens a topic (topic_note). */
static __attribute__((noinline, unused)) int topic_opens(const shi_scanner *sc, uint64_t off)
{
    int i = topic_at(sc, off);
    return i >= 0 && sc->topic_open[i];
}

/* A mark (SHI_MAP_MARK) seen in the root state, ending at byte `end`: only
 * recorded, for the decisions inside a later match (mark_stops in step.c). */
static inline void mark_record(shi_scanner *sc, uint32_t cp, uint64_t end)
{
    switch (shi_mark_kind(cp)) {
    case SHI_MARK_TOPIC:
        sc->line_topic = 1;
        break;
    case SHI_MARK_SLASH:
        sc->slash_end = end;
        break;
    case SHI_MARK_PAIR:
        sc->pair_end = end;
        break;
    default:
        break;
    }
}

/* A mark at [off, off + len) that noise skipping would skip inside a match
 * whose last unit starts at byte `last`: records it, and says whether it
 * ends the match instead. A `#` once the line has had one (it closes a
 * topic or opens the next) or that another follows closely (it opens one:
 * topic_note), the `@` of `//@`, and a bracket or quote unless
 * the last unit came right after one (【赌】【博】: every character of the
 * entry inside its own pair; sc->pair_ok approves the rest of that gap). */
static inline int mark_stops(shi_scanner *sc, uint32_t cp, uint64_t off, uint32_t len,
                             uint64_t last)
{
    int stop = 0;
    switch (shi_mark_kind(cp)) {
    case SHI_MARK_TOPIC:
        stop = sc->line_topic || topic_opens(sc, off);
        sc->line_topic = 1;
        break;
    case SHI_MARK_AT:
        stop = off && sc->slash_end == off;
        break;
    case SHI_MARK_SLASH:
        sc->slash_end = off + len;
        break;
    case SHI_MARK_PAIR:
        stop = sc->pair_ok != last + 1 && !(sc->pair_end && last == sc->pair_end);
        if (!stop)
            sc->pair_ok = last + 1;
        sc->pair_end = off + len;
        break;
    }
    return stop;
}

static inline uint32_t go(const shi_slot *slots, uint32_t s, uint32_t sym)
{
    uint32_t t = (slots[s].base & SHI_SLOT_BASE) + sym;
    return slots[t].check == s ? t : SHI_ROOT;
}

/* The Aho-Corasick step from state s on `sym` (0: a character outside the
 * alphabet, back to the root). A failure chain is at most as long as the
 * longest entry; the bound keeps a crafted db file (whose failure links are
 * checked to be in bounds, not to reach the root) from looping. */
static inline uint32_t delta(const shi_slot *slots, const shi_link *links, uint32_t s, uint32_t sym)
{
    if (!sym)
        return SHI_ROOT;
    for (uint32_t steps = 0;; steps++) {
        uint32_t t = (slots[s].base & SHI_SLOT_BASE) + sym;
        if (slots[t].check == s)
            return t;
        if (s == SHI_ROOT || steps > SHAI_MAX_ENTRY_CODEPOINTS)
            return SHI_ROOT;
        s = links[s].fail;
    }
}

/* Whether the character with map value v is noise skipped inside a match in
 * state s: not when it continues the match or starts an entry of its own
 * (／, #tag), and clause punctuation only right after a Latin letter. */
static inline int noise_skipped(const shi_slot *slots, uint32_t s, uint32_t v, int last_latin)
{
    uint32_t sym = v & SHI_MAP_SYM_MASK;
    return (v & SHI_MAP_NOISE) && s != SHI_ROOT &&
           !(sym && (go(slots, s, sym) != SHI_ROOT || go(slots, SHI_ROOT, sym) != SHI_ROOT)) &&
           (!(v & SHI_MAP_SEP) || last_latin);
}

/* Whether noise with map value v, inside a match in state s, is one that
 * noise_skipped refuses only because an entry could take it (赌%, #话题):
 * then the scanner defers the choice (step.c). Not noise that folds to a
 * letter or a character (⒦ is k, ⻩ is 黄): that is taken as before. */
static inline int noise_taken(const shai_db *db, uint32_t s, uint32_t v, int last_latin)
{
    uint32_t sym = v & SHI_MAP_SYM_MASK;
    return (v & SHI_MAP_NOISE) && s != SHI_ROOT && sym &&
           (go(db->slots, s, sym) != SHI_ROOT || go(db->slots, SHI_ROOT, sym) != SHI_ROOT) &&
           (!(v & SHI_MAP_SEP) || last_latin) && (shi_map(db, db->sym_cp[sym]) & SHI_MAP_NOISE);
}

/* Noise that separates two words (docs/lexicon-format.md, "Matching
 * rules"): a hit across a gap is not reported when the character next to
 * the gap, with the text's character on the far side of the hit's
 * boundary, makes a common two-character word (弹|性 服务, 安静.坐|落), as
 * the variant layer guards homophones (shi_word_pair). Unit bits:
 * prev_word's SHI_PREV_GAP (noise follows the unit, whose `before` is the
 * character before it; the word test waits for a hit across the gap,
 * join_prev) and next_word's SHI_NEXT_JOIN (select.h). */
#define SHI_NEXT_JOIN 4

/* The folded form of a text character with map value v, for the word
 * test: its symbol's character, or its fold outside the alphabet. */
static inline uint32_t join_fold(const shai_db *db, uint32_t cp, uint32_t v)
{
    uint32_t sym = v & SHI_MAP_SYM_MASK;
    return sym ? db->sym_cp[sym] : shi_variant_fold_free(db, cp);
}

/* Whether the text characters a then b (as written; map values va, vb)
 * make a common two-character word. */
static inline int join_pair(const shai_db *db, uint32_t a, uint32_t va, uint32_t b, uint32_t vb)
{
    const uint32_t other = SHI_MAP_WORD | SHI_MAP_NOISE | SHI_MAP_IGNORE | SHI_MAP_BREAK |
                           SHI_MAP_EXPAND | SHI_MAP_LATIN;
    if ((va | vb) & other)
        return 0; /* Han characters only */
    a = join_fold(db, a, va);
    b = join_fold(db, b, vb);
    return shi_is_han(a) && shi_is_han(b) && shi_word_pair(a, b);
}

/* The folded character a step to state t (not the root) took: the symbol
 * it was reached on. */
static inline uint32_t unit_char_of(const shai_db *db, uint32_t t)
{
    const shi_slot *slots = db->slots;
    return db->sym_cp[t - (slots[slots[t].check].base & SHI_SLOT_BASE)];
}

/* The folded character of a unit. */
static inline uint32_t unit_char(const shai_db *db, const shi_unit *u)
{
    return unit_char_of(db, u->state);
}

/* Whether entry e is written with noise (轮*功): noise in a hit may then be
 * its own, and the word test across noise does not apply. */
static inline int entry_has_noise(const shai_db *db, const shi_entry *e)
{
    const unsigned char *t = (const unsigned char *)db->strings + e->text;
    for (size_t k = 0; k < e->text_len;) {
        uint32_t cp;
        size_t need;
        k += shi_utf8_decode(t + k, e->text_len - k, &cp, &need);
        if (shi_map(db, cp) & SHI_MAP_NOISE)
            return 1;
    }
    return 0;
}

/* Characters that double into an ordinary word (妈妈 爸爸 奶奶 宝宝 …):
 * never joined as repeats, and a two-character entry that ends with one
 * that the text doubles is not a hit (他妈妈, 你奶奶). Kinship terms and
 * 宝: what the bundled corpora double after a hit of a two-character entry
 * (docs/lexicon-format.md). */
static inline int redup_char(uint32_t cp)
{
    static const uint32_t chars[] = {0x5988, 0x7238, 0x5976, 0x7237, 0x59D0, 0x54E5, 0x5F1F,
                                     0x59B9, 0x5B9D, 0x53D4, 0x59D1, 0x8205, 0x5A46, 0x59E5};
    for (size_t i = 0; i < sizeof chars / sizeof chars[0]; i++)
        if (cp == chars[i])
            return 1;
    return 0;
}

/* Whether a doubled character (v) joins the unit before it in state s,
 * which has no transition on it. Not when the failure links lead to a
 * match of two or more units through it (鸡鸡 in 小鸡鸡 while 小鸡巴 is
 * matched, 机机歪歪 in 干机机歪歪): a Chinese character then starts or
 * continues that match instead. A Latin letter still joins, since a
 * stretched letter is the common evasion (shiiiit), unless the failure
 * links come back to s itself: a run of one letter (xxx in XXXX) is not
 * stretched. A hit that ends in the joined unit still leaves its last copy
 * to a neighbour that starts there (select.c, SHI_UNIT_DOUBLED). */
static inline int repeat_joins(const shai_db *db, uint32_t s, uint32_t v)
{
    uint32_t t = delta(db->slots, db->links, s, v & SHI_MAP_SYM_MASK);
    if (db->depth[t] <= 1)
        return 1;
    return (v & SHI_MAP_LATIN) && t != s;
}

/* A doubled character (v) right after its unit, in state s, which has no
 * transition on it, neither noise nor a digit: whether it joins the unit
 * (the rest of step.c's test, for the fast loop). */
static __attribute__((noinline, unused)) int doubled_joins_at(const shai_db *db, uint32_t s,
                                                              uint32_t v)
{
    return !redup_char(db->sym_cp[v & SHI_MAP_SYM_MASK]) && repeat_joins(db, s, v);
}

/* A doubled character at [off, off + len) joins unit `prev`, its last copy
 * (SHI_UNIT_DOUBLED: where the copy starts is kept in raw). */
static inline void unit_join_copy(shi_unit *prev, uint64_t off, uint32_t len)
{
    prev->end = off + len;
    prev->single = SHI_UNIT_DOUBLED;
    prev->prev_word |= SHI_PREV_DOUBLED;
    prev->raw = (uint32_t)(off - prev->start); /* where the last copy starts */
}

/* The last two characters before p[i] (sc->recent's order), those before
 * p[i0] from sc->recent: between p[i0] and p[i] the loops take no
 * ignorable and no break (i0 moves past one), and only whole sequences. */
static inline void recent_before(const shi_scanner *sc, const unsigned char *p, size_t i0, size_t i,
                                 uint32_t out[2])
{
    uint32_t got[2];
    unsigned k = 0;
    while (k < 2 && i > i0) {
        size_t j = i - 1;
        while (j > i0 && (p[j] & 0xC0) == 0x80)
            j--;
        shi_utf8_decode_valid(p + j, &got[k++]);
        i = j;
    }
    uint32_t r0 = sc->recent[0], r1 = sc->recent[1];
    out[0] = k > 0 ? got[0] : r0;
    out[1] = k > 1 ? got[1] : k > 0 ? r0 : r1;
}

/* Brings sc->recent up to date with the characters a loop took (scanner.h,
 * recent_from). */
static inline void recent_sync(shi_scanner *sc)
{
    recent_before(sc, sc->recent_from, 0, (size_t)(sc->recent_to - sc->recent_from), sc->recent);
    sc->recent_to = NULL;
}

/* At the first noise after unit u, whose character came right after
 * `before` (0: none, a break or the text's start): records it. */
static inline void gap_mark(shi_scanner *sc, uint64_t u, uint32_t before)
{
    if (before) {
        shi_unit *uu = ring_at(sc, u);
        uu->before = before;
        uu->prev_word |= SHI_PREV_GAP;
    }
}

/* Whether unit s, followed by noise, makes a word with the character
 * before it (a hit from s across that noise joins two words). */
static inline int join_prev(const shai_db *db, const shi_unit *us)
{
    uint32_t a = unit_char(db, us);
    return (us->prev_word & SHI_PREV_GAP) &&
           join_pair(db, us->before, shi_map(db, us->before), a, shi_map(db, a));
}

/* The next_word bit of unit f, now that the character after it (cp, map
 * value v) is known: SHI_NEXT_JOIN when noise came before the unit and its
 * character makes a word with cp. */
static inline int join_next(shi_scanner *sc, uint64_t f, uint32_t cp, uint32_t v)
{
    const shi_unit *uf = ring_at(sc, f);
    if (!(uf->prev_word & SHI_PREV_SKIP) || (v & (SHI_MAP_WORD | SHI_MAP_NOISE)))
        return 0;
    const shai_db *db = sc->db;
    uint32_t a = unit_char(db, uf);
    return join_pair(db, a, shi_map(db, a), cp, v) ? SHI_NEXT_JOIN : 0;
}

#endif
