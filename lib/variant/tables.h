/* lib/variant/tables.h — the contract between vdata (implements) and vengine (uses).
 * All data compiled into the library (generated header lib/variant/tables_data.h, committed,
 * with a freshness test like tests/fold's), no allocation, no ICU at scan time. */
#ifndef SHAI_VARIANT_TABLES_H
#define SHAI_VARIANT_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* A reading: toneless syllable id (1..SHI_PY_NSYL-1) << 3 | tone (1..5, 5 neutral). */
typedef uint16_t shi_reading;
#define SHI_READING_SYL(r) ((unsigned)(r) >> 3)
#define SHI_READING_TONE(r) ((unsigned)(r)&7u)
#define SHI_READINGS_MAX 4

/* Number of toneless syllables + 1 (id 0 is "none"). */
extern const unsigned shi_py_nsyl;

/* The readings of code point cp (folded form: Simplified), most common first; returns how many
 * (0 when cp has none). out has room for SHI_READINGS_MAX. */
unsigned shi_py_readings(uint32_t cp, shi_reading out[SHI_READINGS_MAX]);

/* The toneless syllable of an id, NUL-terminated lowercase ASCII ("zhuang"; ü written "v"). */
const char *shi_py_syllable(unsigned syl);

/* Every syllable that is a prefix of the lowercase ASCII s[0..n): ids in out[], lengths in
 * len[] (bytes of s consumed; "u" after l/n also accepted for ü), shortest first; returns how
 * many (at most 8). */
unsigned shi_py_prefixes(const char *s, size_t n, uint16_t out[8], uint8_t len[8]);
/* shi_py_prefixes of the run of letters at t[i..k) (lowercase letters
 * and digits: the run ends at a digit or at k). */
static inline unsigned shi_py_prefixes_at(const char *t, size_t k, size_t i, uint16_t out[8],
                                          uint8_t len[8])
{
    size_t run = i;
    while (run < k && t[run] > '9')
        run++;
    return run > i ? shi_py_prefixes(t + i, run - i, out, len) : 0;
}

/* The near-homophone class of a syllable: the same id for zh/z, ch/c, sh/s, n/l initials and
 * -ng/-n finals (ang/an, eng/en, ing/in, ong stays ong). */
unsigned shi_py_near(unsigned syl);

/* The character that Han characters a then b compose by the split table, or 0. */
uint32_t shi_split_compose(uint32_t a, uint32_t b);

/* Row i of the split table (i below the returned count): components a, b
 * and the character c they compose. Returns the number of rows. */
size_t shi_split_row_at(size_t i, uint32_t *a, uint32_t *b, uint32_t *c);

/* The emoji of row i of the emoji table (i below the returned count) into
 * *cp. Returns the number of rows. */
size_t shi_emoji_row_at(size_t i, uint32_t *cp);

/* The characters an emoji stands for (after folding; U+FE0F already dropped); returns how many
 * (0: not in the table), at most 4. */
unsigned shi_emoji_chars(uint32_t cp, uint32_t out[4]);

/* Letters a leet symbol or digit can stand for inside a Latin word ("a" for '4' and '@',
 * "il" for '1'); NULL when none. */
const char *shi_leet_letters(uint32_t cp);

/* The toneless syllables a digit 0-9 can stand for; returns how many (at most 4). */
unsigned shi_digit_syllables(unsigned digit, uint16_t out[4]);

/* Non-zero for a wildcard placeholder code point (folded): x × * ○ □ ◯ ● ■ ✕ ╳ ... */
int shi_is_wildcard(uint32_t cp);

/* Non-zero when the Han characters a then b make a common two-character
 * word (jieba's dictionary, data/words.txt), or, rarely (a filter), when
 * they do not: a guard against homophones read across a word boundary. */
int shi_word_pair(uint32_t a, uint32_t b);

/* Whether a then b, Han characters, begin (end == 0) or end (end != 0) a
 * word of three characters or more of jieba's dictionary (交头 of 交头接耳, 银员
 * of 收银员), a two-character word themselves aside; by a filter, like
 * shi_word_pair. */
int shi_word_part(uint32_t a, uint32_t b, int end);

/* Whether Han characters a then b, either side of a match's boundary, read
 * as one word, which holds the match off (the homophone guard): a word of
 * two characters, or, where the match's character beside the boundary is
 * a homophone (`homophone`), the end (the match begins at b: `begins`) or
 * the start (it ends at a) of a longer one. */
static inline int shi_word_across(uint32_t a, uint32_t b, int homophone, int begins)
{
    return shi_word_pair(a, b) || (homophone && shi_word_part(a, b, begins));
}

/* The id of the toneless syllable s[0..n) (lowercase ASCII, ü written "v"), or 0 when it is
 * no syllable. */
unsigned shi_py_lookup(const char *s, size_t n);

/* The table versions (for the db and `shai --version`), e.g. "unihan-15.0.0;split-1;emoji-1". */
extern const char shi_variant_tables_version[];

#endif
