/* The scan loop and the public scan and stream entry points. */
#include <stdlib.h>
#include <string.h>

#include "scan/scanner.h"
#include "rules/rules.h"
#include "unicode/charclass.h"
#include "unicode/utf8.h"

#define RING_MASK (SHI_RING - 1)

void shi_scanner_init(shi_scanner *sc, const shai_db *db, uint32_t flags, shai_hit_fn fn,
                      void *user)
{
    memset(sc, 0, offsetof(shi_scanner, ring));
    sc->db = db;
    sc->flags = flags;
    sc->fn = fn;
    sc->user = user;
    sc->state = SHI_ROOT;
    sc->rule_starts = shi_rules_starts(db);
    sc->raw_starts = shi_rules_raw_starts(db);
    const uint32_t *m = shi_rules_map(db);
    sc->bmp = m ? m : db->map_bmp;
    sc->lazy = m != NULL;
    sc->seg = sc->seg_inline;
    sc->seg_cap = SHI_SEG_INLINE;
    sc->marks = sc->marks_inline;
    sc->marks_cap = SHI_MARKS_INLINE;
    sc->cand_at = sc->cand_at_inline;
    sc->cand_bits = sc->cand_bits_inline;
    sc->cand_cap = SHI_MARKS_INLINE;
}

/* realloc for a buffer that starts in the scanner itself. */
static void *grow(void *buf, const void *inline_buf, size_t old_size, size_t new_size)
{
    if (buf != inline_buf)
        return realloc(buf, new_size);
    void *q = malloc(new_size);
    if (q)
        memcpy(q, buf, old_size);
    return q;
}

#define SEG_MAX ((size_t)1 << 20)
/* Characters a rule can begin with, listed per piece; past this the rules
 * find them by themselves. */
#define CAND_MAX 1024u

void shi_scanner_release(shi_scanner *sc)
{
    if (sc->seg != sc->seg_inline)
        free(sc->seg);
    if (sc->marks != sc->marks_inline)
        free(sc->marks);
    if (sc->cand_at != sc->cand_at_inline)
        free(sc->cand_at);
    if (sc->cand_bits != sc->cand_bits_inline)
        free(sc->cand_bits);
    shi_rules_scratch_free(sc->rule_scratch);
}

static inline shi_unit *ring_at(shi_scanner *sc, uint64_t u)
{
    return &sc->ring[u & RING_MASK];
}

/* Reports a hit at original offsets [start, end) to the callback. */
static void emit_span(shi_scanner *sc, uint64_t start, uint64_t end, uint32_t entry)
{
    if (sc->status)
        return;
    const shi_entry *e = &sc->db->entries[entry];
    shai_hit hit = {
        .start = start,
        .end = end,
        .entry = entry,
        .category = e->category,
        .action = e->action,
        .flags = (e->flags & SHAI_ENTRY_ALLOW) ? SHAI_HIT_ALLOW : 0,
    };
    if (sc->fn(&hit, sc->user))
        sc->status = SHAI_TERMINATED;
}

/* A word hit from unit s to unit f. */
static void emit(shi_scanner *sc, uint64_t s, uint64_t f, uint32_t entry)
{
    emit_span(sc, ring_at(sc, s)->start, ring_at(sc, f)->end, entry);
}

/* An exact entry matches only text that is its own characters, unfolded
 * and with nothing skipped or doubled in between. */
static int exact_ok(shi_scanner *sc, const shi_entry *e, uint64_t s)
{
    const unsigned char *t = (const unsigned char *)sc->db->strings + e->text;
    size_t k = 0;
    for (uint32_t i = 0; i < e->units; i++) {
        const shi_unit *u = ring_at(sc, s + i);
        if (!u->single || (i && !u->adjacent) || k >= e->text_len)
            return 0;
        uint32_t cp;
        size_t need;
        k += shi_utf8_decode(t + k, e->text_len - k, &cp, &need);
        if (cp != u->raw)
            return 0;
    }
    return k == e->text_len;
}

/* ------------------------------------------------------------ rules */

typedef struct rule_pass {
    shi_scanner *sc;
    int allow_pass;
    uint64_t *allow; /* pairs of original offsets of allow rule hits */
    size_t nallow, allow_cap;
} rule_pass;

/* The original offset where the character holding folded byte x starts
 * (x its first byte) or ends (`end`, x its last byte). */
static uint64_t seg_orig(const shi_scanner *sc, size_t x, int end)
{
    size_t lo = 0, hi = sc->nmarks; /* the last mark at or before x */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (sc->marks[mid].at <= x)
            lo = mid;
        else
            hi = mid;
    }
    const shi_seg_mark *m = &sc->marks[lo];
    if (m->len)
        return end ? m->off + m->len : m->off;
    return m->off + (x - m->at) + (end ? 1 : 0);
}

static int on_rule(size_t s, size_t e, uint32_t entry, void *user)
{
    rule_pass *rp = user;
    shi_scanner *sc = rp->sc;
    const shi_entry *en = &sc->db->entries[entry];
    uint64_t start = seg_orig(sc, s, 0), end = seg_orig(sc, e - 1, 1);
    int allow = (en->flags & SHAI_ENTRY_ALLOW) != 0;
    if (allow != rp->allow_pass)
        return 0;
    if (!(sc->flags & SHAI_SCAN_VIOLATIONS)) {
        emit_span(sc, start, end, entry);
        return sc->status != 0;
    }
    if (allow) {
        if (rp->nallow + 2 > rp->allow_cap) {
            size_t ncap = rp->allow_cap ? rp->allow_cap * 2 : 16;
            uint64_t *q = realloc(rp->allow, ncap * sizeof *q);
            if (!q) {
                sc->rule_status = SHAI_E_NOMEM;
                return 1;
            }
            rp->allow = q;
            rp->allow_cap = ncap;
        }
        rp->allow[rp->nallow++] = start;
        rp->allow[rp->nallow++] = end;
        return 0;
    }
    for (size_t i = 0; i < rp->nallow; i += 2)
        if (rp->allow[i] <= start && end <= rp->allow[i + 1])
            return 0;
    if (en->action > sc->verdict)
        sc->verdict = en->action;
    emit_span(sc, start, end, entry);
    return sc->status != 0;
}

/* Runs the rules over the line piece collected so far and starts a new one. */
static void run_rules(shi_scanner *sc)
{
    if (sc->seg_len && !sc->status) {
        rule_pass rp = {.sc = sc, .allow_pass = 1};
        /* without the table, every rule runs */
        uint8_t seen = sc->rule_starts ? sc->seg_seen : 0xFF;
        shi_rule_cands list = {sc->cand_at, sc->cand_bits, sc->ncand};
        const shi_rule_cands *cands =
            sc->rule_starts && !sc->cand_full && sc->rule_status != SHAI_E_NOMEM ? &list : NULL;
        int rc = SHAI_OK;
        if (sc->flags & SHAI_SCAN_VIOLATIONS)
            rc = shi_rules_run(sc->db, SHI_RULES_ALLOW, sc->seg, sc->seg_len, seen, cands,
                               &sc->rule_scratch, on_rule, &rp);
        rp.allow_pass = 0;
        if (rc == SHAI_OK || rc == SHAI_E_MATCH_LIMIT) {
            int rc2 = shi_rules_run(sc->db, SHI_RULES_DENY, sc->seg, sc->seg_len, seen, cands,
                                    &sc->rule_scratch, on_rule, &rp);
            if (rc == SHAI_OK)
                rc = rc2;
        }
        if ((rc == SHAI_E_MATCH_LIMIT || rc == SHAI_E_NOMEM) && !sc->rule_status)
            sc->rule_status = rc;
        free(rp.allow);
    }
    sc->seg_len = 0;
    sc->nmarks = 0;
    sc->seg_seen = 0;
    sc->ncand = 0;
    sc->cand_full = 0;
}

/* Lists the character at folded offset `at`, with rule bits `bits`. */
static void cand_add(shi_scanner *sc, size_t at, uint8_t bits)
{
    if (sc->cand_full)
        return;
    if (sc->ncand == sc->cand_cap) {
        size_t ncap = sc->cand_cap * 2;
        uint32_t *a = ncap <= CAND_MAX ? grow(sc->cand_at, sc->cand_at_inline,
                                              sc->cand_cap * sizeof *a, ncap * sizeof *a)
                                       : NULL;
        if (a)
            sc->cand_at = a;
        uint8_t *b = a ? grow(sc->cand_bits, sc->cand_bits_inline, sc->cand_cap, ncap) : NULL;
        if (b)
            sc->cand_bits = b;
        if (!b) { /* too many, or no memory: the rules search by themselves */
            sc->cand_full = 1;
            return;
        }
        sc->cand_cap = ncap;
    }
    sc->cand_at[sc->ncand] = (uint32_t)at;
    sc->cand_bits[sc->ncand++] = bits;
}

/* Records that the next folded character, n bytes, comes from the original
 * one at [off, off + len). Returns 0, or -1 when out of memory. */
static int seg_mark(shi_scanner *sc, uint64_t off, uint32_t len, size_t n)
{
    uint32_t fixed = n == len ? 0 : len;
    if (sc->nmarks) {
        const shi_seg_mark *m = &sc->marks[sc->nmarks - 1];
        if (m->len == fixed && (fixed ? m->off == off : m->off + (sc->seg_len - m->at) == off))
            return 0; /* the same run, or the same expanding character */
    }
    if (sc->nmarks == sc->marks_cap) {
        size_t ncap = sc->marks_cap * 2;
        shi_seg_mark *q =
            grow(sc->marks, sc->marks_inline, sc->marks_cap * sizeof *q, ncap * sizeof *q);
        if (!q) {
            sc->rule_status = SHAI_E_NOMEM;
            return -1;
        }
        sc->marks = q;
        sc->marks_cap = ncap;
    }
    sc->marks[sc->nmarks++] = (shi_seg_mark){.off = off, .at = (uint32_t)sc->seg_len, .len = fixed};
    return 0;
}

/* Appends the folded form of one character to the rule segment, and lists
 * it when a rule can begin with it and `list`. */
static void seg_put(shi_scanner *sc, uint32_t cp, uint64_t off, uint32_t len, int list)
{
    if (sc->seg_len + 4 > sc->seg_cap) {
        if (sc->seg_cap >= SEG_MAX) { /* pieces of at most 1 MiB */
            run_rules(sc);
            sc->seg_origin = off;
        } else {
            size_t ncap = sc->seg_cap * 2; /* from SHI_SEG_INLINE */
            char *q = grow(sc->seg, sc->seg_inline, sc->seg_len, ncap);
            if (!q) {
                sc->rule_status = SHAI_E_NOMEM;
                return;
            }
            sc->seg = q;
            sc->seg_cap = ncap;
        }
    }
    char buf[4];
    size_t n = shi_utf8_encode(cp, buf);
    /* rule matches start and end on characters (no \C): the marks give
     * the start of a character's first byte and the end of its last */
    if (seg_mark(sc, off, len, n))
        return;
    if (sc->seg_len == 0)
        sc->seg_origin = off;
    if (sc->rule_starts && cp < SHI_RULE_STARTS) {
        uint8_t bits = sc->rule_starts[cp];
        sc->seg_seen |= bits;
        if (bits && list)
            cand_add(sc, sc->seg_len, bits);
    }
    memcpy(sc->seg + sc->seg_len, buf, n);
    sc->seg_len += n;
}

/* Appends what character cp, of map value v, folds to: nothing when it is
 * ignorable (or a break), its expansion, or its symbol's character. */
static void seg_put_char(shi_scanner *sc, uint32_t cp, uint32_t v, uint64_t off, uint32_t len)
{
    uint32_t chars[31], n = shi_folded_chars(sc->db, cp, v, chars);
    for (uint32_t i = 0; i < n; i++)
        seg_put(sc, chars[i], off, len, 1);
}

/* Appends k bytes of characters that fold to themselves, original bytes
 * [off, off + k), to the rule segment. The caller listed them, at the
 * offsets they get unless a new piece starts. */
static void seg_copy(shi_scanner *sc, const unsigned char *c, size_t k, uint64_t off)
{
    while (k) {
        if (sc->seg_len && sc->seg_len + k <= sc->seg_cap) {
            if (seg_mark(sc, off, 1, 1)) /* a run: its first byte at off */
                return;
            memcpy(sc->seg + sc->seg_len, c, k);
            sc->seg_len += k;
            return;
        }
        /* one character through seg_put, which grows the segment or runs
         * the rules over a full piece */
        uint32_t cp;
        size_t len = shi_utf8_decode_valid(c, &cp), before = sc->seg_len;
        seg_put(sc, cp, off, (uint32_t)len, 0);
        if (sc->rule_status == SHAI_E_NOMEM)
            return;
        c += len;
        off += len;
        k -= len;
        if (sc->seg_len < before) {
            /* a new piece: the bits of the rest belong to it, and its list
             * is not known */
            sc->cand_full = 1;
            for (size_t j = 0; j < k;) {
                j += shi_utf8_decode_valid(c + j, &cp);
                sc->seg_seen |= cp < SHI_RULE_STARTS ? sc->raw_starts[cp] & ~SHI_RULE_FOLDS : 0;
            }
        }
    }
}

/* Appends the folded form of the characters [from, to) of p (valid UTF-8,
 * no break) to the rule segment, as step() would have one by one: runs of
 * characters that fold to themselves are copied. */
static void seg_catch_up(shi_scanner *sc, const unsigned char *p, size_t from, size_t to,
                         uint64_t off)
{
    const shai_db *db = sc->db;
    const uint8_t *raw = sc->raw_starts;
    size_t run = from; /* the characters from here on fold to themselves */
    uint8_t seen = 0;
    while (from < to) {
        const unsigned char *c = p + from;
        uint32_t cp, len = (uint32_t)shi_utf8_decode_valid(c, &cp);
        uint32_t b = raw && cp < SHI_RULE_STARTS ? raw[cp] : SHI_RULE_FOLDS;
        seen |= (uint8_t)b;
        if (b && !(b & SHI_RULE_FOLDS)) /* listed where seg_copy puts it */
            cand_add(sc, sc->seg_len + (from - run), (uint8_t)b);
        if (b & SHI_RULE_FOLDS) {
            /* the run so far, then this character's folded form; seg_put
             * may run the rules over the piece so far */
            sc->seg_seen |= seen & ~SHI_RULE_FOLDS;
            seen = 0;
            if (from > run)
                seg_copy(sc, p + run, from - run, off - (from - run));
            uint32_t v =
                cp < 0x10000 ? db->map_bmp[cp] : shi_map_at(db->map_stage1, db->map_stage2, cp);
            seg_put_char(sc, cp, v, off, len);
            run = from + len;
        }
        from += len;
        off += len;
    }
    sc->seg_seen |= seen & ~SHI_RULE_FOLDS;
    if (to > run)
        seg_copy(sc, p + run, to - run, off - (to - run));
}

/* Lazily: writes the rule segment of the current line up to original
 * offset `upto`, from the bytes of the current write. */
static void lazy_write(shi_scanner *sc, uint64_t upto)
{
    size_t to = (size_t)(upto - sc->lz_base);
    if (to > sc->lz_from)
        seg_catch_up(sc, sc->lz_p, sc->lz_from, to, sc->lz_base + sc->lz_from);
    sc->lz_from = to;
}

/* Lazily, at a line break [off, off + len): the line's segment is written
 * when a rule can begin somewhere in the line, else dropped. */
static void lazy_line_end(shi_scanner *sc, uint64_t off, uint32_t len)
{
    if (sc->attn & SHI_MAP_RULE) {
        if (sc->lz_p)
            lazy_write(sc, off);
    } else {
        sc->seg_len = 0; /* what an earlier write put, if any */
    }
    sc->attn = 0;
    if (sc->lz_p)
        sc->lz_from = (size_t)(off + len - sc->lz_base);
}

static inline int boundary_ok(shi_scanner *sc, const shi_entry *e, uint64_t s, int next_word)
{
    if ((e->bound & SHI_BOUND_END) && next_word)
        return 0;
    if ((e->bound & SHI_BOUND_START) && ring_at(sc, s)->prev_word)
        return 0;
    if ((e->flags & SHAI_ENTRY_EXACT) && !exact_ok(sc, e, s))
        return 0;
    return 1;
}

/* The outputs of unit f are known once the character after it is seen. */
static void resolve(shi_scanner *sc, uint64_t f, int next_word)
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
        shi_unit *us = ring_at(sc, s);
        if (flags & SHAI_SCAN_VIOLATIONS) {
            if (e->flags & SHAI_ENTRY_ALLOW) {
                if (e->units > us->allow_len)
                    us->allow_len = e->units;
                continue;
            }
            if (flags & SHAI_SCAN_OVERLAPPING)
                continue; /* reported when no allow hit can cover it any more */
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

/* Violations ending at unit f, once every allow hit that could cover them
 * is known. */
static void finalize_end(shi_scanner *sc, uint64_t f)
{
    const shai_db *db = sc->db;
    shi_unit *uf = ring_at(sc, f);
    uint32_t max_allow = db->max_allow_units;
    for (uint32_t o = db->links[uf->state].out; o; o = db->outs[o].next) {
        uint32_t entry = db->outs[o].entry;
        const shi_entry *e = &db->entries[entry];
        if (e->flags & SHAI_ENTRY_ALLOW)
            continue;
        uint64_t s = f + 1 - e->units;
        if (!boundary_ok(sc, e, s, uf->next_word))
            continue;
        int covered = 0;
        if (max_allow >= e->units) {
            uint64_t lo = f + 1 >= max_allow ? f + 1 - max_allow : 0;
            for (uint64_t a = s + 1; a-- > lo;) {
                uint32_t len = ring_at(sc, a)->allow_len;
                if (len && a + len > f) {
                    covered = 1;
                    break;
                }
            }
        }
        if (covered)
            continue;
        if (e->action > sc->verdict)
            sc->verdict = e->action;
        if (sc->flags & SHAI_SCAN_OVERLAPPING) {
            emit(sc, s, f, entry);
            if (sc->status)
                return;
        }
    }
}

/* Leftmost-longest: start p is final once no future hit can start at or
 * before it. */
static void select_start(shi_scanner *sc, uint64_t p)
{
    shi_unit *up = ring_at(sc, p);
    if (up->allow_len && p + up->allow_len > sc->allow_reach)
        sc->allow_reach = p + up->allow_len;
    if (p < sc->sel_block || !up->best_len)
        return;
    uint64_t end = p + up->best_len;
    if ((sc->flags & SHAI_SCAN_VIOLATIONS) && end <= sc->allow_reach)
        return;
    sc->sel_block = end;
    emit(sc, p, end - 1, up->best_entry);
}

static void advance(shi_scanner *sc, uint64_t horizon)
{
    sc->horizon = horizon;
    uint32_t flags = sc->flags;
    if ((flags & SHAI_SCAN_VIOLATIONS) && (flags & (SHAI_SCAN_OVERLAPPING | SHI_SCAN_VERDICT))) {
        while (sc->fin_next < horizon && !sc->status) {
            uint64_t f = sc->fin_next++;
            if (sc->db->links[ring_at(sc, f)->state].out)
                finalize_end(sc, f);
        }
    }
    if (!(flags & SHAI_SCAN_OVERLAPPING)) {
        while (sc->sel_next < horizon && !sc->status)
            select_start(sc, sc->sel_next++);
    }
}

/* The first unit a match in state s can still start at, after u units
 * (the root's depth is 0). */
static inline uint64_t match_from(const uint8_t *depth, uint64_t u, uint32_t s)
{
    return u > depth[s] ? u - depth[s] : 0;
}

/* Advances to horizon h if that moves it, for a loop that keeps the unit
 * count u in a register. Returns the scan's status. */
static inline int advance_to(shi_scanner *sc, uint64_t u, uint64_t h)
{
    if (h > sc->horizon) {
        sc->unit = u;
        advance(sc, h);
    }
    return sc->status;
}

/* A digit: a word character that is not a Latin letter. */
static inline int is_digit_value(uint32_t v)
{
    return (v & SHI_MAP_WORD) && !(v & SHI_MAP_LATIN);
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

static void reset(shi_scanner *sc)
{
    sc->state = SHI_ROOT;
    sc->last_sym = 0;
    sc->gap = 0;
    if (sc->unit > sc->horizon || sc->status)
        advance(sc, sc->unit);
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

    if (noise_skipped(slots, s, v, sc->last_latin)) {
        /* noise inside a possible match: skip it, within the gap bound */
        if (sc->pending) {
            sc->pending = 0;
            resolve(sc, sc->unit - 1, 0);
        }
        sc->last_word = 0;
        sc->last_is_unit = 0;
        sc->skipped = 1;
        if (++sc->gap > db->max_gap)
            reset(sc);
        return;
    }
    if (sym && sym == sc->last_sym && sc->last_is_unit && db->repeats && s != SHI_ROOT &&
        go(slots, s, sym) == SHI_ROOT && !is_digit_value(v)) {
        /* a doubled character joins the unit before it (digits never
         * collapse: 1100 is not 110) */
        shi_unit *prev = ring_at(sc, sc->unit - 1);
        prev->end = off + len;
        prev->single = 0;
        return;
    }
    if (sc->pending) {
        sc->pending = 0;
        resolve(sc, sc->unit - 1, word);
    }
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
        advance(sc, horizon);
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
    if (db->rules && !sc->lz_p)
        seg_put_char(sc, cp, v, off, len);
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
        if (db->rules) {
            if (sc->lazy)
                lazy_line_end(sc, off, len);
            run_rules(sc);
        }
        if (sc->pending) {
            sc->pending = 0;
            resolve(sc, sc->unit - 1, 0);
        }
        sc->last_word = 0;
        sc->last_is_unit = 0;
        sc->skipped = 0;
        reset(sc);
        return;
    }
    uint32_t at = (v & SHI_MAP_SYM_MASK) >> 5, n = v & 31;
    for (uint32_t i = 0; i < n && !sc->status; i++) {
        step_unit(sc, db->expand[at + i], cp, off, len, 0);
    }
}

static inline uint32_t le32(uint32_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap32(w);
#else
    return w;
#endif
}

/* Flags of the fast path, kept in one register. */
#define F_WORD 0x1u  /* the last character was a word character */
#define F_UNIT 0x2u  /* the last character made a unit */
#define F_LATIN 0x4u /* ... and it was a Latin letter */
#define F_SKIP 0x8u  /* noise was skipped since the last unit */
#define F_PEND 0x10u /* the last unit's outputs wait for the next character */

/* Scanner registers the root loop reads and updates. */
typedef struct shi_root_regs {
    uint32_t state, fl, last_sym, gap;
    uint64_t unit;
    uint32_t stop; /* ROOT_PLAIN: stopped before a character it does not take */
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
    uu->prev_word = (uint8_t)(fl & F_WORD);
    if (!light) {
        uu->best_len = 0;
        uu->allow_len = 0;
        uu->single = 1;
        uu->adjacent = !(fl & F_SKIP);
        uu->raw = cp;
    }
}

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
              shi_root_regs *r, const int light, const int plain, const int lazy)
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
    while (n >= 4 && q <= last) {
        uint32_t w, cp, len;
        memcpy(&w, q, 4);
        w = le32(w);
        if (!(w & 0x80)) {
            cp = w & 0x7F;
            len = 1;
        } else {
            cp = ((w & 0x0F) << 12) | ((w & 0x3F00) >> 2) | ((w >> 16) & 0x3F);
            if ((w & 0xC0C0F0) != 0x8080E0 || cp < 0x800)
                break; /* anything else: the general step (surrogates map to a break) */
            len = 3;
        }
        uint32_t v = bmp[cp];
        if (lazy)
            attn |= v;
        if (v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND))
            break;
        uint32_t sym = v & SHI_MAP_SYM_MASK;
        uint32_t t = cbase + sym;
        uint32_t deeper; /* a state deeper than 1 to go to */
        if (slots[t].check == cur) {
            deeper = t; /* the match goes on */
            goto go_deeper;
        }
        shi_rootc rc = rootc[sym];
        if ((v & SHI_MAP_NOISE) && cur != SHI_NO_CHILD && rc.id == SHI_NO_CHILD &&
            (!(v & SHI_MAP_SEP) || (fl & F_LATIN))) {
            /* noise inside a possible match: skipped (noise_skipped) */
            q += len;
            fl = (fl & ~(F_WORD | F_UNIT)) | F_SKIP;
            rsym = NO_REPEAT;
            if (++gap > db->max_gap) {
                cur = SHI_NO_CHILD;
                cbase = 0;
                gap = 0;
                held = 0;
                deep = 0;
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
            stop = 0;
            break;
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
            if (nb & SHI_SLOT_OUT) {
                stop = 0;
                break;
            }
        }
    }
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
 * rule segments. */
#define ROOT_RUN(name, light, plain, lazy)                                                         \
    static __attribute__((noinline)) size_t name(shi_scanner *sc, const unsigned char *p,          \
                                                 size_t i, size_t n, uint64_t base,                \
                                                 shi_root_regs *r)                                 \
    {                                                                                              \
        return root_run_body(sc, p, i, n, base, r, light, plain, lazy);                            \
    }
ROOT_RUN(root_run_light, 1, 1, 0)
ROOT_RUN(root_run_full, 0, 1, 0)
ROOT_RUN(root_run_policy, 0, 0, 0)
ROOT_RUN(root_run_light_lazy, 1, 1, 1)
ROOT_RUN(root_run_full_lazy, 0, 1, 1)
ROOT_RUN(root_run_policy_lazy, 0, 0, 1)
#undef ROOT_RUN

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
                  (sc->pending ? F_PEND : 0);

    while (i < n) {
        if (!(fl & F_PEND)) {
            shi_root_regs r = {s, fl, last_sym, gap, u, 0, 0};
            if (!sc->lazy)
                i = !plain  ? root_run_policy(sc, p, i, n, base, &r)
                    : light ? root_run_light(sc, p, i, n, base, &r)
                            : root_run_full(sc, p, i, n, base, &r);
            else
                i = !plain  ? root_run_policy_lazy(sc, p, i, n, base, &r)
                    : light ? root_run_light_lazy(sc, p, i, n, base, &r)
                            : root_run_full_lazy(sc, p, i, n, base, &r);
            s = r.state;
            fl = r.fl;
            last_sym = r.last_sym;
            gap = r.gap;
            u = r.unit;
            attn |= r.attn;
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
            uint32_t w;
            memcpy(&w, p + i, 4);
            w = le32(w);
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
            uint32_t c = p[i];
            if (c >= 0x80)
                break; /* the last few bytes: the general step decodes them */
            cp = c;
            len = 1;
        }
        uint32_t v = cp < 0x10000 ? bmp[cp] : shi_map_at(stage1, stage2, cp);
        attn |= v;
        if (v & (SHI_MAP_IGNORE | SHI_MAP_BREAK | SHI_MAP_EXPAND))
            break;
        if (cp >= 0x10000 && sc->lazy && shi_rules_can_begin(db, cp, v))
            attn |= SHI_MAP_RULE; /* 𝐊 folds to k */
        uint32_t sym = v & SHI_MAP_SYM_MASK;
        uint32_t word = (v & SHI_MAP_WORD) ? F_WORD : 0;
        if (noise_skipped(slots, s, v, (fl & F_LATIN) != 0)) {
            /* noise inside a possible match: skipped */
            if (fl & F_PEND) {
                fl &= ~F_PEND;
                resolve(sc, u - 1, 0);
                if (sc->status)
                    break;
            }
            i += len;
            fl = (fl & ~(F_WORD | F_UNIT)) | F_SKIP;
            if (++gap > max_gap) {
                s = SHI_ROOT;
                last_sym = 0;
                gap = 0;
                if (!plain && advance_to(sc, u, u))
                    break;
            }
            continue;
        }
        if (sym && sym == last_sym && (fl & F_UNIT) && repeats)
            break;
        if (fl & F_PEND) {
            fl &= ~F_PEND;
            resolve(sc, u - 1, word != 0);
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
    sc->state = s;
    sc->unit = u;
    sc->pos = base + i;
    sc->last_word = (fl & F_WORD) != 0;
    sc->skipped = (fl & F_SKIP) != 0;
    sc->last_sym = last_sym;
    sc->last_is_unit = (fl & F_UNIT) != 0;
    sc->last_latin = (fl & F_LATIN) != 0;
    sc->gap = gap;
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
static size_t fast_run(shi_scanner *sc, const unsigned char *p, size_t i, size_t n)
{
    if (sc->flags == SHAI_SCAN_OVERLAPPING && !sc->db->has_exact)
        return fast_run_body(sc, p, i, n, 1, 1);
    return fast_run_body(sc, p, i, n, sc->flags == SHAI_SCAN_OVERLAPPING, 0);
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
    int eager = sc->db->rules && !sc->lazy;
    if (sc->lazy && n > i) { /* lazy implies rules */
        sc->lz_p = p;
        sc->lz_base = sc->pos - i;
        sc->lz_from = i;
    }
    while (i < n && !sc->status) {
        size_t from = i;
        uint64_t off = sc->pos;
        i = fast_run(sc, p, i, n);
        if (eager && i > from)
            seg_catch_up(sc, p, from, i, off);
        if (i >= n || sc->status)
            break;
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
    if (sc->lz_p) {
        /* the line goes on in the next write: its segment so far now;
         * the last write ends the line */
        if (!sc->status && final)
            lazy_line_end(sc, sc->pos, 0);
        else if (!sc->status)
            lazy_write(sc, sc->pos);
        sc->lz_p = NULL;
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
        resolve(sc, sc->unit - 1, 0);
    }
    sc->state = SHI_ROOT;
    advance(sc, sc->unit);
    if (sc->db->rules)
        run_rules(sc);
}

/* The status a finished scan returns. */
static int scan_status(const shi_scanner *sc)
{
    return sc->status ? sc->status : sc->rule_status;
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
    if (sc->db->rules && sc->seg_len && sc->seg_origin < off)
        off = sc->seg_origin; /* rules still to run over the current line */
    if (sc->lz_p && sc->lz_base + sc->lz_from < off)
        off = sc->lz_base + sc->lz_from; /* ... and over what is not written yet */
    return off;
}

/* ----------------------------------------------------------------- API */

int shai_scan(const shai_db *db, const char *text, size_t len, uint32_t flags, shai_hit_fn fn,
              void *user)
{
    if (!db || !fn || (!text && len) || (flags & ~SHI_SCAN_FLAGS))
        return SHAI_E_INVALID_ARG;
    shi_scanner sc;
    shi_scanner_init(&sc, db, flags, fn, user);
    shi_scanner_feed(&sc, (const unsigned char *)text, len, 1);
    shi_scanner_finish(&sc);
    shi_scanner_release(&sc);
    return scan_status(&sc);
}

int shi_collect_hit(const shai_hit *hit, void *user)
{
    shi_collect *c = user;
    if (c->count < c->cap)
        c->hits[c->count] = *hit;
    c->count++;
    return 0;
}

int shai_scan_hits(const shai_db *db, const char *text, size_t len, uint32_t flags, shai_hit *hits,
                   size_t cap, size_t *count)
{
    if (count)
        *count = 0;
    if (!count || (!hits && cap))
        return SHAI_E_INVALID_ARG;
    shi_collect c = {hits, cap, 0};
    int rc = shai_scan(db, text, len, flags, shi_collect_hit, &c);
    if (rc && rc != SHAI_E_MATCH_LIMIT)
        return rc;
    *count = c.count; /* a limit hides no hit: they are all there */
    return rc ? rc : c.count > cap ? SHAI_E_BUFFER_TOO_SMALL : SHAI_OK;
}

struct shai_stream {
    int closed_status; /* SHAI_TERMINATED once the callback stopped it */
    shi_scanner sc;
};

int shai_stream_open(const shai_db *db, uint32_t flags, shai_hit_fn fn, void *user,
                     shai_stream **out)
{
    if (out)
        *out = NULL;
    if (!db || !fn || !out || (flags & ~SHI_SCAN_FLAGS))
        return SHAI_E_INVALID_ARG;
    shai_stream *s = malloc(sizeof *s);
    if (!s)
        return SHAI_E_NOMEM;
    s->closed_status = SHAI_OK;
    shi_scanner_init(&s->sc, db, flags, fn, user);
    *out = s;
    return SHAI_OK;
}

int shai_stream_write(shai_stream *s, const char *data, size_t len)
{
    if (!s || (!data && len))
        return SHAI_E_INVALID_ARG;
    if (s->sc.status)
        return SHAI_E_STATE;
    if (len)
        shi_scanner_feed(&s->sc, (const unsigned char *)data, len, 0);
    return s->sc.status;
}

int shai_stream_horizon(const shai_stream *s, uint64_t *offset)
{
    if (!s || !offset)
        return SHAI_E_INVALID_ARG;
    *offset = shi_scanner_horizon(&s->sc);
    return SHAI_OK;
}

int shai_stream_close(shai_stream *s)
{
    if (!s)
        return SHAI_OK;
    int rc = SHAI_OK;
    if (!s->sc.status) {
        shi_scanner_finish(&s->sc);
        rc = scan_status(&s->sc);
    }
    shi_scanner_release(&s->sc);
    free(s);
    return rc;
}
