/* The public scan entry points: shai_scan, shai_scan_hits, their scratch
 * variants, scratches and streams. */
#include <stdlib.h>

#include "scan/scanner.h"

/* One whole text through a started scanner. */
static int scan_text(shi_scanner *sc, const shai_db *db, const char *text, size_t len,
                     uint32_t flags, shai_hit_fn fn, void *user)
{
    shi_scanner_start(sc, db, flags, fn, user);
    shi_scanner_feed(sc, (const unsigned char *)text, len, 1);
    shi_scanner_finish(sc);
    return shi_scanner_status(sc);
}

int shai_scan(const shai_db *db, const char *text, size_t len, uint32_t flags, shai_hit_fn fn,
              void *user)
{
    if (!db || !fn || (!text && len) || (flags & ~SHI_SCAN_FLAGS))
        return SHAI_E_INVALID_ARG;
    shi_scanner sc;
    shi_scanner_init(&sc);
    int rc = scan_text(&sc, db, text, len, flags, fn, user);
    shi_scanner_release(&sc);
    return rc;
}

int shai_scratch_new(const shai_db *db, shai_scratch **out)
{
    if (out)
        *out = NULL;
    if (!out)
        return SHAI_E_INVALID_ARG;
    shai_scratch *s = malloc(sizeof *s);
    if (!s)
        return SHAI_E_NOMEM;
    atomic_flag_clear(&s->busy);
    shi_scanner_init(&s->sc);
    if (db && db->rules) {
        /* PCRE2's match data now, not in the first call */
        int rc = shi_scanner_ready(&s->sc);
        if (rc) {
            shai_scratch_free(s);
            return rc;
        }
    }
    *out = s;
    return SHAI_OK;
}

void shai_scratch_free(shai_scratch *s)
{
    if (!s)
        return;
    shi_scanner_release(&s->sc);
    free(s);
}

shi_scanner *shi_scratch_take(shai_scratch *s)
{
    return atomic_flag_test_and_set_explicit(&s->busy, memory_order_acquire) ? NULL : &s->sc;
}

void shi_scratch_put(shai_scratch *s)
{
    atomic_flag_clear_explicit(&s->busy, memory_order_release);
}

int shai_scan_with(const shai_db *db, shai_scratch *scratch, const char *text, size_t len,
                   uint32_t flags, shai_hit_fn fn, void *user)
{
    if (!db || !scratch || !fn || (!text && len) || (flags & ~SHI_SCAN_FLAGS))
        return SHAI_E_INVALID_ARG;
    shi_scanner *sc = shi_scratch_take(scratch);
    if (!sc)
        return SHAI_E_STATE;
    int rc = scan_text(sc, db, text, len, flags, fn, user);
    shi_scratch_put(scratch);
    return rc;
}

int shi_collect_hit(const shai_hit *hit, void *user)
{
    shi_collect *c = user;
    if (c->count < c->cap)
        c->hits[c->count] = *hit;
    c->count++;
    return 0;
}

/* shai_scan_hits with or without a scratch. */
static int scan_hits(const shai_db *db, shai_scratch *scratch, const char *text, size_t len,
                     uint32_t flags, shai_hit *hits, size_t cap, size_t *count)
{
    if (count)
        *count = 0;
    if (!count || (!hits && cap))
        return SHAI_E_INVALID_ARG;
    shi_collect c = {hits, cap, 0};
    int rc = scratch ? shai_scan_with(db, scratch, text, len, flags, shi_collect_hit, &c)
                     : shai_scan(db, text, len, flags, shi_collect_hit, &c);
    if (rc && rc != SHAI_E_MATCH_LIMIT)
        return rc;
    *count = c.count; /* a limit hides no hit: they are all there */
    return rc ? rc : c.count > cap ? SHAI_E_BUFFER_TOO_SMALL : SHAI_OK;
}

int shai_scan_hits(const shai_db *db, const char *text, size_t len, uint32_t flags, shai_hit *hits,
                   size_t cap, size_t *count)
{
    return scan_hits(db, NULL, text, len, flags, hits, cap, count);
}

int shai_scan_hits_with(const shai_db *db, shai_scratch *scratch, const char *text, size_t len,
                        uint32_t flags, shai_hit *hits, size_t cap, size_t *count)
{
    if (!scratch) {
        if (count)
            *count = 0;
        return SHAI_E_INVALID_ARG;
    }
    return scan_hits(db, scratch, text, len, flags, hits, cap, count);
}

struct shai_stream {
    shi_scanner sc;
};

int shi_stream_open(const shai_db *db, const uint8_t *scene, uint32_t flags, shai_hit_fn fn,
                    void *user, shai_stream **out)
{
    shai_stream *s = malloc(sizeof *s);
    if (!s)
        return SHAI_E_NOMEM;
    shi_scanner_init(&s->sc);
    shi_scanner_start(&s->sc, db, flags, fn, user);
    s->sc.scene = scene;
    *out = s;
    return SHAI_OK;
}

int shai_stream_open(const shai_db *db, uint32_t flags, shai_hit_fn fn, void *user,
                     shai_stream **out)
{
    if (out)
        *out = NULL;
    if (!db || !fn || !out || (flags & ~SHI_SCAN_FLAGS))
        return SHAI_E_INVALID_ARG;
    return shi_stream_open(db, NULL, flags, fn, user, out);
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
        rc = shi_scanner_status(&s->sc);
    }
    shi_scanner_release(&s->sc);
    free(s);
    return rc;
}
