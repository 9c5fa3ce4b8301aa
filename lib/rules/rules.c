#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "unicode/utf8.h"

/* Limits that keep a pathological rule from hanging a scan. */
#define SHI_MATCH_LIMIT 1000000u
#define SHI_DEPTH_LIMIT 10000u
/* \C could end a match inside a character: the scanner maps match offsets
 * to the original text at character boundaries only. */
#define SHI_RULE_OPTIONS (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_NEVER_BACKSLASH_C)

typedef struct shi_rules {
    pcre2_code **code;
    uint32_t *entry;
    uint32_t n;
    pcre2_match_context *mctx;
} shi_rules;

uint32_t shi_rule_check(const char *pattern, size_t len, char *msg, size_t msg_cap)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, len, SHI_RULE_OPTIONS, &err, &off, NULL);
    if (code) {
        pcre2_code_free(code);
        return 0;
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

void shi_rules_free(shai_db *db)
{
    shi_rules *r = db->rules;
    if (!r)
        return;
    for (uint32_t i = 0; i < r->n; i++)
        pcre2_code_free(r->code[i]);
    free(r->code);
    free(r->entry);
    pcre2_match_context_free(r->mctx);
    free(r);
    db->rules = NULL;
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
            return SHAI_E_REGEX;
        /* JIT when the platform has it; the interpreter honours the same
         * limits otherwise */
        pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
        r->code[r->n] = code;
        r->entry[r->n] = i;
        r->n++;
    }
    return SHAI_OK;
}

int shi_rules_run(const shai_db *db, int which, const char *folded, size_t len,
                  int (*fn)(size_t start, size_t end, uint32_t entry, void *user), void *user)
{
    const shi_rules *r = db->rules;
    int status = SHAI_OK;
    if (!r || !len)
        return SHAI_OK;
    /* one pair of offsets is all a match reports: one match data serves
     * every rule */
    pcre2_match_data *md = NULL;
    for (uint32_t k = 0; k < r->n && status != SHAI_TERMINATED; k++) {
        int allow = (db->entries[r->entry[k]].flags & SHAI_ENTRY_ALLOW) != 0;
        if ((which == SHI_RULES_ALLOW && !allow) || (which == SHI_RULES_DENY && allow))
            continue;
        if (!md && !(md = pcre2_match_data_create(1, NULL)))
            return SHAI_E_NOMEM;
        size_t at = 0;
        while (at <= len) {
            int rc = pcre2_match(r->code[k], (PCRE2_SPTR)folded, len, at, PCRE2_NO_UTF_CHECK, md,
                                 r->mctx);
            if (rc == PCRE2_ERROR_NOMATCH)
                break;
            if (rc < 0) {
                status = SHAI_E_MATCH_LIMIT;
                break;
            }
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            size_t s = ov[0], e = ov[1];
            if (e > s && fn(s, e, r->entry[k], user)) {
                status = SHAI_TERMINATED;
                break;
            }
            if (e > at) {
                at = e;
            } else { /* empty match: step one character */
                at++;
                while (at < len && ((unsigned char)folded[at] & 0xC0) == 0x80)
                    at++;
            }
        }
    }
    pcre2_match_data_free(md);
    return status;
}
