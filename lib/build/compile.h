/* The compiler's state, shared by its stages: the character map and the
 * entries' units (build/map.c), the trie and the double-array automaton
 * (build/automaton.c), and the entries, scenes and sources of the db with
 * the driver (build/compile.c). Internal to lib/build. */
#ifndef SHAI_BUILD_COMPILE_H
#define SHAI_BUILD_COMPILE_H

#include <stdint.h>

#include "build/builder.h"
#include "common/db.h"

#define NCP 0x110000u

typedef struct tnode {
    uint32_t first_child, last_child, next_sibling;
    uint32_t sym;
    uint32_t first_entry; /* entries ending here, linked through entry_next */
    uint32_t slot;        /* double-array slot once placed */
    uint32_t depth;
    uint32_t base; /* double-array base of the children once placed */
} tnode;

/* A state while the automaton is built; split into shi_slot + shi_link. */
typedef struct build_slot {
    uint32_t base, check, fail, out;
} build_slot;

/* Placement hints for nodes with many children, by number of children
 * (the last bucket: that many or more): where the last such node fit. The
 * first free slot is far behind them, in space only small nodes fit, so
 * their search starts a little before the hint instead. The db grows by
 * about 3 % (jieba 100k) and placement takes half the instructions. */
#define SHI_HINTS 64
#define SHI_HINT_MIN 15
#define SHI_HINT_SLACK 4096

typedef struct shi_compile {
    const shai_builder *b;
    shai_db *db;
    /* units of every entry, concatenated */
    uint32_t *units;
    uint32_t *unit_off; /* nentries + 1 */
    uint32_t *cp_sym;   /* folded code point -> symbol (NCP values) */
    uint32_t *cp_units; /* the units as code points, before symbol mapping */
    int has_rules;
    uint64_t *mapped; /* NCP bits: the code points some fold stage maps */
    uint32_t nsym;
    tnode *nodes;
    uint32_t nnodes, nodes_cap;
    uint32_t *entry_next;
    /* double array under construction */
    build_slot *slots;
    uint32_t slots_cap, slots_hi; /* hi: one past the highest used slot */
    uint32_t first_free;
    uint32_t hint[SHI_HINTS]; /* see SHI_HINTS */
    uint64_t *used;           /* one bit per slot, slots_cap bits: placement search */
    uint32_t *syms;           /* scratch: the children's symbols of one node */
    uint32_t *bfs;            /* trie nodes in BFS order */
} shi_compile;

/* The stages, in the order shai_builder_compile runs them; each returns
 * SHAI_OK or an error status, and leaves what it made in the state (freed
 * by the driver either way). */

/* build/map.c: which code points a fold stage maps (c->mapped). */
int shi_build_fold_cache(shi_compile *c);
/* build/map.c: every entry's units through the same fold as the text. */
int shi_decode_entries(shi_compile *c);
/* build/map.c: the dense alphabet, most frequent characters first. */
int shi_build_alphabet(shi_compile *c);
/* build/automaton.c: the trie of the entries' units. */
int shi_build_trie(shi_compile *c);
/* build/automaton.c: the double array, failure links and output lists. */
int shi_build_automaton(shi_compile *c);
/* build/map.c: the two-stage character map of the db. */
int shi_build_map(shi_compile *c);

/* build/scorers.c: db->scorers, db->score_slots and db->scene_scores (after
 * the scenes: the scorers' names follow theirs in the strings). */
int shi_build_scorers(shi_compile *c);

#endif
