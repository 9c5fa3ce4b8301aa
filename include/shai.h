/*
 * shai (筛) — screen Chinese and mixed Chinese/English text against a
 * sensitive-word lexicon.
 *
 * This is the only public header, and everything in it is stable ABI: a
 * function, constant or struct field, once released, keeps its meaning and
 * its number. While the soname is libshai.so.0, structs the library fills
 * keep reserved room (shai_hit.reserved) so that they can grow without a
 * break. Each declaration says since which version it exists.
 *
 * Model
 * -----
 *   builder (mutable, one thread)  --shai_builder_compile-->  db (immutable)
 *   db + text  --shai_scan / shai_scan_hits / shai_check / shai_mask-->  hits
 *
 * A db is immutable once compiled or opened: nothing writes into it
 * afterwards, and any number of threads may scan with one db at the same time
 * without locks. A builder, a stream or a scratch (shai_scratch_new: the
 * mutable state of scans, one per thread) belongs to one thread at a time.
 *
 * Offsets
 * -------
 * Every hit carries `start` and `end`: byte offsets into the caller's original
 * text, end exclusive. Text is UTF-8; invalid bytes are never an error at scan
 * time: each invalid byte is a separate non-word character that no entry
 * contains, so offsets always stay exact.
 *
 * Status codes
 * ------------
 * Every function that can fail returns an int: SHAI_OK (0), a negative error
 * (SHAI_E_*), or, for scans, SHAI_TERMINATED (1) when a callback asked to stop.
 * Values are pinned and never renumbered.
 *
 * Conventions: functions never print, never abort and never keep global state.
 * `shai_*_free(NULL)` is a no-op. NULL pointers where an object is required give
 * SHAI_E_INVALID_ARG.
 */
#ifndef SHAI_H
#define SHAI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SHAI_API
#elif defined(__GNUC__) && __GNUC__ >= 4
#define SHAI_API __attribute__((visibility("default")))
#else
#define SHAI_API
#endif

/* ---------------------------------------------------------------- version */

#define SHAI_VERSION_MAJOR 0
#define SHAI_VERSION_MINOR 2
#define SHAI_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH */
#define SHAI_VERSION_NUMBER                                                                        \
    (SHAI_VERSION_MAJOR * 10000 + SHAI_VERSION_MINOR * 100 + SHAI_VERSION_PATCH)
#define SHAI_VERSION_STRING "0.2.0"

/* The version of the library actually linked (SHAI_VERSION_NUMBER form).
 * Thread-safe. Since 0.1. */
SHAI_API uint32_t shai_version_number(void);
/* The version of the library actually linked, e.g. "0.1.0"; static storage.
 * Thread-safe. Since 0.1. */
SHAI_API const char *shai_version_string(void);

/* ----------------------------------------------------------- status codes */

/* X(NAME, value, message). Pinned: never renumber, only append. */
#define SHAI_STATUS_LIST(X)                                                                        \
    X(OK, 0, "success")                                                                            \
    X(TERMINATED, 1, "scan stopped by the callback")                                               \
    X(E_INVALID_ARG, -1, "invalid argument")                                                       \
    X(E_NOMEM, -2, "out of memory")                                                                \
    X(E_IO, -3, "cannot read or write a file")                                                     \
    X(E_LEXICON, -4, "malformed lexicon source")                                                   \
    X(E_BAD_UTF8, -5, "invalid UTF-8")                                                             \
    X(E_EMPTY_ENTRY, -6, "empty lexicon entry")                                                    \
    X(E_ENTRY_TOO_LONG, -7, "lexicon entry too long")                                              \
    X(E_TOO_LARGE, -8, "lexicon too large")                                                        \
    X(E_BUFFER_TOO_SMALL, -9, "output buffer too small")                                           \
    X(E_OUT_OF_RANGE, -10, "index out of range")                                                   \
    X(E_BAD_OPTION, -11, "unknown option or bad option value")                                     \
    X(E_STATE, -12, "object is in the wrong state for this call")                                  \
    X(E_BAD_DB, -13, "not a shai db, or a truncated or corrupted one")                             \
    X(E_DB_VERSION, -14, "shai db of an unsupported format version or platform")                   \
    X(E_REGEX, -15, "invalid regular expression rule")                                             \
    X(E_MATCH_LIMIT, -16, "a regular expression rule hit its match limit")                         \
    X(E_NOT_FOUND, -17, "no such name in the db")

#define SHAI_STATUS_ENUM_(name, value, message) SHAI_##name = value,
/* SHAI_STATUS_LIST_END_ only closes the list; it is not a status. */
enum { SHAI_STATUS_LIST(SHAI_STATUS_ENUM_) SHAI_STATUS_LIST_END_ = -1000000 };
#undef SHAI_STATUS_ENUM_

/* Short upper-case name of a status, e.g. "E_NOMEM"; "UNKNOWN" for a value
 * that is not a status. Static storage; thread-safe. Since 0.1. */
SHAI_API const char *shai_status_name(int status);
/* One-line English description of a status; static storage; thread-safe.
 * Since 0.1. */
SHAI_API const char *shai_status_message(int status);

/* ------------------------------------------------------------- attributes */

/* Actions, ordered by strength. PASS is only ever a verdict. */
#define SHAI_ACTION_PASS 0u
#define SHAI_ACTION_REVIEW 1u
#define SHAI_ACTION_BLOCK 2u

/* The name of an action as the lexicon format writes it: "pass", "review"
 * or "block"; NULL for any other value. Static storage; thread-safe.
 * Since 0.2. */
SHAI_API const char *shai_action_name(uint32_t action);

/* Entry flags. */
#define SHAI_ENTRY_ALLOW 0x1u /* an allow-list entry: suppresses deny hits it covers */
/* match only the text exactly as written: no folding, no skipping */
#define SHAI_ENTRY_EXACT 0x2u
#define SHAI_ENTRY_RULE 0x4u /* a regular-expression rule (shai_builder_add_rule); read only */

/* Fold stages (SHAI_OPT_FOLD). Each code point of the lexicon and of the text
 * goes through the enabled stages in this order; the tables come from ICU
 * (see shai_fold_table_version) and are built into the library. */
#define SHAI_FOLD_WIDTH 0x01u       /* full/half width forms: ＶＰＮ -> VPN */
#define SHAI_FOLD_COMPAT 0x02u      /* compatibility and styled forms: ⓓ 𝐝 -> d, ① -> 1 */
#define SHAI_FOLD_CASE 0x04u        /* case folding + NFC: Du -> du */
#define SHAI_FOLD_DIACRITICS 0x08u  /* Latin diacritics and combining marks: pórn -> porn */
#define SHAI_FOLD_CONFUSABLES 0x10u /* Cyrillic/Greek/Latin lookalikes (UTS #39): fuсk -> fuck */
#define SHAI_FOLD_T2S 0x20u         /* Traditional -> Simplified Chinese: 賭博 -> 赌博 */
#define SHAI_FOLD_IGNORABLES 0x40u  /* drop zero-width, format and variation selectors */
#define SHAI_FOLD_ALL 0x7Fu

/* The name of one fold stage: "width", "compat", "case", "diacritics",
 * "confusables", "t2s" or "ignorables" for the SHAI_FOLD_* bits above; NULL
 * for 0, for several bits and for unknown bits. The stages apply in the
 * order of their bits, so a loop `for (bit = 1; shai_fold_stage_name(bit);
 * bit <<= 1)` lists them in order. Static storage; thread-safe. Since 0.2. */
SHAI_API const char *shai_fold_stage_name(uint32_t stage);

/* Builder options (shai_builder_set_option); recorded in the compiled db. */
#define SHAI_OPT_FOLD 1u /* SHAI_FOLD_* bits; default SHAI_FOLD_ALL */
#define SHAI_OPT_MAX_GAP                                                                           \
    2u /* noise characters (punctuation, symbols, spaces,                                          \
          emoji) skipped between two characters of an                                              \
          entry: 0..16, default 3; 0 skips nothing */
#define SHAI_OPT_REPEATS                                                                           \
    3u /* 1: a character doubled in the text matches                                               \
          where the entry has it once (default 1) */
#define SHAI_OPT_LENIENT                                                                           \
    4u /* 1: a malformed lexicon line is skipped and recorded                                      \
          (shai_builder_skipped) instead of failing the                                            \
          whole source (default 0); builder only, not in a db */
/* The variant kinds of the entries that do not say theirs: those of
 * shai_builder_add_entry, and those of a lexicon source before its first
 * `@variants` (docs/lexicon-format.md, "Variants"): bits (1 << kind) of
 * SHAI_VARIANT_* kinds and SHAI_VARIANTS_NEAR; 0 for none; default
 * SHAI_VARIANTS_STANDARD. Builder only, not in a db. Since 0.2. */
#define SHAI_OPT_VARIANTS 5u
/* pinyin, homophone, split, emoji, leet, wildcard, insert */
#define SHAI_VARIANTS_STANDARD 0x1FAu
/* every kind, near-homophones, initials and digits included */
#define SHAI_VARIANTS_ALL 0xBFEu

/* Longest entry, in code points. */
#define SHAI_MAX_ENTRY_CODEPOINTS 128u

/* ---------------------------------------------------------------- builder */

typedef struct shai_builder shai_builder;

/* Create an empty builder. *out is set to NULL on failure.
 * Returns SHAI_OK, SHAI_E_INVALID_ARG (out NULL) or SHAI_E_NOMEM. Since 0.1. */
SHAI_API int shai_builder_new(shai_builder **out);

/* Free a builder; NULL is a no-op. Since 0.1. */
SHAI_API void shai_builder_free(shai_builder *b);

/* Add one entry.
 *   text, text_len  UTF-8 entry text (not NUL-terminated necessarily); must be
 *                   valid UTF-8, not empty nor only white space (U+0020,
 *                   U+3000, ...), contain no control characters and at
 *                   most SHAI_MAX_ENTRY_CODEPOINTS code points. It is taken as is (a lexicon file
 * trims spaces). category        NUL-terminated category name, e.g. "gambling"; NULL means
 *                   "uncategorized".
 *   action          SHAI_ACTION_REVIEW or SHAI_ACTION_BLOCK.
 *   flags           SHAI_ENTRY_* bits.
 *   tag             optional NUL-terminated user tag (NULL: none).
 *   suggestion      optional NUL-terminated replacement suggestion (NULL: none).
 * An entry with the same text and the same ALLOW flag as an earlier one merges
 * into it: the stronger action wins; the earlier category is kept; a tag or
 * suggestion fills in one the earlier entry lacks.
 * On error the builder is unchanged and shai_builder_error_* describe it.
 * Since 0.1. */
SHAI_API int shai_builder_add_entry(shai_builder *b, const char *text, size_t text_len,
                                    const char *category, uint32_t action, uint32_t flags,
                                    const char *tag, const char *suggestion);

/* Add a regular-expression rule: a PCRE2 pattern matched against the folded
 * text of each line (what shai_fold shows: lower case, half width, noise
 * characters kept), JIT-compiled when the db is compiled. Rule hits carry
 * the original offsets of the folded characters they cover, are reported
 * after the word hits of their line, count toward verdicts and masks, and
 * are suppressed by allow rules that cover them. A rule hit never spans a
 * line break; lines longer than 1 MiB are matched in 1 MiB pieces. Matches
 * are bounded by a match and depth limit, per start: a rule that hits a
 * limit at one start (catastrophic backtracking on padding, say) skips that
 * start and goes on from the next character, so it hides neither its own
 * later matches in the line, nor other rules' hits, nor word hits; after 8
 * such starts in one line (piece) the rule gives up on the rest of it.
 * The rules of one scan (or stream) also share a budget, so that many
 * short lines cannot add up their limits: they may give up 32 times, plus
 * once per 16 KiB of (folded) line text they have run over so far in the
 * scan; while that budget is spent, no rule is run on the next lines (a
 * rule that has begun on a line may give up 16 more times on it). Word
 * hits are never skipped. The scan then still reports every hit it found,
 * goes on with the next lines, and returns SHAI_E_MATCH_LIMIT at the end (shai_scan_hits fills the
 * hits and *count as on success; shai_check also sets the verdict to at least SHAI_ACTION_REVIEW; a
 * stream reports it from shai_stream_close). Rules whose cost is bounded in the input length (`shai
 * lint` flags those that are not) never hit the limits. Attributes as in shai_builder_add_entry
 * (SHAI_ENTRY_ALLOW allowed). A bad pattern gives SHAI_E_REGEX with PCRE2's message and the column.
 * Since 0.1. */
SHAI_API int shai_builder_add_rule(shai_builder *b, const char *pattern, size_t pattern_len,
                                   const char *category, uint32_t action, uint32_t flags,
                                   const char *tag, const char *suggestion);

/* Parse lexicon source text (format v1, docs/lexicon-format.md) and add its
 * entries. `name` (NUL-terminated, may be NULL) names the source in errors.
 * All or nothing: on error no entry of this source is added, and
 * shai_builder_error_* give file, line, column and message. Since 0.1. */
SHAI_API int shai_builder_add_source(shai_builder *b, const char *name, const char *data,
                                     size_t data_len);

/* Add a lexicon file, or every `*.txt` file under a directory (recursively, in
 * byte order of their paths). All or nothing per call. A file is read up to
 * SHAI_MAX_LEXICON_FILE_BYTES: a larger one (or an endless one, such as
 * /dev/zero) fails with SHAI_E_IO and error number EFBIG. Since 0.1. */
#define SHAI_MAX_LEXICON_FILE_BYTES ((size_t)256 << 20)
SHAI_API int shai_builder_add_path(shai_builder *b, const char *path);

/* Kinds of the paths shai_builder_add_path read (shai_builder_path). */
#define SHAI_PATH_FILE 1u /* a lexicon file it read */
#define SHAI_PATH_DIR 2u  /* a directory it listed */

/* Called by shai_builder_walk_path for each path; `path` is valid during
 * the call only. Return 0 to go on, non-zero to stop. */
typedef int (*shai_path_fn)(const char *path, uint32_t kind, void *user);

/* Call `fn` for every path shai_builder_add_path(b, path) would read, in the
 * order shai_builder_path would list them afterwards (for a directory: the
 * directories, then the `*.txt` files), without reading any file or adding
 * anything: e.g. to add the files one at a time and report every malformed
 * one. Returns SHAI_OK, SHAI_TERMINATED when fn stopped the walk, or an
 * error as add_path does (SHAI_E_IO for a path that cannot be listed, with
 * shai_builder_error_* saying which and why). Since 0.2. */
SHAI_API int shai_builder_walk_path(shai_builder *b, const char *path, shai_path_fn fn, void *user);

/* Number of paths the successful shai_builder_add_path calls of this
 * builder read: every lexicon file and every directory listed, in the order
 * read (per call: the directories in the order listed, the files in the
 * order parsed). A failed call adds none. 0 for NULL. Since 0.2. */
SHAI_API uint32_t shai_builder_path_count(const shai_builder *b);

/* Path `index` (0 <= index < shai_builder_path_count) as the builder opened
 * it (NUL-terminated; a directory given as "dir/" yields "dir/a.txt") and
 * its kind, SHAI_PATH_FILE or SHAI_PATH_DIR. `kind` may be NULL. The string
 * is owned by the builder and valid until the builder is freed. Returns
 * SHAI_OK, SHAI_E_INVALID_ARG (b or path NULL) or SHAI_E_OUT_OF_RANGE.
 * Not thread-safe against calls that add to the same builder. Since 0.2. */
SHAI_API int shai_builder_path(const shai_builder *b, uint32_t index, const char **path,
                               uint32_t *kind);

/* Set a matching option (SHAI_OPT_*) for the dbs this builder compiles, or
 * SHAI_OPT_LENIENT for how it reads lexicon sources (Since 0.2).
 * SHAI_E_BAD_OPTION for an unknown option or a value out of range. Since 0.1. */
SHAI_API int shai_builder_set_option(shai_builder *b, uint32_t option, int64_t value);

/* Lenient reading (SHAI_OPT_LENIENT set to 1): shai_builder_add_source and
 * shai_builder_add_path skip a malformed line (bad UTF-8, a control
 * character, an empty or too long entry, a bad rule, attribute or
 * directive) and record it instead of failing, so that a third-party list
 * loads with every bad line reported and none added (the lines of a scene
 * whose `@scene` line is skipped are skipped and recorded too). Errors that are not
 * about one line (an unreadable file, out of memory) still fail the call,
 * which then records no skipped line either. The number of lines skipped
 * by the successful calls so far; 0 for NULL. Since 0.2. */
SHAI_API uint32_t shai_builder_skipped_count(const shai_builder *b);

/* Skipped line `index` (0 <= index < shai_builder_skipped_count), in the
 * order read: the source name or path (*file), the 1-based line and code
 * point column of the problem, and the message without the file:line:col
 * prefix (e.g. "entry: control character U+0016"; an invisible character
 * is named by its code point). Any out pointer may be NULL. The strings are
 * owned by the builder and valid until it is freed. Returns SHAI_OK,
 * SHAI_E_INVALID_ARG (b NULL) or SHAI_E_OUT_OF_RANGE. Not thread-safe
 * against calls that add to the same builder. Since 0.2. */
SHAI_API int shai_builder_skipped(const shai_builder *b, uint32_t index, const char **file,
                                  uint32_t *line, uint32_t *column, const char **message);

/* Number of (merged) entries added so far; 0 for NULL. Since 0.1. */
SHAI_API uint32_t shai_builder_entry_count(const shai_builder *b);

/* Where entry `index` (0 <= index < shai_builder_entry_count) was first
 * written: *file is the name given to shai_builder_add_source or the path
 * of the file shai_builder_add_path read, *line its 1-based line. For an
 * entry added with shai_builder_add_entry or shai_builder_add_rule, *file
 * is NULL and *line 0. Either out pointer may be NULL. The string is owned
 * by the builder and valid until it is freed. Returns SHAI_OK,
 * SHAI_E_INVALID_ARG (b NULL) or SHAI_E_OUT_OF_RANGE. Since 0.2. */
SHAI_API int shai_builder_entry_source(const shai_builder *b, uint32_t index, const char **file,
                                       uint32_t *line);

/* Every entry as it was added, duplicates included: a lexicon line, or a
 * successful shai_builder_add_entry / _add_rule call, in the order added.
 * Entries with the same text and kind merge (see shai_builder_add_entry);
 * additions show what merged, e.g. for a lexicon checker. 0 for NULL.
 * Since 0.2. */
SHAI_API uint32_t shai_builder_addition_count(const shai_builder *b);

/* Addition `index` (0 <= index < shai_builder_addition_count): the entry it
 * created or merged into (*entry), where it was written (*file, *line, as
 * in shai_builder_entry_source), and the category name and action written
 * there (before merging: a later duplicate's category is not the entry's).
 * Any out pointer may be NULL. The strings are owned by the builder: *file
 * stays valid until the builder is freed, *category until the next call
 * that adds to it. Returns SHAI_OK, SHAI_E_INVALID_ARG (b NULL) or
 * SHAI_E_OUT_OF_RANGE. Since 0.2. */
SHAI_API int shai_builder_addition(const shai_builder *b, uint32_t index, uint32_t *entry,
                                   const char **file, uint32_t *line, const char **category,
                                   uint32_t *action);

/* The last error of this builder, or "" / 0 when there is none. The strings
 * are owned by the builder and valid until its next call. The message is
 * complete, e.g. "words.txt:3:7: unknown directive '@colour'". Line and column
 * are 1-based (column in code points); 0 when not applicable. Since 0.1. */
SHAI_API const char *shai_builder_error_message(const shai_builder *b);
SHAI_API const char *shai_builder_error_file(const shai_builder *b);
SHAI_API uint32_t shai_builder_error_line(const shai_builder *b);
SHAI_API uint32_t shai_builder_error_column(const shai_builder *b);

/* The system error number (an errno value: ENOENT, EACCES, ...) behind the
 * builder's last error when it is SHAI_E_IO from reading a path (then
 * shai_builder_error_file names the path); else 0, and 0 for NULL.
 * Since 0.2. */
SHAI_API int32_t shai_builder_error_errno(const shai_builder *b);

/* --------------------------------------------------------------------- db */

typedef struct shai_db shai_db;

/* Compile the builder's entries into an immutable db. The builder is left
 * unchanged and may be compiled again. A builder without entries compiles to
 * a db that matches nothing. Since 0.1. */
SHAI_API int shai_builder_compile(const shai_builder *b, shai_db **out);

/* Free a db; NULL is a no-op. No scan may be running on it. Since 0.1. */
SHAI_API void shai_db_free(shai_db *db);

/* Number of entries; 0 for NULL. Since 0.1. */
SHAI_API uint32_t shai_db_entry_count(const shai_db *db);

/* Entry `index` as written in the lexicon: *text (also NUL-terminated) and
 * *len in bytes. The pointer stays valid as long as the db. Since 0.1. */
SHAI_API int shai_db_entry_text(const shai_db *db, uint32_t index, const char **text, size_t *len);

/* Attributes of entry `index`. Any out pointer may be NULL. *tag and
 * *suggestion are NULL when the entry has none. Since 0.1. */
SHAI_API int shai_db_entry_info(const shai_db *db, uint32_t index, uint32_t *category,
                                uint32_t *action, uint32_t *flags, const char **tag,
                                const char **suggestion);

/* The variant kinds entry `index` may be written in: bit (1 << kind) for
 * each SHAI_VARIANT_* kind it opted into, and SHAI_VARIANTS_NEAR for
 * near-homophones (docs/lexicon-format.md, "Variants"); 0 for an exact
 * entry, a rule, or one with `variants=none`. Returns SHAI_OK,
 * SHAI_E_INVALID_ARG (db or mask NULL) or SHAI_E_OUT_OF_RANGE. Thread-safe.
 * Since 0.2. */
#define SHAI_VARIANTS_NEAR 0x800u
SHAI_API int shai_db_entry_variants(const shai_db *db, uint32_t index, uint32_t *mask);

/* Where entry `index` was first written, as shai_builder_entry_source told
 * for the builder the db was compiled from. A db opened from a file or a
 * buffer does not keep sources: *file NULL and *line 0. Either out pointer
 * may be NULL; the string is valid as long as the db. Returns SHAI_OK,
 * SHAI_E_INVALID_ARG (db NULL) or SHAI_E_OUT_OF_RANGE. Thread-safe.
 * Since 0.2. */
SHAI_API int shai_db_entry_source(const shai_db *db, uint32_t index, const char **file,
                                  uint32_t *line);

/* The value of a matching option (SHAI_OPT_*) the db was compiled with.
 * Since 0.1. */
SHAI_API int shai_db_option(const shai_db *db, uint32_t option, int64_t *value);

/* Version of the fold tables built into this library, e.g.
 * "shai-fold-3 unicode 15.0 icu 72.1"; static storage. A db keeps the
 * folded alphabet it was compiled with, so its hits do not depend on the
 * library that scans it. Since 0.1. */
SHAI_API const char *shai_fold_table_version(void);

/* The fold tables a db was compiled with (for a saved db, as recorded in
 * the file; "" for NULL). Valid as long as the db. Since 0.1. */
SHAI_API const char *shai_db_fold_table_version(const shai_db *db);

/* Write the folded form of `text` under the SHAI_FOLD_* stages in `fold`:
 * what the matcher sees (ignorable characters dropped, noise characters
 * kept). Output as in shai_mask: NUL-terminated, *out_len without the NUL,
 * SHAI_E_BUFFER_TOO_SMALL with the size when out_cap is too small. Invalid
 * UTF-8 becomes U+FFFD. Thread-safe. Since 0.1. */
SHAI_API int shai_fold(uint32_t fold, const char *text, size_t len, char *out, size_t out_cap,
                       size_t *out_len);

/* Decode the UTF-8 character at text[0..len), len >= 1, as the scanner
 * reads it. Returns its length in bytes (1-4) and stores its code point in
 * *cp. Every byte that does not begin a complete, shortest-form sequence of
 * a Unicode scalar value is a character of its own: 1 is returned with *cp
 * = SHAI_UTF8_INVALID, or with *cp = SHAI_UTF8_TRUNCATED when the bytes are
 * a valid sequence cut short by len (a stream may wait for more bytes).
 * Returns 0 (and *cp unchanged) when text or cp is NULL or len is 0.
 * Thread-safe. Since 0.2. */
#define SHAI_UTF8_INVALID 0xFFFFFFFFu
#define SHAI_UTF8_TRUNCATED 0xFFFFFFFEu
SHAI_API size_t shai_utf8_decode(const char *text, size_t len, uint32_t *cp);

/* Number of distinct categories; 0 for NULL. Since 0.1. */
SHAI_API uint32_t shai_db_category_count(const shai_db *db);

/* Name of category `id`, NUL-terminated, valid as long as the db. Since 0.1. */
SHAI_API int shai_db_category_name(const shai_db *db, uint32_t id, const char **name);

/* --------------------------------------------------------- saved db files */

/* Serialize a db into out[0..cap): a position-independent image (offsets,
 * not pointers) with magic, format version, fold-table version, options,
 * sizes and a checksum. *size receives the image size; with cap too small
 * (out may be NULL with cap 0) returns SHAI_E_BUFFER_TOO_SMALL. Since 0.1. */
SHAI_API int shai_db_serialize(const shai_db *db, void *out, size_t cap, size_t *size);

/* Write the image to a file, atomically: a new file next to `path` with a
 * random name, created exclusively (O_EXCL | O_NOFOLLOW) with mode 0666
 * less the umask, written, fsync-ed and renamed over `path`; the directory
 * is then fsync-ed. Only a regular file is replaced: when `path` is a
 * directory, FIFO, socket or device, SHAI_E_IO and nothing is written. A
 * symbolic link at `path` is itself replaced (its target is untouched).
 * SHAI_E_IO leaves errno set by the call that failed. Since 0.1. */
SHAI_API int shai_db_save(const shai_db *db, const char *path);

/* Open a saved db by memory-mapping the file read-only: no rebuild, and
 * processes that open the same file share its pages. The header and every
 * section are validated (bounds, checksum) before use: a truncated,
 * corrupted or foreign file gives SHAI_E_BAD_DB, another format version or
 * platform SHAI_E_DB_VERSION; a file that cannot be opened or is not a
 * regular file SHAI_E_IO.
 *
 * The mapping reads the file for as long as the db lives: a file truncated
 * or rewritten in place (`cp new.shai live.shai`, a write with O_TRUNC)
 * under a process that has it open makes that process's next scan read
 * changed bytes or, past the new end, die of SIGBUS. Replace a db file
 * atomically instead: write the new one to a temporary file in the same
 * directory, fsync it, and rename() it over the old name (shai_db_save
 * renames too); a process keeps the old file's pages until it opens the
 * new one (docs/db-format.md, "Replacing a db file"). Callers who cannot
 * control how the file is replaced open it with
 * shai_db_open_flags(path, SHAI_DB_COPY, &db, NULL). Since 0.1. */
SHAI_API int shai_db_open(const char *path, shai_db **out);

/* shai_db_open with flags, and why a file could not be used.
 * flags 0 maps the file (as shai_db_open); SHAI_DB_COPY reads it into
 * memory the db owns, so that nothing done to the file afterwards affects
 * the db (at the cost of the file's size in private memory per db, and of
 * the read). A copy read while the file was being written fails validation
 * (SHAI_E_BAD_DB), never gives a mixed db. Other flags are
 * SHAI_E_INVALID_ARG.
 * On SHAI_E_IO, *os_error receives the system error number (an errno
 * value: ENOENT, EACCES, EISDIR for a directory, EINVAL for another
 * non-regular file; strerror gives its text); on every other status 0.
 * os_error may be NULL. The CLI uses it to tell a missing default db from
 * an unreadable one without a stat() of its own. Thread-safe. Since 0.2. */
#define SHAI_DB_COPY 0x2u
SHAI_API int shai_db_open_flags(const char *path, uint32_t flags, shai_db **out, int32_t *os_error);

/* Open a db from an image in memory. The image is copied unless flags has
 * SHAI_DB_BORROW, in which case the caller keeps buf alive and unchanged
 * until shai_db_free (buf must be 8-byte aligned). Since 0.1. */
#define SHAI_DB_BORROW 0x1u
SHAI_API int shai_db_from_buffer(const void *buf, size_t len, uint32_t flags, shai_db **out);

/* The environment variable that names the default db (see
 * shai_default_db_path). */
#define SHAI_DEFAULT_DB_ENV "SHAI_DEFAULT_DB"

/* Where the default db is: $SHAI_DEFAULT_DB when it is set and not empty,
 * else the `default.shai` installed with the library,
 * <prefix>/<datadir>/shai/default.shai as chosen when the library was built
 * (also `pkg-config --variable=default_db shai`). With flags
 * SHAI_DEFAULT_DB_BUILTIN the environment is not read. Only a path: the
 * file may not exist; open it with shai_db_open or shai_db_open_flags.
 * The string is static or the environment's; valid until the environment
 * changes. Thread-safe except against a concurrent setenv(). Since 0.2. */
#define SHAI_DEFAULT_DB_BUILTIN 0x1u
SHAI_API const char *shai_default_db_path(uint32_t flags);

/* Bytes of memory the db holds: its arrays (for a db opened from a file or
 * a buffer, the whole image: pages of a mapped file are shared by every
 * process that maps it, and a borrowed buffer stays the caller's), the
 * tables derived from them on compile or open, its compiled regular
 * expressions (with JIT code and the tables derived from them, once
 * derived) and the db's own structure. Not the size of the saved image:
 * shai_db_serialize with cap 0 gives that. Thread-safe. Since 0.1 (before
 * 0.2, the size of the saved image). */
SHAI_API int shai_db_size(const shai_db *db, size_t *bytes);

/* ------------------------------------------------------------------- scan */

/* Scan flags. */
#define SHAI_SCAN_OVERLAPPING 0x1u /* every hit; default: leftmost-longest, non-overlapping */
#define SHAI_SCAN_VIOLATIONS 0x2u  /* only deny hits that no allow hit covers (see shai_check) */
/* No variant hits (see "Variants" below): only entries as folded text and
 * rules. Since 0.2. */
#define SHAI_SCAN_NO_VARIANTS 0x4u
/* Also read vertical text: a run of 2 or more consecutive lines that each
 * hold exactly one Han character (spaces and noise around it aside) is read
 * as one line by the variant layer, so that 翻\n墙 is a hit of 翻墙 (kind
 * SHAI_VARIANT_VERTICAL unless another kind applies), offsets into the
 * original text. Entries the variant layer holds only (those with >= 2
 * units that are not exact). Since 0.2. */
#define SHAI_SCAN_VERTICAL 0x8u

/* Variants. Besides its folded text, an entry of 2 or more units that is
 * not `exact` matches text that writes some of its units another way, as
 * users write to dodge filters (docs/lexicon-format.md, "Variants"): each
 * such hit says which kind of variant it used (shai_hit.variant, the first
 * of these in the order wildcard, split, emoji, digit, initials, pinyin,
 * homophone, leet, insert, vertical that the match used). An entry opts in
 * per kind (lexicon `@variants` / `variants=`; by default pinyin, homophone,
 * split, emoji, leet, wildcard and insert). A match that uses no variant is
 * the ordinary hit and is not reported twice.
 *
 * What is not caught: variants of one-unit entries and of exact entries;
 * homophones that differ in tone (读博 is not 赌博) unless the entry asks
 * for near-homophones (which still keep the tone); all-Han homophone
 * matches that keep no unit of the entry as written (戴运 is not 代孕);
 * pinyin inside a longer Latin word, in English context or as a capitalised
 * name; split characters, emoji and digit syllables outside the bundled
 * tables; more than one wildcard (but a run of 2 or 3 inside a Latin
 * word: f**k), or one in first place; a variant that
 * spans a line break (but SHAI_SCAN_VERTICAL); abbreviations other than the
 * first letters of the syllables; characters without a Unihan reading,
 * other than as themselves. */
#define SHAI_VARIANT_NONE 0u
#define SHAI_VARIANT_PINYIN 1u    /* duchang, du3 chang3 -> 赌场 */
#define SHAI_VARIANT_INITIALS 2u  /* sjb -> 神经病, 傻B -> 傻逼 (entries with `initials`) */
#define SHAI_VARIANT_HOMOPHONE 3u /* 圆交 -> 援交 (same reading and tone) */
#define SHAI_VARIANT_SPLIT 4u     /* 米青液 -> 精液 */
#define SHAI_VARIANT_EMOJI 5u     /* 🐮🍺 -> 牛逼 */
#define SHAI_VARIANT_LEET 6u      /* b@stard -> bastard */
#define SHAI_VARIANT_WILDCARD 7u  /* 混X -> 混蛋 (default action: review) */
#define SHAI_VARIANT_INSERT 8u    /* 迷z奸 -> 迷奸 */
#define SHAI_VARIANT_DIGIT 9u     /* 748 -> 去死吧 (entries with `digit`) */
#define SHAI_VARIANT_VERTICAL 10u /* one character per line (SHAI_SCAN_VERTICAL) */
#define SHAI_VARIANT_MAX 10u

/* The name of a variant kind ("pinyin", ...; "none" for SHAI_VARIANT_NONE),
 * NULL for an unknown kind. Static storage. Thread-safe. Since 0.2. */
SHAI_API const char *shai_variant_name(uint32_t kind);

/* Hit flags. */
#define SHAI_HIT_ALLOW 0x1u /* the entry is an allow-list entry */

/* A hit: 40 bytes. `reserved` is room for fields a later version may add
 * without changing the size of the struct (while the soname is 0); the
 * library writes 0 there and callers must not rely on it. */
typedef struct shai_hit {
    uint64_t start;       /* byte offset of the first byte in the original text */
    uint64_t end;         /* byte offset one past the last byte */
    uint32_t entry;       /* entry index, see shai_db_entry_* */
    uint32_t category;    /* category id, see shai_db_category_name */
    uint32_t action;      /* SHAI_ACTION_* */
    uint32_t flags;       /* SHAI_HIT_* */
    uint32_t variant;     /* SHAI_VARIANT_*: how the text wrote the entry; since 0.2 */
    uint32_t reserved[1]; /* 0; since 0.2 */
} shai_hit;

/* Called once per hit. `hit` is valid during the call only. Return 0 to go on,
 * non-zero to stop the scan (the scan then returns SHAI_TERMINATED). */
typedef int (*shai_hit_fn)(const shai_hit *hit, void *user);

/* Scan `text` and call `fn` for every hit, allow entries included (with
 * SHAI_SCAN_VIOLATIONS: only the deny hits that no allow hit covers; the
 * leftmost-longest selection then runs among those).
 *
 * Matching (with the db's options, see SHAI_OPT_*): text and entries go
 * through the same fold. Noise characters (punctuation, symbols, spaces,
 * TAB, emoji, private-use icons) between two characters of an entry are
 * skipped, at most SHAI_OPT_MAX_GAP in a row; clause punctuation
 * (, . ! ? ; : 、 。 … after folding) is skipped only right after a Latin
 * letter (f.u.c.k) and otherwise ends a match (日：您 is not 日您). Noise
 * inside an entry is ignored the same way (法.轮.功 is the entry 法轮功);
 * noise at its ends, and clause punctuation after a non-Latin character,
 * must be there. A noise character that an entry begins or ends with
 * (#话题, 赌%) is skipped inside a match that goes on to a hit across it, and
 * taken otherwise (docs/lexicon-format.md); in overlapping mode both readings'
 * hits are reported (赌%博 with 赌% and 赌博 gives 赌% and 赌%博; with
 * SHAI_SCAN_VIOLATIONS only on a db without allow entries), in the default
 * mode, shai_check and shai_mask the one across the noise. Line breaks, other control characters
 * and invalid bytes end any match. With SHAI_OPT_REPEATS a character doubled in the text (not a
 * digit) joins the one before it where the entry has it once, so 法法轮轮功功 is one hit of 法轮功
 * (and 赌赌博博 one hit of 赌博, not two). A hit's span is the original text from its first to its
 * last character, the noise between them included, plus invisible characters (combining marks,
 * joiners) right after it. Word boundaries: if an entry begins (ends) with a word character - ASCII
 * letters and digits, U+00C0-U+024F except U+00D7 and U+00F7, U+1E00-U+1EFF,
 * full-width letters and digits, as folded - the character before (after)
 * the hit must not be one. CJK entries match anywhere.
 *
 * Order: overlapping mode reports every hit, ordered by end, then longer
 * first, then by entry index. Default mode reports the leftmost-longest hits
 * that do not overlap, ordered by start; where several entries match the same
 * span the lowest entry index is reported (of variant hits, an entry that is
 * a two-character word first: du bo is 赌博 before a listed homophone 赌波,
 * docs/lexicon-format.md). Hits of regular-expression rules
 * (shai_builder_add_rule) come after the word hits of their line, in every
 * mode; on a line longer than 1 MiB, which the rules match in pieces of
 * 1 MiB of folded text, the rule hits of each piece but the last come right
 * before the first word hit that ends past the piece (or, when none does,
 * before the next piece's). That order is the same for shai_scan, every
 * *_with variant and a stream fed in any pieces. No heap allocation unless the db has rules.
 * Thread-safe for a shared db. Since 0.1. */
SHAI_API int shai_scan(const shai_db *db, const char *text, size_t len, uint32_t flags,
                       shai_hit_fn fn, void *user);

/* Like shai_scan, but fills `hits[0..cap)`. *count receives the total number
 * of hits. Returns SHAI_E_BUFFER_TOO_SMALL when that total exceeds cap (the
 * first cap hits are still written); `hits` may be NULL when cap is 0, to
 * query the size. Since 0.1. */
SHAI_API int shai_scan_hits(const shai_db *db, const char *text, size_t len, uint32_t flags,
                            shai_hit *hits, size_t cap, size_t *count);

/* ------------------------------------------------------------------ check */

/* The verdict of a text: the strongest action among deny hits that no allow
 * hit covers. An allow hit covers a deny hit when allow.start <= deny.start
 * and deny.end <= allow.end, or when it overlaps the deny hit partially,
 * reaching past its end (deny.end < allow.end) and holding more than half of
 * its characters (units after folding): allowed 垃圾桶 covers denied 是垃圾
 * in 这里是垃圾桶, allowed 妈妈 does not cover denied 操你妈 in 操你妈妈.
 * *verdict is SHAI_ACTION_PASS, _REVIEW or _BLOCK.
 * The violations (deny hits not suppressed; allow hits are never listed) go to
 * hits[0..cap) as in shai_scan_hits, non-overlapping leftmost-longest unless
 * flags has SHAI_SCAN_OVERLAPPING. The verdict does not depend on flags.
 * When a rule could not be run to the end (SHAI_E_MATCH_LIMIT, or
 * SHAI_E_NOMEM from the rules), the hits found are still filled in, *count
 * set, and *verdict is at least SHAI_ACTION_REVIEW: a text whose screening
 * was incomplete never gets SHAI_ACTION_PASS, even for a caller that reads
 * only the verdict. Since 0.1. */
SHAI_API int shai_check(const shai_db *db, const char *text, size_t len, uint32_t flags,
                        uint32_t *verdict, shai_hit *hits, size_t cap, size_t *count);

/* shai_check of n texts in one call, for bindings: one crossing of the
 * foreign-function boundary per batch rather than per text.
 *   texts[i], lens[i]  text i (texts[i] may be NULL when lens[i] is 0)
 *   flags              as in shai_check, for every text
 *   verdicts[i]        the verdict of text i (n values)
 *   statuses           NULL, or n values: text i's own status (SHAI_OK, or
 *                      e.g. SHAI_E_MATCH_LIMIT; never _BUFFER_TOO_SMALL)
 *   hits[0..hits_cap)  the violations of all texts, text after text
 *   hit_offsets        n + 1 values: text i's violations are
 *                      hits[hit_offsets[i] .. hit_offsets[i + 1]), and
 *                      hit_offsets[n] is their total
 * Every text is checked, whatever happens to the others. Returns
 * SHAI_E_INVALID_ARG for a bad argument (nothing written); else the status
 * of the first text (in index order) that failed, if one did; else
 * SHAI_E_BUFFER_TOO_SMALL when hit_offsets[n] > hits_cap (verdicts and
 * hit_offsets are complete, the first hits_cap hits written; `hits` may be
 * NULL with hits_cap 0 to query the size); else SHAI_OK. No allocation
 * beyond shai_check's. Thread-safe for a shared db. shai_check_batch_with
 * (in the scratch section) takes a per-thread scratch. Since 0.2. */
SHAI_API int shai_check_batch(const shai_db *db, const char *const *texts, const size_t *lens,
                              size_t n, uint32_t flags, uint32_t *verdicts, int32_t *statuses,
                              shai_hit *hits, size_t hits_cap, size_t *hit_offsets);

/* ------------------------------------------------------------------- mask */

/* Copy `text` into `out`, replacing every code point of every violation (as
 * in shai_check, overlapping ones included: the union of their spans) by
 * `mask_char` (one Unicode scalar value, e.g. '*').
 * *out_len receives the size of the result in bytes (without the NUL
 * terminator that is also written). Returns SHAI_E_BUFFER_TOO_SMALL when
 * out_cap < *out_len + 1 (nothing is guaranteed in out then); out may be NULL
 * with out_cap 0 to query the size. With SHAI_E_MATCH_LIMIT nothing is
 * written and *out_len is 0: a text that could not be fully screened is not
 * handed back as masked. Since 0.1. */
SHAI_API int shai_mask(const shai_db *db, const char *text, size_t len, uint32_t mask_char,
                       char *out, size_t out_cap, size_t *out_len);

/* ----------------------------------------------------------------- stream */

typedef struct shai_stream shai_stream;

/* Open a stream over one long text fed in pieces. Hits are reported through
 * `fn` with offsets counted from the first byte written, in the same order
 * and under the same rules as shai_scan with the same flags; a hit may be
 * reported in a later write than the one that completed it, and the last
 * ones in shai_stream_close. The db must outlive the stream. Allocates once,
 * here, for a db without regex rules; with rules, also PCRE2's match data
 * (once) and room for a line's folded text past 2 KB. Since 0.1. */
SHAI_API int shai_stream_open(const shai_db *db, uint32_t flags, shai_hit_fn fn, void *user,
                              shai_stream **out);

/* Feed the next piece. A UTF-8 sequence may be split between writes. The
 * stream copies what it must see again (a split sequence; a `#` in the
 * last 32 characters of a piece, which opens a topic if another follows:
 * at most 136 bytes) and reads it with the next piece. Returns
 * SHAI_TERMINATED if the callback stopped the stream (further writes
 * return SHAI_E_STATE). Since 0.1. */
SHAI_API int shai_stream_write(shai_stream *s, const char *data, size_t len);

/* The smallest offset at which a hit not yet reported can still start: bytes
 * before it will never be part of a future hit, so a caller that keeps the
 * text to print hits may drop them. Since 0.1. */
SHAI_API int shai_stream_horizon(const shai_stream *s, uint64_t *offset);

/* Report the remaining hits and free the stream. NULL is a no-op returning
 * SHAI_OK. Since 0.1. */
SHAI_API int shai_stream_close(shai_stream *s);

/* ---------------------------------------------------------------- scratch */

/* A scratch: the mutable state of a scan, owned by the caller, as
 * Hyperscan's hs_scratch_t. shai_scan, shai_scan_hits, shai_check and
 * shai_mask make one on the stack for each call, and, for a db with regular
 * expression rules, allocate PCRE2's match data (and room for lines longer
 * than 2 KB) each time. The *_with variants below take a scratch instead
 * and keep all of it from one call to the next: once a scratch has seen
 * texts like the next one, a call allocates nothing on the heap, with or
 * without rules. Nothing is derived lazily: a db is complete when it is
 * compiled or opened, and no scan writes into it.
 *
 * Ownership and threads: the caller owns a scratch and frees it with
 * shai_scratch_free. A scratch serves one call at a time: one per thread is
 * the usual way. A call that finds its scratch in use (by another thread,
 * or by a callback of the running call) returns SHAI_E_STATE without
 * scanning. A scratch may be used for any text, and with any db: it holds
 * nothing that belongs to one db, and shai_scratch_new only makes ahead
 * what scans of `db` need; with another db, the first call may allocate
 * what that one needs. A scratch keeps no pointer to a db between calls:
 * freeing a db leaves the scratches that scanned it usable. */
typedef struct shai_scratch shai_scratch;

/* Make a scratch ready for scans of `db` (NULL: for a db without rules).
 * Returns SHAI_OK, SHAI_E_INVALID_ARG (out NULL) or SHAI_E_NOMEM; *out is
 * NULL on error. Thread-safe. Since 0.2. */
SHAI_API int shai_scratch_new(const shai_db *db, shai_scratch **out);

/* Free a scratch and what it grew; NULL is a no-op. No call may be using
 * it. Since 0.2. */
SHAI_API void shai_scratch_free(shai_scratch *scratch);

/* shai_scan with a scratch: the same hits, order and statuses, plus
 * SHAI_E_INVALID_ARG for a NULL scratch and SHAI_E_STATE when the scratch
 * is in use. Since 0.2. */
SHAI_API int shai_scan_with(const shai_db *db, shai_scratch *scratch, const char *text, size_t len,
                            uint32_t flags, shai_hit_fn fn, void *user);

/* shai_scan_hits with a scratch (see shai_scan_with). Since 0.2. */
SHAI_API int shai_scan_hits_with(const shai_db *db, shai_scratch *scratch, const char *text,
                                 size_t len, uint32_t flags, shai_hit *hits, size_t cap,
                                 size_t *count);

/* shai_check with a scratch (see shai_scan_with). Since 0.2. */
SHAI_API int shai_check_with(const shai_db *db, shai_scratch *scratch, const char *text, size_t len,
                             uint32_t flags, uint32_t *verdict, shai_hit *hits, size_t cap,
                             size_t *count);

/* shai_check_batch with a scratch (see shai_scan_with): the batch of a
 * server thread allocates nothing once its scratch has seen texts like
 * these. When the scratch is in use, SHAI_E_STATE: the batch stops at the
 * text that found it so. Since 0.2. */
SHAI_API int shai_check_batch_with(const shai_db *db, shai_scratch *scratch,
                                   const char *const *texts, const size_t *lens, size_t n,
                                   uint32_t flags, uint32_t *verdicts, int32_t *statuses,
                                   shai_hit *hits, size_t hits_cap, size_t *hit_offsets);

/* shai_mask with a scratch (see shai_scan_with). Past 256 pending spans
 * (a text with that many violations not yet written out) it still
 * allocates room for them. Since 0.2. */
SHAI_API int shai_mask_with(const shai_db *db, shai_scratch *scratch, const char *text, size_t len,
                            uint32_t mask_char, char *out, size_t out_cap, size_t *out_len);

/* ----------------------------------------------------------------- scenes */

/* A scene (a policy chosen per request, as cloud moderation APIs take a
 * business type per call) says, for each category of a db, whether its
 * hits count and with what action: off, review, block, or keep (the
 * entry's own action). Scenes are written in the lexicon (`@scene`,
 * docs/lexicon-format.md), compiled into the db and saved with it; a
 * policy object (below) starts from one and may change any category, so
 * that a caller can make scenes of its own without recompiling the words.
 *
 * Under a policy, hits of a category that is off are not found at all:
 * they are not reported, count toward no verdict and are not masked, and
 * the leftmost-longest selection runs among the hits that remain (an off
 * hit never hides an overlapping counted one). Every other deny hit is
 * reported with the action its category maps to. Allow entries are not
 * affected: they suppress what they cover, whatever the scene. */

/* What a scene does with a category (shai_policy_set_category,
 * shai_db_scene_action): SHAI_SCENE_OFF, SHAI_ACTION_REVIEW,
 * SHAI_ACTION_BLOCK, or SHAI_SCENE_KEEP. */
#define SHAI_SCENE_OFF 0u  /* the category's hits do not count (as SHAI_ACTION_PASS) */
#define SHAI_SCENE_KEEP 3u /* each entry's own action */

/* Number of scenes in the db; 0 for NULL. Thread-safe. Since 0.2. */
SHAI_API uint32_t shai_db_scene_count(const shai_db *db);

/* Name of scene `id` (0 <= id < shai_db_scene_count), NUL-terminated,
 * valid as long as the db. Returns SHAI_OK, SHAI_E_INVALID_ARG (db or name
 * NULL) or SHAI_E_OUT_OF_RANGE. Thread-safe. Since 0.2. */
SHAI_API int shai_db_scene_name(const shai_db *db, uint32_t id, const char **name);

/* Find a scene by name (name[0..len), case-sensitive). *id receives its
 * id. Returns SHAI_OK, SHAI_E_INVALID_ARG (db or id NULL, name NULL with
 * len > 0) or SHAI_E_NOT_FOUND. Thread-safe. Since 0.2. */
SHAI_API int shai_db_scene(const shai_db *db, const char *name, size_t len, uint32_t *id);

/* What scene `scene` does with category `category`: SHAI_SCENE_OFF,
 * SHAI_ACTION_REVIEW, SHAI_ACTION_BLOCK or SHAI_SCENE_KEEP. Returns
 * SHAI_OK, SHAI_E_INVALID_ARG (db or action NULL) or SHAI_E_OUT_OF_RANGE.
 * Thread-safe. Since 0.2. */
SHAI_API int shai_db_scene_action(const shai_db *db, uint32_t scene, uint32_t category,
                                  uint32_t *action);
/* The scenes the builder's sources define, for lexicon checkers: their
 * number (0 for NULL), and scene `index` as written: its name, the file
 * and line of its `@scene`, and how many category lines it has (the `*`
 * line not counted). Any out pointer may be NULL; strings are owned by the
 * builder, valid until it is freed. Returns SHAI_OK, SHAI_E_INVALID_ARG (b
 * NULL) or SHAI_E_OUT_OF_RANGE. Since 0.2. */
SHAI_API uint32_t shai_builder_scene_count(const shai_builder *b);
SHAI_API int shai_builder_scene(const shai_builder *b, uint32_t index, const char **name,
                                const char **file, uint32_t *line, uint32_t *ncategories);

/* Category line `index` of scene `scene` of the builder: the category name
 * as written (it may name no category of the lexicon), its action
 * (SHAI_SCENE_OFF, SHAI_ACTION_REVIEW, _BLOCK, SHAI_SCENE_KEEP) and its line
 * in the scene's file. As shai_builder_scene otherwise. Since 0.2. */
SHAI_API int shai_builder_scene_category(const shai_builder *b, uint32_t scene, uint32_t index,
                                         const char **category, uint32_t *action, uint32_t *line);

/* The category names declared with `@categories` (docs/lexicon-format.md),
 * in the order written, duplicates included: their number (0 for NULL),
 * and name `index` with the file and line that declared it. A declaration
 * changes nothing in a compiled db; `shai lint` reports categories used
 * but not declared. As shai_builder_scene otherwise. Since 0.2. */
SHAI_API uint32_t shai_builder_declared_category_count(const shai_builder *b);
SHAI_API int shai_builder_declared_category(const shai_builder *b, uint32_t index,
                                            const char **name, const char **file, uint32_t *line);

/* Score line `index` of scene `scene` of the builder (`score:NAME ACTION`):
 * the scorer name as written (it may name no scorer of the sources), its
 * action (SHAI_SCENE_OFF, SHAI_ACTION_REVIEW or _BLOCK) and its line in the
 * scene's file; an index past the scene's score lines gives
 * SHAI_E_OUT_OF_RANGE. As shai_builder_scene otherwise. Since 0.2. */
SHAI_API int shai_builder_scene_scorer(const shai_builder *b, uint32_t scene, uint32_t index,
                                       const char **scorer, uint32_t *action, uint32_t *line);

/* The scorers (`@scorer`) the builder's sources define, in the order
 * written: their number (0 for NULL), and scorer `index`'s name with the
 * file and line of its `@scorer`. As shai_builder_scene otherwise.
 * Since 0.2. */
SHAI_API uint32_t shai_builder_scorer_count(const shai_builder *b);
SHAI_API int shai_builder_scorer(const shai_builder *b, uint32_t index, const char **name,
                                 const char **file, uint32_t *line);

/* ---------------------------------------------------------------- scorers */

/* A scorer (docs/lexicon-format.md, "Scorers") is the second stage of a
 * check, written in the lexicon (`@scorer`) and compiled into the db: a
 * linear model, trained offline, over the character 1- to 3-grams of each
 * folded line. A line's score is the scorer's bias plus the weight of each
 * distinct n-gram it holds; the line is flagged when it names a target (an
 * n-gram marked `@target`, such as a word naming a group of people) and its
 * score is at or over the scorer's threshold. A scene says what a flag does
 * (`score:NAME review`): under a policy whose scorer is on, shai_check's
 * verdict is at least that action for a text with a flagged line, though no
 * hit says so; shai_score tells which. Without a scene or policy that turns
 * it on, a scorer does nothing. */

/* Number of scorers in the db; 0 for NULL. Thread-safe. Since 0.2. */
SHAI_API uint32_t shai_db_scorer_count(const shai_db *db);

/* Find a scorer by name (name[0..len)); *id receives its number. Returns
 * SHAI_OK, SHAI_E_NOT_FOUND or SHAI_E_INVALID_ARG. Since 0.2. */
SHAI_API int shai_db_scorer(const shai_db *db, const char *name, size_t len, uint32_t *id);

/* Scorer `id`: its name and the category of its flags (NUL-terminated,
 * valid as long as the db), its threshold and its number of n-grams with
 * a weight. Any output may be NULL. Returns SHAI_OK, SHAI_E_INVALID_ARG or
 * SHAI_E_OUT_OF_RANGE. Since 0.2. */
SHAI_API int shai_db_scorer_info(const shai_db *db, uint32_t id, const char **name,
                                 const char **category, double *threshold, uint32_t *weights);

/* What scene `scene` does with the flags of scorer `scorer`: SHAI_SCENE_OFF
 * (the default), SHAI_ACTION_REVIEW or SHAI_ACTION_BLOCK. Returns SHAI_OK,
 * SHAI_E_INVALID_ARG or SHAI_E_OUT_OF_RANGE. Since 0.2. */
SHAI_API int shai_db_scene_scorer(const shai_db *db, uint32_t scene, uint32_t scorer,
                                  uint32_t *action);

/* Score text[0..len) with scorer `scorer`, each line (split at '\n') on its
 * own: *score receives the highest score of a line, *flagged 1 when some
 * line is flagged, else 0 (either may be NULL). Invalid UTF-8 reads as
 * U+FFFD. Allocates nothing; thread-safe. Returns SHAI_OK,
 * SHAI_E_INVALID_ARG or SHAI_E_OUT_OF_RANGE. Since 0.2. */
SHAI_API int shai_score(const shai_db *db, uint32_t scorer, const char *text, size_t len,
                        double *score, int *flagged);

/* A policy: what each category of one db does in a check, scan or mask.
 * Configure it with the setters, then share it: the calls that take a
 * policy only read it, so any number of threads may use one policy at the
 * same time, as long as no setter runs meanwhile. A policy belongs to the
 * db it was made for and is refused (SHAI_E_INVALID_ARG) with another one;
 * the setters read that db, so it must outlive them (a policy may be freed
 * after its db). */
typedef struct shai_policy shai_policy;

/* Make a policy for db in which every category keeps its entries' actions:
 * checks with it give what the calls without a policy give. *out is NULL on
 * error. Returns SHAI_OK, SHAI_E_INVALID_ARG (db or out NULL) or
 * SHAI_E_NOMEM. Thread-safe. Since 0.2. */
SHAI_API int shai_policy_new(const shai_db *db, shai_policy **out);

/* Free a policy; NULL is a no-op. No call may be using it. Since 0.2. */
SHAI_API void shai_policy_free(shai_policy *policy);

/* Make every category do what scene `scene` of the policy's db says
 * (earlier settings are replaced). Returns SHAI_OK, SHAI_E_INVALID_ARG
 * (policy NULL) or SHAI_E_OUT_OF_RANGE. Since 0.2. */
SHAI_API int shai_policy_set_scene(shai_policy *policy, uint32_t scene);

/* Set what category `category` does: SHAI_SCENE_OFF, SHAI_ACTION_REVIEW,
 * SHAI_ACTION_BLOCK or SHAI_SCENE_KEEP; category UINT32_MAX sets every
 * category (e.g. all off, then the few that count). Returns SHAI_OK,
 * SHAI_E_INVALID_ARG (policy NULL, another action) or SHAI_E_OUT_OF_RANGE.
 * Since 0.2. */
#define SHAI_ALL_CATEGORIES UINT32_MAX
SHAI_API int shai_policy_set_category(shai_policy *policy, uint32_t category, uint32_t action);

/* What category `category` does under the policy (as
 * shai_db_scene_action). Returns SHAI_OK, SHAI_E_INVALID_ARG (policy or
 * action NULL) or SHAI_E_OUT_OF_RANGE. Since 0.2. */
SHAI_API int shai_policy_category(const shai_policy *policy, uint32_t category, uint32_t *action);

/* Set what the hits of variant kind `kind` (SHAI_VARIANT_PINYIN ..
 * SHAI_VARIANT_MAX) do: SHAI_SCENE_OFF (not found), SHAI_ACTION_REVIEW,
 * SHAI_ACTION_BLOCK, or SHAI_SCENE_KEEP (the category's action, else the
 * entry's). A new policy takes the mapping of the db (scene lines
 * `variant:KIND ACTION`), else every variant hit is review (a reviewer
 * looks: zaijian is 再见 more often than an evasion) and a vertical one keeps;
 * shai_policy_set_scene takes the scene's. Returns SHAI_OK,
 * SHAI_E_INVALID_ARG (policy NULL, another action) or SHAI_E_OUT_OF_RANGE
 * (kind). Since 0.2. */
SHAI_API int shai_policy_set_variant(shai_policy *policy, uint32_t kind, uint32_t action);

/* Set what a flag of scorer `scorer` does in shai_check and its batch and
 * policy forms: SHAI_SCENE_OFF (the default of a new policy), or
 * SHAI_ACTION_REVIEW or SHAI_ACTION_BLOCK (the verdict of a text with a
 * flagged line is at least that); shai_policy_set_scene takes the scene's
 * `score:NAME` line. Scans, streams and masks report hits only, and are the
 * same whatever the scorers do. Returns SHAI_OK, SHAI_E_INVALID_ARG (policy
 * NULL, another action) or SHAI_E_OUT_OF_RANGE. Since 0.2. */
SHAI_API int shai_policy_set_scorer(shai_policy *policy, uint32_t scorer, uint32_t action);

/* What a flag of scorer `scorer` does under the policy. Returns SHAI_OK,
 * SHAI_E_INVALID_ARG or SHAI_E_OUT_OF_RANGE. Since 0.2. */
SHAI_API int shai_policy_scorer(const shai_policy *policy, uint32_t scorer, uint32_t *action);

/* shai_scan under a policy (NULL: none, as shai_scan): off categories are
 * not found, and each deny hit carries the action its category maps to.
 * `scratch` may be NULL (a scanner on the stack, as shai_scan) or a
 * scratch (as shai_scan_with: SHAI_E_STATE when it is in use). Returns
 * SHAI_E_INVALID_ARG also for a policy made for another db. Since 0.2. */
SHAI_API int shai_scan_policy(const shai_db *db, const shai_policy *policy, shai_scratch *scratch,
                              const char *text, size_t len, uint32_t flags, shai_hit_fn fn,
                              void *user);

/* shai_check under a policy (NULL: as shai_check; see shai_scan_policy
 * for scratch): the verdict is the strongest mapped action among the deny
 * hits that remain and that no allow hit covers. Since 0.2. */
SHAI_API int shai_check_policy(const shai_db *db, const shai_policy *policy, shai_scratch *scratch,
                               const char *text, size_t len, uint32_t flags, uint32_t *verdict,
                               shai_hit *hits, size_t cap, size_t *count);

/* shai_check_batch under a policy (NULL: as shai_check_batch; scratch
 * NULL or one, as shai_check_batch_with). Since 0.2. */
SHAI_API int shai_check_batch_policy(const shai_db *db, const shai_policy *policy,
                                     shai_scratch *scratch, const char *const *texts,
                                     const size_t *lens, size_t n, uint32_t flags,
                                     uint32_t *verdicts, int32_t *statuses, shai_hit *hits,
                                     size_t hits_cap, size_t *hit_offsets);

/* shai_mask under a policy (NULL: as shai_mask; scratch as in
 * shai_scan_policy): hits of off categories are not masked. Since 0.2. */
SHAI_API int shai_mask_policy(const shai_db *db, const shai_policy *policy, shai_scratch *scratch,
                              const char *text, size_t len, uint32_t mask_char, char *out,
                              size_t out_cap, size_t *out_len);

/* shai_stream_open under a policy (NULL: as shai_stream_open). The policy,
 * like the db, must outlive the stream and stay unchanged while it is
 * open. Since 0.2. */
SHAI_API int shai_stream_open_policy(const shai_db *db, const shai_policy *policy, uint32_t flags,
                                     shai_hit_fn fn, void *user, shai_stream **out);

#ifdef __cplusplus
}
#endif

#endif /* SHAI_H */
