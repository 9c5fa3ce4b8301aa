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
    shi_seg_line_end(&sc->seg, (sc->attn & SHI_MAP_RULE) || sc->variants, off, len);
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
 * stretched. The scanner follows one path: the other is lost (a doubled
 * character that both paths need is issue 15's open part). */
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

    if ((v & SHI_MAP_MARK) && s == SHI_ROOT)
        mark_record(sc, cp, off + len);
    else if ((v & SHI_MAP_MARK) && noise_skipped(slots, s, v, sc->last_latin) &&
             mark_stops(sc, cp, off, len, ring_at(sc, sc->unit - 1)->start)) {
        /* a boundary: the match ends here, and the mark itself may begin
         * an entry (#话题) */
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
        prev->single = 0;
        return;
    }
    if (sc->pending) {
        sc->pending = 0;
        shi_resolve(sc, sc->unit - 1, word | (redup ? SHI_NEXT_REDUP : 0));
    }
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
        uu->prev_word = prev_word;
        uu->best_len = 0;
        uu->allow_len = 0;
        uu->single = (uint8_t)single;
        uu->adjacent = !sc->skipped;
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
    if (sc->lazy) {
        if (cp < 0x10000)
            sc->attn |= sc->bmp[cp];
        else if (cp < 0x110000u && shi_rules_can_begin(db, cp, v))
            sc->attn |= SHI_MAP_RULE;
    }
    /* lazily, within a write, the line's end writes its segment */
    if (sc->seg_on && !sc->seg.src)
        shi_seg_put_char(&sc->seg, cp, v, off, len);
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
        if (fast) {
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
