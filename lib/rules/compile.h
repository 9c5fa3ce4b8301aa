/* Regular-expression rules at build time: checking a pattern, compiling a
 * db's rules (PCRE2, JIT). What a scan reads is in rules/rules.h. */
#ifndef SHAI_RULES_COMPILE_H
#define SHAI_RULES_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/db.h"

/* Checks a pattern; on error writes PCRE2's message and returns the 1-based
 * code point column of the error (>= 1), else returns 0. Returns
 * SHI_RULE_NOMEM when PCRE2 could not get the memory to compile it (a
 * failing machine, not a bad pattern). */
#define SHI_RULE_NOMEM UINT32_MAX
uint32_t shi_rule_check(const char *pattern, size_t len, char *msg, size_t msg_cap);

/* Compiles every rule entry of the db (after the entries and the tables of
 * shi_db_prepare are in place) and derives what rules/rules.h's accessors
 * read, so that nothing is written into the db after construction; sets
 * db->rules, db->free_rules (which shai_db_free calls, also after a failure
 * here) and db->rules_bytes. Returns SHAI_OK, SHAI_E_REGEX or SHAI_E_NOMEM. */
int shi_rules_compile(shai_db *db);

#endif
