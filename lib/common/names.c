/* Names and small helpers the CLI and the bindings share with the library,
 * so that they need no copy of their own: action and fold-stage names,
 * UTF-8 decoding, and where the default db is installed. */
#include <stdlib.h>

#include "shai.h"
#include "unicode/utf8.h"

#ifndef SHI_DEFAULT_DB
#error "SHI_DEFAULT_DB (the installed default.shai) is set by lib/meson.build"
#endif

_Static_assert(SHAI_UTF8_INVALID == SHI_INVALID_CP, "one invalid-byte marker");

const char *shai_action_name(uint32_t action)
{
    switch (action) {
    case SHAI_ACTION_PASS:
        return "pass";
    case SHAI_ACTION_REVIEW:
        return "review";
    case SHAI_ACTION_BLOCK:
        return "block";
    }
    return NULL;
}

const char *shai_variant_name(uint32_t kind)
{
    static const char *const names[] = {"none",   "pinyin", "initials", "homophone",
                                        "split",  "emoji",  "leet",     "wildcard",
                                        "insert", "digit",  "vertical"};
    return kind < sizeof names / sizeof names[0] ? names[kind] : NULL;
}

const char *shai_fold_stage_name(uint32_t stage)
{
    switch (stage) {
    case SHAI_FOLD_WIDTH:
        return "width";
    case SHAI_FOLD_COMPAT:
        return "compat";
    case SHAI_FOLD_CASE:
        return "case";
    case SHAI_FOLD_DIACRITICS:
        return "diacritics";
    case SHAI_FOLD_CONFUSABLES:
        return "confusables";
    case SHAI_FOLD_T2S:
        return "t2s";
    case SHAI_FOLD_IGNORABLES:
        return "ignorables";
    }
    return NULL;
}

size_t shai_utf8_decode(const char *text, size_t len, uint32_t *cp)
{
    if (!text || !cp || len == 0)
        return 0;
    size_t need;
    size_t n = shi_utf8_decode((const unsigned char *)text, len, cp, &need);
    if (need)
        *cp = SHAI_UTF8_TRUNCATED;
    return n;
}

const char *shai_default_db_path(uint32_t flags)
{
    if (!(flags & SHAI_DEFAULT_DB_BUILTIN)) {
        const char *env = getenv(SHAI_DEFAULT_DB_ENV);
        if (env && env[0] != '\0')
            return env;
    }
    return SHI_DEFAULT_DB;
}
