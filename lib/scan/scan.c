/* The scan loop and the public scan and stream entry points. */
#include <stdlib.h>
#include <string.h>

#include "scan/scanner.h"
#include "unicode/utf8.h"

#define RING_MASK (SHI_RING - 1)
#define ALL_SCAN_FLAGS (SHAI_SCAN_OVERLAPPING | SHAI_SCAN_VIOLATIONS)

void shi_scanner_init(shi_scanner *sc, const shai_db *db, uint32_t flags, shai_hit_fn fn,
                      void *user)
{
    memset(sc, 0, offsetof(shi_scanner, ring));
    sc->db = db;
    sc->flags = flags;
    sc->fn = fn;
    sc->user = user;
    sc->state = SHI_ROOT;
}

static inline shi_unit *ring_at(shi_scanner *sc, uint64_t u)
{
    return &sc->ring[u & RING_MASK];
}

static void emit(shi_scanner *sc, uint64_t s, uint64_t f, uint32_t entry)
{
    if (sc->status)
        return;
    const shi_entry *e = &sc->db->entries[entry];
    shai_hit hit = {
        .start = ring_at(sc, s)->start,
        .end = ring_at(sc, f)->end,
        .entry = entry,
        .category = e->category,
        .action = e->action,
        .flags = (e->flags & SHAI_ENTRY_ALLOW) ? SHAI_HIT_ALLOW : 0,
    };
    if (sc->fn(&hit, sc->user))
        sc->status = SHAI_TERMINATED;
}

static inline int boundary_ok(shi_scanner *sc, const shi_entry *e, uint64_t s, int next_word)
{
    if ((e->bound & SHI_BOUND_END) && next_word)
        return 0;
    if ((e->bound & SHI_BOUND_START) && ring_at(sc, s)->prev_word)
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
    for (uint32_t o = db->slots[uf->state].out; o; o = db->outs[o].next) {
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
    for (uint32_t o = db->slots[uf->state].out; o; o = db->outs[o].next) {
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
            if (sc->db->slots[ring_at(sc, f)->state].out)
                finalize_end(sc, f);
        }
    }
    if (!(flags & SHAI_SCAN_OVERLAPPING)) {
        while (sc->sel_next < horizon && !sc->status)
            select_start(sc, sc->sel_next++);
    }
}

static inline void step(shi_scanner *sc, uint32_t cp, uint64_t off, uint32_t len)
{
    const shai_db *db = sc->db;
    uint32_t m = cp < 0x110000u ? shi_map(db, cp) : 0;
    int word = (m & SHI_MAP_WORD) != 0;
    if (sc->pending) {
        sc->pending = 0;
        resolve(sc, sc->unit - 1, word);
    }
    uint32_t sym = m & SHI_MAP_SYM_MASK;
    uint32_t s = sc->state;
    if (sym) {
        const shi_slot *slots = db->slots;
        for (;;) {
            uint32_t t = slots[s].base + sym;
            if (slots[t].check == s) {
                s = t;
                break;
            }
            if (s == SHI_ROOT)
                break;
            s = slots[s].fail;
        }
    } else {
        s = SHI_ROOT;
    }
    sc->state = s;
    uint64_t horizon;
    if (s != SHI_ROOT) {
        uint64_t u = sc->unit++;
        shi_unit *uu = ring_at(sc, u);
        uu->start = off;
        uu->end = off + len;
        uu->state = s;
        uu->prev_word = sc->last_word;
        uu->best_len = 0;
        uu->allow_len = 0;
        sc->pending = db->slots[s].out != 0;
        horizon = sc->unit - db->depth[s];
    } else {
        horizon = sc->unit;
    }
    sc->last_word = (uint8_t)word;
    if (horizon > sc->horizon || sc->status)
        advance(sc, horizon);
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
        memcpy(tmp + k, p + i, take);
        uint32_t cp;
        size_t need;
        size_t len = shi_utf8_decode(tmp, k + take, &cp, &need);
        if (need && !final) {
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
    while (i < n && !sc->status) {
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
            return;
        }
        step(sc, cp, sc->pos, (uint32_t)len);
        sc->pos += len;
        i += len;
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
    if (h < sc->unit)
        return sc->ring[h & RING_MASK].start;
    return sc->pos;
}

/* ----------------------------------------------------------------- API */

int shai_scan(const shai_db *db, const char *text, size_t len, uint32_t flags, shai_hit_fn fn,
              void *user)
{
    if (!db || !fn || (!text && len) || (flags & ~ALL_SCAN_FLAGS))
        return SHAI_E_INVALID_ARG;
    shi_scanner sc;
    shi_scanner_init(&sc, db, flags, fn, user);
    shi_scanner_feed(&sc, (const unsigned char *)text, len, 1);
    shi_scanner_finish(&sc);
    return sc.status;
}

typedef struct collect {
    shai_hit *hits;
    size_t cap, count;
} collect;

static int collect_hit(const shai_hit *hit, void *user)
{
    collect *c = user;
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
    collect c = {hits, cap, 0};
    int rc = shai_scan(db, text, len, flags, collect_hit, &c);
    if (rc)
        return rc;
    *count = c.count;
    return c.count > cap ? SHAI_E_BUFFER_TOO_SMALL : SHAI_OK;
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
    if (!db || !fn || !out || (flags & ~ALL_SCAN_FLAGS))
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
        rc = s->sc.status;
    }
    free(s);
    return rc;
}
