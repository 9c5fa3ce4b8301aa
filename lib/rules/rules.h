/* Regular-expression rules (PCRE2, JIT): compiled with the db, run over the
 * folded text of each line by the scanner. */
#ifndef SHAI_RULES_H
#define SHAI_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "common/db.h"

/* Checks a pattern; on error writes PCRE2's message and returns the 1-based
 * code point column of the error (>= 1), else returns 0. */
uint32_t shi_rule_check(const char *pattern, size_t len, char *msg, size_t msg_cap);

/* Compiles every rule entry of the db (after the entries are in place).
 * Returns SHAI_OK, SHAI_E_REGEX or SHAI_E_NOMEM. */
int shi_rules_compile(shai_db *db);
void shi_rules_free(shai_db *db);

/* Which rules shi_rules_run matches. */
#define SHI_RULES_ALL 0
#define SHI_RULES_ALLOW 1 /* SHAI_ENTRY_ALLOW rules only */
#define SHI_RULES_DENY 2  /* the others */

/* Match the rules `which` selects over folded[0..len) and call fn for each
 * match (start, end in folded bytes, rule entry). Returns SHAI_OK, or
 * SHAI_E_MATCH_LIMIT if a rule gave up (matches found before are still
 * reported), SHAI_E_NOMEM, or SHAI_TERMINATED if fn returned non-zero. */
int shi_rules_run(const shai_db *db, int which, const char *folded, size_t len,
                  int (*fn)(size_t start, size_t end, uint32_t entry, void *user), void *user);

#endif
