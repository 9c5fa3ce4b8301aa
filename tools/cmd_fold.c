/*
 * `shai fold`: print the folded form of text, i.e. what the matcher compares
 * with the (equally folded) lexicon entries, so that a maintainer can see why
 * a text matched or did not.
 *
 * Folding works code point by code point (shai_fold), so standard input is
 * folded in pieces cut between UTF-8 units: lines of any length cost no more
 * memory than one piece.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PIECE ((size_t)64 * 1024)

struct folder {
    uint32_t stages;
    bool verbose;
    char *out; /* shai_fold output */
    size_t out_cap;
    struct cli_out notes; /* -v: the explanations of the current line */
};

/* Fold text[0..len) into f->out; *n receives the length. */
static int fold_into(struct folder *f, const char *text, size_t len, size_t *n)
{
    int rc;

    for (;;) {
        rc = shai_fold(f->stages, text, len, f->out, f->out_cap, n);
        if (rc != SHAI_E_BUFFER_TOO_SMALL)
            break;
        size_t cap = f->out_cap ? f->out_cap : 4096;
        while (cap < *n + 1)
            cap *= 2;
        char *q = realloc(f->out, cap);
        if (!q) {
            cli_error("out of memory");
            return -1;
        }
        f->out = q;
        f->out_cap = cap;
    }
    if (rc != SHAI_OK) {
        cli_error("cannot fold: %s", shai_status_message(rc));
        return -1;
    }
    return 0;
}

static void out_codepoint(struct cli_out *o, uint32_t cp)
{
    char buf[16];
    snprintf(buf, sizeof buf, "U+%04X", (unsigned)cp);
    cli_out_str(o, buf);
}

/* -v: one note per code point of text[0..len) that the fold changes. */
static int explain(struct folder *f, const char *text, size_t len)
{
    struct cli_out *o = &f->notes;
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;

    while (i < len) {
        uint32_t cp;
        size_t u = cli_utf8_unit_cp(p + i, len - i, true, &cp);
        size_t n = 0;

        if (cp >= SHAI_UTF8_TRUNCATED) {
            cli_out_str(o, "  ");
            cli_out_text_escaped(o, text + i, 1);
            cli_out_str(o, " (invalid UTF-8) -> \xef\xbf\xbd U+FFFD\n");
            i++;
            continue;
        }
        if (fold_into(f, text + i, u, &n) != 0)
            return -1;
        if (n != u || memcmp(f->out, text + i, u) != 0) {
            const unsigned char *q = (const unsigned char *)f->out;
            cli_out_str(o, "  ");
            cli_out_text_escaped(o, text + i, u);
            cli_out_char(o, ' ');
            out_codepoint(o, cp);
            cli_out_str(o, " -> ");
            if (n == 0)
                cli_out_str(o, "(nothing)");
            else
                cli_out_text_escaped(o, f->out, n);
            for (size_t k = 0; k < n;) {
                uint32_t folded;
                size_t m = cli_utf8_unit_cp(q + k, n - k, true, &folded);
                cli_out_char(o, ' ');
                out_codepoint(o, folded);
                k += m;
            }
            cli_out_char(o, '\n');
        }
        i += u;
    }
    if (o->error) {
        cli_error("out of memory");
        return -1;
    }
    return 0;
}

/* Fold and print text[0..len), a piece of a line; with -v note the changes. */
static int fold_piece(struct folder *f, const char *text, size_t len)
{
    size_t n = 0;

    if (fold_into(f, text, len, &n) != 0)
        return -1;
    cli_out_text_escaped(&cli_stdout, f->out, n);
    if (f->verbose && explain(f, text, len) != 0)
        return -1;
    return 0;
}

/* End the output line; with -v, print the notes of the line after it. */
static void end_line(struct folder *f)
{
    cli_out_char(&cli_stdout, '\n');
    if (f->notes.len > 0) {
        cli_out_mem(&cli_stdout, f->notes.buf, f->notes.len);
        f->notes.len = 0;
    }
}

static int fold_text(struct folder *f, const char *text, size_t len)
{
    if (fold_piece(f, text, len) != 0)
        return -1;
    end_line(f);
    return cli_stdout.error ? -1 : 0;
}

/* Length of the longest prefix of p[0..n) made of whole units: never cuts
 * a (possibly) incomplete UTF-8 sequence at the end. */
static size_t whole_units(const unsigned char *p, size_t n)
{
    size_t i = n;
    /* Only the last 3 bytes can hold an incomplete sequence. */
    size_t from = n > 3 ? n - 3 : 0;
    for (size_t j = from; j < n; j++) {
        if (p[j] >= 0xC2 && p[j] <= 0xF4 && cli_utf8_unit(p + j, n - j, false) == 0) {
            i = j;
            break;
        }
    }
    return i;
}

/* Fold each line of standard input. */
static int fold_stdin(struct folder *f)
{
    unsigned char *buf = malloc(PIECE);
    size_t len = 0;
    bool in_line = false; /* bytes of an unfinished line were printed */
    int status = CLI_EXIT_CLEAN;

    if (!buf) {
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf + len, PIECE - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            cli_error("%s: %s", "<stdin>", strerror(errno));
            status = CLI_EXIT_ERROR;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        size_t start = 0;
        for (;;) {
            unsigned char *nl = memchr(buf + start, '\n', len - start);
            if (!nl)
                break;
            size_t end = (size_t)(nl - buf);
            if (fold_piece(f, (const char *)buf + start, end - start) != 0) {
                status = CLI_EXIT_ERROR;
                goto out;
            }
            end_line(f);
            in_line = false;
            start = end + 1;
        }
        /* The unfinished line: fold its whole units now, keep the rest. */
        size_t keep_from = start + whole_units(buf + start, len - start);
        if (keep_from > start) {
            if (fold_piece(f, (const char *)buf + start, keep_from - start) != 0) {
                status = CLI_EXIT_ERROR;
                goto out;
            }
            in_line = true;
        }
        memmove(buf, buf + keep_from, len - keep_from);
        len -= keep_from;
        if (cli_stdout.error)
            break;
    }
    if (status == CLI_EXIT_CLEAN && (len > 0 || in_line)) {
        if (fold_piece(f, (const char *)buf, len) != 0)
            status = CLI_EXIT_ERROR;
        end_line(f);
    }
out:
    free(buf);
    return status;
}

void cmd_fold_help(FILE *out)
{
    fputs("Usage: shai fold [OPTION]... [TEXT]...\n"
          "Print the folded form of each TEXT, or of each line of standard input when\n"
          "no TEXT is given: what the matcher compares with the lexicon entries,\n"
          "which are folded the same way. One output line per input.\n"
          "\n"
          "Options:\n"
          "  -s, --stages=LIST  fold with these stages only: a comma-separated list\n"
          "                     of the stage names below, 'all' (the default) or\n"
          "                     'none'\n"
          "      --no-STAGE     leave out one stage, e.g. --no-t2s; repeatable\n"
          "  -v, --verbose      after each folded line, list every code point that\n"
          "                     the fold changes, indented: 'X U+XXXX -> Y U+YYYY',\n"
          "                     or '(nothing)' when it is dropped\n"
          "  -h, --help         show this help and exit\n"
          "      --version      show the version and exit\n"
          "\n"
          "Stages, in the order they apply:\n"
          "  width        full and half width forms: ＶＰＮ -> VPN\n"
          "  compat       compatibility and styled forms: ⓓ 𝐝 -> d, ① -> 1\n"
          "  case         case folding: Du -> du\n"
          "  diacritics   Latin diacritics and combining marks: pórn -> porn\n"
          "  confusables  Cyrillic/Greek/Latin lookalikes: fuсk -> fuck\n"
          "  t2s          Traditional to Simplified Chinese: 賭博 -> 赌博\n"
          "  ignorables   drop zero-width, format characters, variation selectors\n"
          "\n"
          "Noise characters (spaces, punctuation, symbols, emoji) are kept in the\n"
          "output: the matcher may skip a few of them between the characters of\n"
          "an entry (赌*博 matches 赌博), and that happens at scan time, not here.\n"
          "Control characters and invalid UTF-8 bytes of the input print as \\xHH\n"
          "(an invalid byte folds to U+FFFD).\n"
          "\n"
          "Exit status: 0 on success, 2 if an error occurred.\n",
          out);
}

enum { OPT_STAGES = 1, OPT_VERBOSE, OPT_HELP, OPT_VERSION, OPT_NO_STAGE };

/* --no-STAGE options get ids OPT_NO_STAGE + i for stage bit 1 << i. */
#define N_STAGES 7

int cmd_fold(int argc, char **argv)
{
    struct cli_option opts[5 + N_STAGES + 1];
    char names[N_STAGES][24];
    struct cli_parser p;
    struct folder f;
    uint32_t off = 0;
    const char **texts;
    size_t n_texts = 0, k = 0;
    const char *arg;
    int id, status = CLI_EXIT_ERROR;

    memset(&f, 0, sizeof f);
    f.stages = SHAI_FOLD_ALL;
    cli_out_init_memory(&f.notes);
    opts[k++] = (struct cli_option){"stages", 's', CLI_ARG_REQUIRED, OPT_STAGES};
    opts[k++] = (struct cli_option){"verbose", 'v', CLI_ARG_NONE, OPT_VERBOSE};
    opts[k++] = (struct cli_option){"help", 'h', CLI_ARG_NONE, OPT_HELP};
    opts[k++] = (struct cli_option){"version", 0, CLI_ARG_NONE, OPT_VERSION};
    for (int i = 0; i < N_STAGES && shai_fold_stage_name(1u << i); i++) {
        snprintf(names[i], sizeof names[i], "no-%s", shai_fold_stage_name(1u << i));
        opts[k++] = (struct cli_option){names[i], 0, CLI_ARG_NONE, OPT_NO_STAGE + i};
    }
    opts[k] = (struct cli_option){NULL, 0, 0, 0};

    texts = cli_arg_list(argc);
    if (!texts)
        return CLI_EXIT_ERROR;
    cli_parser_init(&p, argc, argv, "fold");
    while ((id = cli_next(&p, opts, &arg)) != CLI_NEXT_END) {
        switch (id) {
        case CLI_NEXT_ERROR:
            goto out;
        case CLI_NEXT_OPERAND:
            texts[n_texts++] = arg;
            break;
        case OPT_STAGES:
            if (!cli_parse_fold_stages("fold", arg, &f.stages))
                goto out;
            break;
        case OPT_VERBOSE:
            f.verbose = true;
            break;
        case OPT_HELP:
            status = cli_print_help(cmd_fold_help);
            goto out;
        case OPT_VERSION:
            status = cli_version();
            goto out;
        default:
            if (id >= OPT_NO_STAGE && id < OPT_NO_STAGE + N_STAGES) {
                off |= 1u << (id - OPT_NO_STAGE);
                break;
            }
            goto out;
        }
    }
    f.stages &= ~off;

    status = CLI_EXIT_CLEAN;
    if (n_texts == 0) {
        status = fold_stdin(&f);
    } else {
        for (size_t i = 0; i < n_texts; i++) {
            if (fold_text(&f, texts[i], strlen(texts[i])) != 0) {
                status = CLI_EXIT_ERROR;
                break;
            }
        }
    }
    if (cli_out_flush(&cli_stdout) != 0) {
        fprintf(stderr, "shai: write error: %s\n", strerror(cli_stdout.error));
        status = CLI_EXIT_ERROR;
    }
out:
    free(f.out);
    cli_out_free_memory(&f.notes);
    free(texts);
    return status;
}
