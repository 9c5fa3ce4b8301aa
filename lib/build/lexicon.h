/* The lexicon source parser's state and helpers, shared by build/lexicon.c
 * (lines, entries, attributes, directives; committing to the builder),
 * build/scenes.c (@scene, @categories, lenient skipping) and build/paths.c
 * (files and directories). Internal to lib/build. */
#ifndef SHAI_BUILD_LEXICON_H
#define SHAI_BUILD_LEXICON_H

#include <stddef.h>
#include <stdint.h>

#include "build/builder.h"

typedef struct span {
    const char *p;
    size_t n;
} span;

/* A growable list of malloc'ed strings. */
typedef struct name_list {
    char **v;
    size_t n, cap;
} name_list;

typedef struct pending {
    span word, category, tag, suggestion;
    uint8_t action, flags, has_tag, has_suggestion;
    uint16_t variants; /* SHI_VMASK_* (common/db.h) */
    uint32_t file;     /* index in parse.names */
    uint32_t line;
} pending;

typedef struct parse {
    shai_builder *b;
    pending *items;
    size_t n, cap;
    size_t bytes;
    name_list names;    /* the sources parsed: the builder takes them */
    shi_bscene *scenes; /* the scenes parsed: the builder takes them */
    uint32_t nscenes, scenes_cap;
    shi_bscorer *scorers; /* the scorers parsed: the builder takes them */
    uint32_t nscorers, scorers_cap;
    shi_decl *decls; /* the `@categories` names parsed: the builder takes them */
    uint32_t ndecls, decls_cap;
    shi_skip *skips; /* lines skipped (SHAI_OPT_LENIENT): the builder takes them */
    uint32_t nskips, skips_cap;
} parse;

/* build/lexicon.c */
void shi_lex_names_free(name_list *l);
char *shi_lex_copy_string(const char *s);
int shi_lex_names_push(name_list *l, const char *s);
void shi_lex_parse_free(parse *ps);
int shi_lex_fail_at(parse *ps, int status, const char *file, uint32_t line, const char *lp,
                    const char *at, const char *fmt, span what);
int shi_lex_is_space(char c);
span shi_lex_trim(const char *p, const char *e);
int shi_lex_span_is(span s, const char *lit);
int shi_lex_check_value(parse *ps, const char *file, uint32_t line, const char *lp, span v,
                        const char *what);
int shi_lex_parse_source(parse *ps, const char *file, const char *data, size_t len);
int shi_lex_commit(parse *ps, shi_path *paths, uint32_t npaths);

/* build/scenes.c */
/* A malloc'ed NUL-terminated copy of v (NULL: out of memory). */
char *shi_lex_copy_span(span v);
/* Whether v is a scene's or scorer's name: 1 to 64 of A-Z a-z 0-9 - _ . */
int shi_lex_name_ok(span v);
int shi_lex_scene_open(parse *ps, const char *file, uint32_t line, const char *lp, span body,
                       uint32_t name_index);
span shi_lex_next_token(const char **p, const char *e);
int shi_lex_scene_line(parse *ps, shi_bscene *sc, const char *file, uint32_t line, const char *lp,
                       span body);
int shi_lex_declare_categories(parse *ps, const char *file, uint32_t line, const char *lp,
                               span body, uint32_t name_index);
int shi_lex_starts_directive(span body, const char *name);
int shi_lex_skip_line(parse *ps, uint32_t name);

/* build/scorers.c */
int shi_lex_scorer_open(parse *ps, const char *file, uint32_t line, const char *lp, span body,
                        uint32_t name_index);
int shi_lex_scorer_line(parse *ps, shi_bscorer *s, const char *file, uint32_t line, const char *lp,
                        span body);
int shi_lex_scorer_close(parse *ps, const shi_bscorer *s, const char *file, uint32_t line,
                         const char *lp);

#endif
