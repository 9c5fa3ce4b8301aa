/* The folded line the regex rules run over (segment.h). */
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "rules/segment.h"
#include "unicode/utf8.h"

/* Characters a rule can begin with, listed per piece; past this the rules
 * find them by themselves. */
#define CAND_MAX 1024u

void shi_seg_start(shi_segment *g, const shai_db *db, int allow_first, shi_seg_hit_fn fn,
                   void *user, const int *halt)
{
    /* field by field: a memset of the lot costs a short scan more */
    g->db = db;
    g->fn = fn;
    g->user = user;
    g->halt = halt;
    g->allow_first = (uint8_t)(allow_first != 0);
    g->starts = shi_rules_starts(db);
    g->raw = shi_rules_raw_starts(db);
    g->len = 0;
    g->nmarks = 0;
    g->origin = 0;
    g->seen = 0;
    g->cand_full = 0;
    g->ncand = 0;
    g->src = NULL;
    g->src_base = 0;
    g->src_from = 0;
    g->status = SHAI_OK;
    g->ran = 0;
    g->gave_up = 0;
    g->holding = 0;
    g->nheld = 0;
    g->piece = NULL;
    g->want = NULL;
    g->wanted = 0;
    g->said = SHI_SEG_SAID_NOTHING;
    g->want_upper = 0;
    g->nupper = 0;
}

int shi_seg_ready(shi_segment *g)
{
    if (!g->scratch)
        g->scratch = shi_rules_scratch_new();
    return g->scratch ? SHAI_OK : SHAI_E_NOMEM;
}

/* realloc for a buffer that starts in the segment itself. */
static void *grow(void *buf, const void *inline_buf, size_t old_size, size_t new_size)
{
    if (buf != inline_buf)
        return realloc(buf, new_size);
    void *q = malloc(new_size);
    if (q)
        memcpy(q, buf, old_size);
    return q;
}

void shi_seg_release(shi_segment *g)
{
    if (g->text != g->text_inline)
        free(g->text);
    if (g->marks != g->marks_inline)
        free(g->marks);
    if (g->cand_at != g->cand_at_inline)
        free(g->cand_at);
    if (g->cand_bits != g->cand_bits_inline)
        free(g->cand_bits);
    free(g->allow);
    free(g->held);
    if (g->upper_at != g->upper_inline)
        free(g->upper_at);
    if (g->scratch)
        shi_rules_scratch_free(g->scratch);
}

/* One run over a piece: with allow_first, the number of offsets in
 * g->allow, the spans of the piece's allow matches, which cover the deny
 * matches inside them. */
typedef struct rule_pass {
    shi_segment *g;
    size_t nallow;
} rule_pass;

/* The original offset where the character holding folded byte x starts
 * (x its first byte) or ends (`end`, x its last byte). */
static uint64_t seg_orig(const shi_segment *g, size_t x, int end)
{
    size_t lo = 0, hi = g->nmarks; /* the last mark at or before x */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->marks[mid].at <= x)
            lo = mid;
        else
            hi = mid;
    }
    const shi_seg_mark *m = &g->marks[lo];
    if (m->len)
        return end ? m->off + m->len : m->off;
    return m->off + (x - m->at) + (end ? 1 : 0);
}

/* A rule hit of the piece being run: to the callback, or held. */
static int deliver(shi_segment *g, uint64_t start, uint64_t end, uint32_t entry)
{
    if (!g->holding)
        return g->fn(start, end, entry, g->user);
    if (3 * (g->nheld + 1) > g->held_cap) {
        size_t ncap = g->held_cap ? g->held_cap * 2 : 3 * 64;
        uint64_t *q = realloc(g->held, ncap * sizeof *q);
        if (!q) {
            g->status = SHAI_E_NOMEM;
            return 1;
        }
        g->held = q;
        g->held_cap = ncap;
    }
    if (!g->nheld || start < g->held_from)
        g->held_from = start;
    uint64_t *h = g->held + 3 * g->nheld++;
    h[0] = start;
    h[1] = end;
    h[2] = entry;
    return 0;
}

void shi_seg_flush(shi_segment *g)
{
    size_t n = g->nheld;
    g->nheld = 0;
    for (size_t i = 0; i < n && !*g->halt; i++) {
        const uint64_t *h = g->held + 3 * i;
        if (g->fn(h[0], h[1], (uint32_t)h[2], g->user))
            break;
    }
}

static int on_rule(size_t s, size_t e, uint32_t entry, void *user)
{
    rule_pass *rp = user;
    shi_segment *g = rp->g;
    const shi_entry *en = &g->db->entries[entry];
    uint64_t start = seg_orig(g, s, 0), end = seg_orig(g, e - 1, 1);
    if (!g->allow_first)
        return deliver(g, start, end, entry);
    if (en->flags & SHAI_ENTRY_ALLOW) {
        if (rp->nallow + 2 > g->allow_cap) {
            size_t ncap = g->allow_cap ? g->allow_cap * 2 : 16;
            uint64_t *q = realloc(g->allow, ncap * sizeof *q);
            if (!q) {
                g->status = SHAI_E_NOMEM;
                return 1;
            }
            g->allow = q;
            g->allow_cap = ncap;
        }
        g->allow[rp->nallow++] = start;
        g->allow[rp->nallow++] = end;
        return 0;
    }
    for (size_t i = 0; i < rp->nallow; i += 2)
        if (g->allow[i] <= start && end <= g->allow[i + 1])
            return 0;
    return deliver(g, start, end, entry);
}

/* Runs the rules over the line piece collected so far and starts a new one. */
static void seg_run(shi_segment *g)
{
    if (g->len && !*g->halt) {
        rule_pass rp = {.g = g};
        /* without the table, every rule runs */
        uint8_t seen = g->starts ? g->seen : 0xFF;
        shi_rule_cands list = {g->cand_at, g->cand_bits, g->ncand};
        const shi_rule_cands *cands =
            g->starts && !g->cand_full && g->status != SHAI_E_NOMEM ? &list : NULL;
        int rc = SHAI_OK;
        /* what the scan's budget allows now; what the rules take from it */
        g->ran += g->len;
        uint64_t allowed = SHI_SCAN_LIMITS + g->ran / SHI_SCAN_LIMIT_BYTES;
        uint64_t left = allowed > g->gave_up ? allowed - g->gave_up : 0, had = left;
        if (g->allow_first && g->db->rules)
            rc = shi_rules_run(g->db, SHI_RULES_ALLOW, g->text, g->len, seen, cands, &g->scratch,
                               &left, on_rule, &rp);
        if ((rc == SHAI_OK || rc == SHAI_E_MATCH_LIMIT) && g->db->rules) {
            int rc2 = shi_rules_run(g->db, SHI_RULES_DENY, g->text, g->len, seen, cands,
                                    &g->scratch, &left, on_rule, &rp);
            if (rc == SHAI_OK)
                rc = rc2;
        }
        g->gave_up += had - left;
        if ((rc == SHAI_E_MATCH_LIMIT || rc == SHAI_E_NOMEM) && !g->status)
            g->status = rc;
    }
    if (g->piece && !*g->halt)
        g->piece(g, g->user);
    g->wanted = 0;
    g->said = SHI_SEG_SAID_NOTHING;
    g->len = 0;
    g->nupper = 0;
    g->nmarks = 0;
    g->seen = 0;
    g->ncand = 0;
    g->cand_full = 0;
}

void shi_seg_run(shi_segment *g)
{
    if (g->nheld)
        shi_seg_flush(g);
    seg_run(g);
}

/* Lists the character at folded offset `at`, with rule bits `bits`. */
static void cand_add(shi_segment *g, size_t at, uint8_t bits)
{
    if (g->cand_full)
        return;
    if (g->ncand == g->cand_cap) {
        size_t ncap = g->cand_cap * 2;
        uint32_t *a = ncap <= CAND_MAX ? grow(g->cand_at, g->cand_at_inline,
                                              g->cand_cap * sizeof *a, ncap * sizeof *a)
                                       : NULL;
        if (a)
            g->cand_at = a;
        uint8_t *b = a ? grow(g->cand_bits, g->cand_bits_inline, g->cand_cap, ncap) : NULL;
        if (b)
            g->cand_bits = b;
        if (!b) { /* too many, or no memory: the rules search by themselves */
            g->cand_full = 1;
            return;
        }
        g->cand_cap = ncap;
    }
    g->cand_at[g->ncand] = (uint32_t)at;
    g->cand_bits[g->ncand++] = bits;
}

/* Records that the next folded character, n bytes, comes from the original
 * one at [off, off + len). Returns 0, or -1 when out of memory. */
static int seg_mark(shi_segment *g, uint64_t off, uint32_t len, size_t n)
{
    uint32_t fixed = n == len ? 0 : len;
    if (g->nmarks) {
        const shi_seg_mark *m = &g->marks[g->nmarks - 1];
        if (m->len == fixed && (fixed ? m->off == off : m->off + (g->len - m->at) == off))
            return 0; /* the same run, or the same expanding character */
    }
    if (g->nmarks == g->marks_cap) {
        size_t ncap = g->marks_cap * 2;
        shi_seg_mark *q =
            grow(g->marks, g->marks_inline, g->marks_cap * sizeof *q, ncap * sizeof *q);
        if (!q) {
            g->status = SHAI_E_NOMEM;
            return -1;
        }
        g->marks = q;
        g->marks_cap = ncap;
    }
    g->marks[g->nmarks++] = (shi_seg_mark){.off = off, .at = (uint32_t)g->len, .len = fixed};
    return 0;
}

/* Appends the folded form of one character to the segment, and lists it
 * when a rule can begin with it and `list`. */
static void seg_put(shi_segment *g, uint32_t cp, uint64_t off, uint32_t len, int list)
{
    if (g->len + 4 > g->cap) {
        if (g->cap >= SHI_SEG_MAX) { /* pieces of at most 1 MiB */
            /* its hits are held until a word hit ends past off (see
             * shi_seg_before_word), or the next piece */
            if (g->nheld)
                shi_seg_flush(g);
            g->holding = 1;
            g->held_end = off;
            seg_run(g);
            g->holding = 0;
            g->origin = off;
        } else {
            size_t ncap = g->cap * 2; /* from SHI_SEG_INLINE */
            char *q = grow(g->text, g->text_inline, g->len, ncap);
            if (!q) {
                g->status = SHAI_E_NOMEM;
                return;
            }
            g->text = q;
            g->cap = ncap;
        }
    }
    char buf[4];
    size_t n = shi_utf8_encode(cp, buf);
    /* rule matches start and end on characters (no \C): the marks give
     * the start of a character's first byte and the end of its last */
    if (seg_mark(g, off, len, n))
        return;
    if (g->len == 0)
        g->origin = off;
    if (g->starts && cp < SHI_RULE_STARTS) {
        uint8_t bits = g->starts[cp];
        g->seen |= bits;
        if (bits && list)
            cand_add(g, g->len, bits);
    }
    memcpy(g->text + g->len, buf, n);
    g->len += n;
}

/* Lists folded offset `at` as an uppercase letter of the original. */
static void upper_add(shi_segment *g, size_t at)
{
    if (g->nupper == g->upper_cap) {
        size_t ncap = g->upper_cap * 2;
        uint32_t *q =
            grow(g->upper_at, g->upper_inline, g->upper_cap * sizeof *q, ncap * sizeof *q);
        if (!q)
            return; /* the letter counts as lowercase */
        g->upper_at = q;
        g->upper_cap = ncap;
    }
    g->upper_at[g->nupper++] = (uint32_t)at;
}

void shi_seg_put_char(shi_segment *g, uint32_t cp, uint32_t v, uint64_t off, uint32_t len)
{
    uint32_t chars[31], n = shi_folded_chars(g->db, cp, v, chars);
    if (g->want_upper && n == 1 && ((cp >= 'A' && cp <= 'Z') || (cp >= 0xFF21 && cp <= 0xFF3A)))
        upper_add(g, g->len);
    for (uint32_t i = 0; i < n; i++)
        seg_put(g, chars[i], off, len, 1);
}

/* Appends k bytes of characters that fold to themselves, original bytes
 * [off, off + k), to the segment. The caller listed them, at the offsets
 * they get unless a new piece starts. */
static void seg_copy(shi_segment *g, const unsigned char *c, size_t k, uint64_t off)
{
    while (k) {
        /* as seg_put would put them one by one: a full piece ends where
         * fewer than 4 bytes are left, however the text was written */
        if (g->len && g->len + k + 3 <= g->cap) {
            if (seg_mark(g, off, 1, 1)) /* a run: its first byte at off */
                return;
            memcpy(g->text + g->len, c, k);
            g->len += k;
            return;
        }
        /* one character through seg_put, which grows the segment or runs
         * the rules over a full piece */
        uint32_t cp;
        size_t len = shi_utf8_decode_valid(c, &cp), before = g->len;
        seg_put(g, cp, off, (uint32_t)len, 0);
        if (g->status == SHAI_E_NOMEM)
            return;
        c += len;
        off += len;
        k -= len;
        if (g->len < before) {
            /* a new piece: the bits of the rest belong to it, and its list
             * is not known */
            g->cand_full = 1;
            for (size_t j = 0; j < k;) {
                j += shi_utf8_decode_valid(c + j, &cp);
                g->seen |= cp < SHI_RULE_STARTS ? g->raw[cp] & ~SHI_RULE_FOLDS : 0;
            }
        }
    }
}

void shi_seg_catch_up(shi_segment *g, const unsigned char *p, size_t from, size_t to, uint64_t off)
{
    const shai_db *db = g->db;
    const uint8_t *raw = g->raw;
    size_t run = from; /* the characters from here on fold to themselves */
    uint8_t seen = 0;
    while (from < to) {
        const unsigned char *c = p + from;
        uint32_t cp, len = (uint32_t)shi_utf8_decode_valid(c, &cp);
        uint32_t b = raw && cp < SHI_RULE_STARTS ? raw[cp] : SHI_RULE_FOLDS;
        seen |= (uint8_t)b;
        if (b && !(b & SHI_RULE_FOLDS)) /* listed where seg_copy puts it */
            cand_add(g, g->len + (from - run), (uint8_t)b);
        if (b & SHI_RULE_FOLDS) {
            /* the run so far, then this character's folded form; seg_put
             * may run the rules over the piece so far */
            g->seen |= seen & ~SHI_RULE_FOLDS;
            seen = 0;
            if (from > run)
                seg_copy(g, p + run, from - run, off - (from - run));
            uint32_t v =
                cp < 0x10000 ? db->map_bmp[cp] : shi_map_at(db->map_stage1, db->map_stage2, cp);
            shi_seg_put_char(g, cp, v, off, len);
            run = from + len;
        }
        from += len;
        off += len;
    }
    g->seen |= seen & ~SHI_RULE_FOLDS;
    if (to > run)
        seg_copy(g, p + run, to - run, off - (to - run));
}

void shi_seg_write(shi_segment *g, uint64_t upto)
{
    size_t to = (size_t)(upto - g->src_base);
    if (to > g->src_from)
        shi_seg_catch_up(g, g->src, g->src_from, to, g->src_base + g->src_from);
    g->src_from = to;
}

void shi_seg_line_end(shi_segment *g, int wanted, uint64_t off, uint32_t len)
{
    if (!wanted && g->want) {
        /* a line begun by an earlier write, or put a character at a time
         * (a sequence split across writes, src NULL), is in the segment
         * already: written, and asked of its folded text (g->wanted 0) */
        wanted = g->len > 0;
        if (!wanted && g->src) {
            size_t to = (size_t)(off - g->src_base);
            wanted = to > g->src_from && g->want(g->src + g->src_from, to - g->src_from, g->user);
        }
        g->wanted = (uint8_t)(wanted && !g->len);
    } else if (g->want && g->src && !g->len) {
        size_t to = (size_t)(off - g->src_base);
        if (to > g->src_from) {
            int yes = g->want(g->src + g->src_from, to - g->src_from, g->user);
            g->said = yes ? SHI_SEG_SAID_YES : SHI_SEG_SAID_NO;
            g->said_at = g->src_base + g->src_from;
        }
    }
    if (wanted) {
        if (g->src)
            shi_seg_write(g, off);
    } else {
        g->len = 0; /* what an earlier write put, if any */
    }
    if (g->src)
        g->src_from = (size_t)(off + len - g->src_base);
}
