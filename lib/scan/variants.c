/* Variant hits (lib/variant) of each line the segment hands over: the
 * matcher's matches under the scan's scene, allow coverage among them, and
 * leftmost-longest selection for the scans that ask for it; and the runs of
 * one-character lines of SHAI_SCAN_VERTICAL. */
#include <stdlib.h>
#include <string.h>

#include "scan/select.h"
#include "unicode/fold.h"
#include "unicode/utf8.h"
#include "variant/tables.h"

void shi_variant_release(shi_scanner *sc)
{
    shi_vmatcher_release(&sc->vm);
    if (sc->vchars != sc->vchars_inline)
        free(sc->vchars);
    if (sc->vsel != sc->vsel_inline)
        free(sc->vsel);
    free(sc->vrun);
    sc->vchars = sc->vchars_inline;
    sc->vchars_cap = SHI_VLINE_INLINE;
    sc->vsel = sc->vsel_inline;
    sc->vsel_cap = SHI_VHITS_INLINE;
    sc->vrun = NULL;
    sc->vrun_cap = 0;
}

/* Kinds in the order a hit reports the first one used (shai.h): the
 * smaller, the stronger when one span is found in two ways. */
static unsigned rank(uint32_t kind)
{
    static const uint8_t r[SHI_VKINDS] = {
        [SHAI_VARIANT_WILDCARD] = 0,  [SHAI_VARIANT_SPLIT] = 1,    [SHAI_VARIANT_EMOJI] = 2,
        [SHAI_VARIANT_DIGIT] = 3,     [SHAI_VARIANT_INITIALS] = 4, [SHAI_VARIANT_PINYIN] = 5,
        [SHAI_VARIANT_HOMOPHONE] = 6, [SHAI_VARIANT_LEET] = 7,     [SHAI_VARIANT_INSERT] = 8,
        [SHAI_VARIANT_VERTICAL] = 9,  [SHAI_VARIANT_NONE] = 10};
    return kind < SHI_VKINDS ? r[kind] : 15;
}

/* Whether an entry is a word of two characters (shi_word_pair): of the
 * entries that one span spells in variants, the word is the one meant (du
 * bo is 赌博, not the list's homophone 赌波; bing du 冰毒, not 冰读).
 * Longer entries are not looked into (cao ni ma is 操你妈, though 草拟妈
 * holds the word 草拟). */
static uint32_t entry_word(const shai_db *db, const shi_entry *e)
{
    const unsigned char *t = (const unsigned char *)db->strings + e->text;
    uint32_t cp[2];
    size_t need, x = 0;
    for (int k = 0; k < 2; k++) {
        if (x >= e->text_len)
            return 0;
        x += shi_utf8_decode(t + x, e->text_len - x, &cp[k], &need);
    }
    return x == e->text_len && shi_is_han(cp[0]) && shi_is_han(cp[1]) &&
           shi_word_pair(cp[0], cp[1]);
}

static int cmp_hit(const void *a, const void *b)
{
    const shi_vhit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1; /* longest first */
    if (x->entry != y->entry)
        return x->entry < y->entry ? -1 : 1;
    return rank(x->kind) < rank(y->kind) ? -1 : rank(x->kind) > rank(y->kind);
}

/* The order of the default mode's selection: at one span, a word first. */
static int cmp_hit_words(const void *a, const void *b)
{
    const shi_vhit *x = a, *y = b;
    if (x->start == y->start && x->end == y->end && x->word != y->word)
        return x->word > y->word ? -1 : 1;
    return cmp_hit(a, b);
}

/* Whether an allow match [as, ae) covers a deny match [s, e): it holds it,
 * or reaches past its end and holds more than half of its bytes (the
 * scanner's rule, in bytes rather than units). */
static int covers(uint64_t as, uint64_t ae, uint64_t s, uint64_t e)
{
    if (as <= s && e <= ae)
        return 1;
    return ae > e && as > s && as < e && 2 * (e - as) > e - s;
}

/* The matches of one line (or vertical run) in sc->vm: report the variant
 * hits the scan asks for. */
static void report(shi_scanner *sc, uint64_t *block)
{
    const shai_db *db = sc->db;
    shi_vhit *h = sc->vm.hits;
    size_t n = sc->vm.nhits;
    if (!n)
        return;
    if (!shi_vgrow((void **)&sc->vsel, &sc->vsel_cap, sc->vsel_inline, n, sizeof *sc->vsel)) {
        sc->seg.status = SHAI_E_NOMEM;
        return;
    }
    int violations = (sc->flags & SHAI_SCAN_VIOLATIONS) != 0;
    int overlapping = (sc->flags & SHAI_SCAN_OVERLAPPING) != 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const shi_vhit *v = &h[i];
        const shi_entry *e = &db->entries[v->entry];
        int allow = (e->flags & SHAI_ENTRY_ALLOW) != 0;
        /* an allow entry's variant matches only cover deny hits */
        if (allow)
            continue;
        if (v->kind == SHAI_VARIANT_NONE) {
            /* a deny entry as itself, which the scan reports: kept to take
             * its place in the selection below, never reported here */
            if (shi_scene_action(sc, e))
                sc->vsel[k++] = *v;
            continue;
        }
        if (!shi_variant_action(sc, v->kind, shi_scene_action(sc, e)))
            continue; /* off: not found */
        int drop = 0;
        for (size_t j = 0; j < n && !drop; j++) {
            const shi_vhit *o = &h[j];
            const shi_entry *oe = &db->entries[o->entry];
            /* the entry found as itself where this one overlaps it, or
             * another deny entry found as itself over the whole span */
            if (o->kind == SHAI_VARIANT_NONE && o->entry == v->entry && o->start < v->end &&
                v->start < o->end)
                drop = 1;
            else if (o->kind == SHAI_VARIANT_NONE && !(oe->flags & SHAI_ENTRY_ALLOW) &&
                     o->start <= v->start && v->end <= o->end)
                drop = 1;
            else if (violations && (oe->flags & SHAI_ENTRY_ALLOW) &&
                     covers(o->start, o->end, v->start, v->end))
                drop = 1;
        }
        if (!drop) {
            sc->vsel[k] = *v;
            /* (only the default mode's selection asks) */
            sc->vsel[k++].word = !overlapping && entry_word(db, e);
        }
    }
    if (!k)
        return;
    qsort(sc->vsel, k, sizeof *sc->vsel, overlapping ? cmp_hit : cmp_hit_words);
    for (size_t i = 0; i < k && !sc->status; i++) {
        const shi_vhit *v = &sc->vsel[i];
        /* one span of one entry, in its strongest kind */
        if (i && v->entry == sc->vsel[i - 1].entry && v->start == sc->vsel[i - 1].start &&
            v->end == sc->vsel[i - 1].end)
            continue;
        if (!overlapping) {
            if (v->start < *block)
                continue;
            *block = v->end;
        }
        /* one selection with the line's hits as themselves: 手枪zhi1障 is
         * 手枪 and zhi1障 (智障), not 枪zhi1 (枪支), which 手枪 holds off */
        if (v->kind == SHAI_VARIANT_NONE)
            continue;
        const shi_entry *e = &db->entries[v->entry];
        uint32_t action = shi_variant_action(sc, v->kind, shi_scene_action(sc, e));
        shi_variant_emit(sc, v->start, v->end, v->entry, v->kind, action);
    }
}

/* The vertical run so far, read as one line, then a new run. */
static void vertical_run(shi_scanner *sc)
{
    size_t n = sc->nvrun;
    sc->nvrun = 0;
    if (n < 2 || sc->status)
        return;
    if (shi_variant_match(&sc->vm, sc->db, sc->vrun, n, 0, n, SHI_VMATCH_VERTICAL)) {
        sc->seg.status = SHAI_E_NOMEM;
        return;
    }
    uint64_t block = 0;
    report(sc, &block);
}

void shi_variant_finish(shi_scanner *sc)
{
    vertical_run(sc);
}

int shi_variant_want(const unsigned char *p, size_t n, void *user)
{
    const shi_scanner *sc = user;
    return shi_variant_filter_bytes(sc->db, p, n);
}

/* Start positions per run of the matcher over a long line, and the
 * characters of context it sees before them: a line is matched in windows,
 * so that what it holds stays bounded however long the line. */
#define VCHUNK 8192u
#define VLEAD 64u

/* The matches starting at window characters [from, to). */
static void run_window(shi_scanner *sc, size_t n, size_t from, size_t to, uint64_t *block)
{
    if (n < 2 || sc->status)
        return;
    /* with the prefilter (the segment asks it), a window without a
     * trigger holds no variant match, and the walk starts near them */
    int how = 0;
    if (sc->seg.want) {
        if (!shi_variant_filter_mark(sc->db, sc->vchars, n))
            return;
        how = SHI_VMATCH_TRIGGERS;
    }
    if (shi_variant_match(&sc->vm, sc->db, sc->vchars, n, from, to, how)) {
        sc->seg.status = SHAI_E_NOMEM;
        return;
    }
    report(sc, block);
}

void shi_variant_piece(shi_segment *g, void *user)
{
    shi_scanner *sc = user;
    const shai_db *db = sc->db;
    const unsigned char *t = (const unsigned char *)g->text;
    size_t len = g->len;
    if (!len) {
        /* an empty line ends a vertical run; CR LF is one break */
        if (sc->vertical && !(sc->brk_prev == '\r' && sc->brk_cur == '\n'))
            vertical_run(sc);
        return;
    }
    /* with the prefilter: a line piece without a trigger holds no variant
     * match (the line's end asked of its original bytes, also for a line
     * written for its rules when this piece is all of it; another piece,
     * of a line written in pieces, is asked here of its folded text) */
    if (sc->seg.want && !sc->seg.wanted) {
        if (sc->seg.said && !g->holding && g->origin == sc->seg.said_at) {
            if (sc->seg.said == SHI_SEG_SAID_NO)
                return;
        } else if (!shi_variant_filter_bytes(db, t, len)) {
            return;
        }
    }
    /* how far past its start a match, and what its guards look at, reach */
    size_t reach = (size_t)db->max_units * (db->max_gap + 8) + 16;
    size_t cap = VLEAD + VCHUNK + reach, chars = 0;
    if (len <= cap) {
        /* no more characters than bytes: counted without a stop, which
         * the compiler vectorises */
        for (size_t x = 0; x < len; x++)
            chars += (t[x] & 0xC0) != 0x80;
    } else {
        for (size_t x = 0; x < len && chars < cap; x++)
            chars += (t[x] & 0xC0) != 0x80;
    }
    if (!shi_vgrow((void **)&sc->vchars, &sc->vchars_cap, sc->vchars_inline, chars,
                   sizeof *sc->vchars)) {
        g->status = SHAI_E_NOMEM;
        return;
    }
    shi_vchar *c = sc->vchars, single = {0};
    size_t n = 0, mi = 0, ui = 0, han = 0, other = 0;
    size_t first = 0; /* window index of the first start of this window */
    uint64_t block = 0;
    for (size_t x = 0; x < len && !sc->status;) {
        uint32_t cp;
        size_t k = shi_utf8_decode_valid(t + x, &cp);
        while (mi + 1 < g->nmarks && g->marks[mi + 1].at <= x)
            mi++;
        const shi_seg_mark *m = &g->marks[mi];
        if (m->len) {
            c[n].start = m->off;
            c[n].end = m->off + m->len;
        } else {
            c[n].start = m->off + (x - m->at);
            c[n].end = m->off + (x + k - m->at);
        }
        while (ui < g->nupper && g->upper_at[ui] < x)
            ui++;
        c[n].upper = ui < g->nupper && g->upper_at[ui] == x;
        c[n].trig = 0;
        c[n].cp = cp;
        if (sc->vertical) {
            uint32_t v = shi_map(db, cp);
            if (shi_is_han(cp)) {
                han++;
                single = c[n];
            } else if (!(v & (SHI_MAP_NOISE | SHI_MAP_SEP | SHI_MAP_IGNORE))) {
                other++;
            }
        }
        n++;
        x += k;
        if (n == cap && x < len) {
            /* a full window: its starts, then the next window keeps the
             * context before the next starts */
            run_window(sc, n, first, first + VCHUNK, &block);
            size_t keep_from = first + VCHUNK - VLEAD;
            memmove(c, c + keep_from, (n - keep_from) * sizeof *c);
            n -= keep_from;
            first = VLEAD;
        }
    }
    if (sc->vertical && !g->holding) {
        if (han == 1 && !other) {
            if (shi_vgrow((void **)&sc->vrun, &sc->vrun_cap, NULL, sc->nvrun + 1, sizeof *sc->vrun))
                sc->vrun[sc->nvrun++] = single;
        } else {
            vertical_run(sc);
        }
    } else if (sc->vertical) {
        vertical_run(sc);
    }
    run_window(sc, n, first, n, &block);
}
