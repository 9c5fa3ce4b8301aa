/*
 * What `shai scan` reads: the files named on the command line and found in
 * the directories named there, and the encoding of each.
 *
 * A directory is walked recursively, in byte order of the names, skipping
 * hidden entries (a name that begins with '.') as ripgrep does; --glob and
 * --type filter the files found there (never a file named on the command
 * line). A file is UTF-8 unless it says otherwise: a BOM (UTF-8, UTF-16LE,
 * UTF-16BE), or, with no NUL and invalid UTF-8 in its first read, a clean
 * decoding as GB18030 or Big5 (with ICU; which of the two by where its
 * double-byte characters fall). --encoding names the encoding of every file.
 * A decoded file is scanned as UTF-8 with a map from each decoded byte back
 * to the original file's byte offsets.
 */
#ifndef SHAI_SCAN_INPUT_H
#define SHAI_SCAN_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ files */

/* The size of a walked file that its directory entry says is a regular
 * file (d_type): not looked up, so that the walk makes no system call a
 * file; whoever reads it learns the size. */
#define SCAN_SIZE_UNKNOWN (UINT64_MAX - 1)

struct scan_files {
    const char **paths; /* "-": standard input */
    bool *walked;       /* found in a directory (not named) */
    uint64_t *sizes;    /* walked: the size lstat() gave, or SCAN_SIZE_UNKNOWN;
                           named: UINT64_MAX */
    char **owned;       /* paths allocated here, freed by scan_files_free */
    size_t n, cap, n_owned;
    /* When set, called with each input as soon as it is added (the arrays
     * above hold it; they may move at the next addition), so that a scan
     * can start while the walk goes on; false stops the walk. */
    bool (*found)(void *user, const struct scan_files *f, size_t idx);
    void *found_user;
    bool stopped; /* found returned false */
    /* When set, the walk's errors (a directory or an entry that cannot be
     * read) are kept, in order, for scan_files_print_errors, not printed:
     * `shai scan -jN` walks while its db opens, and prints nothing of the
     * walk if the db cannot be opened. */
    bool defer_errors;
    struct scan_files_error *errors;
    size_t n_errors, cap_errors;
};

struct scan_files_error {
    char *path;
    int err;
};

struct scan_filter {
    const char **globs; /* fnmatch patterns on the base name; "!PAT" excludes */
    size_t n_globs;
    const char **types; /* names from scan_type_names() */
    size_t n_types;
};

/* Expand `operands` (files, directories, "-") into `out`. A directory's
 * files that pass `filter` are added in byte order. Errors (a directory
 * that cannot be read) are printed and make the return value 2; 0 else;
 * -1 out of memory. */
int scan_files_expand(const char *const *operands, size_t n, const struct scan_filter *filter,
                      struct scan_files *out);
void scan_files_free(struct scan_files *f);
/* Print the errors kept (defer_errors) and print the next ones at once. */
void scan_files_print_errors(struct scan_files *f);

/* Whether `name` is a known --type; the list for messages and help. */
bool scan_type_known(const char *name);
const char *scan_type_names(void);

/* --------------------------------------------------------------- encoding */

enum scan_encoding {
    ENC_UTF8,     /* as is (invalid bytes never match) */
    ENC_UTF8_BOM, /* skip 3 bytes */
    ENC_DECODE,   /* decode the whole input (scan_decode) */
    ENC_BINARY,   /* a NUL in the first read */
};

/* Look at the first `len` bytes of an input (`complete`: that is all of
 * it). `forced`: the --encoding name or NULL. Sets *charset to the name to
 * decode with for ENC_DECODE. */
enum scan_encoding scan_detect(const unsigned char *p, size_t len, bool complete,
                               const char *forced, const char **charset);

/* A decoded input: UTF-8 text and, when asked for (want_map: it costs 4
 * bytes a byte), for each of its len + 1 byte offsets the offset in the
 * original bytes; map NULL otherwise. */
struct decoded {
    unsigned char *text;
    uint32_t *map; /* offsets fit: a file decoded with a map is under 4 GiB */
    size_t len;
    const char *charset; /* what it was decoded from */
};

/* Decode src[0..n) from `charset` ("UTF-16LE"/"UTF-16BE" with a BOM, or,
 * "auto", GB18030 or Big5 by detection, or an ICU converter name). 0 ok,
 * 1 not decodable (message in *why), -1 out of memory. */
int scan_decode(const unsigned char *src, size_t n, const char *charset, bool want_map,
                struct decoded *out, const char **why);
void decoded_free(struct decoded *d);

/* Encode UTF-8 text[0..n) back to `charset` (as scan_decode named it:
 * "UTF-16LE", "UTF-16BE" or an ICU converter name), with a BOM for UTF-16
 * when `bom`. *out is malloc'ed. 0 ok, 1 a character that `charset` cannot
 * hold (*why), -1 out of memory. */
int scan_encode(const unsigned char *text, size_t n, const char *charset, bool bom,
                unsigned char **out, size_t *out_len, const char **why);

/* ------------------------------------------------------------- documents */

/* Whether `path` names a document whose text is extracted, not read as is:
 * DOC_DOCX (.docx), DOC_HTML (.html, .htm), DOC_MARKDOWN (.md, .markdown). */
enum scan_doc { DOC_NONE, DOC_DOCX, DOC_HTML, DOC_MARKDOWN };
enum scan_doc scan_doc_kind(const char *path);

/* The text of a .docx held in src[0..n): one line per paragraph (w:p, in
 * document order, tables included), w:t text, w:tab as a tab, w:br and w:cr
 * as a space. out->map is NULL: offsets are into this text. 0 ok, 1 not a
 * .docx (*why), -1 out of memory. Needs libzip and libxml2 (SHAI_CLI_DOCX);
 * without them, 1. */
int scan_docx_text(const unsigned char *src, size_t n, struct decoded *out, const char **why);

/* Markup of HTML (tags, comments, declarations, the content of script and
 * style) or Markdown (the same HTML, and link and image destinations
 * "](...)" and autolinks "<...>") is overwritten in text[0..n) with
 * characters the fold ignores (zero width space, soft hyphen), line breaks
 * kept, so that it is not matched, a word split by a tag still is, and every
 * byte offset stays the file's own. Scan the result; locate and print hits
 * in the text as it was. */
void scan_blank_markup(unsigned char *text, size_t n, enum scan_doc kind);

/* Character references in the text (&#36172;, &#x8D4C;, &amp;, and the
 * named ones libxml2's HTML parser knows) are decoded by scan_blank_markup
 * too: the character is written where the reference begins, filler after
 * it. A hit that ends inside a reference (orig, where blanked differs)
 * ends at its ';': the end to report for a hit that ends at `end` in
 * blanked[0..n), scanned in place of orig[0..n). */
size_t scan_ref_end(const unsigned char *orig, const unsigned char *blanked, size_t end, size_t n);

#endif
