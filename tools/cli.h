/*
 * Internal declarations of the shai command-line tool. Not installed; only the
 * public shai.h is used to reach the library.
 */
#ifndef SHAI_CLI_H
#define SHAI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shai.h"

#ifndef SHAI_DEFAULT_LEXICON
#define SHAI_DEFAULT_LEXICON "/usr/local/share/shai/wordlists"
#endif

/* Environment variable that overrides the compiled-in default lexicon
 * (SHAI_DEFAULT_DB_ENV, for the default db, is in shai.h). */
#define SHAI_DEFAULT_LEXICON_ENV "SHAI_DEFAULT_LEXICON"

/* Exit statuses, as grep. */
enum { CLI_EXIT_CLEAN = 0, CLI_EXIT_HITS = 1, CLI_EXIT_ERROR = 2 };

/* ------------------------------------------------------------ subcommands */

struct cli_command {
    const char *name;
    const char *summary;               /* one line for `shai --help` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    void (*help)(FILE *out);
};

/* `shai --version` text, also printed by `shai COMMAND --version`. */
void cli_print_version(FILE *out);

/* A command's --version: prints the version to stdout; the exit status. */
int cli_version(void);

int cmd_scan(int argc, char **argv);
void cmd_scan_help(FILE *out);
int cmd_fold(int argc, char **argv);
void cmd_fold_help(FILE *out);
int cmd_compile(int argc, char **argv);
void cmd_compile_help(FILE *out);
int cmd_stats(int argc, char **argv);
void cmd_stats_help(FILE *out);
int cmd_lint(int argc, char **argv);
void cmd_lint_help(FILE *out);
int cmd_mask(int argc, char **argv);
void cmd_mask_help(FILE *out);
int cmd_fix(int argc, char **argv);
void cmd_fix_help(FILE *out);
int cmd_import(int argc, char **argv);
void cmd_import_help(FILE *out);
int cmd_diff(int argc, char **argv);
void cmd_diff_help(FILE *out);

/* Print the help of a command to stdout; the exit status (2 if stdout
 * cannot be written). */
int cli_print_help(void (*help)(FILE *out));

/* ------------------------------------------------------------ diagnostics */

/* Print "shai: <message>\n" to stderr, after flushing stdout so that output
 * and diagnostics appear in order. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void cli_error(const char *fmt, ...);

/* A usage error in command `cmd` (NULL: top level): the message, then a hint
 * to run --help. Returns CLI_EXIT_ERROR. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int cli_usage_error(const char *cmd, const char *fmt, ...);

/* The index of `arg`, the value of option --`opt` of command `cmd`, among
 * the NULL-terminated `names`; -1 after the usage error "unknown --OPT 'ARG'
 * (expected A, B or C)". */
int cli_keyword(const char *cmd, const char *opt, const char *arg, const char *const *names);

/* ----------------------------------------------------------------- policy */

/* --scene NAME, --category C (repeatable: only these), --exclude-category
 * C (repeatable). The name arrays hold pointers into argv. */
struct cli_policy_options {
    const char *scene; /* NULL: none */
    const char **only;
    size_t n_only;
    const char **exclude;
    size_t n_exclude;
};

/* The policy those options make for db: *out NULL when there are none (the
 * db as it is), else a policy the caller frees. Unknown scene or category
 * names are usage errors (printed; the scenes are listed). Returns
 * CLI_EXIT_CLEAN or CLI_EXIT_ERROR. */
int cli_make_policy(const char *cmd, const shai_db *db, const struct cli_policy_options *o,
                    shai_policy **out);

/* `shai stats --corpus`: check every line of `files` ("-": standard input)
 * under `policy` (NULL: none; `scene` names it in the report, may be NULL)
 * and print the lines per verdict and the hits per category and per entry.
 * Returns CLI_EXIT_CLEAN or CLI_EXIT_ERROR (printed). */
int cli_stats_corpus(const shai_db *db, const shai_policy *policy, const char *scene,
                     const char *const *files, size_t n_files, bool json);

/* --------------------------------------------------------- option parsing */

enum { CLI_ARG_NONE = 0, CLI_ARG_REQUIRED = 1 };

struct cli_option {
    const char *long_name; /* without the leading "--"; NULL ends the table */
    char short_name;       /* 0: none */
    int has_arg;           /* CLI_ARG_* */
    int id;                /* > 0, returned by cli_next */
};

struct cli_parser {
    int argc;
    char **argv;
    int index;          /* next argv element to look at */
    const char *cmd;    /* command name for messages */
    bool operands_only; /* after "--" */
};

enum { CLI_NEXT_END = -1, CLI_NEXT_ERROR = -2, CLI_NEXT_OPERAND = 0 };

/* Start parsing argv[1..argc) (argv[0] is the command name). */
void cli_parser_init(struct cli_parser *p, int argc, char **argv, const char *cmd);

/* The next option (its id, *arg set to its argument or NULL), an operand
 * (CLI_NEXT_OPERAND, *arg set; "-" is an operand), CLI_NEXT_END, or
 * CLI_NEXT_ERROR after a usage message was printed. Options and operands may
 * be mixed; "--" ends options. Long options accept "--name=value" and
 * "--name value", short ones "-xvalue" and "-x value". */
int cli_next(struct cli_parser *p, const struct cli_option *opts, const char **arg);

/* An array with room for every argument of argv and a NULL, for the
 * operands or paths a command collects; prints "out of memory" and returns
 * NULL when it cannot. */
const char **cli_arg_list(int argc);

/* Whether `arg` can be a lexicon path of command `cmd` (it is not empty);
 * prints a usage error when it cannot. */
bool cli_lexicon_path(const char *cmd, const char *arg);

/* Takes `arg` as the one value of path option --`opt` of command `cmd`
 * (--output, --db) into *slot; prints a usage error and returns false when
 * the option was given before or the path is empty. */
bool cli_single_path(const char *cmd, const char *opt, const char *arg, const char **slot);

/* --------------------------------------------------------- option values */

/* Parse a decimal integer in [min, max] for option `opt` of command `cmd`;
 * prints a usage error and returns false when it is not one. */
bool cli_parse_uint(const char *cmd, const char *opt, const char *arg, unsigned long min,
                    unsigned long max, unsigned long *out);

/* ----------------------------------------------------------------- lexicon */

/* Where a command gets its db from: --lexicon paths, --db, or the defaults. */
struct cli_db_source {
    const char *const *lexicons; /* --lexicon PATH (files or directories) */
    size_t n_lexicons;
    const char *db_path; /* --db FILE, or NULL */
    bool no_fold;        /* --no-fold: exact matching (lexicons only) */
};

/* Builder options for exact matching (--no-fold): no fold stage, no noise
 * skipping, no repeats. */
int cli_set_no_fold(shai_builder *b);

/* Usage errors of --db combined with --lexicon or --no-fold, for command
 * `cmd`; `hint` (may be "") ends the --no-fold message. Returns
 * CLI_EXIT_CLEAN when the combination is fine. */
int cli_check_db_options(const char *cmd, const struct cli_db_source *src, size_t n_lexicons,
                         const char *hint);

/* Open or build the db `src` names. With neither lexicons nor a db path:
 *   1. $SHAI_DEFAULT_LEXICON when set and non-empty (lexicon);
 *   2. else, unless no_fold, $SHAI_DEFAULT_DB when set and non-empty, else
 *      the installed default db (shai_default_db_path) when that file
 *      exists (a saved db);
 *   3. else SHAI_DEFAULT_LEXICON (lexicon).
 * On failure prints the error (a lexicon error with the builder's
 * file:line:col message) and returns CLI_EXIT_ERROR. When `what` is not
 * NULL it receives a static description of the source ("db", "lexicon"). */
int cli_open_db(const struct cli_db_source *src, shai_db **out, const char **what,
                const char **where);

/* Build and compile a db from `paths` (files or directories), or from the
 * default lexicon when n == 0, under the builder options of `no_fold`.
 * When `builder` is not NULL it receives the builder (the caller frees it),
 * e.g. for the paths it read. */
int cli_load_db(const char *const *paths, size_t n, bool no_fold, shai_db **out,
                shai_builder **builder);

/* Print a builder error: its message when it has one (already
 * "file:line:col: ..."), else `path` and the status. */
void cli_builder_error(const shai_builder *b, const char *path, int rc, const char *hint);

/* Print why shai_builder_walk_path(b, path, ...) failed with rc: no memory
 * in the caller's callback (`callback_failed`), a system error on a file,
 * or the builder's error. */
void cli_walk_error(const shai_builder *b, const char *path, int rc, bool callback_failed);

/* A growable array of hits; cli_collect_hit is a shai_hit_fn that appends
 * to one (oom set, scan stopped, when it cannot grow). */
struct cli_hits {
    shai_hit *v;
    size_t n, cap;
    bool oom;
};
int cli_collect_hit(const shai_hit *hit, void *user);

/* One leftmost-longest selection over a text's hits (words and rules come
 * from the library apart): sorted by start, longer first, and a hit that
 * starts inside a kept one dropped. */
void cli_hits_select(struct cli_hits *h);

/* The default lexicon path: $SHAI_DEFAULT_LEXICON when set and non-empty,
 * else the compiled-in SHAI_DEFAULT_LEXICON. */
const char *cli_default_lexicon(void);

/* The name of an action (shai_action_name), "unknown" for none. */
const char *cli_action_name(uint32_t action);

/* ------------------------------------------------------------ fold stages */

/* Stage names are the library's (shai_fold_stage_name): the stages are the
 * bits 1, 2, 4, ... for which it has a name, in the order the fold applies
 * them. */

/* Comma-separated stage names of `bits` ("none" for 0, "all" is not used),
 * written to buf[0..cap). Returns buf. */
const char *cli_fold_stage_list(uint32_t bits, char *buf, size_t cap);

/* Parse a comma-separated list of stage names ("all" and "none" allowed);
 * false (after a usage error for `cmd`) when a name is unknown. */
bool cli_parse_fold_stages(const char *cmd, const char *arg, uint32_t *bits);

/* ------------------------------------------------------------------ UTF-8 */

/* Length of the UTF-8 unit at p, given `avail` >= 1 bytes, as the library
 * reads it (shai_utf8_decode): the length of a valid sequence (1-4), or 1
 * for an invalid byte. When the bytes available are a valid but incomplete
 * prefix, returns 0 if more bytes may follow (`final` false), 1 otherwise.
 * *cp (may be NULL) receives the code point, or SHAI_UTF8_INVALID /
 * SHAI_UTF8_TRUNCATED. */
static inline size_t cli_utf8_unit_cp(const unsigned char *p, size_t avail, bool final,
                                      uint32_t *cp)
{
    uint32_t c;
    size_t n;

    if (p[0] < 0x80) {
        if (cp)
            *cp = p[0];
        return 1;
    }
    n = shai_utf8_decode((const char *)p, avail, &c);
    if (cp)
        *cp = c;
    return c == SHAI_UTF8_TRUNCATED && !final ? 0 : n;
}

static inline size_t cli_utf8_unit(const unsigned char *p, size_t avail, bool final)
{
    return cli_utf8_unit_cp(p, avail, final, NULL);
}

/* ----------------------------------------------------------------- output */

/* A buffered output target. Formatting goes through one of these instead of
 * stdio (one stdio call per field would cost more than the scan).
 *
 * - Descriptor mode (fd >= 0): the buffer is written with write(2) when full,
 *   by cli_out_flush, and (for cli_stdout) before a diagnostic.
 * - Memory mode (fd < 0): the buffer grows; a worker thread formats a block's
 *   hits into one. When `spill` is set, it is called (instead of growing past
 *   `spill_at` bytes) to write the buffer out or drop it; it must leave
 *   len == 0 or set `error`.
 *
 * After an error (errno value in `error`: a failed write, ENOMEM, or
 * ECANCELED from a spill that dropped the output) further output is dropped.
 * A cli_out belongs to one thread at a time. */
struct cli_out {
    char *buf;
    size_t len;
    size_t cap;
    int error;
    int fd;
    size_t spill_at;
    void (*spill)(struct cli_out *o);
    void *user;
};

/* Standard output, descriptor mode, 256 KiB. Help and version text use
 * stdio before any of this is used. Only the main thread writes to it. */
extern struct cli_out cli_stdout;

/* An empty memory-mode target (no allocation until the first byte). */
void cli_out_init_memory(struct cli_out *o);
void cli_out_free_memory(struct cli_out *o);

/* Write all of p[0..n) to descriptor fd, retrying on EINTR and short writes.
 * Returns 0 or an errno value. */
int cli_write_all(int fd, const void *p, size_t n);

/* Descriptor mode: write out the buffer. Memory mode: nothing. Returns 0, or
 * -1 when o->error is set. */
int cli_out_flush(struct cli_out *o);

/* Append n bytes that do not fit in the buffer's free space. */
void cli_out_slow(struct cli_out *o, const void *p, size_t n);

static inline void cli_out_mem(struct cli_out *o, const void *p, size_t n)
{
    if (o->cap - o->len < n) {
        cli_out_slow(o, p, n);
        return;
    }
    if (n > 0) { /* buf and p may be NULL then */
        memcpy(o->buf + o->len, p, n);
        o->len += n;
    }
}

static inline void cli_out_char(struct cli_out *o, char c)
{
    if (o->len == o->cap) {
        cli_out_slow(o, &c, 1);
        return;
    }
    o->buf[o->len++] = c;
}

void cli_out_str(struct cli_out *o, const char *s);

/* A JSON string literal (with the quotes) for bytes s[0..n): '"' and '\\'
 * escaped, control characters (U+0000-U+001F, U+007F) and U+2028/U+2029 as
 * \uXXXX (\n, \r, \t for those three), each invalid UTF-8 byte as \ufffd.
 * Always valid JSON. */
void cli_out_json_string(struct cli_out *o, const char *s, size_t n);

/* Bytes s[0..n) for a human: valid UTF-8 as is, control characters
 * (U+0000-U+001F, U+007F) and invalid bytes as \xHH. */
void cli_out_text_escaped(struct cli_out *o, const char *s, size_t n);

/* An unsigned decimal number. */
void cli_out_u64(struct cli_out *o, uint64_t v);

#endif /* SHAI_CLI_H */
