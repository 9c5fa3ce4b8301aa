/* Regular-expression rules at build time: checking a pattern, compiling a
 * db's rules (PCRE2, JIT), their size and freeing them. What a scan reads is in
 * rules/rules.h. */
#ifndef SHAI_RULES_COMPILE_H
#define SHAI_RULES_COMPILE_H

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

/* Bytes of memory the db's compiled rules hold (PCRE2's code and JIT code,
 * and the tables derived so far); 0 without rules. */
size_t shi_rules_size(const shai_db *db);

#endif
