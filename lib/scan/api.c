/* The public scan entry points: shai_scan, shai_scan_hits and streams. */
#include <stdlib.h>

#include "scan/scanner.h"

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
    return shi_scanner_status(&sc);
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
        rc = shi_scanner_status(&s->sc);
    }
    shi_scanner_release(&s->sc);
    free(s);
    return rc;
}
