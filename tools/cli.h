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

/* Environment variable that overrides the compiled-in default lexicon. */
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

int cmd_scan(int argc, char **argv);
void cmd_scan_help(FILE *out);

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

/* ----------------------------------------------------------------- lexicon */

/* Build and compile a db from `paths` (files or directories), or from the
 * default lexicon when n == 0. On failure prints the error (with the
 * builder's file:line:col message) and returns CLI_EXIT_ERROR. */
int cli_load_db(const char *const *paths, size_t n, shai_db **out);

/* The default lexicon path: $SHAI_DEFAULT_LEXICON when set and non-empty,
 * else the compiled-in SHAI_DEFAULT_LEXICON. */
const char *cli_default_lexicon(void);

/* "block", "review", "pass" or "unknown". */
const char *cli_action_name(uint32_t action);

/* ------------------------------------------------------------------ UTF-8 */

/* Length of the UTF-8 unit at p, given `avail` >= 1 bytes: the length of a
 * valid sequence (1-4), or 1 for an invalid byte (every byte that does not
 * start a complete, valid, shortest-form sequence of a scalar value is a unit
 * of its own). When the bytes available are a valid but incomplete prefix,
 * returns 0 if more bytes may follow (`final` false), 1 otherwise. */
static inline size_t cli_utf8_unit(const unsigned char *p, size_t avail, bool final)
{
    unsigned c = p[0];
    unsigned lo = 0x80, hi = 0xBF;
    size_t need;

    if (c < 0xC2)
        return 1; /* ASCII, a stray continuation byte, or an overlong lead */
    if (c < 0xE0) {
        need = 2;
    } else if (c < 0xF0) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlongs */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c < 0xF5) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90; /* no overlongs */
        else if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return 1;
    }
    for (size_t k = 1; k < need; k++) {
        unsigned b;
        if (k >= avail)
            return final ? 1 : 0;
        b = p[k];
        if (k == 1 ? (b < lo || b > hi) : (b & 0xC0u) != 0x80u)
            return 1;
    }
    return need;
}

/* ----------------------------------------------------------------- output */

/* Hits go to standard output through this buffer, written with write(2)
 * when full, by cli_out_flush, and before a diagnostic: one stdio call per
 * field would cost more than the scan. Help and version text use stdio before
 * any of this is used. After a write error further output is dropped and
 * `error` keeps the errno. */
struct cli_out {
    char *buf;
    size_t len;
    size_t cap;
    int error;
};

extern struct cli_out cli_stdout;

/* Write out the buffer (also called when it is full). Returns 0, or -1 with
 * cli_stdout.error set. */
int cli_out_flush(void);

/* Write n bytes that do not fit in the buffer's free space. */
void cli_out_slow(const void *p, size_t n);

static inline void cli_out_mem(const void *p, size_t n)
{
    if (cli_stdout.cap - cli_stdout.len < n) {
        cli_out_slow(p, n);
        return;
    }
    memcpy(cli_stdout.buf + cli_stdout.len, p, n);
    cli_stdout.len += n;
}

static inline void cli_out_char(char c)
{
    if (cli_stdout.len == cli_stdout.cap)
        cli_out_flush();
    cli_stdout.buf[cli_stdout.len++] = c;
}

void cli_out_str(const char *s);

/* A JSON string literal (with the quotes) for bytes s[0..n): '"' and '\\'
 * escaped, control characters (U+0000-U+001F, U+007F) and U+2028/U+2029 as
 * \uXXXX (\n, \r, \t for those three), each invalid UTF-8 byte as \ufffd.
 * Always valid JSON. */
void cli_out_json_string(const char *s, size_t n);

/* Bytes s[0..n) for a human: valid UTF-8 as is, control characters
 * (U+0000-U+001F, U+007F) and invalid bytes as \xHH. */
void cli_out_text_escaped(const char *s, size_t n);

/* An unsigned decimal number. */
void cli_out_u64(uint64_t v);

#endif /* SHAI_CLI_H */
