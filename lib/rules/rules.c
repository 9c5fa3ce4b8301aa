#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/compile.h"
#include "rules/internal.h"
#include "rules/rules.h"
#include "unicode/utf8.h"

uint32_t shi_rule_check(const char *pattern, size_t len, char *msg, size_t msg_cap)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, len, SHI_RULE_OPTIONS, &err, &off, NULL);
    if (code) {
        pcre2_code_free(code);
        return 0;
    }
    if (err == PCRE2_ERROR_HEAP_FAILED) {
        snprintf(msg, msg_cap, "%s", shai_status_message(SHAI_E_NOMEM));
        return SHI_RULE_NOMEM;
    }
    PCRE2_UCHAR buf[256];
    if (pcre2_get_error_message(err, buf, sizeof buf) < 0)
        snprintf((char *)buf, sizeof buf, "error %d", err);
    snprintf(msg, msg_cap, "regex: %s", (const char *)buf);
    uint32_t col = 1;
    for (size_t i = 0; i < off && i < len;) {
        uint32_t cp;
        size_t need;
        i += shi_utf8_decode((const unsigned char *)pattern + i, len - i, &cp, &need);
        col++;
    }
    return col;
}

/* db->free_rules: what shi_rules_compile made, however far it got. */
static void rules_free(void *rules)
{
    shi_rules *r = rules;
    for (uint32_t i = 0; i < r->n; i++)
        pcre2_code_free(r->code[i]);
    free(r->code);
    free(r->entry);
    shi_gates_free(r->gates);
    pcre2_match_context_free(r->mctx);
    free(r);
}

static size_t code_size(const pcre2_code *code)
{
    size_t size = 0, jit = 0;
    if (!code)
        return 0;
    pcre2_pattern_info(code, PCRE2_INFO_SIZE, &size);
    if (pcre2_pattern_info(code, PCRE2_INFO_JITSIZE, &jit) != 0)
        jit = 0;
    return size + jit;
}

/* Bytes of memory the rules hold: PCRE2's code and JIT code, and the
 * derived tables. */
static size_t rules_size(const shi_rules *r)
{
    size_t n = sizeof *r + (size_t)r->n * (sizeof *r->code + sizeof *r->entry);
    for (uint32_t k = 0; k < r->n; k++)
        n += code_size(r->code[k]);
    const shi_gates *g = r->gates;
    if (g) {
        n += sizeof *g + g->n + (g->starts ? SHI_RULE_STARTS : 0) + (g->raw ? SHI_RULE_STARTS : 0) +
             (g->map ? SHI_RULE_STARTS * sizeof *g->map : 0) + (size_t)g->n * sizeof *g->anchored;
        for (uint32_t k = 0; g->anchored && k < g->n; k++)
            n += code_size(g->anchored[k]);
    }
    return n;
}

/* pat[0..len) compiled as a rule is, with `extra` options; NULL if PCRE2
 * refuses it, and then *nomem set if it ran out of memory. */
pcre2_code *shi_rule_compile(const char *pat, size_t len, uint32_t extra, int *nomem)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pat, len, SHI_RULE_OPTIONS | extra, &err, &off, NULL);
    if (!code && err == PCRE2_ERROR_HEAP_FAILED)
        *nomem = 1;
    return code;
}

int shi_rules_compile(shai_db *db)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < db->nentries; i++)
        n += (db->entries[i].flags & SHAI_ENTRY_RULE) != 0;
    if (!n)
        return SHAI_OK;
    shi_rules *r = calloc(1, sizeof *r);
    if (!r)
        return SHAI_E_NOMEM;
    db->rules = r;
    db->free_rules = rules_free;
    r->code = calloc(n, sizeof *r->code);
    r->entry = calloc(n, sizeof *r->entry);
    r->mctx = pcre2_match_context_create(NULL);
    if (!r->code || !r->entry || !r->mctx)
        return SHAI_E_NOMEM;
    pcre2_set_match_limit(r->mctx, SHI_MATCH_LIMIT);
    pcre2_set_depth_limit(r->mctx, SHI_DEPTH_LIMIT);
    for (uint32_t i = 0; i < db->nentries; i++) {
        const shi_entry *e = &db->entries[i];
        if (!(e->flags & SHAI_ENTRY_RULE))
            continue;
        int err;
        PCRE2_SIZE off;
        pcre2_code *code = pcre2_compile((PCRE2_SPTR)(db->strings + e->text), e->text_len,
                                         SHI_RULE_OPTIONS, &err, &off, NULL);
        if (!code)
            return err == PCRE2_ERROR_HEAP_FAILED ? SHAI_E_NOMEM : SHAI_E_REGEX;
        /* JIT when the platform has it; the interpreter honours the same
         * limits otherwise */
        pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
        r->code[r->n] = code;
        r->entry[r->n] = i;
        r->n++;
    }
    r->gates = shi_rules_gate(db, r);
    if (!r->gates)
        return SHAI_E_NOMEM;
    db->rules_bytes = rules_size(r);
    return SHAI_OK;
}

/* How many starts of one rule may give up at a limit in one line piece: a
 * start that gives up is skipped and the search goes on from the next one,
 * so that padding before a real match cannot hide it; past this many the
 * rule gives up on the rest of the piece, so that a pathological rule costs
 * at most this many limits per piece. Either way the scan reports
 * SHAI_E_MATCH_LIMIT. */
#define SHI_LIMIT_SKIPS 8
_Static_assert(2 * SHI_LIMIT_SKIPS <= SHI_RULE_LIMITS, "rules.h: SHI_RULE_LIMITS");

/* Whether rc is PCRE2 giving up on a start (a limit), not a failure. */
static int gave_up(int rc)
{
    return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
           rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

/* Anchored tries of one rule in one line piece before run_at_starts hands
 * the rest to PCRE2's own search: each try is a pcre2_match call with its
 * own match limit and its own setup (a scan for a required character, say),
 * so a piece full of a rule's first characters must not multiply them. */
#define SHI_ANCHORED_TRIES 64

/* The index of the first listed character from index i on that has one of
 * `bits` and stands before folded byte len, or c->n when there is none. */
static size_t cand_next(const shi_rule_cands *c, size_t i, uint8_t bits, size_t len)
{
    while (i < c->n && !(c->bits[i] & bits))
        i++;
    return i < c->n && c->at[i] < len ? i : c->n;
}

/* The search of rule k over folded[0..len), tried only where a character
 * it can begin with stands, with its anchored copy: the same matches as
 * PCRE2's unanchored search, which tries every position in turn. After
 * SHI_ANCHORED_TRIES tries, *resume is where that search is to go on from;
 * else it is len + 1. */
static int run_at_starts(const shi_rules *r, const shi_gates *g, uint32_t k, const char *folded,
                         size_t len, const shi_rule_cands *c, pcre2_match_data *md,
                         int (*fn)(size_t start, size_t end, uint32_t entry, void *user),
                         void *user, size_t *resume, uint32_t *limits)
{
    const unsigned char *t = (const unsigned char *)folded;
    const uint8_t bit = g->gate[k] & GATE_BITS;
    size_t at = 0; /* where the search goes on */
    uint32_t tries = 0;
    *resume = len + 1;
    for (size_t p = 0, i = 0; p < len;) {
        /* well-formed UTF-8, written by the scanner; above U+FFFF no gated
         * rule begins. With the scanner's list, only its characters. */
        uint32_t cp;
        if (c) {
            if ((i = cand_next(c, i, bit, len)) == c->n)
                break;
            p = c->at[i++];
        }
        size_t n = shi_utf8_decode_valid(t + p, &cp);
        if (p < at || cp >= SHI_RULE_STARTS || !(g->starts[cp] & bit)) {
            p += n;
            continue;
        }
        if (++tries > SHI_ANCHORED_TRIES) {
            *resume = p; /* the tries so far failed or ended before p */
            return SHAI_OK;
        }
        int rc = pcre2_match(g->anchored[k], t, len, p, PCRE2_NO_UTF_CHECK, md, r->mctx);
        if (gave_up(rc) && ++*limits <= SHI_LIMIT_SKIPS) {
            p += n; /* only this start gave up */
            continue;
        }
        if (rc != PCRE2_ERROR_NOMATCH) {
            if (rc < 0)
                return rc == PCRE2_ERROR_NOMEMORY ? SHAI_E_NOMEM : SHAI_E_MATCH_LIMIT;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t s = ov[0], e = ov[1];
            if (e > s && fn(s, e, r->entry[k], user))
                return SHAI_TERMINATED;
            /* on from its end; after an empty match, from the next
             * character */
            at = e > p ? e : p + n;
        }
        p += n;
    }
    return SHAI_OK;
}

/* The offset of the character after the one at `at` (at < len), or len + 1
 * at the end. */
static size_t next_char(const char *folded, size_t len, size_t at)
{
    at++;
    while (at < len && ((unsigned char)folded[at] & 0xC0) == 0x80)
        at++;
    return at;
}

/* The match limit of the tries after_limit makes. The search before it
 * found no match before the start that gave up, so a try only has to tell
 * that start: a lower limit finds it at a tenth of the cost (these tries
 * run in PCRE2's interpreter). A start it gives up on too early is skipped
 * the same way and the search goes on after it. */
#define SHI_PROBE_LIMIT (SHI_MATCH_LIMIT / 10)

/* The search of rule k from *at gave up at a limit, at a start PCRE2 does
 * not tell: the same search, one start at a time (anchored, so that each
 * start has limits of its own), up to the first start that gives up again
 * (skipped) or matches (reported). Returns SHAI_OK with *at where the
 * search goes on, PCRE2_ERROR_NOMATCH when no start is left,
 * SHAI_TERMINATED, or a PCRE2 error (too many starts gave up, or another
 * failure). */
static int after_limit(const shi_rules *r, uint32_t k, const char *folded, size_t len,
                       pcre2_match_data *md,
                       int (*fn)(size_t start, size_t end, uint32_t entry, void *user), void *user,
                       size_t *at, uint32_t *limits)
{
    /* no memory for it: the tries take the full limit */
    pcre2_match_context *probe = pcre2_match_context_copy(r->mctx);
    if (probe)
        pcre2_set_match_limit(probe, SHI_PROBE_LIMIT);
    int rc = PCRE2_ERROR_NOMATCH;
    for (size_t p = *at; p <= len; p = next_char(folded, len, p)) {
        /* PCRE2_ANCHORED at match time runs the interpreter: this path is
         * for rules that hit a limit only */
        rc = pcre2_match(r->code[k], (PCRE2_SPTR)folded, len, p,
                         PCRE2_ANCHORED | PCRE2_NO_UTF_CHECK, md, probe ? probe : r->mctx);
        if (rc == PCRE2_ERROR_NOMATCH)
            continue;
        if (gave_up(rc)) {
            if (++*limits <= SHI_LIMIT_SKIPS) {
                *at = next_char(folded, len, p);
                rc = SHAI_OK;
            }
        } else if (rc >= 0) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t s = ov[0], e = ov[1];
            *at = e > p ? e : next_char(folded, len, p);
            rc = e > s && fn(s, e, r->entry[k], user) ? SHAI_TERMINATED : SHAI_OK;
        }
        break;
    }
    pcre2_match_context_free(probe);
    return rc;
}

int shi_rules_run(const shai_db *db, int which, const char *folded, size_t len, uint8_t seen,
                  const shi_rule_cands *cands, void **scratch, uint64_t *budget,
                  int (*fn)(size_t start, size_t end, uint32_t entry, void *user), void *user)
{
    shi_rules *r = db->rules;
    int status = SHAI_OK;
    if (!r || !len)
        return SHAI_OK;
    const shi_gates *g = r->gates;
    /* one pair of offsets is all a match reports: one match data serves
     * every rule, and the caller keeps it for the next line */
    pcre2_match_data *md = *scratch;
    for (uint32_t k = 0; k < r->n && status != SHAI_TERMINATED; k++) {
        int allow = (db->entries[r->entry[k]].flags & SHAI_ENTRY_ALLOW) != 0;
        if ((which == SHI_RULES_ALLOW && !allow) || (which == SHI_RULES_DENY && allow))
            continue;
        uint8_t gate = g->gate[k];
        if (gate && !(seen & gate & GATE_BITS))
            continue; /* no character it can begin with */
        size_t at = 0;
        if ((gate & GATE_PLAIN) && cands) {
            /* no match begins before the first character it can begin with */
            size_t i = cand_next(cands, 0, gate & GATE_BITS, len);
            if (i == cands->n)
                continue;
            at = cands->at[i];
        }
        if (!*budget) { /* the scan's budget is spent: no more rule work */
            status = SHAI_E_MATCH_LIMIT;
            break;
        }
        if (!md && !(md = pcre2_match_data_create(1, NULL))) {
            status = SHAI_E_NOMEM;
            break;
        }
        uint32_t limits = 0;   /* starts that gave up */
        uint32_t searches = 0; /* searches that gave up, at a start not told */
        if (g->anchored[k]) {  /* only plain gated rules have one */
            int rc = run_at_starts(r, g, k, folded, len, cands, md, fn, user, &at, &limits);
            if (rc != SHAI_OK) { /* SHAI_TERMINATED also ends the loop */
                status = rc;
                continue;
            }
        }
        while (at <= len) {
            int rc = pcre2_match(r->code[k], (PCRE2_SPTR)folded, len, at, PCRE2_NO_UTF_CHECK, md,
                                 r->mctx);
            if (gave_up(rc) && ++searches <= SHI_LIMIT_SKIPS && limits < SHI_LIMIT_SKIPS) {
                rc = after_limit(r, k, folded, len, md, fn, user, &at, &limits);
                if (rc == SHAI_OK) /* on from at */
                    continue;
                if (rc == SHAI_TERMINATED) {
                    status = rc;
                    break;
                }
            }
            if (rc == PCRE2_ERROR_NOMATCH)
                break;
            if (rc < 0) {
                status = rc == PCRE2_ERROR_NOMEMORY ? SHAI_E_NOMEM : SHAI_E_MATCH_LIMIT;
                break;
            }
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t s = ov[0], e = ov[1];
            if (e > s && fn(s, e, r->entry[k], user)) {
                status = SHAI_TERMINATED;
                break;
            }
            at = e > at ? e : next_char(folded, len, at); /* on, past an empty match */
        }
        if ((limits || searches) && status == SHAI_OK)
            status = SHAI_E_MATCH_LIMIT;
        uint64_t spent = (uint64_t)limits + searches;
        *budget = spent < *budget ? *budget - spent : 0;
    }
    *scratch = md;
    return status;
}

void *shi_rules_scratch_new(void)
{
    return pcre2_match_data_create(1, NULL);
}

void shi_rules_scratch_free(void *scratch)
{
    pcre2_match_data_free(scratch);
}
