/* Regular-expression rules (PCRE2, JIT) at scan time: run over the folded
 * text of each line (rules/segment.h). Compiling them is rules/compile.h. */
#ifndef SHAI_RULES_H
#define SHAI_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "common/db.h"

/* Which rules shi_rules_run matches. */
#define SHI_RULES_ALL 0
#define SHI_RULES_ALLOW 1 /* SHAI_ENTRY_ALLOW rules only */
#define SHI_RULES_DENY 2  /* the others */

/* Size of the table shi_rules_starts returns: one byte per BMP code point. */
#define SHI_RULE_STARTS 0x10000u

/* For each BMP code point, the bits of the rules a match may begin with it
 * (in folded text), or NULL when every rule runs on every line (the db has
 * no rule, or no rule is gated: then pass `seen` 0xFF). A rule whose bit is
 * not among those of a line's characters cannot match there. Characters
 * above U+FFFF begin no gated rule. Derived by shi_rules_compile. */
const uint8_t *shi_rules_starts(const shai_db *db);

/* Set in shi_rules_raw_starts for a character whose folded form is another
 * character (or that is ignorable, a break or expands); never a rule's bit. */
#define SHI_RULE_FOLDS 0x80u

/* For each BMP code point, as it stands in the text: the shi_rules_starts
 * bits of its folded form (0 when no rule is gated), with SHI_RULE_FOLDS.
 * NULL when the db has no rule. Derived with the starts. */
const uint8_t *shi_rules_raw_starts(const shai_db *db);

/* db->map_bmp with SHI_MAP_RULE on each character some rule can begin
 * with, when every rule is gated (so that a line without one needs no rule),
 * else NULL. Derived with the starts. */
const uint32_t *shi_rules_map(const shai_db *db);

/* Whether a gated rule can begin with what cp, of map value v (db->map),
 * folds to; shi_rules_map holds the answer for U+0000..U+FFFF. */
int shi_rules_can_begin(const shai_db *db, uint32_t cp, uint32_t v);

/* The characters of a line piece that some gated rule can begin with: their
 * folded byte offsets, ascending, and their shi_rules_starts bits. */
typedef struct shi_rule_cands {
    const uint32_t *at;
    const uint8_t *bits;
    size_t n;
} shi_rule_cands;

/* Match the rules `which` selects over folded[0..len) and call fn for each
 * match (start, end in folded bytes, rule entry). `seen` is the OR of the
 * shi_rules_starts bits of its characters: gated rules not in it are
 * skipped. `cands`, when not NULL, lists every such character: gated rules
 * are then tried only from the first of theirs on. `*scratch` (NULL at
 * first) keeps PCRE2's match data from one call to the next; free it with
 * shi_rules_scratch_free. `*budget` is how many more times the rules may
 * give up at a limit (the scan's budget, see SHI_SCAN_LIMITS): each time
 * takes one; at 0 no further rule is run (a rule that has begun goes on,
 * within SHI_RULE_LIMITS). Returns SHAI_OK, or SHAI_E_MATCH_LIMIT if a
 * rule gave up at some start (that start is skipped, up to SHI_LIMIT_SKIPS
 * per rule; every other match is still reported) or a rule was not run for
 * want of budget, SHAI_E_NOMEM, or SHAI_TERMINATED if fn returned
 * non-zero. */
int shi_rules_run(const shai_db *db, int which, const char *folded, size_t len, uint8_t seen,
                  const shi_rule_cands *cands, void **scratch, uint64_t *budget,
                  int (*fn)(size_t start, size_t end, uint32_t entry, void *user), void *user);

/* The budget of a scan's rules, in times they give up at a limit (each
 * costs up to PCRE2's match limit, about a million steps): SHI_SCAN_LIMITS,
 * plus one for every SHI_SCAN_LIMIT_BYTES of folded text the rules have
 * run over in the scan so far. A rule may take up to SHI_RULE_LIMITS more
 * once it has begun on a line piece. So a scan's rule work is bounded by
 * its text's length, not by its number of lines. */
#define SHI_SCAN_LIMITS 32u
#define SHI_SCAN_LIMIT_BYTES 16384u
#define SHI_RULE_LIMITS 16u

/* What shi_rules_run keeps in *scratch, made ahead of the first call; NULL
 * when out of memory. */
void *shi_rules_scratch_new(void);

/* Frees what shi_rules_run kept in *scratch (NULL is fine). */
void shi_rules_scratch_free(void *scratch);

#endif
