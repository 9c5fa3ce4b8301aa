/* The general step, which takes every character and every feature, and
 * feed and finish, which hand the common case to the fast loops
 * (scanner.h). */
#include <string.h>

#include "scan/core.h"
#if SHI_FAST_PATHS
#include "scan/fast.h"
#endif
#include "scan/select.h"
#include "rules/rules.h"
#include "unicode/charclass.h"
#include "unicode/utf8.h"

int shi_scanner_ready(shi_scanner *sc)
{
    if (!sc->may_alloc)
        shi_scanner_storage(sc);
    return shi_seg_ready(&sc->seg);
}

void shi_scanner_start(shi_scanner *sc, const shai_db *db, uint32_t flags, shai_hit_fn fn,
                       void *user)
{
    memset(sc, 0, offsetof(shi_scanner, ring));
    sc->db = db;
    sc->flags = flags & ~SHI_SCAN_APART_FLAGS;
    sc->pext = db->fast_pext && !(flags & SHI_SCAN_NO_PEXT);
    sc->variants = db->nvnodes && !(flags & SHAI_SCAN_NO_VARIANTS);
    sc->vertical = sc->variants && (flags & SHAI_SCAN_VERTICAL);
    sc->seg_on = db->rules || sc->variants;
    sc->fn = fn;
    sc->user = user;
    sc->state = SHI_ROOT;
    /* both readings: in overlapping scans, with violations only where no
     * allow hit can cover a shadow's hit and no verdict is asked for */
    sc->both =
        (flags & SHAI_SCAN_OVERLAPPING) && !(flags & SHI_SCAN_ONE_READING) &&
        (!(flags & SHAI_SCAN_VIOLATIONS) || (!db->max_allow_units && !(flags & SHI_SCAN_VERDICT)));
    const uint32_t *m = db->rules ? shi_rules_map(db) : NULL;
    sc->bmp = m ? m : db->map_bmp;
    sc->lazy = m != NULL;
    if (!sc->seg_on) {
        /* no line segment: what the scan reads of it */
        sc->seg.src = NULL;
        sc->seg.status = SHAI_OK;
        sc->seg.nheld = 0;
        return;
    }
    if (!sc->may_alloc)
        shi_scanner_storage(sc);
    shi_seg_start(&sc->seg, db, (flags & SHAI_SCAN_VIOLATIONS) != 0, shi_rule_hit, sc, &sc->status);
    if (sc->variants) {
        sc->seg.piece = shi_variant_piece;
        sc->seg.want_upper = 1;
        /* the prefilter: lines without a trigger are not written for it */
        if (!sc->vertical && !(flags & SHI_SCAN_NO_VFILTER) && db->vfilter)
            sc->seg.want = shi_variant_want;
    }
}

void shi_scanner_release(shi_scanner *sc)
{
    if (!sc->may_alloc)
        return; /* no scan had a line segment: nothing allocated */
    shi_seg_release(&sc->seg);
    shi_variant_release(sc);
}

/* Lazily, at a line break [off, off + len): the line's segment is written
 * when a rule can begin somewhere in the line, else dropped. */
static void lazy_line_end(shi_scanner *sc, uint64_t off, uint32_t len)
{
    shi_seg_line_end(&sc->seg, (sc->attn & SHI_MAP_RULE) || (sc->variants && !sc->seg.want), off,
                     len);
    sc->attn = 0;
}

static void reset(shi_scanner *sc)
{
    sc->state = SHI_ROOT;
    sc->last_sym = 0;
    sc->gap = 0;
    if (sc->unit > sc->horizon || sc->status)
        shi_advance(sc, sc->unit);
}

/* Noise that an entry takes
 * ========================
 * Noise inside a match is skipped, but an entry may begin or end with noise
 * (#话题, +v, 赌%, 100%): then a character such as `#` inside 赌#博 can be
 * skipped (赌博) or taken (#话题), and taking it always, as the scanner once
 * did, hid every entry across that character. So the choice is deferred:
 * the scanner follows the skip reading through the gap, writing no unit
 * and reporting nothing, records the characters (at most SHI_DEFER_MAX),
 * and then looks ahead at the characters past the gap with the automaton
 * alone. The skip reading wins as soon as it has a hit across the gap (its
 * word boundaries and scene checked; one that needs a boundary after it
 * waits for the next character); the take reading wins as soon as the skip
 * reading's match no longer reaches back across the gap, and when the
 * look-ahead ends without a hit (a break, a doubled character, a mark that
 * ends the match, SHI_DEFER_MAX, the end of the text). The winner is
 * replayed from the recorded characters: the take reading from where the
 * gap began, taking the noise that began it (any later noise may defer a
 * choice of its own); the skip reading from past the gap, skipping such
 * noise as the look-ahead did (replaying == 2). Where both readings give a
 * hit, the skip reading's wins: 赌%博 gives 赌%博 for 赌博, not also 赌% for
 * 赌% (but overlapping scans report both, "Both readings" below). Noise that folds to a letter or
 * character (⒦) is not deferred. The fast loops leave such noise, and every character while a
 * choice is deferred, to the general step. */
static void step_char(shi_scanner *sc, uint32_t cp, uint32_t v, uint64_t off, uint32_t len);

/* sc->recent after the character cp (map value v). */
static inline void recent_put(shi_scanner *sc, uint32_t cp, uint32_t v)
{
    if (v & SHI_MAP_IGNORE)
        return;
    sc->recent[1] = v & SHI_MAP_BREAK ? 0 : sc->recent[0];
    sc->recent[0] = v & SHI_MAP_BREAK ? 0 : cp;
}

static void defer_save(shi_scanner *sc, shi_defer_snap *d)
{
    d->slash_end = sc->slash_end;
    d->pair_end = sc->pair_end;
    d->pair_ok = sc->pair_ok;
    d->gap = sc->gap;
    d->last_word = sc->last_word;
    d->last_is_unit = sc->last_is_unit;
    d->skipped = sc->skipped;
    d->last_digit = sc->last_digit;
    d->last_dot = sc->last_dot;
    d->line_topic = sc->line_topic;
    d->recent[0] = sc->recent[0];
    d->recent[1] = sc->recent[1];
}

static void defer_restore(shi_scanner *sc, const shi_defer_snap *d)
{
    sc->slash_end = d->slash_end;
    sc->pair_end = d->pair_end;
    sc->pair_ok = d->pair_ok;
    sc->gap = d->gap;
    sc->last_word = d->last_word;
    sc->last_is_unit = d->last_is_unit;
    sc->skipped = d->skipped;
    sc->last_digit = d->last_digit;
    sc->last_dot = d->last_dot;
    sc->line_topic = d->line_topic;
    sc->recent[0] = d->recent[0];
    sc->recent[1] = d->recent[1];
}

/* Both readings
 * =============
 * An overlapping scan promises every hit, so the reading a deferred choice
 * loses still reports its own (scanner.h, shi_shadow). Where a reading
 * skips noise that an entry could take (the skip reading that won, a
 * shadow, noise the skip reading's look-ahead skipped, noise the main
 * reading skips that only the failure links take), a shadow reading
 * takes it: a copy of the automaton state and of the last units' starts,
 * fed every later character after the main reading, reporting only the hits
 * that hold the unit it took (the others are the main reading's), held
 * until no hit of the main reading sorts before them (select.c). It ends
 * once its match no longer reaches back to that unit, at a break, an
 * expansion, a mark that ends a match or a gap past max_gap. A shadow keeps
 * the rules of the main reading: the word test across noise, and a doubled
 * character read whole (repeats). The take reading that wins has no hit of
 * the skip reading to miss: it wins only once that reading's match no
 * longer reaches back across the gap, or its hit joins two words. */
/* Whether noise v that a reading in state s skips could be taken by an
 * entry instead: noise_taken, or noise that only the failure links take
 * (中* after Ｚ中, with Ｚ中 and 中* entries). */
static int noise_takeable(const shai_db *db, uint32_t s, uint32_t v, int last_latin)
{
    if (noise_taken(db, s, v, last_latin))
        return 1;
    uint32_t sym = v & SHI_MAP_SYM_MASK;
    return sym && noise_skipped(db->slots, s, v, last_latin) &&
           delta(db->slots, db->links, s, sym) != SHI_ROOT &&
           (shi_map(db, db->sym_cp[sym]) & SHI_MAP_NOISE);
}

static int shadow_mark_stops(const shi_scanner *sc, uint32_t cp, uint64_t off, uint64_t last)
{
    switch (shi_mark_kind(cp)) {
    case SHI_MARK_TOPIC:
        return sc->line_topic || topic_opens(sc, off);
    case SHI_MARK_AT:
        return off && sc->slash_end == off;
    case SHI_MARK_PAIR:
        return sc->pair_ok != last + 1 && !(sc->pair_end && last == sc->pair_end);
    default:
        return 0;
    }
}

/* shi_shadow.bits of a unit: the character before it is a word character;
 * its character makes a word with the one before it (join_prev); nothing
 * was skipped between the unit before and it (shi_unit.prev_word: SHI_PREV_SKIP). */
#define SHI_SHADOW_WORD_BEFORE 1
#define SHI_SHADOW_JOINS_BEFORE 2
#define SHI_SHADOW_ADJACENT 4

/* The outputs of a shadow's last unit that hold the unit it took, now that
 * the character after it is known (cp, map value v; SHI_MAP_BREAK: none).
 * The word test across noise as in selection (core.h, SHI_PREV_GAP): a hit
 * whose first unit makes a word with the character before it, noise
 * following, or whose last unit, after noise, makes one with cp. */
static void shadow_resolve(shi_scanner *sc, shi_shadow *h, uint32_t cp, uint32_t v)
{
    const shai_db *db = sc->db;
    h->pending = 0;
    uint8_t last_bits = h->bits[(h->n - 1) & (SHI_SHADOW_UNITS - 1)];
    int joins_next = -1; /* the last unit and cp: not asked yet */
    for (uint32_t o = db->links[h->state].out; o; o = db->outs[o].next) {
        uint32_t entry = db->outs[o].entry;
        const shi_entry *e = &db->entries[entry];
        if (e->units < h->k || e->units > h->n || (e->flags & SHAI_ENTRY_EXACT))
            continue;
        if ((e->bound & SHI_BOUND_END) && (v & SHI_MAP_WORD))
            continue;
        uint32_t first = (h->n - e->units) & (SHI_SHADOW_UNITS - 1);
        if ((e->bound & SHI_BOUND_START) && (h->bits[first] & SHI_SHADOW_WORD_BEFORE))
            continue;
        if (e->units > 1) {
            uint8_t second = h->bits[(first + 1) & (SHI_SHADOW_UNITS - 1)];
            int across =
                (h->bits[first] & SHI_SHADOW_JOINS_BEFORE) && !(second & SHI_SHADOW_ADJACENT);
            if (!across && !(last_bits & SHI_SHADOW_ADJACENT) &&
                !(v & (SHI_MAP_WORD | SHI_MAP_NOISE))) {
                if (joins_next < 0) {
                    uint32_t a = db->sym_cp[h->last_sym];
                    joins_next = join_pair(db, a, shi_map(db, a), cp, v);
                }
                across = joins_next;
            }
            if (across && !entry_has_noise(db, e))
                continue;
        }
        if (e->bound == (SHI_BOUND_START | SHI_BOUND_END) && e->units > 1) {
            /* noise inside a Latin word, as in selection (latin_word_ok) */
            uint64_t skips = 0;
            for (uint32_t i = 1; i < e->units && i < 64; i++)
                if (!(h->bits[(first + i) & (SHI_SHADOW_UNITS - 1)] & SHI_SHADOW_ADJACENT))
                    skips |= 1ull << i;
            if (skips && !shi_latin_gaps_ok(db, e, skips))
                continue;
        }
        if (sc->scene && !shi_scene_action(sc, e))
            continue;
        shi_shadow_hit(sc, h->start[first], h->last_end, entry);
    }
}

/* A shadow takes the character cp at [off, off + len) as a unit; 0 when
 * its match then no longer reaches back to the unit it took. */
static int shadow_unit(shi_scanner *sc, shi_shadow *h, uint32_t cp, uint32_t v, uint64_t off,
                       uint32_t len)
{
    const shai_db *db = sc->db;
    uint32_t s = h->state;
    if (h->gap && h->last_digit && is_digit_value(v))
        s = SHI_ROOT;
    s = delta(db->slots, db->links, s, v & SHI_MAP_SYM_MASK);
    h->k++;
    if (s == SHI_ROOT || db->depth[s] < h->k || h->k > SHI_SHADOW_UNITS)
        return 0;
    uint32_t at = h->n++ & (SHI_SHADOW_UNITS - 1), a = db->sym_cp[v & SHI_MAP_SYM_MASK];
    h->start[at] = off;
    h->bits[at] = (uint8_t)((h->last_word ? SHI_SHADOW_WORD_BEFORE : 0) |
                            (h->skipped ? 0 : SHI_SHADOW_ADJACENT) |
                            (h->prev_cp && join_pair(db, h->prev_cp, shi_map(db, h->prev_cp), a,
                                                     shi_map(db, a))
                                 ? SHI_SHADOW_JOINS_BEFORE
                                 : 0));
    h->prev_cp = cp;
    h->last_end = off + len;
    h->last_sym = v & SHI_MAP_SYM_MASK;
    h->state = s;
    h->pending = (db->slots[s].base & SHI_SLOT_OUT) != 0;
    h->gap = 0;
    h->last_word = (v & SHI_MAP_WORD) != 0;
    h->last_is_unit = 1;
    h->last_latin = (v & SHI_MAP_LATIN) != 0;
    h->skipped = 0;
    h->last_dot = 0;
    return 1;
}

/* A shadow that takes noise [off, off + len) that a reading (the main
 * one, or shadow `from`) skips, from that reading's state and units; with
 * `skip`, one that skips it where the main reading took it. */
static void shadow_spawn(shi_scanner *sc, const shi_shadow *from, uint32_t cp, uint32_t v,
                         uint64_t off, uint32_t len, int skip)
{
    if (sc->nshadow == SHI_SHADOW_MAX)
        return;
    shi_shadow *h = &sc->shadow[sc->nshadow];
    if (from) {
        *h = *from;
    } else {
        uint32_t d = sc->db->depth[sc->state];
        h->state = sc->state;
        h->n = 0;
        for (uint64_t u = sc->unit - d; u < sc->unit; u++) {
            const shi_unit *uu = ring_at(sc, u);
            h->start[h->n & (SHI_SHADOW_UNITS - 1)] = uu->start;
            h->bits[h->n & (SHI_SHADOW_UNITS - 1)] =
                (uint8_t)((uu->prev_word & SHI_PREV_WORD ? SHI_SHADOW_WORD_BEFORE : 0) |
                          (!(uu->prev_word & SHI_PREV_SKIP) ? SHI_SHADOW_ADJACENT : 0) |
                          (join_prev(sc->db, uu) ? SHI_SHADOW_JOINS_BEFORE : 0));
            h->n++;
        }
        h->last_end = d ? ring_at(sc, sc->unit - 1)->end : 0;
        h->gap = sc->gap;
        h->last_sym = sc->last_sym;
        h->last_word = 0;
        h->last_is_unit = 0;
        h->skipped = 1;
        h->last_latin = sc->last_latin;
        h->last_digit = sc->last_digit;
        h->last_dot = sc->last_dot;
    }
    h->pending = 0;
    h->dead = 0;
    h->k = 0;
    h->seen_end = off + len;
    h->prev_cp = 0; /* (the word test never asks about noise it takes) */
    if (skip) {
        /* the skip reading of a gap whose take reading won: it reports
         * the hits that reach back to the unit before the gap */
        uint64_t last = h->start[(h->n - 1) & (SHI_SHADOW_UNITS - 1)];
        if (!h->n || ((v & SHI_MAP_MARK) && shadow_mark_stops(sc, cp, off, last)) ||
            (cp == '.' && h->last_dot && !h->last_latin))
            return;
        h->k = 1;
        if (!from && sc->last_is_unit)
            h->last_digit = (uint8_t)unit_is_digit(sc->db, sc->last_sym);
        h->gap++;
        h->last_dot = cp == '.';
        h->last_word = 0;
        h->last_is_unit = 0;
        h->skipped = 1;
        h->prev_cp = cp;
        sc->nshadow++;
        sc->shadow_used = 1;
    } else if (shadow_unit(sc, h, cp, v, off, len)) {
        sc->nshadow++;
        sc->shadow_used = 1;
    }
}

/* Whether character v, which a reading in state s whose last character
 * was the unit with symbol last_sym has next, joins that unit as a doubled
 * character (the repeats rule, as step_unit applies it): then it neither
 * resolves the unit's outputs nor begins a reading of its own. */
static int doubled_joins(const shai_db *db, uint32_t s, uint32_t v, uint32_t last_sym,
                         int last_latin)
{
    uint32_t sym = v & SHI_MAP_SYM_MASK;
    return db->repeats && sym && sym == last_sym && s != SHI_ROOT &&
           !noise_skipped(db->slots, s, v, last_latin) && go(db->slots, s, sym) == SHI_ROOT &&
           !is_digit_value(v) && doubled_joins_at(db, s, v);
}

static int shadow_doubles(const shai_db *db, const shi_shadow *h, uint32_t v)
{
    return h->last_is_unit && doubled_joins(db, h->state, v, h->last_sym, h->last_latin);
}

/* Whether character v doubles prev, the character before it, which a
 * reading skipped: with the repeats rule a doubled character is one
 * character, skipped or taken whole, so no reading takes such a copy (。━━
 * with ━ and .x entries: not ━ from the second ━). */
static int copies_skipped(const shai_db *db, uint32_t prev, uint32_t v)
{
    uint32_t sym = v & SHI_MAP_SYM_MASK;
    return db->repeats && prev && sym && (shi_map(db, prev) & SHI_MAP_SYM_MASK) == sym;
}

/* The character before defer[i] that is not ignorable (0: none). */
static uint32_t deferred_before(const shi_scanner *sc, uint32_t i)
{
    while (i-- > 0)
        if (!(sc->defer[i].v & SHI_MAP_IGNORE))
            return sc->defer[i].cp;
    return 0;
}

/* One character for shadow h (its outputs resolved first). */
static void shadow_char(shi_scanner *sc, shi_shadow *h, uint32_t cp, uint32_t v, uint64_t off,
                        uint32_t len)
{
    const shai_db *db = sc->db;
    if (h->dead || off < h->seen_end)
        return; /* (the character it began with) */
    h->seen_end = off + len;
    if (v & SHI_MAP_IGNORE) {
        if (h->last_is_unit && !h->skipped)
            h->last_end = off + len;
        else
            h->skipped = 1;
        return;
    }
    if (shadow_doubles(db, h, v)) {
        h->last_end = off + len; /* (its outputs still wait) */
        return;
    }
    if (h->pending)
        shadow_resolve(sc, h, cp, v);
    if (v & (SHI_MAP_BREAK | SHI_MAP_EXPAND)) {
        h->dead = 1;
        return;
    }
    int takeable = noise_takeable(db, h->state, v, h->last_latin);
    if (takeable && h->gap < db->max_gap &&
        !(!h->last_is_unit && copies_skipped(db, h->prev_cp, v))) {
        shadow_spawn(sc, h, cp, v, off, len, 0); /* and skip it, below */
    } else if (takeable || !noise_skipped(db->slots, h->state, v, h->last_latin)) {
        h->dead = !shadow_unit(sc, h, cp, v, off, len);
        return;
    }
    uint64_t last = h->start[(h->n - 1) & (SHI_SHADOW_UNITS - 1)];
    if (((v & SHI_MAP_MARK) && shadow_mark_stops(sc, cp, off, last)) ||
        (cp == '.' && h->last_dot && !h->last_latin) || ++h->gap > db->max_gap) {
        h->dead = 1;
        return;
    }
    if (h->last_is_unit)
        h->last_digit = (uint8_t)unit_is_digit(db, h->last_sym);
    h->last_dot = cp == '.';
    h->last_word = 0;
    h->last_is_unit = 0;
    h->skipped = 1;
    h->prev_cp = cp;
}

/* The scanner's record of marks, swapped with *m. */
static void marks_swap(shi_scanner *sc, shi_marks *m)
{
    shi_marks t = {sc->slash_end, sc->pair_end, sc->pair_ok, sc->line_topic};
    sc->slash_end = m->slash_end;
    sc->pair_end = m->pair_end;
    sc->pair_ok = m->pair_ok;
    sc->line_topic = m->line_topic;
    *m = t;
}

/* What a mark at [off, off + len) adds to the record as the text goes,
 * whichever reading: a topic `#` seen, where a slash or a pair mark ends. */
static void marks_note(shi_scanner *sc, uint32_t cp, uint64_t off, uint32_t len)
{
    switch (shi_mark_kind(cp)) {
    case SHI_MARK_TOPIC:
        sc->line_topic = 1;
        break;
    case SHI_MARK_SLASH:
        sc->slash_end = off + len;
        break;
    case SHI_MARK_PAIR:
        sc->pair_end = off + len;
        break;
    default:
        break;
    }
}

/* A shadow that takes noise [off, off + len) which the main reading, in
 * its current state, skips. In a replay, it then takes the recorded
 * characters after it (sc->rp, the outermost replay's: every later shadow
 * had them as they came), and resolves its last unit with the character
 * after them (rp_next_cp, rp_next_v; an ignorable one: not yet known). */
static void shadow_begin(shi_scanner *sc, uint32_t cp, uint32_t v, uint64_t off, uint32_t len,
                         int skip)
{
    uint32_t from = sc->nshadow;
    shadow_spawn(sc, NULL, cp, v, off, len, skip);
    if (sc->nshadow == from || !sc->rp)
        return;
    /* the marks as the text had them at each character (the main reading
     * may have recorded later ones) */
    shi_marks now = sc->rp_marks;
    marks_swap(sc, &now);
    for (uint32_t i = 0; i < sc->rp_n; i++) {
        const shi_defer_char *d = &sc->rp[i];
        if (d->off > off) {
            uint32_t m = sc->nshadow;
            for (uint32_t j = from; j < m; j++)
                shadow_char(sc, &sc->shadow[j], d->cp, d->v, d->off, d->len);
        }
        if (d->v & SHI_MAP_MARK)
            marks_note(sc, d->cp, d->off, d->len);
    }
    marks_swap(sc, &now);
    if (!(sc->rp_next_v & SHI_MAP_IGNORE))
        for (uint32_t j = from; j < sc->nshadow; j++)
            if (sc->shadow[j].pending && !sc->shadow[j].dead &&
                !shadow_doubles(sc->db, &sc->shadow[j], sc->rp_next_v))
                shadow_resolve(sc, &sc->shadow[j], sc->rp_next_cp, sc->rp_next_v);
}

/* Both readings: noise that the main reading in state s skips, or that
 * ends its match (a mark, an ellipsis), and that only the failure links
 * take (a. after 史a, with 史a and a. entries; 中【 after Ｚ中), is taken by a
 * shadow. */
static void shadow_failure_take(shi_scanner *sc, uint32_t s, uint32_t cp, uint32_t v, uint64_t off,
                                uint32_t len)
{
    const shai_db *db = sc->db;
    if (sc->both && (v & SHI_MAP_SYM_MASK) && !sc->status &&
        noise_takeable(db, s, v, sc->last_latin) && !copies_skipped(db, sc->recent[0], v))
        shadow_begin(sc, cp, v, off, len, 0);
}

static void shadows_compact(shi_scanner *sc)
{
    uint32_t k = 0;
    for (uint32_t j = 0; j < sc->nshadow; j++)
        if (!sc->shadow[j].dead) {
            if (k != j)
                sc->shadow[k] = sc->shadow[j];
            k++;
        }
    sc->nshadow = k;
}

/* The skip reading of noise [off, off + len) inside a match: whether it is
 * skipped (then it is recorded), or ends the match (a mark, an ellipsis). */
static int skip_noise(shi_scanner *sc, uint32_t v, uint32_t cp, uint64_t off, uint32_t len)
{
    if ((v & SHI_MAP_MARK) &&
        mark_stops(sc, cp, off, len, unit_last_start(ring_at(sc, sc->unit - 1))))
        return 0;
    if (cp == '.' && sc->last_dot && !sc->last_latin)
        return 0;
    if (sc->last_is_unit) /* the first noise after a unit */
        sc->last_digit = (uint8_t)unit_is_digit(sc->db, sc->last_sym);
    sc->last_dot = cp == '.';
    sc->last_word = 0;
    sc->last_is_unit = 0;
    sc->skipped = 1;
    sc->gap++;
    return 1;
}

static void defer_push(shi_scanner *sc, uint32_t cp, uint32_t v, uint64_t off, uint32_t len)
{
    shi_defer_char *d = &sc->defer[sc->defer_n++];
    d->off = off;
    d->cp = cp;
    d->v = v;
    d->len = len;
}

static int defer_skip(shi_scanner *sc, uint32_t v, uint32_t cp, uint64_t off, uint32_t len)
{
    if (!skip_noise(sc, v, cp, off, len))
        return 0;
    defer_push(sc, cp, v, off, len);
    return 1;
}

/* Noise that an entry could take, inside a match: whether the choice is
 * deferred (else the caller takes it). Both readings resolve the pending
 * outputs alike. */
static int defer_begin(shi_scanner *sc, uint32_t v, uint32_t cp, uint64_t off, uint32_t len)
{
    if (sc->pending) {
        sc->pending = 0;
        shi_resolve(sc, sc->unit - 1, 0);
        if (sc->status)
            return 1;
    }
    defer_save(sc, &sc->defer_snap);
    sc->defer_gap = 0;
    if (defer_skip(sc, v, cp, off, len)) {
        sc->defer_gap = 1;
        return 1;
    }
    defer_restore(sc, &sc->defer_snap);
    return 0;
}

static void defer_char(shi_scanner *sc, uint32_t cp, uint32_t v, uint64_t off, uint32_t len);

/* A character to the general step, or to a deferred choice. */
static void step_dispatch(shi_scanner *sc, uint32_t cp, uint32_t v, uint64_t off, uint32_t len)
{
    if (sc->defer_n)
        defer_char(sc, cp, v, off, len);
    else
        step_char(sc, cp, v, off, len);
}

/* The take reading: the gap again, from where the choice was deferred,
 * and what was looked ahead. The noise that began it is taken; any other
 * may begin a choice of its own. Both readings: the skip reading has no hit
 * across the gap, but one that skips the gap's first characters may take a
 * later one (a shadow each; next_cp, next_v as in defer_skip_wins). */
static void defer_take(shi_scanner *sc, uint32_t next_cp, uint32_t next_v)
{
    shi_defer_char c[SHI_DEFER_MAX];
    uint32_t n = sc->defer_n;
    memcpy(c, sc->defer, n * sizeof c[0]);
    sc->defer_n = 0;
    defer_restore(sc, &sc->defer_snap);
    int outer = sc->both && !sc->rp;
    if (outer) {
        sc->rp = c;
        sc->rp_n = n;
        sc->rp_next_cp = next_cp;
        sc->rp_next_v = next_v;
        sc->rp_marks = (shi_marks){sc->slash_end, sc->pair_end, sc->pair_ok, sc->line_topic};
    }
    if (sc->both && sc->state != SHI_ROOT) {
        /* the skip reading goes on as a shadow, from the gap's first
         * character, which it skips */
        shadow_begin(sc, c[0].cp, c[0].v, c[0].off, c[0].len, 1);
    }
    sc->replaying = 1;
    step_char(sc, c[0].cp, c[0].v, c[0].off, c[0].len);
    recent_put(sc, c[0].cp, c[0].v);
    sc->replaying = 0;
    for (uint32_t i = 1; i < n && !sc->status; i++) {
        step_dispatch(sc, c[i].cp, c[i].v, c[i].off, c[i].len);
        recent_put(sc, c[i].cp, c[i].v);
    }
    if (outer)
        sc->rp = NULL;
}

/* The skip reading: the gap is skipped already; what was looked ahead.
 * Both readings: a shadow takes each noise character of the gap and of the
 * look-ahead that an entry could take (next_cp, next_v: the character
 * after them; SHI_MAP_BREAK for none, an ignorable one: not known yet). */
static void defer_skip_wins(shi_scanner *sc, uint32_t next_cp, uint32_t next_v)
{
    const shai_db *db = sc->db;
    uint32_t n = sc->defer_n;
    sc->defer_n = 0;
    int outer = sc->both && !sc->rp;
    if (outer) {
        const shi_defer_snap *d = &sc->defer_snap; /* (as before the gap) */
        sc->rp = sc->defer;                        /* (no choice is deferred while it replays) */
        sc->rp_n = n;
        sc->rp_next_cp = next_cp;
        sc->rp_next_v = next_v;
        sc->rp_marks = (shi_marks){d->slash_end, d->pair_end, d->pair_ok, d->line_topic};
    }
    if (sc->both)
        for (uint32_t i = 0; i < sc->defer_gap && !sc->status; i++)
            if (noise_takeable(db, sc->state, sc->defer[i].v, sc->last_latin) &&
                !copies_skipped(db, deferred_before(sc, i), sc->defer[i].v))
                shadow_begin(sc, sc->defer[i].cp, sc->defer[i].v, sc->defer[i].off,
                             sc->defer[i].len, 0);
    if (sc->defer_marks)
        defer_restore(sc, &sc->defer_snap2);
    /* sc->recent as after the gap, and then after each character */
    sc->recent[0] = sc->defer_snap.recent[0];
    sc->recent[1] = sc->defer_snap.recent[1];
    for (uint32_t i = 0; i < sc->defer_gap; i++)
        recent_put(sc, sc->defer[i].cp, sc->defer[i].v);
    sc->replaying = 2; /* noise an entry could take is skipped, as looked ahead */
    for (uint32_t i = sc->defer_gap; i < n && !sc->status; i++) {
        const shi_defer_char *d = &sc->defer[i];
        if (sc->both && !(d->v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND)) &&
            noise_taken(db, sc->state, d->v, sc->last_latin) && sc->gap < db->max_gap &&
            !((d->v & SHI_MAP_SYM_MASK) == sc->last_sym && sc->last_is_unit) &&
            !(!sc->last_is_unit && copies_skipped(db, deferred_before(sc, i), d->v)))
            shadow_begin(sc, d->cp, d->v, d->off, d->len, 0);
        step_char(sc, d->cp, d->v, d->off, d->len);
        recent_put(sc, d->cp, d->v);
    }
    sc->replaying = 0;
    if (outer)
        sc->rp = NULL;
}

/* The skip reading in state t, k units past the gap: 1 when it has a hit
 * across the gap (an entry longer than k ends here), -1 when its match no
 * longer reaches back across the gap, 0 while it may still. */
static int defer_skip_reading(shi_scanner *sc, uint32_t t, uint32_t k)
{
    const shai_db *db = sc->db;
    if (t == SHI_ROOT || db->depth[t] <= k)
        return -1;
    sc->defer_end = 0;
    sc->defer_join = 0;
    for (uint32_t o = db->links[t].out; o; o = db->outs[o].next) {
        const shi_entry *e = &db->entries[db->outs[o].entry];
        if (e->units <= k || (e->flags & SHAI_ENTRY_EXACT) ||
            (sc->scene && !shi_scene_action(sc, e)))
            continue;
        /* it starts e->units - k units before the gap's end */
        if ((e->bound & SHI_BOUND_START) &&
            (ring_at(sc, sc->unit - (e->units - k))->prev_word & SHI_PREV_WORD))
            continue;
        /* the word test across the gap (core.h): the hit's first unit is
         * the one before the gap, or its last the first past it (then the
         * character after it decides) */
        int words = !entry_has_noise(db, e);
        if (words && e->units - k == 1 && join_prev(db, ring_at(sc, sc->unit - 1)))
            continue;
        if (e->bound & SHI_BOUND_END)
            sc->defer_end = 1; /* a hit if no word character follows */
        else if (words && k == 1)
            sc->defer_join = 1; /* a hit if the next character makes no word with it */
        else
            return 1;
    }
    if (sc->defer_join)
        sc->defer_join_cp = unit_char_of(db, t);
    return 0;
}

/* A character while a choice is deferred: more of the gap, or one past it
 * that the skip reading looks ahead at. The skip reading wins once it has
 * a hit across the gap (赌博 in 赌#博, ab-cd with ab- and abcd); the take
 * reading wins once that match ends without a hit (#话题 in 赌#话题, www.
 * in www.sina, with www.sina5io.com an entry), and when the look-ahead ends
 * without one (a mark, a break, SHI_DEFER_MAX characters, the text's
 * end). */
static void defer_char(shi_scanner *sc, uint32_t cp, uint32_t v, uint64_t off, uint32_t len)
{
    const shai_db *db = sc->db;
    int plain = !(v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND | SHI_MAP_NOISE));
    if (sc->defer_n == sc->defer_gap && sc->defer_n < SHI_DEFER_MAX) {
        /* still in the gap */
        if (v & SHI_MAP_IGNORE) {
            defer_push(sc, cp, v, off, len);
            sc->defer_gap++;
            sc->skipped = 1;
            return;
        }
        if (!(v & (SHI_MAP_BREAK | SHI_MAP_EXPAND)) && (v & SHI_MAP_NOISE) &&
            (!(v & SHI_MAP_SEP) || sc->last_latin) && sc->gap < db->max_gap) {
            if (defer_skip(sc, v, cp, off, len)) {
                sc->defer_gap++;
                return;
            }
        } else if (plain ||
                   ((v & SHI_MAP_NOISE) &&
                    !(v & (SHI_MAP_BREAK | SHI_MAP_EXPAND | SHI_MAP_MARK | SHI_MAP_IGNORE)) &&
                    (v & SHI_MAP_SEP) && !sc->last_latin)) {
            /* the first character past the gap (clause punctuation the skip
             * reading takes as a unit too: 日：您) */
            uint32_t s = sc->state;
            if (sc->last_digit && is_digit_value(v))
                s = SHI_ROOT;
            uint32_t t = delta(db->slots, db->links, s, v & SHI_MAP_SYM_MASK);
            int r = defer_skip_reading(sc, t, 1);
            if (r > 0) {
                sc->defer_marks = 0;
                defer_skip_wins(sc, cp, v); /* the gap alone */
                step_char(sc, cp, v, off, len);
                return;
            }
            if (r == 0) {
                defer_push(sc, cp, v, off, len);
                sc->defer_state = t;
                sc->defer_last = v;
                sc->defer_last_off = off;
                sc->defer_skips = 0;
                sc->defer_k = 1;
                sc->defer_marks = 0;
                return;
            }
        }
        defer_take(sc, cp, v);
        if (!sc->status)
            step_dispatch(sc, cp, v, off, len);
        return;
    }
    /* looking ahead: plain characters (one that doubles the last ends the
     * look-ahead), ignorable ones and noise the skip reading skips */
    uint32_t sym = v & SHI_MAP_SYM_MASK, last = sc->defer_last;
    int r = -1;
    if (sc->defer_end && !(v & SHI_MAP_WORD)) {
        r = 1; /* the hit that needed a word boundary after it */
    } else if (sc->defer_join && !(v & SHI_MAP_IGNORE) &&
               !join_pair(db, sc->defer_join_cp, shi_map(db, sc->defer_join_cp), cp, v)) {
        r = 1; /* the hit whose last character makes no word with the next */
    } else if (sc->defer_n >= SHI_DEFER_MAX) {
        r = -1;
    } else if (v & SHI_MAP_IGNORE) {
        defer_push(sc, cp, v, off, len);
        return;
    } else if (!(v & (SHI_MAP_BREAK | SHI_MAP_EXPAND)) && (v & SHI_MAP_NOISE)) {
        if ((!(v & SHI_MAP_SEP) || (last & SHI_MAP_LATIN)) && sc->defer_skips < db->max_gap &&
            !(cp == '.' && (sc->defer[sc->defer_n - 1].cp == '.') && !(last & SHI_MAP_LATIN))) {
            int stop = 0;
            if (v & SHI_MAP_MARK) {
                /* a mark as the skip reading sees it; undone before the
                 * replay */
                if (!sc->defer_marks)
                    defer_save(sc, &sc->defer_snap2);
                sc->defer_marks = 1;
                stop = mark_stops(sc, cp, off, len, sc->defer_last_off);
            }
            if (!stop) {
                defer_push(sc, cp, v, off, len);
                sc->defer_skips++;
                return;
            }
        }
    }
    if (r < 0 && sc->defer_n < SHI_DEFER_MAX && !(sc->defer_end && !(v & SHI_MAP_WORD)) &&
        (plain || ((v & SHI_MAP_NOISE) &&
                   !(v & (SHI_MAP_BREAK | SHI_MAP_EXPAND | SHI_MAP_MARK | SHI_MAP_IGNORE)) &&
                   (v & SHI_MAP_SEP) && !(last & SHI_MAP_LATIN))) &&
        !(db->repeats && !sc->defer_skips && sym == (last & SHI_MAP_SYM_MASK))) {
        uint32_t s = sc->defer_state;
        if (sc->defer_skips && is_digit_value(last) && is_digit_value(v))
            s = SHI_ROOT;
        uint32_t t = delta(db->slots, db->links, s, sym);
        r = defer_skip_reading(sc, t, sc->defer_k + 1);
        if (r == 0) {
            defer_push(sc, cp, v, off, len);
            sc->defer_state = t;
            sc->defer_last = v;
            sc->defer_last_off = off;
            sc->defer_skips = 0;
            sc->defer_k++;
            return;
        }
    }
    if (r > 0)
        defer_skip_wins(sc, cp, v);
    else
        defer_take(sc, cp, v);
    if (!sc->status)
        step_dispatch(sc, cp, v, off, len);
}

/* One unit of folded text: a map value (symbol and class bits) that came
 * from the original character at [off, off + len). */
static inline void step_unit(shi_scanner *sc, uint32_t v, uint32_t cp, uint64_t off, uint32_t len,
                             int single)
{
    const shai_db *db = sc->db;
    const shi_slot *slots = db->slots;
    const shi_link *links = db->links;
    int word = (v & SHI_MAP_WORD) != 0;
    uint32_t sym = v & SHI_MAP_SYM_MASK;
    uint32_t s = sc->state;
    uint8_t prev_word = sc->last_word;

    /* the first noise after a unit, whether it is skipped, taken or the
     * choice deferred (a replay brings sc->recent along) */
    if ((v & SHI_MAP_NOISE) && sc->last_is_unit && s != SHI_ROOT)
        gap_mark(sc, sc->unit - 1, sc->recent[1]);
    /* (a doubled character right after its unit is not deferred: joining
     * it changes no state either) */
    if (sc->both && single && sc->replaying != 1 && sym == sc->last_sym && sc->last_is_unit &&
        sc->gap < db->max_gap && noise_taken(db, s, v, sc->last_latin) &&
        !doubled_joins(db, s, v, sc->last_sym, sc->last_latin))
        shadow_begin(sc, cp, v, off, len, 1); /* the skip reading of a doubled one */
    if (single && sc->replaying != 1 && noise_taken(db, s, v, sc->last_latin) &&
        sc->gap < db->max_gap && !(sym == sc->last_sym && sc->last_is_unit)) {
        if (!sc->replaying && defer_begin(sc, v, cp, off, len))
            return;
        if (sc->replaying == 2) {
            /* the skip reading replayed */
            if (sc->pending) {
                sc->pending = 0;
                shi_resolve(sc, sc->unit - 1, 0);
            }
            if (sc->status || skip_noise(sc, v, cp, off, len))
                return;
        }
    }
    int skip = noise_skipped(slots, s, v, sc->last_latin);
    if ((v & SHI_MAP_MARK) && (s == SHI_ROOT || !skip))
        mark_record(sc, cp, off + len); /* in the root, or taken by an entry */
    else if (((v & SHI_MAP_MARK) || (cp == '.' && sc->last_dot && !sc->last_latin)) &&
             noise_skipped(slots, s, v, sc->last_latin) &&
             (!(v & SHI_MAP_MARK) ||
              mark_stops(sc, cp, off, len, unit_last_start(ring_at(sc, sc->unit - 1))))) {
        /* a boundary: the match ends here, and the mark itself may begin
         * an entry (#话题); so does a second full stop in a row, an
         * ellipsis, but after a Latin letter (操...我 is not 操我) */
        if (sc->pending) {
            sc->pending = 0;
            shi_resolve(sc, sc->unit - 1, 0);
        }
        shadow_failure_take(sc, s, cp, v, off, len);
        sc->last_is_unit = 0;
        reset(sc);
        if (sc->status)
            return;
        s = SHI_ROOT;
    }
    if (noise_skipped(slots, s, v, sc->last_latin)) {
        /* noise inside a possible match: skip it, within the gap bound */
        if (sc->pending) {
            sc->pending = 0;
            shi_resolve(sc, sc->unit - 1, 0);
        }
        shadow_failure_take(sc, s, cp, v, off, len);
        if (sc->last_is_unit) /* the first noise after a unit */
            sc->last_digit = (uint8_t)unit_is_digit(db, sc->last_sym);
        sc->last_dot = cp == '.';
        sc->last_word = 0;
        sc->last_is_unit = 0;
        sc->skipped = 1;
        if (++sc->gap > db->max_gap)
            reset(sc);
        return;
    }
    int redup = sym && sym == sc->last_sym && sc->last_is_unit && db->repeats &&
                redup_char(db->sym_cp[sym]);
    if (sym && sym == sc->last_sym && sc->last_is_unit && db->repeats && s != SHI_ROOT &&
        go(slots, s, sym) == SHI_ROOT && !is_digit_value(v) && !redup && repeat_joins(db, s, v)) {
        /* a doubled character joins the unit before it, unless a match
         * goes on through it (repeat_joins). Digits never collapse: 1100
         * is not 110. */
        unit_join_copy(ring_at(sc, sc->unit - 1), off, len);
        return;
    }
    if (sc->pending) {
        sc->pending = 0;
        shi_resolve(sc, sc->unit - 1,
                    word | (redup ? SHI_NEXT_REDUP : 0) | join_next(sc, sc->unit - 1, cp, v));
    }
    sc->last_dot = 0;
    if (sc->gap && sc->last_digit && is_digit_value(v))
        s = SHI_ROOT; /* no noise between two digits: 4～6 级 is not 46级 */
    s = delta(slots, links, s, sym);
    sc->state = s;
    sc->gap = 0;
    sc->last_word = (uint8_t)word;
    uint64_t horizon;
    if (s != SHI_ROOT) {
        uint64_t u = sc->unit++;
        shi_unit *uu = ring_at(sc, u);
        uu->start = off;
        uu->end = off + len;
        uu->state = s;
        uu->prev_word = (uint8_t)(prev_word | (sc->skipped ? SHI_PREV_SKIP : 0));
        uu->best_len = 0;
        uu->allow_len = 0;
        uu->single = (uint8_t)single;
        uu->raw = cp;
        sc->pending = (slots[s].base & SHI_SLOT_OUT) != 0;
        sc->last_sym = sym;
        sc->last_is_unit = 1;
        sc->last_latin = (v & SHI_MAP_LATIN) != 0;
        horizon = match_from(db->depth, sc->unit, s);
    } else {
        sc->last_sym = 0;
        sc->last_is_unit = 0;
        sc->last_latin = 0;
        horizon = sc->unit;
    }
    sc->skipped = 0;
    if (horizon > sc->horizon || sc->status)
        shi_advance(sc, horizon);
}

static inline void step(shi_scanner *sc, uint32_t cp, uint64_t off, uint32_t len)
{
    const shai_db *db = sc->db;
    uint32_t v = cp < 0x110000u ? shi_map(db, cp) : SHI_MAP_BREAK;
    if ((v & SHI_MAP_MARK) && (sc->state != SHI_ROOT || sc->nshadow || sc->defer_n) &&
        shi_mark_kind(cp) == SHI_MARK_TOPIC)
        topic_note(sc, off, len); /* a reading may ask whether it opens a topic */
    if (sc->recent_to) {
        /* after a loop: sc->recent, unless a break clears it */
        if (v & SHI_MAP_BREAK)
            sc->recent_to = NULL;
        else
            recent_sync(sc);
    }
    if (sc->lazy) {
        if (cp < 0x10000)
            sc->attn |= sc->bmp[cp];
        else if (cp < 0x110000u && shi_rules_can_begin(db, cp, v))
            sc->attn |= SHI_MAP_RULE;
    }
    /* lazily, within a write, the line's end writes its segment */
    if (sc->seg_on && !sc->seg.src)
        shi_seg_put_char(&sc->seg, cp, v, off, len);
    if (sc->nshadow && !(v & SHI_MAP_IGNORE)) /* their hits sort before the main reading's */
        for (uint32_t j = 0; j < sc->nshadow; j++)
            if (sc->shadow[j].pending && !sc->shadow[j].dead &&
                !shadow_doubles(db, &sc->shadow[j], v))
                shadow_resolve(sc, &sc->shadow[j], cp, v);
    /* a mark as the shadows see it: with the marks before it (the main
     * reading records it first: a line's first `#` would close a topic) */
    int mark = sc->both && (v & SHI_MAP_MARK);
    shi_marks marks = {0, 0, 0, 0};
    if (mark)
        marks = (shi_marks){sc->slash_end, sc->pair_end, sc->pair_ok, sc->line_topic};
    if (sc->defer_n)
        defer_char(sc, cp, v, off, len);
    else
        step_char(sc, cp, v, off, len);
    recent_put(sc, cp, v);
    if (sc->nshadow) {
        uint32_t m = sc->nshadow;
        if (mark)
            marks_swap(sc, &marks);
        for (uint32_t j = 0; j < m; j++)
            shadow_char(sc, &sc->shadow[j], cp, v, off, len);
        if (mark)
            marks_swap(sc, &marks);
        shadows_compact(sc);
    }
    if (sc->nheld && !sc->defer_n) {
        /* the main reading's next hit ends no sooner than this */
        uint64_t next = UINT64_MAX;
        if ((sc->flags & SHAI_SCAN_VIOLATIONS) && sc->db->max_allow_units &&
            sc->fin_next < sc->unit)
            next = ring_at(sc, sc->fin_next)->end;
        else if (sc->pending)
            next = ring_at(sc, sc->unit - 1)->end;
        shi_held_flush(sc, next);
    }
}

/* What the general step does with a character, past the rule segment. */
static void step_char(shi_scanner *sc, uint32_t cp, uint32_t v, uint64_t off, uint32_t len)
{
    const shai_db *db = sc->db;
    if (!(v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND))) {
        step_unit(sc, v, cp, off, len, 1);
        return;
    }
    if (v & SHI_MAP_IGNORE) {
        /* invisible: a combining mark or joiner right after a unit belongs
         * to it (f̲u̲c̲k̲ is masked whole) */
        if (sc->last_is_unit && !sc->skipped) {
            shi_unit *prev = ring_at(sc, sc->unit - 1);
            prev->end = off + len;
            prev->single = 0;
            prev->prev_word &= (uint8_t)~SHI_PREV_DOUBLED;
        } else
            sc->skipped = 1;
        return;
    }
    if (v & SHI_MAP_BREAK) {
        if (sc->pending) {
            sc->pending = 0;
            shi_resolve(sc, sc->unit - 1, 0);
        }
        sc->last_word = 0;
        sc->last_is_unit = 0;
        sc->skipped = 0;
        sc->line_topic = 0;
        reset(sc);
        if (sc->nshadow) { /* a break ends the shadows too */
            for (uint32_t j = 0; j < sc->nshadow; j++)
                shadow_char(sc, &sc->shadow[j], cp, v, off, len);
            sc->nshadow = 0;
        }
        if (sc->nheld)
            shi_held_flush(sc, UINT64_MAX);
        sc->brk_prev = sc->brk_cur;
        sc->brk_cur = cp;
        /* the line's rule hits after all its word hits */
        if (sc->seg_on) {
            if (sc->lazy)
                lazy_line_end(sc, off, len);
            shi_seg_run(&sc->seg);
        }
        return;
    }
    uint32_t at = (v & SHI_MAP_SYM_MASK) >> 5, n = v & 31;
    for (uint32_t i = 0; i < n && !sc->status; i++) {
        step_unit(sc, db->expand[at + i], cp, off, len, 0);
    }
}

/* Where a write p[0..n) that more text follows must stop: before the
 * last topic mark of its last line whose look-ahead (shi_topic_ahead) the
 * write cuts, else n. Only its last SHI_TOPIC_LOOK characters can hold one. */
static size_t topic_hold(const shai_db *db, const unsigned char *p, size_t n)
{
    size_t from = n > 4 * SHI_TOPIC_LOOK + 4 ? n - (4 * SHI_TOPIC_LOOK + 4) : 0;
    for (size_t x = n; x-- > from;) {
        if (p[x] == '\n' || p[x] == '\r')
            return n;
        size_t at = p[x] == '#'                                                      ? x
                    : p[x] == 0x83 && x >= 2 && p[x - 1] == 0xBC && p[x - 2] == 0xEF ? x - 2
                                                                                     : SIZE_MAX;
        if (at != SIZE_MAX)
            return shi_topic_ahead(db, p + x + 1, n - x - 1, 0) == SHI_TOPIC_UNKNOWN ? at : n;
    }
    return n;
}

/* The characters of p[0..n) that begin at i .. stop (stop <= n; the bytes
 * after stop are look-ahead only): stepped, a split sequence at the end
 * or (more text following) an undecided topic mark and what follows it
 * carried to the next write. Returns where it stopped. */
static size_t feed_chunk(shi_scanner *sc, const unsigned char *p, size_t i, size_t n, size_t stop,
                         int final)
{
    sc->ahead = p;
    sc->ahead_n = n;
    sc->ahead_base = sc->pos - i;
    sc->ahead_final = (uint8_t) final;
    if (!final) {
        size_t hold = topic_hold(sc->db, p, n);
        if (hold < stop)
            stop = hold;
    }
#if SHI_FAST_PATHS
    int fast = !(sc->flags & SHI_SCAN_GENERAL);
    int eager = sc->seg_on && !sc->lazy;
#endif
    if (sc->lazy && stop > i) { /* lazy implies rules */
        sc->seg.src = p;
        sc->seg.src_base = sc->pos - i;
        sc->seg.src_from = i;
    }
    while (i < stop && !sc->status) {
#if SHI_FAST_PATHS
        if (fast && !sc->defer_n && !sc->nshadow && !sc->nheld) {
            /* what the loop takes, the eager rule segment copies, as
             * lazily: a word hit may want it written first (segment.h) */
            if (eager) {
                sc->seg.src = p;
                sc->seg.src_base = sc->pos - i;
                sc->seg.src_from = i;
            }
            i = shi_fast_run(sc, p, i, stop);
            if (eager) {
                shi_seg_write(&sc->seg, sc->pos);
                sc->seg.src = NULL;
            }
            if (i >= stop || sc->status)
                break;
        }
#endif
        uint32_t c = p[i];
        if (c < 0x80) {
            step(sc, c, sc->pos, 1);
            sc->pos++;
            i++;
            continue;
        }
        uint32_t cp;
        size_t need;
        size_t len = shi_utf8_decode(p + i, n - i, &cp, &need);
        if (need && !final)
            break; /* split by the write: carried */
        step(sc, cp, sc->pos, (uint32_t)len);
        sc->pos += len;
        i += len;
    }
    if (sc->recent_to) {
        /* before the bytes go; not when no character follows (the last
         * write, taken whole, and no deferred choice to replay) */
        if (final && i >= n && !sc->defer_n)
            sc->recent_to = NULL;
        else
            recent_sync(sc);
    }
    if (sc->seg.src) {
        /* the line goes on in the next write: its segment so far now;
         * the last write ends the line */
        if (!sc->status && final && i >= n)
            lazy_line_end(sc, sc->pos, 0);
        else if (!sc->status)
            shi_seg_write(&sc->seg, sc->pos);
        sc->seg.src = NULL;
    }
    sc->ahead = NULL;
    return i;
}

void shi_scanner_feed(shi_scanner *sc, const unsigned char *p, size_t n, int final)
{
    size_t i = 0;
    if (sc->ncarry && !sc->status) {
        /* what the previous write left: its characters, with this write's
         * first bytes after them to finish a sequence and look ahead */
        unsigned char tmp[2 * SHI_CARRY_MAX];
        size_t k = sc->ncarry, take = n < SHI_CARRY_MAX ? n : SHI_CARRY_MAX;
        memcpy(tmp, sc->carry, k);
        if (take)
            memcpy(tmp + k, p, take);
        sc->ncarry = 0;
        size_t used = feed_chunk(sc, tmp, 0, k + take, k, final && take == n);
        if (sc->status)
            return;
        if (used < k) {
            /* still undecided or split: this write was all in tmp */
            sc->ncarry = (uint8_t)(k + take - used);
            memmove(sc->carry, tmp + used, sc->ncarry);
            return;
        }
        i = used - k;
    }
    if (i < n || final) {
        size_t used = feed_chunk(sc, p, i, n, n, final);
        if (used < n && !sc->status) {
            sc->ncarry = (uint8_t)(n - used);
            memcpy(sc->carry, p + used, n - used);
        }
    }
}

void shi_scanner_finish(shi_scanner *sc)
{
    if (sc->ncarry)
        shi_scanner_feed(sc, NULL, 0, 1);
    if (sc->status)
        return;
    while (sc->defer_n && !sc->status) {
        /* the hit that needed a word boundary after it, or else, as the
         * text ends while deferred, the take reading */
        if (sc->defer_n > sc->defer_gap && (sc->defer_end || sc->defer_join))
            defer_skip_wins(sc, 0, SHI_MAP_BREAK);
        else
            defer_take(sc, 0, SHI_MAP_BREAK);
    }
    for (uint32_t j = 0; j < sc->nshadow; j++)
        if (sc->shadow[j].pending && !sc->shadow[j].dead)
            shadow_resolve(sc, &sc->shadow[j], 0, SHI_MAP_BREAK);
    sc->nshadow = 0;
    if (sc->status)
        return;
    if (sc->pending) {
        sc->pending = 0;
        shi_resolve(sc, sc->unit - 1, 0);
    }
    sc->state = SHI_ROOT;
    shi_advance(sc, sc->unit);
    if (sc->nheld)
        shi_held_flush(sc, UINT64_MAX);
    if (sc->seg_on)
        shi_seg_run(&sc->seg);
    if (sc->vertical)
        shi_variant_finish(sc);
}

uint64_t shi_scanner_horizon(const shi_scanner *sc)
{
    uint64_t h = sc->horizon;
    if ((sc->flags & SHAI_SCAN_VIOLATIONS) && (sc->flags & SHAI_SCAN_OVERLAPPING)) {
        /* hits ending at or after fin_next may start up to one entry earlier */
        uint64_t back = sc->db->max_units ? sc->db->max_units - 1 : 0;
        h = h > back ? h - back : 0;
    }
    if (!(sc->flags & SHAI_SCAN_OVERLAPPING) && sc->sel_next < h)
        h = sc->sel_next;
    if (!(sc->flags & SHAI_SCAN_OVERLAPPING) && sc->held_len && sc->held_from < h)
        h = sc->held_from; /* a selected hit not reported yet */
    uint64_t off = h < sc->unit ? sc->ring[h & RING_MASK].start : sc->pos;
    for (uint32_t j = 0; j < sc->nheld; j++)
        if (sc->held[j].start < off)
            off = sc->held[j].start; /* hits of other readings not reported yet */
    for (uint32_t j = 0; j < sc->nshadow; j++) {
        const shi_shadow *sh = &sc->shadow[j];
        uint32_t d = sc->db->depth[sh->state];
        uint64_t at = sh->start[(sh->n - d) & (SHI_SHADOW_UNITS - 1)];
        if (d && at < off)
            off = at; /* ... and of those still to come */
    }
    if (sc->nvrun && sc->vrun[0].start < off)
        off = sc->vrun[0].start; /* a vertical run still open */
    if (sc->seg_on && sc->seg.len && sc->seg.origin < off)
        off = sc->seg.origin; /* rules still to run over the current line */
    if (sc->seg.src && sc->seg.src_base + sc->seg.src_from < off)
        off = sc->seg.src_base + sc->seg.src_from; /* ... and over what is not written yet */
    if (sc->seg.nheld && sc->seg.held_from < off)
        off = sc->seg.held_from; /* ... and the held hits of a full piece */
    return off;
}
