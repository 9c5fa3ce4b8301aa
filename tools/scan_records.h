/*
 * `shai scan` over records: --input jsonl (one JSON object per line, the
 * text in one string member) and --verdicts (one JSON object per record or
 * line, hits or not). Offsets are into the record's text, in bytes of its
 * UTF-8, code points or UTF-16 units (--offsets).
 */
#ifndef SHAI_SCAN_RECORDS_H
#define SHAI_SCAN_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shai.h"

enum record_offsets { OFFSETS_BYTE, OFFSETS_CHAR, OFFSETS_UTF16 };

struct record_options {
    const shai_db *db;
    const shai_policy *policy;         /* --scene and friends; NULL: none */
    uint32_t flags;                    /* shai_scan flags */
    const char *const *category_names; /* by category id, entries may be NULL */
    uint32_t category_count;
    bool jsonl;        /* --input jsonl: else each line is a record */
    const char *field; /* --field (jsonl) */
    const char *id;    /* --id (jsonl), or NULL */
    bool verdicts;     /* one object per record; else one per hit */
    enum record_offsets offsets;
    void (*progress)(uint64_t bytes, uint64_t files); /* main thread, may be NULL */
    size_t threads; /* workers; 0 or 1: records are scanned in the calling thread */
};

/* Per input: hits, block hits (for --fail-on and the summary). */
struct record_tally {
    uint64_t hits;
    uint64_t block_hits;
};

/* Scan `files` ("-": standard input) record by record, writing to standard
 * output (cli_stdout). With o->threads > 1, workers scan chunks of
 * records; the output and the diagnostics are the same, in input order. Returns CLI_EXIT_CLEAN,
 * _HITS or _ERROR (a record that is not a JSON object with the field, unreadable input, a rule's
 * match limit: named on standard error, the scan goes on). */
int scan_records(const struct record_options *o, const char *const *files, size_t n_files,
                 struct record_tally *tally);

/* Decode the JSON string token at p[0..n) (p[0] is '"'); writes UTF-8 to
 * `out` (room for n bytes) and its length to *out_len, and returns the
 * length of the token, or 0 when it is not a valid JSON string. A lone
 * surrogate escape becomes U+FFFD. Exposed for tests through the CLI only. */
size_t json_string_decode(const char *p, size_t n, char *out, size_t *out_len);

#endif
