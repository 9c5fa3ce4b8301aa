/* Policy: verdicts and masking on top of the violation scan. */
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "scan/scanner.h"
#include "unicode/utf8.h"

/* shai_check with a scanner of the caller's and a scene (NULL: none;
 * arguments checked). */
static int check(shi_scanner *sc, const shai_db *db, const uint8_t *scene, const char *text,
                 size_t len, uint32_t flags, uint32_t *verdict, shai_hit *hits, size_t cap,
                 size_t *count)
{
    shi_collect c = {hits, cap, 0};
    shi_scanner_start(sc, db, flags | SHAI_SCAN_VIOLATIONS | SHI_SCAN_VERDICT, shi_collect_hit, &c);
    sc->scene = scene;
    shi_scanner_feed(sc, (const unsigned char *)text, len, 1);
    shi_scanner_finish(sc);
    *verdict = sc->verdict;
    *count = c.count;
    /* rules that gave up (a limit, no memory) may have hidden a violation:
     * never PASS then, for a caller that looks at the verdict only */
    if (sc->seg.status && *verdict < SHAI_ACTION_REVIEW)
        *verdict = SHAI_ACTION_REVIEW;
    if (sc->seg.status)
        return sc->seg.status;
    return c.count > cap ? SHAI_E_BUFFER_TOO_SMALL : SHAI_OK;
}

/* Whether shai_check's arguments are valid; sets the outputs it can. */
static int check_args(const shai_db *db, const char *text, size_t len, uint32_t flags,
                      uint32_t *verdict, shai_hit *hits, size_t cap, size_t *count)
{
    if (verdict)
        *verdict = SHAI_ACTION_PASS;
    if (count)
        *count = 0;
    return db && (text || !len) && verdict && count && (hits || !cap) && !(flags & ~SHI_SCAN_FLAGS);
}

int shai_check(const shai_db *db, const char *text, size_t len, uint32_t flags, uint32_t *verdict,
               shai_hit *hits, size_t cap, size_t *count)
{
    return shai_check_policy(db, NULL, NULL, text, len, flags, verdict, hits, cap, count);
}

int shai_check_with(const shai_db *db, shai_scratch *scratch, const char *text, size_t len,
                    uint32_t flags, uint32_t *verdict, shai_hit *hits, size_t cap, size_t *count)
{
    if (!scratch) {
        check_args(db, text, len, flags, verdict, hits, cap, count); /* sets the outputs */
        return SHAI_E_INVALID_ARG;
    }
    return shai_check_policy(db, NULL, scratch, text, len, flags, verdict, hits, cap, count);
}

int shai_check_policy(const shai_db *db, const shai_policy *policy, shai_scratch *scratch,
                      const char *text, size_t len, uint32_t flags, uint32_t *verdict,
                      shai_hit *hits, size_t cap, size_t *count)
{
    const uint8_t *scene;
    if (!check_args(db, text, len, flags, verdict, hits, cap, count) ||
        !shi_policy_scene(db, policy, &scene))
        return SHAI_E_INVALID_ARG;
    shi_scanner local, *sc = &local;
    if (scratch) {
        if (!(sc = shi_scratch_take(scratch)))
            return SHAI_E_STATE;
    } else {
        shi_scanner_init(sc);
    }
    int rc = check(sc, db, scene, text, len, flags, verdict, hits, cap, count);
    /* the second stage: the scorers the policy turns on */
    if (policy && policy->nscorers) {
        uint32_t v = shi_policy_score_verdict(policy, text, len);
        if (v > *verdict)
            *verdict = v;
    }
    if (scratch)
        shi_scratch_put(scratch);
    else
        shi_scanner_release(sc);
    return rc;
}

/* Masking keeps the violation spans merged and sorted by start, and writes
 * out everything before the scanner's horizon as it goes, so memory stays
 * bounded by what is still undecided. Word hits arrive ordered by end, rule
 * hits at the end of their line: a span may land anywhere among the open
 * ones. */
#define MASK_SPANS 256

typedef struct masker {
    const char *text;
    size_t len;
    char mask[4];
    size_t mask_len;
    char *out;
    size_t cap;
    size_t written; /* bytes of output produced (written or counted) */
    size_t copied;  /* text consumed so far */
    uint64_t (*span)[2];
    size_t n, span_cap;
    uint64_t local[MASK_SPANS][2];
    int nomem;
    shi_scanner *sc;
} masker;

static void put(masker *m, const char *p, size_t n)
{
    if (m->written + n <= m->cap && m->out)
        memcpy(m->out + m->written, p, n);
    m->written += n;
}

/* Writes the text up to and through the first k spans, masking them. */
static void flush(masker *m, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        size_t s = (size_t)m->span[i][0], e = (size_t)m->span[i][1];
        if (s < m->copied)
            s = m->copied;
        put(m, m->text + m->copied, s - m->copied);
        for (size_t p = s; p < e;) {
            uint32_t cp;
            size_t need;
            p += shi_utf8_decode((const unsigned char *)m->text + p, e - p, &cp, &need);
            put(m, m->mask, m->mask_len);
        }
        if (e > m->copied)
            m->copied = e;
    }
    memmove(m->span, m->span + k, (m->n - k) * sizeof m->span[0]);
    m->n -= k;
}

static int mask_hit(const shai_hit *hit, void *user)
{
    masker *m = user;
    uint64_t s = hit->start, e = hit->end;
    /* first span that ends at or after s: it and those after it that start
     * at or before e merge with the new one */
    size_t i = m->n;
    while (i > 0 && m->span[i - 1][1] >= s)
        i--;
    size_t j = i;
    while (j < m->n && m->span[j][0] <= e) {
        if (m->span[j][0] < s)
            s = m->span[j][0];
        if (m->span[j][1] > e)
            e = m->span[j][1];
        j++;
    }
    if (i == j) { /* insert */
        if (m->n == m->span_cap) {
            size_t ncap = m->span_cap * 2;
            uint64_t(*q)[2] =
                m->span == m->local ? malloc(ncap * sizeof *q) : realloc(m->span, ncap * sizeof *q);
            if (!q) {
                m->nomem = 1;
                return 1;
            }
            if (m->span == m->local)
                memcpy(q, m->local, sizeof m->local);
            m->span = q;
            m->span_cap = ncap;
        }
        memmove(m->span + i + 1, m->span + i, (m->n - i) * sizeof m->span[0]);
        m->n++;
    } else if (j > i + 1) {
        memmove(m->span + i + 1, m->span + j, (m->n - j) * sizeof m->span[0]);
        m->n -= j - i - 1;
    }
    m->span[i][0] = s;
    m->span[i][1] = e;
    if (m->n >= MASK_SPANS / 2) {
        uint64_t h = shi_scanner_horizon(m->sc);
        size_t k = 0;
        while (k < m->n && m->span[k][1] <= h)
            k++;
        flush(m, k);
    }
    return 0;
}

/* shai_mask with a scanner of the caller's and a scene (NULL: none;
 * arguments checked). */
static int mask(shi_scanner *sc, const shai_db *db, const uint8_t *scene, const char *text,
                size_t len, uint32_t mask_char, char *out, size_t out_cap, size_t *out_len)
{
    static const char empty[1] = "";
    masker m = {.text = text ? text : empty, .len = len, .out = out, .cap = out_cap};
    m.span = m.local;
    m.span_cap = MASK_SPANS;
    m.mask_len = shi_utf8_encode(mask_char, m.mask);
    m.sc = sc;
    shi_scanner_start(sc, db, SHAI_SCAN_OVERLAPPING | SHAI_SCAN_VIOLATIONS | SHI_SCAN_ONE_READING,
                      mask_hit, &m); /* what shai_check finds */
    sc->scene = scene;
    shi_scanner_feed(sc, (const unsigned char *)m.text, len, 1);
    shi_scanner_finish(sc);
    int rc = m.nomem ? SHAI_E_NOMEM : sc->seg.status;
    if (!rc) {
        flush(&m, m.n);
        put(&m, m.text + m.copied, len - m.copied);
        *out_len = m.written;
        if (m.written + 1 > out_cap)
            rc = SHAI_E_BUFFER_TOO_SMALL;
        else
            out[m.written] = '\0';
    }
    /* after the last flush: past MASK_SPANS pending spans, they are here */
    if (m.span != m.local)
        free(m.span);
    return rc;
}

/* Whether shai_mask's arguments are valid; sets *out_len when it can. */
static int mask_args(const shai_db *db, const char *text, size_t len, uint32_t mask_char,
                     const char *out, size_t out_cap, size_t *out_len)
{
    if (out_len)
        *out_len = 0;
    return db && (text || !len) && out_len && (out || !out_cap) && shi_is_scalar(mask_char) &&
           mask_char != 0;
}

int shai_mask(const shai_db *db, const char *text, size_t len, uint32_t mask_char, char *out,
              size_t out_cap, size_t *out_len)
{
    return shai_mask_policy(db, NULL, NULL, text, len, mask_char, out, out_cap, out_len);
}

int shai_mask_with(const shai_db *db, shai_scratch *scratch, const char *text, size_t len,
                   uint32_t mask_char, char *out, size_t out_cap, size_t *out_len)
{
    if (!scratch) {
        mask_args(db, text, len, mask_char, out, out_cap, out_len); /* sets the outputs */
        return SHAI_E_INVALID_ARG;
    }
    return shai_mask_policy(db, NULL, scratch, text, len, mask_char, out, out_cap, out_len);
}

int shai_mask_policy(const shai_db *db, const shai_policy *policy, shai_scratch *scratch,
                     const char *text, size_t len, uint32_t mask_char, char *out, size_t out_cap,
                     size_t *out_len)
{
    const uint8_t *scene;
    if (!mask_args(db, text, len, mask_char, out, out_cap, out_len) ||
        !shi_policy_scene(db, policy, &scene))
        return SHAI_E_INVALID_ARG;
    shi_scanner local, *sc = &local;
    if (scratch) {
        if (!(sc = shi_scratch_take(scratch)))
            return SHAI_E_STATE;
    } else {
        shi_scanner_init(sc);
    }
    int rc = mask(sc, db, scene, text, len, mask_char, out, out_cap, out_len);
    if (scratch)
        shi_scratch_put(scratch);
    else
        shi_scanner_release(sc);
    return rc;
}
