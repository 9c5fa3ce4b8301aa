/* Scorers: the second stage of a check (DESIGN.md, "Policy"). A scorer is
 * a linear model over the character n-grams of a folded line, trained
 * offline (wordlists/tools/train_scorer.py) and written in the lexicon
 * (docs/lexicon-format.md, "Scorers"): a line's score is the scorer's bias
 * plus the sum of the weights of the distinct n-grams of 1 to SHI_SCORE_N
 * code points it holds over the square root of their number (its vector of
 * presences has unit length, so that a long line does not score high for
 * its length alone); the line is flagged when one of its n-grams is a
 * target (a word naming a group of people) and its score is at or over the
 * threshold.
 *
 * In a db, a scorer is a shi_scorer and an open-addressing hash table of
 * shi_sslot (its range of db->score_slots), keyed by the n-gram's code
 * points (shi_score_key). Everything here reads the db only: thread-safe,
 * no allocation. */
#ifndef SHAI_SCORE_H
#define SHAI_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/db.h"

/* Longest n-gram, in code points. */
#define SHI_SCORE_N 3u
/* A line is scored in windows of this many folded code points (n-grams do
 * not cross a window's end); its score is the highest window's. */
#define SHI_SCORE_WINDOW 1024u

/* shi_sslot.flags: the n-gram names a group (the scorer's `@target`). */
#define SHI_SSLOT_TARGET 0x1u

/* A whole line's result. */
typedef struct shi_score_result {
    double score;    /* highest window score (the bias for an empty line) */
    uint8_t flagged; /* some window holds a target and scores >= threshold */
} shi_score_result;

/* The key of the n-gram cp[0..n), 1 <= n <= SHI_SCORE_N, each cp a
 * non-space code point (never 0): 21 bits per code point. */
static inline uint64_t shi_score_key(const uint32_t *cp, unsigned n)
{
    uint64_t k = 0;
    for (unsigned i = 0; i < n; i++)
        k |= (uint64_t)cp[i] << (21 * i);
    return k;
}

/* The slot of a key in a table of `nslots` slots (a power of two): where
 * its probe starts. */
static inline uint32_t shi_score_hash(uint64_t key, uint32_t nslots)
{
    key ^= key >> 31;
    key *= 0x9E3779B97F4A7C15ull;
    key ^= key >> 29;
    return (uint32_t)key & (nslots - 1);
}

/* Whether a folded code point separates n-grams: White_Space and the C0
 * and C1 controls (the list train_scorer.py's SPACES repeats); no n-gram
 * holds one. */
int shi_score_space(uint32_t cp);

/* The index in db->score_slots of the n-gram `key` of scorer `s`, or
 * UINT32_MAX when it has no slot. */
uint32_t shi_score_find(const shai_db *db, const shi_scorer *s, uint64_t key);

/* Scores the original text[0..len) as one line (line breaks in it are
 * spaces): folds it as the matcher does (the db's fold stages) and runs
 * scorer `s` over it. */
shi_score_result shi_score_line(const shai_db *db, const shi_scorer *s, const unsigned char *text,
                                size_t len);

/* Whether the scorers of a db read from a file are sound: names and
 * categories in the strings, table ranges, a power-of-two table with an
 * empty slot, finite numbers, known flags. */
int shi_score_valid(const shai_db *db);

#endif
