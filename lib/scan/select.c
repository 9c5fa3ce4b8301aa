/* Hit selection, allow coverage and verdicts (select.h): the policy the
 * scanner applies as it goes, from resolved outputs to reported hits. */
#include <string.h>

#include "scan/core.h"
#include "scan/select.h"
#include "unicode/utf8.h"

/* Reports a hit at original offsets [start, end) to the callback. */
static inline void emit_span(shi_scanner *sc, uint64_t start, uint64_t end, uint32_t entry)
{
    if (sc->status)
        return;
    const shi_entry *e = &sc->db->entries[entry];
    shai_hit hit = {
        .start = start,
        .end = end,
        .entry = entry,
        .category = e->category,
        .action = shi_scene_action(sc, e),
        .flags = (e->flags & SHAI_ENTRY_ALLOW) ? SHAI_HIT_ALLOW : 0,
    };
    if (sc->fn(&hit, sc->user))
        sc->status = SHAI_TERMINATED;
}

/* Overlapping order: by end, then longer first, then entry index. */
static int held_before(const shi_held_hit *a, uint64_t start, uint64_t end, uint32_t entry)
{
    if (a->end != end)
        return a->end < end;
    if (a->start != start)
        return a->start < start;
    return a->entry < entry;
}

static int same_hit(const shi_held_hit *a, uint64_t start, uint64_t end, uint32_t entry)
{
    return a->start == start && a->end == end && a->entry == entry;
}

/* Both readings: whether a hit was reported already (by another reading),
 * else remembers it. */
static int seen_before(shi_scanner *sc, uint64_t start, uint64_t end, uint32_t entry)
{
    uint32_t n = sc->nseen < SHI_SHADOW_HELD ? sc->nseen : SHI_SHADOW_HELD;
    for (uint32_t i = 0; i < n; i++)
        if (same_hit(&sc->seen[i], start, end, entry))
            return 1;
    shi_held_hit *h = &sc->seen[sc->nseen++ % SHI_SHADOW_HELD];
    if (end > sc->seen_end)
        sc->seen_end = end;
    h->start = start;
    h->end = end;
    h->entry = entry;
    return 0;
}

static void emit_word(shi_scanner *sc, uint64_t start, uint64_t end, uint32_t entry)
{
    if (sc->seg_on)
        shi_seg_before_word(&sc->seg, end);
    emit_span(sc, start, end, entry);
}

/* Reports the held hits that sort before (start, end, entry), dropping one
 * equal to it. */
static void flush_held(shi_scanner *sc, uint64_t start, uint64_t end, uint32_t entry)
{
    uint32_t i = 0;
    while (i < sc->nheld && !sc->status &&
           (held_before(&sc->held[i], start, end, entry) ||
            same_hit(&sc->held[i], start, end, entry))) {
        const shi_held_hit *h = &sc->held[i++];
        if (!same_hit(h, start, end, entry) && !seen_before(sc, h->start, h->end, h->entry))
            emit_word(sc, h->start, h->end, h->entry);
    }
    memmove(sc->held, sc->held + i, (sc->nheld - i) * sizeof sc->held[0]);
    sc->nheld -= i;
}

void shi_held_flush(shi_scanner *sc, uint64_t end)
{
    uint32_t i = 0;
    while (i < sc->nheld && !sc->status && sc->held[i].end < end) {
        const shi_held_hit *h = &sc->held[i++];
        if (!seen_before(sc, h->start, h->end, h->entry))
            emit_word(sc, h->start, h->end, h->entry);
    }
    memmove(sc->held, sc->held + i, (sc->nheld - i) * sizeof sc->held[0]);
    sc->nheld -= i;
}

void shi_shadow_hit(shi_scanner *sc, uint64_t start, uint64_t end, uint32_t entry)
{
    uint32_t n = sc->nseen < SHI_SHADOW_HELD ? sc->nseen : SHI_SHADOW_HELD, at = sc->nheld;
    for (uint32_t i = 0; i < n; i++)
        if (same_hit(&sc->seen[i], start, end, entry))
            return;
    for (uint32_t i = 0; i < sc->nheld; i++) {
        if (same_hit(&sc->held[i], start, end, entry))
            return;
        if (at == sc->nheld && !held_before(&sc->held[i], start, end, entry))
            at = i;
    }
    if (sc->nheld == SHI_SHADOW_HELD) {
        /* full: the first goes now */
        const shi_held_hit h = sc->held[0];
        memmove(sc->held, sc->held + 1, --sc->nheld * sizeof sc->held[0]);
        if (at)
            at--;
        if (!seen_before(sc, h.start, h.end, h.entry))
            emit_word(sc, h.start, h.end, h.entry);
    }
    memmove(sc->held + at + 1, sc->held + at, (sc->nheld - at) * sizeof sc->held[0]);
    sc->held[at] = (shi_held_hit){start, end, entry};
    sc->nheld++;
}

/* A word hit from unit s to unit f: after the rule hits of the line's
 * full pieces that end before it ends (rules/segment.h), and after the
 * held hits of other readings that sort before it. */
static void emit(shi_scanner *sc, uint64_t s, uint64_t f, uint32_t entry)
{
    uint64_t start = ring_at(sc, s)->start, end = ring_at(sc, f)->end;
    /* with no other reading alive and none of its hits held, a hit can be
     * one reported already only if it ends where one did; and a reading
     * that begins later finds only hits that end past this one */
    if (sc->shadow_used && (sc->nshadow || sc->nheld || end <= sc->seen_end)) {
        if (sc->nheld)
            flush_held(sc, start, end, entry);
        if (seen_before(sc, start, end, entry))
            return;
    }
    emit_word(sc, start, end, entry);
}

/* An exact entry matches only text that is its own characters, unfolded
 * and with nothing skipped or doubled in between. (Out of line, as
 * gap_joins: boundary_ok is inlined for every output.) */
static __attribute__((noinline)) int exact_ok(shi_scanner *sc, const shi_entry *e, uint64_t s)
{
    const unsigned char *t = (const unsigned char *)sc->db->strings + e->text;
    size_t k = 0;
    for (uint32_t i = 0; i < e->units; i++) {
        const shi_unit *u = ring_at(sc, s + i);
        if (u->single != 1 || (i && (u->prev_word & SHI_PREV_SKIP)) || k >= e->text_len)
            return 0;
        uint32_t cp;
        size_t need;
        k += shi_utf8_decode(t + k, e->text_len - k, &cp, &need);
        if (cp != u->raw)
            return 0;
    }
    return k == e->text_len;
}

/* Whether a hit of entry e from unit s (whose prev_word is prev), with
 * noise after its first unit or before its last, joins two words there:
 * 弹性 服务 is not 性服务 (core.h, SHI_PREV_GAP). */
static __attribute__((noinline)) int gap_joins(shi_scanner *sc, const shi_entry *e, uint64_t s,
                                               int next_word, uint8_t prev)
{
    return e->units > 1 &&
           ((next_word & SHI_NEXT_JOIN) ||
            ((prev & SHI_PREV_GAP) && (ring_at(sc, s + 1)->prev_word & SHI_PREV_SKIP) &&
             join_prev(sc->db, ring_at(sc, s)))) &&
           !entry_has_noise(sc->db, e);
}

/* Whether a hit of e (a Latin letter or digit at both ends) from unit s
 * reads one word: noise between two of its Latin letters is skipped only
 * where the entry has noise of its own (mother fucker) or between every two
 * of them (f u c k, s.b); `the pen is` is not penis (shi_latin_gaps_ok).
 * (Out of line, as gap_joins.) */
static __attribute__((noinline)) int latin_word_ok(shi_scanner *sc, const shi_entry *e, uint64_t s)
{
    uint64_t skips = 0;
    for (uint32_t i = 1; i < e->units && i < 64; i++)
        if (ring_at(sc, s + i)->prev_word & SHI_PREV_SKIP)
            skips |= 1ull << i;
    return !skips || shi_latin_gaps_ok(sc->db, e, skips);
}

static inline int boundary_ok(shi_scanner *sc, const shi_entry *e, uint64_t s, int next_word)
{
    if ((e->bound & SHI_BOUND_END) && (next_word & 1))
        return 0;
    /* a two-character word whose last character the text doubles into a
     * reduplicated word: 他妈妈 is 他 妈妈, not 他妈 */
    if ((next_word & SHI_NEXT_REDUP) && e->units <= 2)
        return 0;
    uint8_t prev = ring_at(sc, s)->prev_word;
    if ((e->bound & SHI_BOUND_START) && (prev & 1))
        return 0;
    /* noise between two words, next to the hit's first or last unit */
    if (((next_word & SHI_NEXT_JOIN) || (prev & SHI_PREV_GAP)) &&
        gap_joins(sc, e, s, next_word, prev))
        return 0;
    if ((e->flags & SHAI_ENTRY_EXACT) && !exact_ok(sc, e, s))
        return 0;
    if (e->bound == (SHI_BOUND_START | SHI_BOUND_END) && e->units > 1 && !latin_word_ok(sc, e, s))
        return 0;
    return 1;
}

/* The outputs of unit f are known once the character after it is seen. */
void shi_resolve(shi_scanner *sc, uint64_t f, int next_word)
{
    const shai_db *db = sc->db;
    shi_unit *uf = ring_at(sc, f);
    uf->next_word = (uint8_t)next_word;
    uint32_t flags = sc->flags;
    for (uint32_t o = db->links[uf->state].out; o; o = db->outs[o].next) {
        uint32_t entry = db->outs[o].entry;
        const shi_entry *e = &db->entries[entry];
        uint64_t s = f + 1 - e->units;
        if (!boundary_ok(sc, e, s, next_word))
            continue;
        if (sc->scene && !shi_scene_action(sc, e))
            continue; /* off in the scene: not found, so it hides nothing */
        shi_unit *us = ring_at(sc, s);
        if (flags & SHAI_SCAN_VIOLATIONS) {
            if (e->flags & SHAI_ENTRY_ALLOW) {
                if (e->units > us->allow_len)
                    us->allow_len = e->units;
                continue;
            }
            if (flags & SHAI_SCAN_OVERLAPPING) {
                /* reported when no allow hit can cover it any more: at
                 * once when the db has none, in the order of an
                 * overlapping scan (whose other readings' hits wait in
                 * sc->held for the ones that sort before them) */
                if (!db->max_allow_units) {
                    uint32_t action = shi_scene_action(sc, e);
                    if (action > sc->verdict)
                        sc->verdict = action;
                    emit(sc, s, f, entry);
                    if (sc->status)
                        return;
                }
                continue;
            }
        } else if (flags & SHAI_SCAN_OVERLAPPING) {
            emit(sc, s, f, entry);
            if (sc->status)
                return;
            continue;
        }
        if (e->units > us->best_len) {
            us->best_len = e->units;
            us->best_entry = entry;
        }
    }
}

/* Whether an allow hit covers a deny hit of `units` units that ends at unit
 * f (shai_check): it holds the whole deny hit, or it reaches past the deny
 * hit's end and holds more than half of its units (starts at or before
 * f + 1 - need). So 垃圾桶 covers 是垃圾 in 这里是垃圾桶, but 妈妈 does not
 * cover 操你妈 (one unit of three), nor 你妈 (which ends with it) 操你妈.
 * Every allow hit starting before the horizon is known, and the deny hit
 * is decided only once f < horizon. */
static int allow_covers(shi_scanner *sc, uint64_t f, uint32_t units)
{
    uint32_t max_allow = sc->db->max_allow_units;
    uint32_t need = units / 2 + 1;
    if (!max_allow)
        return 0;
    uint64_t s = f + 1 - units, hi = f + 1 - need;
    uint64_t lo = f + 1 >= max_allow ? f + 1 - max_allow : 0;
    for (uint64_t a = hi + 1; a-- > lo;) {
        uint32_t len = ring_at(sc, a)->allow_len;
        if (len && a + len > f && (a <= s || a + len > f + 1))
            return 1;
    }
    return 0;
}

/* Violations ending at unit f, once every allow hit that could cover them
 * is known. */
static void finalize_end(shi_scanner *sc, uint64_t f)
{
    const shai_db *db = sc->db;
    shi_unit *uf = ring_at(sc, f);
    for (uint32_t o = db->links[uf->state].out; o; o = db->outs[o].next) {
        uint32_t entry = db->outs[o].entry;
        const shi_entry *e = &db->entries[entry];
        if (e->flags & SHAI_ENTRY_ALLOW)
            continue;
        uint32_t action = shi_scene_action(sc, e);
        if (!action)
            continue;
        uint64_t s = f + 1 - e->units;
        if (!boundary_ok(sc, e, s, uf->next_word))
            continue;
        if (allow_covers(sc, f, e->units))
            continue;
        if (action > sc->verdict)
            sc->verdict = action;
        if (sc->flags & SHAI_SCAN_OVERLAPPING) {
            emit(sc, s, f, entry);
            if (sc->status)
                return;
        }
    }
}

/* Violations, leftmost-longest: the longest deny hit starting at p that no
 * allow hit covers, ties to the lowest entry index; its length, or 0. The
 * longest of all (best_len) is tried first; the others only when an allow
 * hit covers it. */
static uint32_t uncovered_at(shi_scanner *sc, uint64_t p, uint32_t *entry)
{
    const shai_db *db = sc->db;
    shi_unit *up = ring_at(sc, p);
    if (!allow_covers(sc, p + up->best_len - 1, up->best_len)) {
        *entry = up->best_entry;
        return up->best_len;
    }
    for (uint32_t len = up->best_len - 1; len > 0; len--) {
        uint64_t f = p + len - 1;
        shi_unit *uf = ring_at(sc, f);
        uint32_t found = UINT32_MAX;
        for (uint32_t o = db->links[uf->state].out; o; o = db->outs[o].next) {
            uint32_t en = db->outs[o].entry;
            const shi_entry *e = &db->entries[en];
            if ((e->flags & SHAI_ENTRY_ALLOW) || e->units != len || en >= found ||
                !boundary_ok(sc, e, p, uf->next_word))
                continue;
            if (sc->scene && !shi_scene_action(sc, e))
                continue; /* off in the scene, as in shi_resolve */
            found = en;
        }
        if (found != UINT32_MAX && !allow_covers(sc, f, len)) {
            *entry = found;
            return len;
        }
    }
    return 0;
}

/* A selected hit of `len` units from unit p: from the last copy of a
 * doubled unit p when the hit before it ended in that unit (split_at), and
 * up to the last copy of its own last unit when `split_end`. */
static void emit_selected(shi_scanner *sc, uint64_t p, uint32_t len, uint32_t entry, int split_end)
{
    const shi_unit *us = ring_at(sc, p), *uf = ring_at(sc, p + len - 1);
    uint64_t start = sc->split_at == p + 1 ? us->start + us->raw : us->start;
    uint64_t end = split_end ? uf->start + uf->raw : uf->end;
    if (sc->db->rules)
        shi_seg_before_word(&sc->seg, end);
    emit_span(sc, start, end, entry);
}

/* Leftmost-longest: start p is final once no future hit can start at or
 * before it; for violations, once every allow hit that can cover its
 * longest hit is known too (shi_advance waits). A hit whose last unit a
 * doubled character joined (来自 in 來自自由民主黨) is held until the hits
 * starting at that unit are known: when one of them is selected, the two
 * share the unit, the first up to its last copy and the second from there
 * (來自 and 自由民主黨), so the doubled character hides no neighbour. */
static void select_start(shi_scanner *sc, uint64_t p)
{
    shi_unit *up = ring_at(sc, p);
    uint32_t entry = up->best_entry, len = up->best_len;
    if (p < sc->sel_block)
        return;
    if (len && (sc->flags & SHAI_SCAN_VIOLATIONS))
        len = uncovered_at(sc, p, &entry);
    if (sc->held_len) { /* p is the held hit's last unit */
        emit_selected(sc, sc->held_from, sc->held_len, sc->held_entry, len != 0);
        sc->held_len = 0;
        sc->split_at = len ? p + 1 : 0;
    }
    if (!len)
        return;
    sc->sel_block = p + len;
    if (len > 1 && ring_at(sc, p + len - 1)->single == SHI_UNIT_DOUBLED) {
        sc->sel_block = p + len - 1;
        sc->held_from = p;
        sc->held_len = len;
        sc->held_entry = entry;
        return;
    }
    emit_selected(sc, p, len, entry, 0);
}

void shi_advance(shi_scanner *sc, uint64_t horizon)
{
    sc->horizon = horizon;
    uint32_t flags = sc->flags;
    /* overlapping violations of a db without allow entries were reported
     * as they were resolved (shi_resolve): nothing waits */
    if ((flags & SHAI_SCAN_VIOLATIONS) &&
        ((flags & SHAI_SCAN_OVERLAPPING) ? sc->db->max_allow_units != 0
                                         : (flags & SHI_SCAN_VERDICT) != 0)) {
        while (sc->fin_next < horizon && !sc->status) {
            uint64_t f = sc->fin_next++;
            if (sc->db->links[ring_at(sc, f)->state].out)
                finalize_end(sc, f);
        }
    }
    if (!(flags & SHAI_SCAN_OVERLAPPING)) {
        int wait = (flags & SHAI_SCAN_VIOLATIONS) != 0;
        while (sc->sel_next < horizon && !sc->status) {
            /* a violation waits until the allow hits that start inside it
             * are known */
            if (wait && sc->sel_next + ring_at(sc, sc->sel_next)->best_len > horizon)
                break;
            select_start(sc, sc->sel_next++);
        }
    }
}

int shi_rule_hit(uint64_t start, uint64_t end, uint32_t entry, void *user)
{
    shi_scanner *sc = user;
    const shi_entry *e = &sc->db->entries[entry];
    uint32_t action = shi_scene_action(sc, e);
    if (!action)
        return 0; /* off in the scene */
    if ((sc->flags & SHAI_SCAN_VIOLATIONS) && action > sc->verdict)
        sc->verdict = action;
    emit_span(sc, start, end, entry);
    return sc->status != 0;
}

void shi_variant_emit(shi_scanner *sc, uint64_t start, uint64_t end, uint32_t entry, uint32_t kind,
                      uint32_t action)
{
    if (sc->status)
        return;
    const shi_entry *e = &sc->db->entries[entry];
    if ((sc->flags & SHAI_SCAN_VIOLATIONS) && action > sc->verdict)
        sc->verdict = action;
    shai_hit hit = {
        .start = start,
        .end = end,
        .entry = entry,
        .category = e->category,
        .action = action,
        .flags = (e->flags & SHAI_ENTRY_ALLOW) ? SHAI_HIT_ALLOW : 0,
        .variant = kind,
    };
    if (sc->fn(&hit, sc->user))
        sc->status = SHAI_TERMINATED;
}
