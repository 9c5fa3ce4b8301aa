/*
 * `shai import`: bring third-party word lists into one lexicon file. The
 * sources go through the library's parser; with --lenient every malformed
 * line is skipped and reported (SHAI_OPT_LENIENT), never dropped silently,
 * and the output holds the other lines as written, so that it loads exactly
 * what the lenient builder loaded. Before the output is written it is
 * parsed again, strictly, and must give the same entries.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cmd_import_help(FILE *out)
{
    fputs("Usage: shai import [OPTION]... SRC... -o OUT.txt\n"
          "Read third-party word lists (lexicon files, or directories of *.txt\n"
          "files; a plain list of one word a line is a lexicon file) and write\n"
          "them as one lexicon file that 'shai compile' and 'shai lint' accept.\n"
          "\n"
          "Options:\n"
          "  -o, --output=OUT  the lexicon file to write (- for standard output)\n"
          "      --lenient     skip the lines the compiler refuses (invalid UTF-8,\n"
          "                    a control character, an empty or too long entry, a\n"
          "                    bad rule, directive or attribute) and report each\n"
          "                    one; without it the first such line is an error and\n"
          "                    nothing is written\n"
          "  -q, --quiet       no summary line on standard error\n"
          "  -h, --help        show this help and exit\n"
          "      --version     show the version and exit\n"
          "\n"
          "OUT holds every line of the sources that was not skipped, as written\n"
          "(comments included, without a byte order mark or carriage returns),\n"
          "each source after a comment naming it and lines that reset the\n"
          "directives (@category uncategorized, @action block, @deny, @fold,\n"
          "@tag, @suggestion), so each source means what it meant alone.\n"
          "Each skipped line is reported on standard error as\n"
          "  FILE:LINE:COL: skipped: MESSAGE\n"
          "with an invisible character named by its code point (e.g. 'entry:\n"
          "control character U+0016'), then the count:\n"
          "  shai: import: N entries from F files to OUT, K lines skipped\n"
          "\n"
          "Exit status: 0 if every line was imported, 1 if lines were skipped\n"
          "(--lenient; OUT is written), 2 on an error (nothing is written).\n",
          out);
}

enum { OPT_OUTPUT = 1, OPT_LENIENT, OPT_QUIET, OPT_HELP, OPT_VERSION };

static const struct cli_option import_options[] = {
    {"output", 'o', CLI_ARG_REQUIRED, OPT_OUTPUT}, {"lenient", 0, CLI_ARG_NONE, OPT_LENIENT},
    {"quiet", 'q', CLI_ARG_NONE, OPT_QUIET},       {"help", 'h', CLI_ARG_NONE, OPT_HELP},
    {"version", 0, CLI_ARG_NONE, OPT_VERSION},     {NULL, 0, 0, 0},
};

struct file_list {
    char **paths;
    size_t n;
    bool failed;
};

static int add_file(const char *path, uint32_t kind, void *user)
{
    struct file_list *fl = user;
    if (kind != SHAI_PATH_FILE)
        return 0;
    if (fl->n % 32 == 0) {
        char **q = realloc(fl->paths, (fl->n + 32) * sizeof *q);
        if (!q) {
            fl->failed = true;
            return 1;
        }
        fl->paths = q;
    }
    if (!(fl->paths[fl->n] = strdup(path))) {
        fl->failed = true;
        return 1;
    }
    fl->n++;
    return 0;
}

static int read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0;
    char *buf;

    if (!f)
        return errno ? errno : EIO;
    buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return ENOMEM;
    }
    for (;;) {
        if (n == cap) {
            char *q = realloc(buf, cap * 2);
            if (!q) {
                free(buf);
                fclose(f);
                return ENOMEM;
            }
            buf = q;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f) ? EIO : 0;
    fclose(f);
    if (err) {
        free(buf);
        return err;
    }
    *data = buf;
    *len = n;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static bool starts_directive(const char *s, const char *e, const char *name)
{
    size_t n = strlen(name);
    return (size_t)(e - s) >= n && memcmp(s, name, n) == 0 &&
           ((size_t)(e - s) == n || s[n] == ' ' || s[n] == '\t');
}

/* Appends the lines of `data` except the `skip` ones (sorted line numbers)
 * to `o`, after a header that names `path` and resets the directives. */
static void copy_source(struct cli_out *o, const char *path, const char *data, size_t len,
                        const uint32_t *skip, size_t n_skip)
{
    const char *p = data, *end = data + len;
    uint32_t line = 0;
    size_t k = 0;
    bool in_scene = false;

    cli_out_str(o, "\n# imported from ");
    cli_out_text_escaped(o, path, strlen(path));
    cli_out_str(o, "\n@category uncategorized\n@action block\n@deny\n@fold\n@tag\n@suggestion\n");
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *s;
        const char *lp = p;
        p = nl ? nl + 1 : end;
        line++;
        while (k < n_skip && skip[k] < line)
            k++;
        if (k < n_skip && skip[k] == line)
            continue;
        if (le > lp && le[-1] == '\r')
            le--;
        for (s = lp; s < le && *s == ' '; s++)
            ;
        if (starts_directive(s, le, "@scene"))
            in_scene = true;
        else if (starts_directive(s, le, "@end"))
            in_scene = false;
        cli_out_mem(o, lp, (size_t)(le - lp));
        cli_out_char(o, '\n');
    }
    /* a scene ends with its file */
    if (in_scene)
        cli_out_str(o, "@end\n");
}

/* FILE:LINE:COL: skipped: MESSAGE on standard error, escaped. */
static void report_skipped(const char *path, uint32_t line, uint32_t col, const char *message)
{
    struct cli_out o;
    cli_out_init_memory(&o);
    cli_out_text_escaped(&o, path, strlen(path));
    cli_out_char(&o, ':');
    cli_out_u64(&o, line);
    cli_out_char(&o, ':');
    cli_out_u64(&o, col);
    cli_out_str(&o, ": skipped: ");
    cli_out_text_escaped(&o, message, strlen(message));
    cli_out_char(&o, '\n');
    fflush(stdout);
    if (!o.error)
        fwrite(o.buf, 1, o.len, stderr);
    cli_out_free_memory(&o);
}

static int write_output(const char *path, const char *data, size_t len)
{
    FILE *f;
    if (strcmp(path, "-") == 0) {
        if (cli_write_all(1, data, len) != 0) {
            cli_error("write error: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    f = fopen(path, "wb");
    if (!f) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        cli_error("%s: write error: %s", path, strerror(errno));
        if (f)
            remove(path);
        return -1;
    }
    return 0;
}

int cmd_import(int argc, char **argv)
{
    struct cli_parser p;
    struct file_list fl = {0};
    struct cli_out out;
    const char **sources, *output = NULL, *arg;
    size_t n_sources = 0, skipped_total = 0;
    bool lenient = false, quiet = false;
    shai_builder *b = NULL, *check = NULL;
    uint32_t *skip = NULL;
    char *data = NULL;
    int id, rc, status = CLI_EXIT_ERROR;

    cli_out_init_memory(&out);
    sources = cli_arg_list(argc);
    if (!sources)
        return CLI_EXIT_ERROR;
    cli_parser_init(&p, argc, argv, "import");
    while ((id = cli_next(&p, import_options, &arg)) != CLI_NEXT_END) {
        switch (id) {
        case CLI_NEXT_ERROR:
            goto out;
        case CLI_NEXT_OPERAND:
            if (!cli_lexicon_path("import", arg))
                goto out;
            sources[n_sources++] = arg;
            break;
        case OPT_OUTPUT:
            if (!cli_single_path("import", "output", arg, &output))
                goto out;
            break;
        case OPT_LENIENT:
            lenient = true;
            break;
        case OPT_QUIET:
            quiet = true;
            break;
        case OPT_HELP:
            status = cli_print_help(cmd_import_help);
            goto out;
        case OPT_VERSION:
            status = cli_version();
            goto out;
        default:
            goto out;
        }
    }
    if (n_sources == 0) {
        cli_usage_error("import", "no source list given");
        goto out;
    }
    if (!output) {
        cli_usage_error("import", "no output file given (-o OUT.txt)");
        goto out;
    }

    if ((rc = shai_builder_new(&b)) != SHAI_OK ||
        (lenient && (rc = shai_builder_set_option(b, SHAI_OPT_LENIENT, 1)) != SHAI_OK)) {
        cli_error("cannot create a lexicon builder: %s", shai_status_message(rc));
        goto out;
    }
    for (size_t i = 0; i < n_sources; i++) {
        rc = shai_builder_walk_path(b, sources[i], add_file, &fl);
        if (rc != SHAI_OK) {
            cli_walk_error(b, sources[i], rc, fl.failed);
            goto out;
        }
    }
    cli_out_str(&out, "# A lexicon imported by 'shai import");
    if (lenient)
        cli_out_str(&out, " --lenient");
    cli_out_str(&out, "' (docs/lexicon-format.md).\n");
    for (size_t i = 0; i < fl.n; i++) {
        size_t len = 0;
        uint32_t first = shai_builder_skipped_count(b), n_skip;
        int err = read_file(fl.paths[i], &data, &len);
        if (err) {
            cli_error("%s: %s", fl.paths[i], strerror(err));
            goto out;
        }
        rc = shai_builder_add_source(b, fl.paths[i], data, len);
        if (rc != SHAI_OK) {
            cli_builder_error(b, fl.paths[i], rc, lenient ? NULL : " (use --lenient to skip it)");
            goto out;
        }
        n_skip = shai_builder_skipped_count(b) - first;
        free(skip);
        skip = malloc(((size_t)n_skip + 1) * sizeof *skip);
        if (!skip) {
            cli_error("out of memory");
            goto out;
        }
        for (uint32_t k = 0; k < n_skip; k++) {
            const char *message = NULL;
            uint32_t line = 0, col = 0;
            shai_builder_skipped(b, first + k, NULL, &line, &col, &message);
            skip[k] = line;
            report_skipped(fl.paths[i], line, col, message);
        }
        qsort(skip, n_skip, sizeof *skip, cmp_u32);
        skipped_total += n_skip;
        copy_source(&out, fl.paths[i], data, len, skip, n_skip);
        free(data);
        data = NULL;
    }
    if (out.error) {
        cli_error("out of memory");
        goto out;
    }
    /* What is written must load strictly, with the same entries. */
    rc = shai_builder_new(&check);
    if (rc == SHAI_OK)
        rc = shai_builder_add_source(check, output, out.buf, out.len);
    if (rc != SHAI_OK || shai_builder_entry_count(check) != shai_builder_entry_count(b) ||
        shai_builder_addition_count(check) != shai_builder_addition_count(b)) {
        cli_error("internal error: the imported lexicon does not load as its sources did%s%s",
                  rc != SHAI_OK ? ": " : "",
                  rc != SHAI_OK ? shai_builder_error_message(check) : "");
        goto out;
    }
    if (write_output(output, out.buf, out.len) != 0)
        goto out;
    if (!quiet)
        fprintf(stderr, "shai: import: %u entries from %zu file%s to %s, %zu line%s skipped\n",
                shai_builder_entry_count(b), fl.n, fl.n == 1 ? "" : "s",
                strcmp(output, "-") == 0 ? "standard output" : output, skipped_total,
                skipped_total == 1 ? "" : "s");
    status = skipped_total > 0 ? CLI_EXIT_HITS : CLI_EXIT_CLEAN;

out:
    free(data);
    free(skip);
    for (size_t i = 0; i < fl.n; i++)
        free(fl.paths[i]);
    free(fl.paths);
    shai_builder_free(check);
    shai_builder_free(b);
    cli_out_free_memory(&out);
    free(sources);
    return status;
}
