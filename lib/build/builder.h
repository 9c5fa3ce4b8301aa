/* The mutable builder: entries as written, before compilation. */
#ifndef SHAI_BUILDER_H
#define SHAI_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "shai.h"

typedef struct shi_bentry {
    uint32_t text; /* offset of the NUL-terminated text in the pool */
    uint32_t text_len;
    uint32_t category;   /* category id */
    uint32_t tag;        /* pool offset or SHI_NO_STRING */
    uint32_t suggestion; /* pool offset or SHI_NO_STRING */
    uint32_t addition;   /* the addition that created it (its source) */
    uint8_t action;
    uint8_t flags;
    uint16_t variants; /* SHI_VMASK_* (common/db.h): the union over its additions */
} shi_bentry;

/* One entry as added, duplicates included (shai_builder_addition). */
typedef struct shi_addition {
    uint32_t entry;
    uint32_t file; /* index in shai_builder.files, or SHI_NO_SOURCE */
    uint32_t line;
    uint32_t category; /* offset of the category name as written: in pool, or */
    uint8_t in_names;  /* in names, when no entry has that category */
    uint8_t action;    /* as written */
} shi_addition;

#define SHI_NO_SOURCE UINT32_MAX

/* A scene as written (`@scene`, docs/lexicon-format.md): the action of each
 * category it names, and of the others; resolved against the categories
 * when the db is compiled. */
typedef struct shi_bscene {
    char *name;        /* malloc'ed */
    char **categories; /* malloc'ed names, as written */
    uint8_t *actions;  /* SHAI_SCENE_OFF, SHAI_ACTION_REVIEW, _BLOCK, SHAI_SCENE_KEEP */
    uint32_t *lines;   /* where each category line was written */
    uint32_t n, cap;
    uint8_t others; /* the action of every category not named */
    /* per variant kind (SHAI_VARIANT_*): `variant:KIND ACTION` lines, else
     * SHAI_SCENE_KEEP (wildcard: review) */
    uint8_t variants[16];
    /* `score:NAME ACTION` lines: scorer names (malloc'ed) and actions
     * (SHAI_SCENE_OFF, SHAI_ACTION_REVIEW, _BLOCK); a scorer not named is off */
    char **scores;
    uint8_t *score_actions;
    uint32_t *score_lines; /* the line of each in the scene's file */
    uint32_t nscores, scores_cap;
    uint32_t file; /* index in shai_builder.files */
    uint32_t line;
} shi_bscene;

void shi_bscene_free(shi_bscene *s);

/* An n-gram of a scorer as written: a weight line or an `@target` line
 * (the two merge when the db is compiled). */
typedef struct shi_bgram {
    uint32_t cp[3]; /* folded code points (SHI_SCORE_N) */
    uint8_t n;
    uint8_t flags;      /* SHI_SSLOT_TARGET for a target line */
    uint8_t has_weight; /* set when compiled */
    float weight;
    uint32_t line;
} shi_bgram;

/* A scorer as written (`@scorer`, docs/lexicon-format.md "Scorers"). */
typedef struct shi_bscorer {
    char *name;     /* malloc'ed */
    char *category; /* malloc'ed; the category of its flags */
    float bias, threshold;
    uint8_t has_bias, has_threshold;
    shi_bgram *grams;
    uint32_t ngrams, grams_cap;
    uint32_t file; /* index in shai_builder.files */
    uint32_t line;
} shi_bscorer;

void shi_bscorer_free(shi_bscorer *s);

/* A category name declared with `@categories` (for checkers: the
 * declaration has no effect on a compiled db). */
typedef struct shi_decl {
    char *name;    /* malloc'ed */
    uint32_t file; /* index in shai_builder.files */
    uint32_t line;
} shi_decl;

/* A lexicon line skipped under SHAI_OPT_LENIENT (shai_builder_skipped). */
typedef struct shi_skip {
    uint32_t file; /* index in shai_builder.files */
    uint32_t line, column;
    char *message; /* malloc'ed, without the file:line:col prefix */
} shi_skip;

/* A path shai_builder_add_path read (shai_builder_path). */
typedef struct shi_path {
    char *name;    /* malloc'ed */
    uint32_t kind; /* SHAI_PATH_* */
} shi_path;

struct shai_builder {
    shi_bentry *entries;
    uint32_t nentries, entries_cap;
    char *pool;
    size_t pool_len, pool_cap;
    uint32_t *categories; /* id -> pool offset */
    uint32_t ncategories, categories_cap;
    uint32_t *index; /* open addressing: entry number + 1, 0 = empty */
    uint32_t index_cap;
    shi_addition *additions;
    uint32_t nadditions, additions_cap;
    char **files; /* source names (malloc'ed), by shi_addition.file */
    uint32_t nfiles, files_cap;
    shi_path *paths;
    uint32_t npaths, paths_cap;
    shi_bscene *scenes; /* in the order written */
    uint32_t nscenes, scenes_cap;
    shi_bscorer *scorers; /* in the order written */
    uint32_t nscorers, scorers_cap;
    shi_decl *decls; /* `@categories` names, in the order written */
    uint32_t ndecls, decls_cap;
    char *names; /* category names only additions use: not in a compiled db */
    size_t names_len, names_cap;

    shi_skip *skipped; /* lines skipped under SHAI_OPT_LENIENT, in the order read */
    uint32_t nskipped, skipped_cap;

    uint32_t fold, max_gap, repeats; /* SHAI_OPT_* */
    uint8_t lenient;                 /* SHAI_OPT_LENIENT */
    uint16_t variants;               /* SHAI_OPT_VARIANTS (SHI_VMASK_* bits) */

    char error_message[1024];
    char error_file[512];
    uint32_t error_line, error_column;
    int32_t error_os; /* errno behind the last SHAI_E_IO, else 0 */
};

/* Records an error on the builder and returns `status`. `file` may be NULL;
 * line/column 0 mean "not applicable". */
int shi_builder_fail(shai_builder *b, int status, const char *file, uint32_t line, uint32_t column,
                     const char *message);
void shi_builder_clear_error(shai_builder *b);

/* Checks an entry's text. Returns SHAI_OK or an error status; *column
 * receives the 1-based code point position of the problem. */
int shi_check_word(const char *text, size_t len, uint32_t *column);

/* Checks that an entry's folded form (under b's options) has at most
 * SHAI_MAX_ENTRY_CODEPOINTS code points, so that the compile does not fail
 * on it later without a location. Returns SHAI_OK or SHAI_E_ENTRY_TOO_LONG
 * with *column the code point at which it grows past the limit. */
int shi_check_folded_length(const shai_builder *b, const char *text, size_t len, uint32_t flags,
                            uint32_t *column);

/* Longest rule pattern, in bytes. */
#define SHI_MAX_RULE_BYTES 4096

/* Checks a rule pattern (UTF-8, no control characters, compiles). Returns
 * SHAI_OK or an error status; *column (may be NULL) receives the 1-based
 * code point position of the problem. */
int shi_check_rule(const char *pattern, size_t len, uint32_t *column);

/* Makes room so that adding `entries` entries holding `bytes` bytes of text
 * and attributes and `categories` new categories cannot fail; also room for
 * `files` source names and `paths` paths. */
int shi_builder_reserve(shai_builder *b, uint32_t entries, size_t bytes, uint32_t categories,
                        uint32_t files, uint32_t paths);

/* Adds an already validated entry (strings are NUL-terminated; category is
 * a name) written at `file` (an index in b->files, or SHI_NO_SOURCE) and
 * `line`. Fails only on allocation failure. */
int shi_builder_add_checked(shai_builder *b, const char *text, size_t len, const char *category,
                            size_t category_len, uint32_t action, uint32_t flags, const char *tag,
                            size_t tag_len, const char *suggestion, size_t suggestion_len,
                            uint32_t variants, uint32_t file, uint32_t line);

#endif
