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
    return shi_seg_ready(&sc->seg);
}

void shi_scanner_start(shi_scanner *sc, const shai_db *db, uint32_t flags, shai_hit_fn fn,
                       void *user)
{
    memset(sc, 0, offsetof(shi_scanner, ring));
    sc->db = db;
    sc->flags = flags & ~SHI_SCAN_VARIANT_FLAGS;
    sc->variants = db->nvnodes && !(flags & SHAI_SCAN_NO_VARIANTS);
    sc->vertical = sc->variants && (flags & SHAI_SCAN_VERTICAL);
    sc->seg_on = db->rules || sc->variants;
    sc->fn = fn;
    sc->user = user;
    sc->state = SHI_ROOT;
    const uint32_t *m = shi_rules_map(db);
    sc->bmp = m ? m : db->map_bmp;
    sc->lazy = m != NULL;
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

/* Characters that double into an ordinary word (妈妈 爸爸 奶奶 宝宝 …):
 * never joined as repeats, and a two-character entry that ends with one
 * that the text doubles is not a hit (他妈妈, 你奶奶). Kinship terms and
 * 宝: what the bundled corpora double after a hit of a two-character entry
 * (docs/lexicon-format.md). */
static int redup_char(uint32_t cp)
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
static int repeat_joins(const shai_db *db, uint32_t s, uint32_t v)
{
    uint32_t t = delta(db->slots, db->links, s, v & SHI_MAP_SYM_MASK);
    if (db->depth[t] <= 1)
        return 1;
    return (v & SHI_MAP_LATIN) && t != s;
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
 * 赌%. Noise that folds to a letter or character (⒦) is not deferred. The
 * fast loops leave such noise, and every character while a choice is
 * deferred, to the general step. */
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
 * may begin a choice of its own. */
static void defer_take(shi_scanner *sc)
{
    shi_defer_char c[SHI_DEFER_MAX];
    uint32_t n = sc->defer_n;
    memcpy(c, sc->defer, n * sizeof c[0]);
    sc->defer_n = 0;
    defer_restore(sc, &sc->defer_snap);
    sc->replaying = 1;
    step_char(sc, c[0].cp, c[0].v, c[0].off, c[0].len);
    recent_put(sc, c[0].cp, c[0].v);
    sc->replaying = 0;
    for (uint32_t i = 1; i < n && !sc->status; i++) {
        step_dispatch(sc, c[i].cp, c[i].v, c[i].off, c[i].len);
        recent_put(sc, c[i].cp, c[i].v);
    }
}

/* The skip reading: the gap is skipped already; what was looked ahead. */
static void defer_skip_wins(shi_scanner *sc)
{
    uint32_t n = sc->defer_n;
    sc->defer_n = 0;
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
        step_char(sc, d->cp, d->v, d->off, d->len);
        recent_put(sc, d->cp, d->v);
    }
    sc->replaying = 0;
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
        if ((e->bound & SHI_BOUND_START) && (ring_at(sc, sc->unit - (e->units - k))->prev_word & 1))
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
                sc->defer_n = 0;
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
        defer_take(sc);
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
        defer_skip_wins(sc);
    else
        defer_take(sc);
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
        shi_unit *prev = ring_at(sc, sc->unit - 1);
        prev->end = off + len;
        prev->single = SHI_UNIT_DOUBLED;
        prev->prev_word |= SHI_PREV_DOUBLED;
        prev->raw = (uint32_t)(off - prev->start); /* where the last copy starts */
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
    if (sc->defer_n)
        defer_char(sc, cp, v, off, len);
    else
        step_char(sc, cp, v, off, len);
    recent_put(sc, cp, v);
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

void shi_scanner_feed(shi_scanner *sc, const unsigned char *p, size_t n, int final)
{
    size_t i = 0;
    /* finish a sequence split by the previous write */
    while (sc->ncarry && !sc->status) {
        unsigned char tmp[8];
        size_t k = sc->ncarry;
        memcpy(tmp, sc->carry, k);
        size_t take = n - i < 4 ? n - i : 4;
        if (take)
            memcpy(tmp + k, p + i, take);
        uint32_t cp;
        size_t need;
        size_t len = shi_utf8_decode(tmp, k + take, &cp, &need);
        if (need && !final) {
            if (take)
                memcpy(sc->carry + k, p + i, take); /* still incomplete: keep all */
            sc->ncarry = (uint8_t)(k + take);
            return;
        }
        step(sc, cp, sc->pos, (uint32_t)len);
        sc->pos += len;
        if (len >= k) {
            i += len - k;
            sc->ncarry = 0;
        } else {
            memmove(sc->carry, sc->carry + len, k - len);
            sc->ncarry = (uint8_t)(k - len);
        }
    }
#if SHI_FAST_PATHS
    int fast = !(sc->flags & SHI_SCAN_GENERAL);
    int eager = sc->seg_on && !sc->lazy;
#endif
    if (sc->lazy && n > i) { /* lazy implies rules */
        sc->seg.src = p;
        sc->seg.src_base = sc->pos - i;
        sc->seg.src_from = i;
    }
    while (i < n && !sc->status) {
#if SHI_FAST_PATHS
        if (fast && !sc->defer_n) {
            /* what the loop takes, the eager rule segment copies, as
             * lazily: a word hit may want it written first (segment.h) */
            if (eager) {
                sc->seg.src = p;
                sc->seg.src_base = sc->pos - i;
                sc->seg.src_from = i;
            }
            i = shi_fast_run(sc, p, i, n);
            if (eager) {
                shi_seg_write(&sc->seg, sc->pos);
                sc->seg.src = NULL;
            }
            if (i >= n || sc->status)
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
        if (need && !final) {
            sc->ncarry = (uint8_t)(n - i);
            memcpy(sc->carry, p + i, n - i);
            break;
        }
        step(sc, cp, sc->pos, (uint32_t)len);
        sc->pos += len;
        i += len;
    }
    if (sc->recent_to)
        recent_sync(sc); /* before the bytes go */
    if (sc->seg.src) {
        /* the line goes on in the next write: its segment so far now;
         * the last write ends the line */
        if (!sc->status && final)
            lazy_line_end(sc, sc->pos, 0);
        else if (!sc->status)
            shi_seg_write(&sc->seg, sc->pos);
        sc->seg.src = NULL;
    }
}

void shi_scanner_finish(shi_scanner *sc)
{
    if (sc->ncarry)
        shi_scanner_feed(sc, NULL, 0, 1);
    if (sc->status)
        return;
    while (sc->defer_n && !sc->status) {
        if (sc->defer_n > sc->defer_gap && (sc->defer_end || sc->defer_join))
            defer_skip_wins(sc); /* the hit that needed a word boundary after it */
        else                     /* the text ends while deferred: the take reading */
            defer_take(sc);
    }
    if (sc->status)
        return;
    if (sc->pending) {
        sc->pending = 0;
        shi_resolve(sc, sc->unit - 1, 0);
    }
    sc->state = SHI_ROOT;
    shi_advance(sc, sc->unit);
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
