/* Policy: verdicts and masking on top of the violation scan. */
#include <string.h>

#include "scan/scanner.h"
#include "unicode/utf8.h"

#define ALL_SCAN_FLAGS (SHAI_SCAN_OVERLAPPING | SHAI_SCAN_VIOLATIONS)

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

int shai_check(const shai_db *db, const char *text, size_t len, uint32_t flags, uint32_t *verdict,
               shai_hit *hits, size_t cap, size_t *count)
{
    if (verdict)
        *verdict = SHAI_ACTION_PASS;
    if (count)
        *count = 0;
    if (!db || (!text && len) || !verdict || !count || (!hits && cap) || (flags & ~ALL_SCAN_FLAGS))
        return SHAI_E_INVALID_ARG;
    collect c = {hits, cap, 0};
    shi_scanner sc;
    shi_scanner_init(&sc, db, flags | SHAI_SCAN_VIOLATIONS | SHI_SCAN_VERDICT, collect_hit, &c);
    shi_scanner_feed(&sc, (const unsigned char *)text, len, 1);
    shi_scanner_finish(&sc);
    *verdict = sc.verdict;
    *count = c.count;
    return c.count > cap ? SHAI_E_BUFFER_TOO_SMALL : SHAI_OK;
}

/* Masking merges violation spans as they arrive (ordered by end) and writes
 * out everything before the scanner's horizon, so memory stays bounded. */
#define MASK_SPANS 512

typedef struct masker {
    const char *text;
    size_t len;
    char mask[4];
    size_t mask_len;
    char *out;
    size_t cap;
    size_t written; /* bytes of output produced (written or counted) */
    size_t copied;  /* text consumed so far */
    uint64_t start[MASK_SPANS], end[MASK_SPANS];
    size_t n;
    shi_scanner *sc;
} masker;

static void put(masker *m, const char *p, size_t n)
{
    if (m->written + n <= m->cap && m->out)
        memcpy(m->out + m->written, p, n);
    m->written += n;
}

/* Writes text up to `upto`, masking the first `k` spans. */
static void flush(masker *m, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        size_t s = (size_t)m->start[i], e = (size_t)m->end[i];
        put(m, m->text + m->copied, s - m->copied);
        for (size_t p = s; p < e;) {
            uint32_t cp;
            size_t need;
            p += shi_utf8_decode((const unsigned char *)m->text + p, e - p, &cp, &need);
            put(m, m->mask, m->mask_len);
        }
        m->copied = e;
    }
    memmove(m->start, m->start + k, (m->n - k) * sizeof m->start[0]);
    memmove(m->end, m->end + k, (m->n - k) * sizeof m->end[0]);
    m->n -= k;
}

static int mask_hit(const shai_hit *hit, void *user)
{
    masker *m = user;
    uint64_t s = hit->start, e = hit->end;
    /* merge with the spans it overlaps; ends never decrease */
    while (m->n && m->end[m->n - 1] >= s) {
        m->n--;
        if (m->start[m->n] < s)
            s = m->start[m->n];
        if (m->end[m->n] > e)
            e = m->end[m->n];
    }
    m->start[m->n] = s;
    m->end[m->n] = e;
    m->n++;
    if (m->n == MASK_SPANS) {
        uint64_t h = shi_scanner_horizon(m->sc);
        size_t k = 0;
        while (k < m->n && m->end[k] <= h)
            k++;
        flush(m, k);
    }
    return 0;
}

int shai_mask(const shai_db *db, const char *text, size_t len, uint32_t mask_char, char *out,
              size_t out_cap, size_t *out_len)
{
    if (out_len)
        *out_len = 0;
    if (!db || (!text && len) || !out_len || (!out && out_cap) || !shi_is_scalar(mask_char) ||
        mask_char == 0)
        return SHAI_E_INVALID_ARG;
    static const char empty[1] = "";
    masker m = {.text = text ? text : empty, .len = len, .out = out, .cap = out_cap};
    m.mask_len = shi_utf8_encode(mask_char, m.mask);
    shi_scanner sc;
    m.sc = &sc;
    shi_scanner_init(&sc, db, SHAI_SCAN_OVERLAPPING | SHAI_SCAN_VIOLATIONS, mask_hit, &m);
    shi_scanner_feed(&sc, (const unsigned char *)m.text, len, 1);
    shi_scanner_finish(&sc);
    flush(&m, m.n);
    put(&m, m.text + m.copied, len - m.copied);
    *out_len = m.written;
    if (m.written + 1 > out_cap)
        return SHAI_E_BUFFER_TOO_SMALL;
    out[m.written] = '\0';
    return SHAI_OK;
}
