/*
 * `shai scan`: stream files (or standard input) through a compiled lexicon and
 * print every violation with its file, line and column.
 *
 * Each input is read in CHUNK-sized pieces and fed to one shai_stream. Hits
 * arrive with absolute byte offsets, possibly one or more writes after the
 * write that completed them. To print a hit we need its bytes and its line and
 * column, so the input keeps a window of the bytes that a future hit can still
 * reach: everything from `cur` on, where `cur` trails the stream's horizon.
 * `cur` is a cursor (offset, line, code points since the line start) that is
 * moved forward as bytes are dropped, so a line of any length costs no more
 * memory than the horizon lag plus one chunk.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK ((size_t)64 * 1024)
#define STDIN_NAME "<stdin>"

enum scan_format { FORMAT_TEXT, FORMAT_JSONL };

struct scan_config {
    const shai_db *db;
    enum scan_format format;
    uint32_t flags;
    const char **category_names; /* by category id */
    uint32_t category_count;
};

/* A position in the input: absolute byte offset, 1-based line, and number of
 * code points between the start of the line and `off`. */
struct cursor {
    uint64_t off;
    uint64_t line;
    uint64_t col;
};

enum { INPUT_OK = 0, INPUT_OUTPUT_ERROR, INPUT_INTERNAL_ERROR };

struct input {
    const struct scan_config *cfg;
    const char *name; /* as printed */
    size_t name_len;
    unsigned char *buf;
    size_t cap;
    size_t len;         /* valid bytes in buf */
    uint64_t base;      /* absolute offset of buf[0] */
    struct cursor cur;  /* bytes before cur.off are dropped (dead) */
    struct cursor last; /* a known position >= cur: the last hit start located */
    bool final;         /* end of input reached: no byte will follow buf[len) */
    int error;          /* INPUT_* set by the hit callback */
    uint64_t hits;
};

/* --------------------------------------------------------------- positions */

/* Move `c` forward over whole units that end at or before `target`; stop early
 * at a unit that would cross `target` or that is still incomplete. */
static void cursor_advance(const struct input *in, struct cursor *c, uint64_t target)
{
    const unsigned char *buf = in->buf;
    size_t i = (size_t)(c->off - in->base);
    size_t t = (size_t)(target - in->base);
    uint64_t line = c->line, col = c->col;

    while (i < t) {
        unsigned ch = buf[i];
        if (ch < 0x80) {
            if (ch == '\n') {
                line++;
                col = 0;
            } else {
                col++;
            }
            i++;
            continue;
        }
        size_t n = cli_utf8_unit(buf + i, in->len - i, in->final);
        if (n == 0 || i + n > t)
            break;
        col++;
        i += n;
    }
    c->off = in->base + i;
    c->line = line;
    c->col = col;
}

/* Count the units that start in [c->off, target) and move `c` past them.
 * Returns true when `c` lands exactly on `target` (it is a unit boundary). */
static bool cursor_locate(const struct input *in, struct cursor *c, uint64_t target)
{
    const unsigned char *buf = in->buf;
    size_t i = (size_t)(c->off - in->base);
    size_t t = (size_t)(target - in->base);
    uint64_t line = c->line, col = c->col;

    while (i < t) {
        unsigned ch = buf[i];
        if (ch < 0x80) {
            if (ch == '\n') {
                line++;
                col = 0;
            } else {
                col++;
            }
            i++;
            continue;
        }
        size_t n = cli_utf8_unit(buf + i, in->len - i, true);
        col++;
        i += n;
    }
    c->off = in->base + i;
    c->line = line;
    c->col = col;
    return i == t;
}

/* Line and column (0-based code points) of offset `start`, cur.off <= start. */
static void locate_hit(struct input *in, uint64_t start, struct cursor *out)
{
    struct cursor c;

    if (start >= in->last.off) {
        c = in->last;
        if (cursor_locate(in, &c, start))
            in->last = c;
        *out = c;
        return;
    }
    /* Overlapping hits are ordered by end, so a start may lie a little before
     * the previous one; hits never cross a line break, so when no '\n' lies in
     * between, count back from the last position. */
    size_t from = (size_t)(start - in->base);
    size_t to = (size_t)(in->last.off - in->base);
    if (memchr(in->buf + from, '\n', to - from) == NULL) {
        struct cursor back = {start, 0, 0};
        if (cursor_locate(in, &back, in->last.off) && back.col <= in->last.col) {
            out->off = start;
            out->line = in->last.line;
            out->col = in->last.col - back.col;
            return;
        }
    }
    c = in->cur;
    cursor_locate(in, &c, start);
    *out = c;
}

/* ------------------------------------------------------------------ output */

static void print_text(const struct input *in, const shai_hit *hit, const struct cursor *pos,
                       const char *category)
{
    const char *text = (const char *)in->buf + (hit->start - in->base);

    cli_out_mem(in->name, in->name_len);
    cli_out_char(':');
    cli_out_u64(pos->line);
    cli_out_char(':');
    cli_out_u64(pos->col + 1);
    cli_out_mem(": ", 2);
    cli_out_text_escaped(text, (size_t)(hit->end - hit->start));
    cli_out_mem(" [", 2);
    cli_out_str(category);
    cli_out_char('/');
    cli_out_str(cli_action_name(hit->action));
    cli_out_mem("]\n", 2);
}

static void print_jsonl(const struct input *in, const shai_hit *hit, const struct cursor *pos,
                        const char *category)
{
    const shai_db *db = in->cfg->db;
    const char *text = (const char *)in->buf + (hit->start - in->base);
    const char *entry = NULL, *tag = NULL, *suggestion = NULL;
    size_t entry_len = 0;

    if (shai_db_entry_text(db, hit->entry, &entry, &entry_len) != SHAI_OK || entry == NULL) {
        entry = "";
        entry_len = 0;
    }
    if (shai_db_entry_info(db, hit->entry, NULL, NULL, NULL, &tag, &suggestion) != SHAI_OK) {
        tag = NULL;
        suggestion = NULL;
    }

    cli_out_str("{\"file\":");
    cli_out_json_string(in->name, in->name_len);
    cli_out_str(",\"line\":");
    cli_out_u64(pos->line);
    cli_out_str(",\"col\":");
    cli_out_u64(pos->col + 1);
    cli_out_str(",\"start\":");
    cli_out_u64(hit->start);
    cli_out_str(",\"end\":");
    cli_out_u64(hit->end);
    cli_out_str(",\"text\":");
    cli_out_json_string(text, (size_t)(hit->end - hit->start));
    cli_out_str(",\"entry\":");
    cli_out_json_string(entry, entry_len);
    cli_out_str(",\"category\":");
    cli_out_json_string(category, strlen(category));
    cli_out_str(",\"action\":\"");
    cli_out_str(cli_action_name(hit->action));
    cli_out_char('"');
    if (tag) {
        cli_out_str(",\"tag\":");
        cli_out_json_string(tag, strlen(tag));
    }
    if (suggestion) {
        cli_out_str(",\"suggestion\":");
        cli_out_json_string(suggestion, strlen(suggestion));
    }
    cli_out_mem("}\n", 2);
}

static int on_hit(const shai_hit *hit, void *user)
{
    struct input *in = user;
    const struct scan_config *cfg = in->cfg;
    const char *category = "uncategorized";
    struct cursor pos;

    if (hit->start > hit->end || hit->start < in->cur.off || hit->end > in->base + in->len) {
        cli_error("%s: internal error: the library reported a hit at bytes %llu-%llu, "
                  "outside the window it allowed to keep (%llu-%llu)",
                  in->name, (unsigned long long)hit->start, (unsigned long long)hit->end,
                  (unsigned long long)in->cur.off, (unsigned long long)(in->base + in->len));
        in->error = INPUT_INTERNAL_ERROR;
        return 1;
    }
    if (hit->category < cfg->category_count && cfg->category_names[hit->category])
        category = cfg->category_names[hit->category];

    locate_hit(in, hit->start, &pos);
    if (cfg->format == FORMAT_JSONL)
        print_jsonl(in, hit, &pos, category);
    else
        print_text(in, hit, &pos, category);
    in->hits++;
    if (cli_stdout.error) {
        in->error = INPUT_OUTPUT_ERROR;
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------- input */

/* Make room for CHUNK more bytes at buf + len, dropping the dead prefix. */
static int input_reserve(struct input *in)
{
    size_t dead = (size_t)(in->cur.off - in->base);
    size_t live = in->len - dead;

    if (dead > 0 && (dead >= live || in->cap - in->len < CHUNK)) {
        memmove(in->buf, in->buf + dead, live);
        in->base = in->cur.off;
        in->len = live;
    }
    if (in->cap - in->len < CHUNK) {
        size_t cap = in->cap ? in->cap : 2 * CHUNK;
        while (cap - in->len < CHUNK) {
            if (cap > SIZE_MAX / 2)
                return -1;
            cap *= 2;
        }
        unsigned char *p = realloc(in->buf, cap);
        if (!p)
            return -1;
        in->buf = p;
        in->cap = cap;
    }
    return 0;
}

/* Read at most CHUNK bytes into buf + len. Returns the count, 0 at end of
 * input, -1 on error (errno set). */
static ssize_t input_read(struct input *in, int fd, bool interactive)
{
    if (interactive) {
        /* About to block on a pipe or terminal: show what we have so far. */
        struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
        if (poll(&pfd, 1, 0) == 0)
            cli_out_flush();
    }
    for (;;) {
        ssize_t n = read(fd, in->buf + in->len, CHUNK);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

static const char *stream_failure(int rc)
{
    return shai_status_message(rc);
}

/* Scan one open file. Returns CLI_EXIT_CLEAN / _HITS / _ERROR. */
static int scan_fd(struct input *in, int fd, const char *name)
{
    const struct scan_config *cfg = in->cfg;
    struct stat st;
    bool interactive = !(fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
    shai_stream *s = NULL;
    bool failed = false;
    int rc;

    in->name = name;
    in->name_len = strlen(name);
    in->len = 0;
    in->base = 0;
    in->cur = (struct cursor){0, 1, 0};
    in->last = in->cur;
    in->final = false;
    in->error = INPUT_OK;
    in->hits = 0;

    rc = shai_stream_open(cfg->db, cfg->flags, on_hit, in, &s);
    if (rc != SHAI_OK) {
        cli_error("%s: cannot start a scan: %s", name, stream_failure(rc));
        return CLI_EXIT_ERROR;
    }

    for (;;) {
        ssize_t n;
        uint64_t horizon;

        if (input_reserve(in) != 0) {
            cli_error("%s: out of memory", name);
            failed = true;
            break;
        }
        n = input_read(in, fd, interactive);
        if (n < 0) {
            cli_error("%s: %s", name, strerror(errno));
            failed = true;
            break;
        }
        if (n == 0)
            break;
        in->len += (size_t)n;
        rc = shai_stream_write(s, (const char *)in->buf + in->len - (size_t)n, (size_t)n);
        if (rc != SHAI_OK) {
            if (rc != SHAI_TERMINATED)
                cli_error("%s: scan failed: %s", name, stream_failure(rc));
            failed = true;
            break;
        }
        if (shai_stream_horizon(s, &horizon) != SHAI_OK)
            continue; /* keep everything: correct, only costs memory */
        if (horizon > in->base + in->len)
            horizon = in->base + in->len;
        if (horizon > in->cur.off) {
            if (in->last.off > in->cur.off && in->last.off <= horizon)
                in->cur = in->last; /* already counted up to there */
            cursor_advance(in, &in->cur, horizon);
            if (in->last.off < in->cur.off)
                in->last = in->cur;
        }
    }

    in->final = true;
    rc = shai_stream_close(s); /* reports the last hits, unless we stopped */
    if (!failed && rc != SHAI_OK) {
        if (rc != SHAI_TERMINATED)
            cli_error("%s: scan failed: %s", name, stream_failure(rc));
        failed = true;
    }
    if (in->error == INPUT_OUTPUT_ERROR)
        failed = true; /* reported once, by the caller */
    if (in->error == INPUT_INTERNAL_ERROR)
        failed = true;
    if (failed)
        return CLI_EXIT_ERROR;
    return in->hits ? CLI_EXIT_HITS : CLI_EXIT_CLEAN;
}

/* Scan the file `path` ("-" is standard input). */
static int scan_path(struct input *in, const char *path)
{
    int fd, status;

    if (strcmp(path, "-") == 0)
        return scan_fd(in, STDIN_FILENO, STDIN_NAME);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    status = scan_fd(in, fd, path);
    close(fd);
    return status;
}

/* ------------------------------------------------------------------ command */

void cmd_scan_help(FILE *out)
{
    fputs("Usage: shai scan [OPTION]... [FILE]...\n"
          "Screen each FILE against a lexicon and print every violation: a hit of a\n"
          "deny entry that no allow entry covers. With no FILE, or where FILE is -,\n"
          "read standard input. Input of any size is streamed; it is UTF-8, and\n"
          "invalid bytes and NULs are allowed (they never match).\n"
          "\n"
          "Options:\n"
          "  -l, --lexicon=PATH  lexicon file, or directory whose *.txt files are\n"
          "                      read (recursively); repeatable. Without it the\n"
          "                      default lexicon is used: $" SHAI_DEFAULT_LEXICON_ENV "\n"
          "                      if set, else " SHAI_DEFAULT_LEXICON "\n"
          "  -f, --format=FORMAT output format: text (default) or jsonl\n"
          "      --overlapping   report every occurrence of every entry, overlapping\n"
          "                      ones included, ordered by end; by default hits are\n"
          "                      leftmost-longest and do not overlap, ordered by start\n"
          "  -h, --help          show this help and exit\n"
          "      --version       show the version and exit\n"
          "\n"
          "Matching follows the lexicon's rules (docs/lexicon-format.md): text and\n"
          "entries are folded alike (width, case, Traditional to Simplified,\n"
          "lookalikes), a few noise characters may sit between the characters of\n"
          "an entry, and entries that begin or end with a Latin letter or digit\n"
          "match whole words only. Hits never span a line break.\n"
          "\n"
          "Text format, one line per hit:\n"
          "  FILE:LINE:COL: MATCH [CATEGORY/ACTION]\n"
          "  LINE and COL are 1-based; COL counts code points from the start of the\n"
          "  line (an invalid UTF-8 byte counts as one). Standard input is named\n"
          "  " STDIN_NAME ". MATCH is the text as it appears in the input, with control\n"
          "  characters shown as \\xHH. ACTION is block or review.\n"
          "\n"
          "JSONL format, one JSON object per hit, with the members:\n"
          "  file        file name (\"" STDIN_NAME "\" for standard input)\n"
          "  line, col   as in the text format\n"
          "  start, end  byte offsets of the hit in the file, end exclusive\n"
          "  text        the matched text as it appears in the input\n"
          "  entry       the lexicon entry that matched, as written in the lexicon\n"
          "  category    the entry's category\n"
          "  action      \"block\" or \"review\"\n"
          "  tag         the entry's tag (only when it has one)\n"
          "  suggestion  the entry's suggested replacement (only when it has one)\n"
          "\n"
          "Exit status: 0 if there was no hit, 1 if there was at least one hit,\n"
          "2 if an error occurred (even when there were hits). Errors are printed\n"
          "to standard error; a malformed lexicon is reported as FILE:LINE:COL.\n",
          out);
}

enum { OPT_LEXICON = 1, OPT_FORMAT, OPT_OVERLAPPING, OPT_HELP, OPT_VERSION };

static const struct cli_option scan_options[] = {
    {"lexicon", 'l', CLI_ARG_REQUIRED, OPT_LEXICON},
    {"format", 'f', CLI_ARG_REQUIRED, OPT_FORMAT},
    {"overlapping", 0, CLI_ARG_NONE, OPT_OVERLAPPING},
    {"help", 'h', CLI_ARG_NONE, OPT_HELP},
    {"version", 0, CLI_ARG_NONE, OPT_VERSION},
    {NULL, 0, 0, 0},
};

int cmd_scan(int argc, char **argv)
{
    struct cli_parser p;
    struct scan_config cfg = {NULL, FORMAT_TEXT, SHAI_SCAN_VIOLATIONS, NULL, 0};
    const char **lexicons, **files;
    size_t n_lexicons = 0, n_files = 0;
    const char *arg;
    shai_db *db = NULL;
    struct input in;
    int id, status = CLI_EXIT_ERROR;

    memset(&in, 0, sizeof in);

    /* Every argument is at most one lexicon or one file. */
    lexicons = calloc((size_t)argc + 1, sizeof *lexicons);
    files = calloc((size_t)argc + 1, sizeof *files);
    if (!lexicons || !files) {
        cli_error("out of memory");
        goto out;
    }

    cli_parser_init(&p, argc, argv, "scan");
    while ((id = cli_next(&p, scan_options, &arg)) != CLI_NEXT_END) {
        switch (id) {
        case CLI_NEXT_ERROR:
            goto out;
        case CLI_NEXT_OPERAND:
            files[n_files++] = arg;
            break;
        case OPT_LEXICON:
            if (arg[0] == '\0') {
                cli_usage_error("scan", "empty lexicon path");
                goto out;
            }
            lexicons[n_lexicons++] = arg;
            break;
        case OPT_FORMAT:
            if (strcmp(arg, "text") == 0) {
                cfg.format = FORMAT_TEXT;
            } else if (strcmp(arg, "jsonl") == 0) {
                cfg.format = FORMAT_JSONL;
            } else {
                cli_usage_error("scan", "unknown format '%s' (expected text or jsonl)", arg);
                goto out;
            }
            break;
        case OPT_OVERLAPPING:
            cfg.flags |= SHAI_SCAN_OVERLAPPING;
            break;
        case OPT_HELP:
            cmd_scan_help(stdout);
            status = fflush(stdout) == 0 ? CLI_EXIT_CLEAN : CLI_EXIT_ERROR;
            goto out;
        case OPT_VERSION:
            cli_print_version(stdout);
            status = fflush(stdout) == 0 ? CLI_EXIT_CLEAN : CLI_EXIT_ERROR;
            goto out;
        default:
            goto out;
        }
    }
    if (n_files == 0)
        files[n_files++] = "-";

    if (cli_load_db(lexicons, n_lexicons, &db) != CLI_EXIT_CLEAN)
        goto out;
    cfg.db = db;
    cfg.category_count = shai_db_category_count(db);
    cfg.category_names = calloc((size_t)cfg.category_count + 1, sizeof *cfg.category_names);
    if (!cfg.category_names) {
        cli_error("out of memory");
        goto out;
    }
    for (uint32_t i = 0; i < cfg.category_count; i++) {
        const char *name = NULL;
        if (shai_db_category_name(db, i, &name) == SHAI_OK)
            cfg.category_names[i] = name;
    }

    in.cfg = &cfg;
    status = CLI_EXIT_CLEAN;
    for (size_t i = 0; i < n_files; i++) {
        int st = scan_path(&in, files[i]);
        if (cli_stdout.error)
            break;
        if (st == CLI_EXIT_ERROR || status == CLI_EXIT_ERROR)
            status = CLI_EXIT_ERROR;
        else if (st == CLI_EXIT_HITS)
            status = CLI_EXIT_HITS;
    }
    if (cli_out_flush() != 0) {
        fprintf(stderr, "shai: write error: %s\n", strerror(cli_stdout.error));
        status = CLI_EXIT_ERROR;
    }

out:
    free(in.buf);
    free(cfg.category_names);
    shai_db_free(db);
    free(lexicons);
    free(files);
    return status;
}
