/* The fast loops (fast.h): the root loop, where most text is scanned, and
 * the fast loop around it, each instantiated per kind of scan. */
#include <string.h>

#include "scan/core.h"
#include "scan/fast.h"
#include "scan/select.h"
#include "rules/rules.h"
#include "unicode/utf8.h"

/* Flags of the fast path, kept in one register. */
#define F_WORD 0x1u  /* the last character was a word character */
#define F_UNIT 0x2u  /* the last character made a unit */
#define F_LATIN 0x4u /* ... and it was a Latin letter */
#define F_SKIP 0x8u  /* noise was skipped since the last unit */
#define F_PEND 0x10u /* the last unit's outputs wait for the next character */
#define F_DOT 0x20u  /* the last character was a skipped ASCII full stop */
#define F_ALL (F_WORD | F_UNIT | F_LATIN | F_SKIP | F_PEND | F_DOT)
/* the root loop's: noise follows a digit unit (no noise is skipped between
 * two digits); outside a unit's prev_word */
#define F_DIG 0x100u
_Static_assert(F_WORD == SHI_PREV_WORD && F_SKIP == SHI_PREV_SKIP &&
                   !(F_ALL & (SHI_PREV_GAP | SHI_PREV_DOUBLED)) && F_ALL <= 0xFF,
               "a unit's prev_word is the loops' flags before it");

/* Scanner registers the root loop reads and updates. */
typedef struct shi_root_regs {
    uint32_t state, fl, last_sym, gap;
    uint64_t unit;
    uint32_t stop; /* ROOT_PLAIN: stopped before a character it does not take */
    size_t i0;     /* where the loops' characters began (recent_before): where
                      the fast loop began, or after a line break */
    uint32_t attn; /* OR of the map values read */
} shi_root_regs;

#define ROOT_PLAIN 0x1u

static inline __attribute__((always_inline)) void put_unit(shi_unit *uu, uint64_t off, uint32_t len,
                                                           uint32_t state, uint32_t fl, uint32_t cp,
                                                           const int light)
{
    uu->start = off;
    uu->end = off + len;
    uu->state = state;
    uu->prev_word = (uint8_t)fl; /* F_WORD, F_SKIP: SHI_PREV_WORD, SHI_PREV_SKIP */
    if (!light) {
        uu->best_len = 0;
        uu->allow_len = 0;
        uu->single = 1;
        uu->raw = cp;
    }
}

/* gap_mark for unit u, followed by noise at p[i]: its character is the
 * last one before p[i]. */
static inline void gap_mark_at(shi_scanner *sc, uint64_t u, const unsigned char *p, size_t i0,
                               size_t i)
{
    uint32_t two[2];
    recent_before(sc, p, i0, i, two);
    gap_mark(sc, u, two[1]);
}

/* A 3-byte sequence's code point with BMI2's PEXT (its bytes in w, the
 * first lowest): the four bits of the lead and six of each continuation
 * byte gathered in one instruction, where the shifts take eight (2-4% of
 * a per-line scan; bench/README.md). Only where db->fast_pext says the
 * CPU runs it fast; written in assembly so that the library needs no
 * -mbmi2 and runs anywhere. */
#if defined(__x86_64__) && defined(__GNUC__)
#define SHI_PEXT 1
static inline __attribute__((always_inline)) uint32_t cp3_pext(uint32_t w)
{
    uint32_t cp;
    __asm__("pextl %2, %1, %0" : "=r"(cp) : "r"(__builtin_bswap32(w)), "r"(0x0F3F3F00u));
    return cp;
}
#else
#define SHI_PEXT 0
#define cp3_pext(w) 0u /* never called: pext is 0 */
#endif

#define NO_REPEAT UINT32_MAX
_Static_assert((SHI_MAP_WORD >> 24) == F_WORD && (SHI_MAP_LATIN >> 28) == F_LATIN,
               "the root loop shifts map bits into scanner flags");

/* The root loop, where most text is scanned: no output waiting. In the root
 * or a child of the root (depth 1, failure link the root), a plain
 * character that does not continue the match leads to the root's child on
 * it whatever came before: one load of db->rootc, no failure links; and
 * only the last unit can be part of a later hit, so it is written once,
 * when it is left or the loop ends. Deeper down it follows failure links
 * and writes units at once; policy scans (violations, leftmost-longest)
 * advance their horizon there as the general step does. Stops after a
 * character whose state has outputs (the general loop resolves them), or
 * before one it does not take (noise is taken). */
static inline __attribute__((always_inline)) size_t
root_run_body(shi_scanner *sc, const unsigned char *p, size_t i, size_t n, uint64_t base,
              shi_root_regs *r, const int light, const int plain, const int lazy, const int pext)
{
    const shai_db *db = sc->db;
    shi_unit *ring = sc->ring;
    const shi_slot *slots = db->slots;
    const shi_rootc *rootc = db->rootc;
    /* lazy: the map with SHI_MAP_RULE, whose bits the loop collects */
    const uint32_t *bmp = lazy ? sc->bmp : db->map_bmp;
    const shi_link *links = db->links;
    uint32_t attn = 0;
    uint32_t cur = r->state == SHI_ROOT ? SHI_NO_CHILD : r->state;
    /* cur is deeper than 1: its failure link may not be the root */
    uint32_t deep = r->state != SHI_ROOT && db->depth[r->state] > 1;
    uint32_t cbase = r->state == SHI_ROOT ? 0 : slots[r->state].base & SHI_SLOT_BASE;
    uint32_t fl = r->fl, gap = r->gap;
    /* the symbol a doubled character would repeat (a unit's, not across
     * skipped noise), NO_REPEAT when none */
    uint32_t rsym = (fl & F_UNIT) ? r->last_sym : NO_REPEAT;
    /* the last unit, not yet written: where it is, its character and the
     * flags before it */
    uint32_t held = 0, hcp = 0, hfl = 0;
    const unsigned char *q = p + i, *hq = q, *last = n >= 4 ? p + n - 4 : p;
    uint32_t stop = ROOT_PLAIN;
    /* the loop resolves a unit's outputs itself when the character after
     * it is a plain one (overlapping scans without rule segments) */
    const int resolve = plain && !lazy;
    while (n >= 4 && q <= last) {
        uint32_t cp, len, w = shi_load_le32(q);
        if (!(w & 0x80)) {
            cp = w & 0x7F;
            len = 1;
        } else {
            cp = pext ? cp3_pext(w) : ((w & 0x0F) << 12) | ((w & 0x3F00) >> 2) | ((w >> 16) & 0x3F);
            if ((w & 0xC0C0F0) != 0x8080E0 || cp < 0x800)
                break; /* anything else: the general step (surrogates map to a break) */
            len = 3;
        }
        uint32_t v = bmp[cp];
        if (lazy)
            attn |= v;
        if (__builtin_expect((v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND | SHI_MAP_MARK |
                                   SHI_MAP_LEADS)) != 0,
                             0)) {
            if (!lazy && (v & SHI_MAP_BREAK) && !sc->seg_on) {
                /* a line break in a scan without a line segment (rules,
                 * variants): what the general step does, here (step_char);
                 * the match ends (a policy scan advances to it), and
                 * sc->recent starts again after it */
                uint32_t bcp;
                shi_utf8_decode_valid(q, &bcp);
                if (held) {
                    put_unit(&ring[r->unit & RING_MASK], base + (uint64_t)(hq - p),
                             *hq < 0x80 ? 1 : 3, cur, hfl, hcp, light);
                    r->unit++;
                    held = 0;
                }
                sc->line_topic = 0;
                sc->brk_prev = sc->brk_cur;
                sc->brk_cur = bcp;
                sc->recent[0] = sc->recent[1] = 0;
                q += len;
                r->i0 = (size_t)(q - p);
                cur = SHI_NO_CHILD;
                cbase = 0;
                deep = 0;
                gap = 0;
                fl &= F_LATIN | F_DOT; /* as the general step leaves them */
                rsym = NO_REPEAT;
                if (!plain && advance_to(sc, r->unit, r->unit)) {
                    stop = 0;
                    break;
                }
                continue;
            }
            if (v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND))
                break;
            if (!(v & SHI_MAP_MARK)) {
                /* noise an entry begins with (#话题): inside a match, the
                 * general step; in the root, as any other character */
                if (cur != SHI_NO_CHILD)
                    break;
                goto plain;
            }
            /* a mark: recorded in the root state; in a child of the root
             * where it would be skipped, it is skipped or ends the match
             * (mark_stops); anything else, the general step. (Its
             * character decoded again: cp is not kept past the map.) */
            uint64_t off = base + (uint64_t)(q - p);
            uint32_t mcp;
            shi_utf8_decode_valid(q, &mcp);
            if (cur == SHI_NO_CHILD) {
                mark_record(sc, mcp, off + len);
            } else {
                uint32_t msym = v & SHI_MAP_SYM_MASK;
                if (shi_mark_kind(mcp) == SHI_MARK_TOPIC)
                    topic_note(sc, off, len); /* inside a match: is it an opening one? */
                /* after a digit, the fast loop decides (mark_stops must
                 * run once); one that is not skipped here, the general
                 * step; deeper than 1, one no entry has (the failure links
                 * take it nowhere), in an overlapping scan (no horizon to
                 * advance when the match ends) */
                if ((deep && (msym || !plain)) || rootc[msym].id != SHI_NO_CHILD ||
                    slots[cbase + msym].check == cur ||
                    ((fl & F_UNIT) && unit_is_digit(db, rsym)) ||
                    ((v & (SHI_MAP_NOISE | SHI_MAP_SEP)) != SHI_MAP_NOISE && !(fl & F_LATIN)))
                    break;
                if ((fl & F_UNIT) && !(fl & F_LATIN)) {
                    /* the first noise after a character, skipped or not:
                     * the unit is written now, with the character before
                     * it (gap_mark), as the noise path below would */
                    if (held) {
                        put_unit(&ring[r->unit & RING_MASK], base + (uint64_t)(hq - p),
                                 *hq < 0x80 ? 1 : 3, cur, hfl, hcp, light);
                        r->unit++;
                        held = 0;
                    }
                    gap_mark_at(sc, r->unit - 1, p, r->i0, (size_t)(q - p));
                    fl &= ~F_UNIT;
                }
                uint64_t last = held ? base + (uint64_t)(hq - p)
                                     : unit_last_start(&ring[(r->unit - 1) & RING_MASK]);
                if (mark_stops(sc, mcp, off, len, last)) {
                    /* the match ends; the mark begins nothing */
                    q += len;
                    held = 0;
                    cur = SHI_NO_CHILD;
                    cbase = 0;
                    deep = 0;
                    gap = 0;
                    fl = 0;
                    rsym = NO_REPEAT;
                    continue;
                }
            }
        }
    plain:;
        uint32_t sym = v & SHI_MAP_SYM_MASK;
        uint32_t t = cbase + sym;
        uint32_t deeper; /* a state deeper than 1 to go to */
        if (slots[t].check == cur) {
            if (v & SHI_MAP_NOISE)
                break;  /* noise an entry takes (赌%): the general step */
            deeper = t; /* the match goes on */
            goto go_deeper;
        }
        shi_rootc rc = rootc[sym];
        /* (noise an entry begins with, inside a match, left above: LEADS) */
        if ((v & SHI_MAP_NOISE) && cur != SHI_NO_CHILD && rc.id == SHI_NO_CHILD &&
            (!(v & SHI_MAP_SEP) || (fl & F_LATIN))) {
            /* noise inside a possible match: skipped (noise_skipped); a
             * second full stop in a row, an ellipsis, by the general step;
             * with both readings, noise the failure links may take */
            if ((*q == '.' && (fl & F_DOT) && !(fl & F_LATIN)) || (deep && sym && sc->both))
                break;
            if ((fl & F_UNIT) && unit_is_digit(db, rsym))
                fl |= F_DIG; /* the gap follows a digit */
            if ((fl & F_UNIT) && !(fl & F_LATIN)) {
                /* the first noise after a character: the unit is written
                 * now, with the character before it (gap_mark) */
                if (held) {
                    put_unit(&ring[r->unit & RING_MASK], base + (uint64_t)(hq - p),
                             *hq < 0x80 ? 1 : 3, cur, hfl, hcp, light);
                    r->unit++;
                    held = 0;
                }
                gap_mark_at(sc, r->unit - 1, p, r->i0, (size_t)(q - p));
            }
            fl = (fl & ~(F_WORD | F_UNIT | F_DOT)) | F_SKIP | (*q == '.' ? F_DOT : 0);
            q += len;
            rsym = NO_REPEAT;
            if (++gap > db->max_gap) {
                cur = SHI_NO_CHILD;
                cbase = 0;
                gap = 0;
                held = 0;
                deep = 0;
            } else if ((fl & F_DIG) && q <= last) {
                /* a digit past the gap begins again at the root, as the
                 * general step has it (4～6 级 is not 46级): the match ends
                 * here (the unit before the gap is written: a digit is no
                 * Latin letter) */
                uint32_t w2 = shi_load_le32(q), c2 = w2 & 0x7F;
                if (w2 & 0x80) {
                    c2 = ((w2 & 0x0F) << 12) | ((w2 & 0x3F00) >> 2) | ((w2 >> 16) & 0x3F);
                    if ((w2 & 0xC0C0F0) != 0x8080E0 || c2 < 0x800)
                        c2 = 0; /* the loop leaves there */
                }
                uint32_t v2 = bmp[c2];
                if (is_digit_value(v2) && !(v2 & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND |
                                                  SHI_MAP_MARK | SHI_MAP_LEADS))) {
                    cur = SHI_NO_CHILD;
                    cbase = 0;
                    deep = 0;
                }
            }
            continue;
        }
        if (sym == rsym && db->repeats)
            break; /* a doubled character: the general step */
        if (deep) {
            /* a mismatch deeper than the root's children: the failure
             * links decide */
            deeper = delta(slots, links, links[cur].fail, sym);
            if (deeper != SHI_ROOT && deeper != rc.id)
                goto go_deeper;
            deep = 0;
        }
        hq = q;
        hcp = cp;
        hfl = fl;
        held = rc.id != SHI_NO_CHILD;
        q += len;
        gap = 0;
        /* without branches: whether a character starts an entry is
         * anyone's guess */
        uint32_t mask = 0u - held;
        fl = ((v >> 24) & F_WORD) | (mask & (F_UNIT | ((v >> 28) & F_LATIN)));
        rsym = (sym & mask) | (NO_REPEAT & ~mask);
        cur = rc.id;
        cbase = rc.base & SHI_SLOT_BASE;
        if (rc.base & SHI_SLOT_OUT) { /* never for skipped noise: no child */
            fl |= F_PEND;
            goto pending;
        }
        continue;
    go_deeper:
        /* units deeper than 1 are written at once, and the held unit before
         * is part of the match */
        {
            uint64_t u = r->unit;
            if (held)
                put_unit(&ring[u++ & RING_MASK], base + (uint64_t)(hq - p), *hq < 0x80 ? 1 : 3, cur,
                         hfl, hcp, light);
            uint32_t nb = slots[deeper].base;
            put_unit(&ring[u++ & RING_MASK], base + (uint64_t)(q - p), len, deeper, fl, cp, light);
            r->unit = u;
            held = 0;
            q += len;
            gap = 0;
            fl = ((v >> 24) & F_WORD) | F_UNIT | ((v >> 28) & F_LATIN) |
                 ((nb & SHI_SLOT_OUT) ? F_PEND : 0);
            rsym = sym;
            cur = deeper;
            cbase = nb & SHI_SLOT_BASE;
            deep = 1;
            if (!plain) {
                /* a policy scan: the horizon follows the match */
                if (advance_to(sc, u, match_from(db->depth, u, deeper))) {
                    stop = 0;
                    break;
                }
            }
            if (nb & SHI_SLOT_OUT)
                goto pending;
        }
        continue;
    pending:
        /* the last unit's outputs wait for the next character: resolved
         * here when it is neither noise nor special nor a doubled unit (as
         * the fast loop would resolve them); anything else, the fast loop */
        {
            /* (the decode of the loop's top, written out again: one inline
             * helper for both changed the loop's register allocation and
             * cost 4-7%, bench/README.md) */
            uint32_t w2, c2;
            if (!resolve || q > last)
                break;
            w2 = shi_load_le32(q);
            if (!(w2 & 0x80)) {
                c2 = w2 & 0x7F;
            } else {
                c2 = ((w2 & 0x0F) << 12) | ((w2 & 0x3F00) >> 2) | ((w2 >> 16) & 0x3F);
                if ((w2 & 0xC0C0F0) != 0x8080E0 || c2 < 0x800)
                    break;
            }
            uint32_t v2 = bmp[c2];
            /* noise no entry has (a mark among it) resolves them as the
             * fast loop and the general step do, with next_word 0 (below:
             * join_next is 0 for noise), and is then the loop's */
            if ((v2 & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND | SHI_MAP_LEADS)) ||
                ((v2 & SHI_MAP_NOISE) ? (v2 & SHI_MAP_SYM_MASK) != 0 : (v2 & SHI_MAP_MARK) != 0) ||
                ((v2 & SHI_MAP_SYM_MASK) == rsym && db->repeats))
                break;
            if (held) {
                put_unit(&ring[r->unit & RING_MASK], base + (uint64_t)(hq - p), *hq < 0x80 ? 1 : 3,
                         cur, hfl, hcp, light);
                r->unit++;
                held = 0;
            }
            fl &= ~F_PEND;
            shi_resolve(sc, r->unit - 1,
                        ((v2 & SHI_MAP_WORD) != 0) | join_next(sc, r->unit - 1, c2, v2));
            if (sc->status)
                break;
        }
    }
    if (fl & F_PEND)
        stop = 0;
    if (held) {
        /* the loop takes 1- and 3-byte characters only */
        put_unit(&ring[r->unit & RING_MASK], base + (uint64_t)(hq - p), *hq < 0x80 ? 1 : 3, cur,
                 hfl, hcp, light);
        r->unit++;
    }
    r->state = cur == SHI_NO_CHILD ? SHI_ROOT : cur;
    r->fl = fl;
    r->last_sym = rsym == NO_REPEAT ? 0 : rsym;
    r->gap = gap;
    r->stop = stop;
    r->attn = attn;
    return (size_t)(q - p);
}

/* The instances: overlapping hits without exact entries (light), the
 * other overlapping scans (full), leftmost-longest and violation scans
 * (policy: the loop leaves when a match goes deeper than 1, and the general
 * loop advances the horizon); each also collecting SHI_MAP_RULE for lazy
 * rule segments; and each decoding with PEXT (sc->pext). */
#define ROOT_RUN(name, light, plain, lazy, pext)                                                   \
    static __attribute__((noinline)) size_t name(shi_scanner *sc, const unsigned char *p,          \
                                                 size_t i, size_t n, uint64_t base,                \
                                                 shi_root_regs *r)                                 \
    {                                                                                              \
        return root_run_body(sc, p, i, n, base, r, light, plain, lazy, pext);                      \
    }
/* The six instances of one decode, their names ending in sfx. */
#define ROOT_RUNS(sfx, pext)                                                                       \
    ROOT_RUN(root_run_light##sfx, 1, 1, 0, pext)                                                   \
    ROOT_RUN(root_run_full##sfx, 0, 1, 0, pext)                                                    \
    ROOT_RUN(root_run_policy##sfx, 0, 0, 0, pext)                                                  \
    ROOT_RUN(root_run_light_lazy##sfx, 1, 1, 1, pext)                                              \
    ROOT_RUN(root_run_full_lazy##sfx, 0, 1, 1, pext)                                               \
    ROOT_RUN(root_run_policy_lazy##sfx, 0, 0, 1, pext)
ROOT_RUNS(, 0)
#if SHI_PEXT
ROOT_RUNS(_pext, 1)
#endif
#undef ROOT_RUNS
#undef ROOT_RUN

/* The root loop's instances: [sc->pext][sc->lazy][policy, light, full]. */
typedef size_t (*root_run_fn)(shi_scanner *sc, const unsigned char *p, size_t i, size_t n,
                              uint64_t base, shi_root_regs *r);
/* clang-format off */
#define ROOT_RUN_ROW(sfx)                                                                          \
    {{root_run_policy##sfx, root_run_light##sfx, root_run_full##sfx},                              \
     {root_run_policy_lazy##sfx, root_run_light_lazy##sfx, root_run_full_lazy##sfx}}
/* clang-format on */
static const root_run_fn root_runs[1 + SHI_PEXT][2][3] = {
    ROOT_RUN_ROW(),
#if SHI_PEXT
    ROOT_RUN_ROW(_pext),
#endif
};
#undef ROOT_RUN_ROW

/* The common case, kept in registers: a character that is a plain symbol
 * (or outside the alphabet), no output waiting to be resolved, no repeat.
 * Returns where it stopped: the end, or a character the general step must
 * handle. Does exactly what step() would do for the characters it takes. */
static inline __attribute__((always_inline)) size_t fast_run_body(shi_scanner *sc,
                                                                  const unsigned char *p, size_t i,
                                                                  size_t n, const int plain,
                                                                  const int light)
{
    const shai_db *db = sc->db;
    const shi_slot *slots = db->slots;
    const shi_link *links = db->links;
    const uint16_t *stage1 = db->map_stage1;
    const uint32_t *stage2 = db->map_stage2;
    const uint32_t *bmp = sc->bmp;
    uint32_t attn = 0;
    const uint8_t *depth = db->depth;
    shi_unit *ring = sc->ring;
    const uint32_t max_gap = db->max_gap;
    const int repeats = db->repeats != 0;
    uint32_t s = sc->state;
    uint64_t u = sc->unit;
    uint64_t base = sc->pos - i;
    uint32_t last_sym = sc->last_sym, gap = sc->gap;
    uint32_t fl = (sc->last_word ? F_WORD : 0) | (sc->last_is_unit ? F_UNIT : 0) |
                  (sc->last_latin ? F_LATIN : 0) | (sc->skipped ? F_SKIP : 0) |
                  (sc->pending ? F_PEND : 0) | (sc->last_dot ? F_DOT : 0);
    uint32_t dig = sc->last_digit; /* while gap > 0 */
    size_t i0 = i;                 /* the root loop moves it past a line break */
    if (sc->recent_to)
        recent_sync(sc); /* the characters before p[i0] */

    while (i < n) {
        if (!(fl & F_PEND) && !(gap && dig)) {
            /* in a gap after a digit unit (dig), this loop takes the
             * characters until the gap ends; the root loop says when it
             * leaves in one (F_DIG) */
            shi_root_regs r = {
                .state = s, .fl = fl, .last_sym = last_sym, .gap = gap, .unit = u, .i0 = i0};
            const int kind = !plain ? 0 : light ? 1 : 2;
            i = root_runs[sc->pext & SHI_PEXT][sc->lazy][kind](sc, p, i, n, base, &r);
            s = r.state;
            dig = (r.fl & F_DIG) != 0; /* in a gap after a digit unit */
            fl = r.fl & ~F_DIG;
            i0 = r.i0;
            last_sym = r.last_sym;
            gap = r.gap;
            u = r.unit;
            attn |= r.attn;
            if (sc->status)
                break; /* the callback stopped the scan (a resolve in the loop) */
            if (!plain && advance_to(sc, u, match_from(depth, u, s)))
                break;
            if (!(r.stop & ROOT_PLAIN))
                continue;
            if (i >= n)
                break;
        }
        uint32_t cp, len;
        if (i + 4 <= n) {
            /* one little-endian word load decodes any sequence */
            uint32_t w = shi_load_le32(p + i);
            if (!(w & 0x80)) {
                cp = w & 0x7F;
                len = 1;
            } else if ((w & 0xC0C0F0) == 0x8080E0) {
                cp = ((w & 0x0F) << 12) | ((w & 0x3F00) >> 2) | ((w >> 16) & 0x3F);
                if (cp < 0x800 || (cp & 0xF800) == 0xD800)
                    break;
                len = 3;
            } else if ((w & 0xC0E0) == 0x80C0) {
                cp = ((w & 0x1F) << 6) | ((w >> 8) & 0x3F);
                if (cp < 0x80)
                    break;
                len = 2;
            } else if ((w & 0xC0C0C0F8) == 0x808080F0) {
                cp = ((w & 0x07) << 18) | ((w & 0x3F00) << 4) | ((w >> 10) & 0xFC0) |
                     ((w >> 24) & 0x3F);
                if (cp < 0x10000 || cp > 0x10FFFF)
                    break;
                len = 4;
            } else {
                break;
            }
        } else {
            /* the last few bytes: a whole 1-, 2- or 3-byte sequence here
             * (the end of every line scanned on its own), anything else
             * the general step decodes */
            uint32_t c = p[i];
            if (c < 0x80) {
                cp = c;
                len = 1;
            } else if ((c & 0xE0) == 0xC0 && i + 2 <= n && (p[i + 1] & 0xC0) == 0x80) {
                cp = ((c & 0x1F) << 6) | (p[i + 1] & 0x3F);
                if (cp < 0x80)
                    break;
                len = 2;
            } else if ((c & 0xF0) == 0xE0 && i + 3 <= n && (p[i + 1] & 0xC0) == 0x80 &&
                       (p[i + 2] & 0xC0) == 0x80) {
                cp = ((c & 0x0F) << 12) | ((uint32_t)(p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
                if (cp < 0x800 || (cp & 0xF800) == 0xD800)
                    break;
                len = 3;
            } else {
                break;
            }
        }
        uint32_t v = cp < 0x10000 ? bmp[cp] : shi_map_at(stage1, stage2, cp);
        attn |= v;
        if (v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND | SHI_MAP_MARK)) {
            if ((v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND)) || s != SHI_ROOT)
                break;
            mark_record(sc, cp, base + i + len);
        }
        if (gap && dig && is_digit_value(v))
            break; /* noise between two digits: the general step */
        if (cp >= 0x10000 && sc->lazy && shi_rules_can_begin(db, cp, v))
            attn |= SHI_MAP_RULE; /* 𝐊 folds to k */
        uint32_t sym = v & SHI_MAP_SYM_MASK;
        uint32_t word = (v & SHI_MAP_WORD) ? F_WORD : 0;
        if (noise_skipped(slots, s, v, (fl & F_LATIN) != 0)) {
            /* noise inside a possible match: skipped; a second full stop
             * in a row, an ellipsis, by the general step, and with both
             * readings noise the failure links may take */
            if ((cp == '.' && (fl & F_DOT) && !(fl & F_LATIN)) || (sym && sc->both))
                break;
            if (fl & F_PEND) {
                fl &= ~F_PEND;
                shi_resolve(sc, u - 1, 0);
                if (sc->status)
                    break;
            }
            if (fl & F_UNIT) { /* the first noise after a unit */
                dig = (uint32_t)unit_is_digit(db, last_sym);
                if (!(fl & F_LATIN))
                    gap_mark_at(sc, u - 1, p, i0, i);
            }
            i += len;
            fl = (fl & ~(F_WORD | F_UNIT | F_DOT)) | F_SKIP | (cp == '.' ? F_DOT : 0);
            if (++gap > max_gap) {
                s = SHI_ROOT;
                last_sym = 0;
                gap = 0;
                if (!plain && advance_to(sc, u, u))
                    break;
            }
            continue;
        }
        if (sym && sym == last_sym && (fl & F_UNIT) && repeats) {
            /* a doubled character: it joins the unit before it as the
             * general step has it (doubled_joins: no transition on it, not
             * noise, a digit or a reduplicated word, and no match of two
             * units or more through it); anything else, the general step */
            if ((v & SHI_MAP_NOISE) || is_digit_value(v) || s == SHI_ROOT ||
                go(slots, s, sym) != SHI_ROOT || !doubled_joins_at(db, s, v))
                break;
            unit_join_copy(&ring[(u - 1) & RING_MASK], base + i, len);
            i += len;
            continue;
        }
        if ((v & SHI_MAP_NOISE) && sym && s != SHI_ROOT)
            break; /* noise an entry takes or begins with: the general step */
        if (fl & F_PEND) {
            fl &= ~F_PEND;
            shi_resolve(sc, u - 1, (word != 0) | join_next(sc, u - 1, cp, v));
            if (sc->status)
                break;
        }
        s = delta(slots, links, s, sym);
        uint64_t off = base + i;
        i += len;
        gap = 0;
        if (s != SHI_ROOT) {
            put_unit(&ring[u & RING_MASK], off, len, s, fl, cp, light);
            u++;
            last_sym = sym;
            fl = word | F_UNIT | ((v & SHI_MAP_LATIN) ? F_LATIN : 0) |
                 ((slots[s].base & SHI_SLOT_OUT) ? F_PEND : 0);
            if (!plain && advance_to(sc, u, match_from(depth, u, s)))
                break;
        } else {
            last_sym = 0;
            fl = word;
            if (!plain && advance_to(sc, u, u))
                break;
        }
    }
    if (i > i0) {
        /* sc->recent as of p[i]: decoded when a step needs it */
        sc->recent_from = p + i0;
        sc->recent_to = p + i;
    }
    sc->state = s;
    sc->unit = u;
    sc->pos = base + i;
    sc->last_word = (fl & F_WORD) != 0;
    sc->skipped = (fl & F_SKIP) != 0;
    sc->last_sym = last_sym;
    sc->last_is_unit = (fl & F_UNIT) != 0;
    sc->last_latin = (fl & F_LATIN) != 0;
    sc->last_digit = (uint8_t)dig;
    sc->gap = gap;
    sc->last_dot = (fl & F_DOT) != 0;
    sc->pending = (fl & F_PEND) != 0;
    sc->attn |= attn;
    if (plain) {
        uint64_t h = match_from(depth, u, s);
        if (h > sc->horizon)
            sc->horizon = h;
    }
    return i;
}

/* Two instances: overlapping hits without exact entries (units need only
 * start, end, state and the word flag before them; nothing to advance), and
 * the rest. */
size_t shi_fast_run(shi_scanner *sc, const unsigned char *p, size_t i, size_t n)
{
    if (sc->flags == SHAI_SCAN_OVERLAPPING && !sc->db->has_exact)
        return fast_run_body(sc, p, i, n, 1, 1);
    return fast_run_body(sc, p, i, n, sc->flags == SHAI_SCAN_OVERLAPPING, 0);
}
