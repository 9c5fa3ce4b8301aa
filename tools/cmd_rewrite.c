/*
 * `shai mask` and `shai fix`: rewrite files, keeping their encoding and
 * line endings.
 *
 * A file is read whole and decoded as `shai scan` decodes it (UTF-8, a BOM,
 * GB18030 or Big5 by detection, or --encoding); the violations are found in
 * the decoded text; the new text is encoded back to the file's encoding
 * (with its BOM). Nothing but the hits changes: line breaks (\n or \r\n),
 * invalid bytes of a UTF-8 file, the rest of the text stay as they are.
 *
 * mask: every code point of every violation becomes the mask character
 * (the library's shai_mask), or, with --phrase / --phrase-for, each
 * violation (leftmost-longest, one selection over words and rules) becomes
 * the phrase of its category.
 *
 * fix: each violation whose entry has a suggestion (shai_db_entry_info)
 * becomes the suggestion; in place with a backup, or --diff prints a unified
 * diff and changes nothing.
 */
#include "cli.h"
#include "scan_input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------- documents */

struct doc {
    const char *name;
    unsigned char *raw; /* the file as it is */
    size_t raw_len;
    const unsigned char *text; /* UTF-8: into raw, or d.text */
    size_t len;
    const char *charset; /* NULL: UTF-8 */
    bool bom;
    struct decoded d;
    struct stat st;
    bool is_stdin;
};

static void doc_free(struct doc *doc)
{
    free(doc->raw);
    decoded_free(&doc->d);
}

static int read_all(int fd, unsigned char **buf, size_t *len)
{
    size_t cap = 0;
    *buf = NULL;
    *len = 0;
    for (;;) {
        if (cap - *len < 65536) {
            size_t c = cap ? 2 * cap : 65536;
            unsigned char *p = realloc(*buf, c);
            if (!p)
                return -1;
            *buf = p;
            cap = c;
        }
        ssize_t n = read(fd, *buf + *len, cap - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        *len += (size_t)n;
    }
}

/* Read and decode `path` ("-": standard input). Errors are printed. */
static int doc_load(struct doc *doc, const char *path, const char *encoding)
{
    const char *charset, *why = "";
    int fd;

    memset(doc, 0, sizeof *doc);
    doc->is_stdin = strcmp(path, "-") == 0;
    doc->name = doc->is_stdin ? "<stdin>" : path;
    fd = doc->is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &doc->st) != 0 || read_all(fd, &doc->raw, &doc->raw_len) != 0) {
        cli_error("%s: %s", doc->name, strerror(errno));
        if (fd >= 0 && !doc->is_stdin)
            close(fd);
        return -1;
    }
    if (!doc->is_stdin)
        close(fd);
    switch (scan_detect(doc->raw, doc->raw_len, true, encoding, &charset)) {
    case ENC_UTF8:
        doc->text = doc->raw;
        doc->len = doc->raw_len;
        return 0;
    case ENC_UTF8_BOM:
        doc->text = doc->raw + 3;
        doc->len = doc->raw_len - 3;
        doc->bom = true;
        return 0;
    case ENC_BINARY:
        cli_error("%s: a binary file (a NUL byte); not rewritten", doc->name);
        return -1;
    case ENC_DECODE:
        break;
    }
    int rc = scan_decode(doc->raw, doc->raw_len, charset, false, &doc->d, &why);
    if (rc != 0) {
        cli_error("%s: %s", doc->name, rc < 0 ? "out of memory" : why);
        return -1;
    }
    doc->text = doc->d.text;
    doc->len = doc->d.len;
    doc->charset = doc->d.charset;
    doc->bom = doc->raw_len >= 2 && ((doc->raw[0] == 0xFF && doc->raw[1] == 0xFE) ||
                                     (doc->raw[0] == 0xFE && doc->raw[1] == 0xFF));
    return 0;
}

/* The new text in the file's encoding: *out malloc'ed. */
static int doc_encode(const struct doc *doc, const unsigned char *text, size_t len,
                      unsigned char **out, size_t *out_len)
{
    const char *why = "";
    if (!doc->charset) {
        *out = malloc(len + 3 + 1);
        if (!*out) {
            cli_error("out of memory");
            return -1;
        }
        size_t k = 0;
        if (doc->bom) {
            memcpy(*out, "\xEF\xBB\xBF", 3);
            k = 3;
        }
        memcpy(*out + k, text, len);
        *out_len = k + len;
        return 0;
    }
    int rc = scan_encode(text, len, doc->charset, doc->bom, out, out_len, &why);
    if (rc != 0) {
        cli_error("%s: cannot write back as %s: %s", doc->name, doc->charset,
                  rc < 0 ? "out of memory" : why);
        return -1;
    }
    return 0;
}

/* Replace `path` by data[0..n), keeping a copy of the old file at
 * path + backup (no copy when backup is NULL or empty), through a temporary
 * file in the same directory, with the old file's permissions. */
static int write_in_place(const struct doc *doc, const char *path, const unsigned char *data,
                          size_t n, const char *backup)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16), *bak = NULL;
    int fd = -1, rc = -1;

    if (!tmp)
        goto out;
    snprintf(tmp, plen + 16, "%s.shaiXXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error("%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fchmod(fd, doc->st.st_mode & 07777) != 0 || cli_write_all(fd, data, n) != 0 ||
        fsync(fd) != 0) {
        cli_error("%s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (backup && backup[0]) {
        bak = malloc(plen + strlen(backup) + 1);
        if (!bak) {
            unlink(tmp);
            goto out;
        }
        snprintf(bak, plen + strlen(backup) + 1, "%s%s", path, backup);
        int b = open(bak, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, doc->st.st_mode & 0777);
        if (b < 0 || cli_write_all(b, doc->raw, doc->raw_len) != 0) {
            cli_error("%s: %s", bak, strerror(errno));
            if (b >= 0)
                close(b);
            unlink(tmp);
            goto out;
        }
        close(b);
    }
    if (rename(tmp, path) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(tmp);
    free(bak);
    return rc;
}

/* ------------------------------------------------------------------ spans */

/* The violations of the document, leftmost-longest over words and rules:
 * sorted by start, none overlapping. */
static int find_spans(const shai_db *db, const struct doc *doc, struct cli_hits *s)
{
    int rc =
        shai_scan(db, (const char *)doc->text, doc->len, SHAI_SCAN_VIOLATIONS, cli_collect_hit, s);
    if (s->oom) {
        cli_error("out of memory");
        return -1;
    }
    if (rc == SHAI_E_MATCH_LIMIT) {
        cli_error("%s: a regular expression rule hit its match limit; not rewritten", doc->name);
        return -1;
    }
    if (rc != SHAI_OK) {
        cli_error("%s: scan failed: %s", doc->name, shai_status_message(rc));
        return -1;
    }
    cli_hits_select(s);
    return 0;
}

/* text with each span replaced by replacement(span) (NULL: kept). */
struct builder {
    unsigned char *p;
    size_t len, cap;
};

static int put(struct builder *b, const void *p, size_t n)
{
    if (b->cap - b->len < n + 1) {
        size_t c = b->cap ? b->cap : 256;
        while (c - b->len < n + 1)
            c *= 2;
        unsigned char *q = realloc(b->p, c);
        if (!q)
            return -1;
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

/* ------------------------------------------------------------------- diff */

/* Lines of p[0..n): offsets of their starts, plus n. */
static size_t *split_lines(const unsigned char *p, size_t n, size_t *count)
{
    size_t k = 1;
    for (size_t i = 0; i < n; i++)
        k += p[i] == '\n';
    size_t *v = malloc((k + 1) * sizeof *v);
    if (!v)
        return NULL;
    size_t m = 0;
    v[m++] = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n' && i + 1 < n)
            v[m++] = i + 1;
    v[m] = n;
    *count = n ? m : 0;
    return v;
}

static void diff_line(char sign, const unsigned char *p, const size_t *v, size_t i)
{
    size_t a = v[i], b = v[i + 1];
    cli_out_char(&cli_stdout, sign);
    cli_out_mem(&cli_stdout, p + a, b - a);
    if (b == a || p[b - 1] != '\n')
        cli_out_str(&cli_stdout, "\n\\ No newline at end of file\n");
}

/* A unified diff (3 lines of context) of old and new, which have the same
 * number of lines (a replacement never holds a line break). */
static int print_diff(const char *name, const unsigned char *old, size_t old_len,
                      const unsigned char *new, size_t new_len)
{
    size_t n_old, n_new;
    size_t *a = split_lines(old, old_len, &n_old), *b = split_lines(new, new_len, &n_new);
    if (!a || !b || n_old != n_new) {
        free(a);
        free(b);
        cli_error("%s: cannot make a diff", name);
        return -1;
    }
    cli_out_str(&cli_stdout, "--- ");
    cli_out_str(&cli_stdout, name);
    cli_out_str(&cli_stdout, "\n+++ ");
    cli_out_str(&cli_stdout, name);
    cli_out_char(&cli_stdout, '\n');
    for (size_t i = 0; i < n_old;) {
        size_t la = a[i + 1] - a[i], lb = b[i + 1] - b[i];
        if (la == lb && memcmp(old + a[i], new + b[i], la) == 0) {
            i++;
            continue;
        }
        /* a hunk: from 3 lines before this change to 3 lines after the
         * last change that lies within 6 lines of the one before */
        size_t first = i > 3 ? i - 3 : 0, last = i, j = i;
        while (j < n_old && j <= last + 6) {
            size_t xa = a[j + 1] - a[j], xb = b[j + 1] - b[j];
            if (!(xa == xb && memcmp(old + a[j], new + b[j], xa) == 0))
                last = j;
            j++;
        }
        size_t end = last + 4 < n_old ? last + 4 : n_old;
        cli_out_str(&cli_stdout, "@@ -");
        cli_out_u64(&cli_stdout, first + 1);
        cli_out_char(&cli_stdout, ',');
        cli_out_u64(&cli_stdout, end - first);
        cli_out_str(&cli_stdout, " +");
        cli_out_u64(&cli_stdout, first + 1);
        cli_out_char(&cli_stdout, ',');
        cli_out_u64(&cli_stdout, end - first);
        cli_out_str(&cli_stdout, " @@\n");
        for (size_t k = first; k < end;) {
            size_t xa = a[k + 1] - a[k], xb = b[k + 1] - b[k];
            if (xa == xb && memcmp(old + a[k], new + b[k], xa) == 0) {
                diff_line(' ', old, a, k++);
                continue;
            }
            /* a run of changed lines: the old ones, then the new ones */
            size_t run = k;
            while (run < end) {
                size_t ya = a[run + 1] - a[run], yb = b[run + 1] - b[run];
                if (ya == yb && memcmp(old + a[run], new + b[run], ya) == 0)
                    break;
                run++;
            }
            for (size_t m = k; m < run; m++)
                diff_line('-', old, a, m);
            for (size_t m = k; m < run; m++)
                diff_line('+', new, b, m);
            k = run;
        }
        i = end;
    }
    free(a);
    free(b);
    return 0;
}

/* ---------------------------------------------------------------- options */

enum {
    OPT_LEXICON = 1,
    OPT_DB,
    OPT_NO_FOLD,
    OPT_ENCODING,
    OPT_IN_PLACE,
    OPT_BACKUP,
    OPT_NO_BACKUP,
    OPT_DIFF,
    OPT_CHAR,
    OPT_PHRASE,
    OPT_PHRASE_FOR,
    OPT_HELP,
    OPT_VERSION,
};

static const struct cli_option mask_options[] = {
    {"lexicon", 'L', CLI_ARG_REQUIRED, OPT_LEXICON},
    {"db", 0, CLI_ARG_REQUIRED, OPT_DB},
    {"no-fold", 0, CLI_ARG_NONE, OPT_NO_FOLD},
    {"encoding", 'E', CLI_ARG_REQUIRED, OPT_ENCODING},
    {"in-place", 'i', CLI_ARG_NONE, OPT_IN_PLACE},
    {"backup", 0, CLI_ARG_REQUIRED, OPT_BACKUP},
    {"no-backup", 0, CLI_ARG_NONE, OPT_NO_BACKUP},
    {"char", 0, CLI_ARG_REQUIRED, OPT_CHAR},
    {"phrase", 0, CLI_ARG_REQUIRED, OPT_PHRASE},
    {"phrase-for", 0, CLI_ARG_REQUIRED, OPT_PHRASE_FOR},
    {"help", 'h', CLI_ARG_NONE, OPT_HELP},
    {"version", 0, CLI_ARG_NONE, OPT_VERSION},
    {NULL, 0, 0, 0},
};

static const struct cli_option fix_options[] = {
    {"lexicon", 'L', CLI_ARG_REQUIRED, OPT_LEXICON},
    {"db", 0, CLI_ARG_REQUIRED, OPT_DB},
    {"no-fold", 0, CLI_ARG_NONE, OPT_NO_FOLD},
    {"encoding", 'E', CLI_ARG_REQUIRED, OPT_ENCODING},
    {"diff", 'd', CLI_ARG_NONE, OPT_DIFF},
    {"backup", 0, CLI_ARG_REQUIRED, OPT_BACKUP},
    {"no-backup", 0, CLI_ARG_NONE, OPT_NO_BACKUP},
    {"help", 'h', CLI_ARG_NONE, OPT_HELP},
    {"version", 0, CLI_ARG_NONE, OPT_VERSION},
    {NULL, 0, 0, 0},
};

void cmd_mask_help(FILE *out)
{
    fputs("Usage: shai mask [OPTION]... [FILE]...\n"
          "Mask the violations in each FILE (none or -: standard input) and print\n"
          "the masked text, or with -i rewrite the files. The encoding of a file\n"
          "(UTF-8, a BOM, GB18030/GBK or Big5, as 'shai scan' detects it) and its\n"
          "line endings are kept; nothing but the violations changes.\n"
          "\n"
          "Options:\n"
          "  -L, --lexicon=PATH  lexicon file or directory; repeatable\n"
          "      --db=FILE       a saved db made by 'shai compile'\n"
          "      --no-fold       exact matching (not with --db)\n"
          "  -E, --encoding=NAME the encoding of the files, instead of detection\n"
          "      --char=C        the mask character (default *): every code point\n"
          "                      of every violation becomes C (shai_mask)\n"
          "      --phrase=TEXT   each violation (leftmost-longest) becomes TEXT\n"
          "      --phrase-for=CATEGORY=TEXT\n"
          "                      the violations of CATEGORY become TEXT; others\n"
          "                      get --phrase, or --char per code point; repeatable\n"
          "  -i, --in-place      rewrite each FILE instead of printing it\n"
          "      --backup=SUFFIX with -i, keep the old file as FILE + SUFFIX\n"
          "                      (default .bak)\n"
          "      --no-backup     with -i, keep no copy\n"
          "  -h, --help          show this help and exit\n"
          "      --version       show the version and exit\n"
          "\n"
          "Exit status: 0 if nothing was masked, 1 if something was, 2 on error\n"
          "(a file that cannot be read, decoded or written back is left as it is).\n",
          out);
}

void cmd_fix_help(FILE *out)
{
    fputs("Usage: shai fix [OPTION]... FILE...\n"
          "Replace each violation whose lexicon entry has a suggestion (such as\n"
          "全网第一 -> 全网热销) by the suggestion, in place, keeping a backup; or\n"
          "with --diff print a unified diff and change nothing. Violations without\n"
          "a suggestion are left. The encoding of a file (as 'shai scan' detects\n"
          "it) and its line endings are kept.\n"
          "\n"
          "Options:\n"
          "  -L, --lexicon=PATH  lexicon file or directory; repeatable\n"
          "      --db=FILE       a saved db made by 'shai compile'\n"
          "      --no-fold       exact matching (not with --db)\n"
          "  -E, --encoding=NAME the encoding of the files, instead of detection\n"
          "  -d, --diff          print a unified diff (in the file's bytes; for a\n"
          "                      UTF-16 file, of its text in UTF-8) and change\n"
          "                      nothing\n"
          "      --backup=SUFFIX keep the old file as FILE + SUFFIX (default .bak)\n"
          "      --no-backup     keep no copy\n"
          "  -h, --help          show this help and exit\n"
          "      --version       show the version and exit\n"
          "\n"
          "Exit status: 0 if nothing was replaced, 1 if something was (or, with\n"
          "--diff, would be), 2 on error.\n",
          out);
}

struct phrase_for {
    const char *category;
    size_t category_len;
    const char *text;
};

/* The phrase for category id `c`, or NULL. */
static const char *phrase_of(const shai_db *db, uint32_t c, const struct phrase_for *pf, size_t n,
                             const char *phrase)
{
    const char *name = NULL;
    if (shai_db_category_name(db, c, &name) == SHAI_OK && name) {
        for (size_t i = 0; i < n; i++)
            if (strlen(name) == pf[i].category_len &&
                memcmp(name, pf[i].category, pf[i].category_len) == 0)
                return pf[i].text;
    }
    return phrase;
}

static int rewrite(bool fix, int argc, char **argv)
{
    const char *cmd = fix ? "fix" : "mask";
    struct cli_parser p;
    struct cli_db_source src = {NULL, 0, NULL, false};
    const char **lexicons = cli_arg_list(argc), **files = cli_arg_list(argc);
    struct phrase_for *pf = calloc((size_t)argc + 1, sizeof *pf);
    size_t n_lexicons = 0, n_files = 0, n_pf = 0;
    const char *arg, *encoding = NULL, *backup = ".bak", *phrase = NULL;
    bool in_place = fix, diff = false;
    uint32_t mask_cp = '*';
    char mask_utf8[4] = {'*'};
    size_t mask_len = 1;
    shai_db *db = NULL;
    int id, status = CLI_EXIT_ERROR;
    bool changed_any = false;

    if (!lexicons || !files || !pf)
        goto out;
    cli_parser_init(&p, argc, argv, cmd);
    while ((id = cli_next(&p, fix ? fix_options : mask_options, &arg)) != CLI_NEXT_END) {
        switch (id) {
        case CLI_NEXT_ERROR:
            goto out;
        case CLI_NEXT_OPERAND:
            files[n_files++] = arg;
            break;
        case OPT_LEXICON:
            if (!cli_lexicon_path(cmd, arg))
                goto out;
            lexicons[n_lexicons++] = arg;
            break;
        case OPT_DB:
            if (!cli_single_path(cmd, "db", arg, &src.db_path))
                goto out;
            break;
        case OPT_NO_FOLD:
            src.no_fold = true;
            break;
        case OPT_ENCODING:
            encoding = arg;
            break;
        case OPT_IN_PLACE:
            in_place = true;
            break;
        case OPT_BACKUP:
            backup = arg;
            break;
        case OPT_NO_BACKUP:
            backup = NULL;
            break;
        case OPT_DIFF:
            diff = true;
            break;
        case OPT_CHAR: {
            size_t n = strlen(arg), k = shai_utf8_decode(arg, n, &mask_cp);
            if (n == 0 || k != n || mask_cp >= 0x110000 || mask_cp == '\n') {
                cli_usage_error(cmd, "--char takes one character, not '%s'", arg);
                goto out;
            }
            memcpy(mask_utf8, arg, n);
            mask_len = n;
            break;
        }
        case OPT_PHRASE:
            phrase = arg;
            break;
        case OPT_PHRASE_FOR: {
            const char *eq = strchr(arg, '=');
            if (!eq || eq == arg) {
                cli_usage_error(cmd, "--phrase-for takes CATEGORY=TEXT, not '%s'", arg);
                goto out;
            }
            pf[n_pf].category = arg;
            pf[n_pf].category_len = (size_t)(eq - arg);
            pf[n_pf].text = eq + 1;
            n_pf++;
            break;
        }
        case OPT_HELP:
            status = cli_print_help(fix ? cmd_fix_help : cmd_mask_help);
            goto out;
        case OPT_VERSION:
            status = cli_version();
            goto out;
        default:
            goto out;
        }
    }
    if (cli_check_db_options(cmd, &src, n_lexicons, "") != CLI_EXIT_CLEAN)
        goto out;
    if (n_files == 0) {
        if (fix && !diff) {
            cli_usage_error(cmd, "no FILE to fix (use --diff to read standard input)");
            goto out;
        }
        files[n_files++] = "-";
    }
    for (size_t i = 0; i < n_files; i++) {
        if (in_place && !diff && strcmp(files[i], "-") == 0) {
            cli_usage_error(cmd, "standard input cannot be rewritten in place");
            goto out;
        }
    }
    src.lexicons = lexicons;
    src.n_lexicons = n_lexicons;
    if (cli_open_db(&src, &db, NULL, NULL) != CLI_EXIT_CLEAN)
        goto out;

    status = CLI_EXIT_CLEAN;
    for (size_t f = 0; f < n_files; f++) {
        struct doc doc;
        struct cli_hits sp = {NULL, 0, 0, false};
        struct builder nb = {NULL, 0, 0};
        unsigned char *enc = NULL;
        size_t enc_len = 0;
        bool changed = false, ok = false;

        if (doc_load(&doc, files[f], encoding) != 0)
            goto next;
        if (!fix && n_pf == 0 && !phrase) {
            /* the library's mask: every code point of every violation */
            size_t need = 0;
            int rc = shai_mask(db, (const char *)doc.text, doc.len, mask_cp, NULL, 0, &need);
            if (rc == SHAI_E_BUFFER_TOO_SMALL || rc == SHAI_OK) {
                nb.p = malloc(need + 1);
                nb.cap = need + 1;
                rc = nb.p ? shai_mask(db, (const char *)doc.text, doc.len, mask_cp, (char *)nb.p,
                                      nb.cap, &nb.len)
                          : SHAI_E_NOMEM;
            }
            if (rc != SHAI_OK) {
                cli_error("%s: cannot mask: %s", doc.name, shai_status_message(rc));
                goto next;
            }
            changed = nb.len != doc.len || memcmp(nb.p, doc.text, doc.len) != 0;
        } else {
            uint64_t at = 0;
            if (find_spans(db, &doc, &sp) != 0)
                goto next;
            for (size_t i = 0; i < sp.n; i++) {
                const shai_hit *h = &sp.v[i];
                const char *with = NULL;
                if (fix) {
                    if (shai_db_entry_info(db, h->entry, NULL, NULL, NULL, NULL, &with) !=
                            SHAI_OK ||
                        !with || !with[0])
                        continue;
                } else {
                    with = phrase_of(db, h->category, pf, n_pf, phrase);
                }
                if (put(&nb, doc.text + at, (size_t)(h->start - at)) != 0)
                    goto oom;
                if (with) {
                    if (put(&nb, with, strlen(with)) != 0)
                        goto oom;
                } else {
                    for (uint64_t k = h->start; k < h->end;) {
                        k += cli_utf8_unit(doc.text + k, (size_t)(h->end - k), true);
                        if (put(&nb, mask_utf8, mask_len) != 0)
                            goto oom;
                    }
                }
                at = h->end;
                changed = true;
            }
            if (put(&nb, doc.text + at, doc.len - (size_t)at) != 0)
                goto oom;
        }
        if (diff) {
            if (changed) {
                if (doc.charset && strncasecmp(doc.charset, "UTF-16", 6) == 0)
                    ok = print_diff(doc.name, doc.text, doc.len, nb.p, nb.len) == 0;
                else if (doc_encode(&doc, nb.p, nb.len, &enc, &enc_len) == 0)
                    ok = print_diff(doc.name, doc.raw, doc.raw_len, enc, enc_len) == 0;
            } else {
                ok = true;
            }
        } else if (doc_encode(&doc, nb.p, nb.len, &enc, &enc_len) == 0) {
            if (in_place)
                ok = !changed || write_in_place(&doc, files[f], enc, enc_len, backup) == 0;
            else
                ok = (cli_out_mem(&cli_stdout, enc, enc_len), cli_stdout.error == 0);
        }
        if (ok && changed)
            changed_any = true;
        goto next;
    oom:
        cli_error("out of memory");
    next:
        if (!ok)
            status = CLI_EXIT_ERROR;
        free(sp.v);
        free(nb.p);
        free(enc);
        doc_free(&doc);
    }
    if (cli_out_flush(&cli_stdout) != 0) {
        cli_error("write error: %s", strerror(cli_stdout.error));
        status = CLI_EXIT_ERROR;
    }
    if (status == CLI_EXIT_CLEAN && changed_any)
        status = CLI_EXIT_HITS;
out:
    shai_db_free(db);
    free(lexicons);
    free(files);
    free(pf);
    return status;
}

int cmd_mask(int argc, char **argv)
{
    return rewrite(false, argc, argv);
}

int cmd_fix(int argc, char **argv)
{
    return rewrite(true, argc, argv);
}
