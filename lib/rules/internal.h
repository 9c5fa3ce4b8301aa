/* The compiled rules of a db and their gates, shared by rules/rules.c
 * (compiling and running the rules) and rules/gate.c (deriving the gates).
 * Internal to lib/rules. */
#ifndef SHAI_RULES_INTERNAL_H
#define SHAI_RULES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include "common/db.h"

/* Limits that keep a pathological rule from hanging a scan. */
#define SHI_MATCH_LIMIT 1000000u
#define SHI_DEPTH_LIMIT 10000u
/* \C could end a match inside a character: the scanner maps match offsets
 * to the original text at character boundaries only. */
#define SHI_RULE_OPTIONS (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_NEVER_BACKSLASH_C)

/* What lets the scanner skip a rule on a line, and try some rules only
 * where they can begin: derived with the rules when a db is compiled or
 * opened (shi_rules_compile), never by a scan. The partial matches cost
 * about 0.05 ms per thousand characters tested; with the anchored copies
 * and the tables by unfolded character (raw, map; about 0.3 ms), about
 * 1.7 ms for the bundled rules on a quiet machine. */
typedef struct shi_gates {
    uint8_t *starts; /* SHI_RULE_STARTS bytes, or NULL when no rule is gated */
    uint8_t *raw;    /* SHI_RULE_STARTS bytes: shi_rules_raw_starts */
    uint32_t *map;   /* shi_rules_map, or NULL */
    /* per rule: the rule compiled anchored, to be tried only where one of
     * its first characters stands (run_at_starts), or NULL */
    pcre2_code **anchored;
    uint32_t n;
    /* per rule: its bit in starts (GATE_BITS), 0 when it runs on every
     * line; with GATE_PLAIN when it has no verbs, callouts or \G, which
     * could tell a search that starts at its first possible character, or
     * tries only those, from PCRE2's search over the whole piece */
    uint8_t gate[];
} shi_gates;

#define GATE_BITS 0x7Fu
#define GATE_PLAIN 0x80u

typedef struct shi_rules {
    pcre2_code **code;
    uint32_t *entry;
    uint32_t n;
    pcre2_match_context *mctx;
    shi_gates *gates; /* derived with the rules, never NULL once compiled */
} shi_rules;

/* pat[0..len) compiled as a rule is, with `extra` options; NULL if PCRE2
 * refuses it, and then *nomem set if it ran out of memory. */
pcre2_code *shi_rule_compile(const char *pat, size_t len, uint32_t extra, int *nomem);

/* The gates of the rules r of db (when the db is compiled or opened), or
 * NULL when out of memory. */
shi_gates *shi_rules_gate(const shai_db *db, const shi_rules *r);
void shi_gates_free(shi_gates *g);

#endif
