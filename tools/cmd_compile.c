/*
 * `shai compile`: compile lexicon files and directories into a saved db
 * (shai_db_save), which `shai scan --db` and applications open with
 * shai_db_open without compiling again.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A Makefile/ninja dependency file: "target: dep dep ...". */
static void depfile_word(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == ' ' || *s == '\\' || *s == '#')
            fputc('\\', f);
        if (*s == '$')
            fputc('$', f);
        fputc(*s, f);
    }
}

/* Every lexicon file `b` read, then every directory it listed (a file
 * added to one changes its mtime). */
static int write_depfile(const char *depfile, const char *target, const shai_builder *b)
{
    static const uint32_t kinds[2] = {SHAI_PATH_FILE, SHAI_PATH_DIR};
    FILE *f = fopen(depfile, "w");

    if (!f) {
        cli_error("%s: %s", depfile, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    depfile_word(f, target);
    fputc(':', f);
    for (size_t k = 0; k < 2; k++) {
        for (uint32_t i = 0; i < shai_builder_path_count(b); i++) {
            const char *path;
            uint32_t kind;
            if (shai_builder_path(b, i, &path, &kind) == SHAI_OK && kind == kinds[k]) {
                fputs(" \\\n  ", f);
                depfile_word(f, path);
            }
        }
    }
    fputc('\n', f);
    if (fclose(f) != 0) {
        cli_error("%s: %s", depfile, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_CLEAN;
}

void cmd_compile_help(FILE *out)
{
    fputs("Usage: shai compile [OPTION]... [PATH]... -o FILE\n"
          "Compile lexicon files into a saved db FILE (conventionally *.shai), for\n"
          "'shai scan --db FILE' and for applications (shai_db_open): it is opened\n"
          "by memory-mapping, without compiling again. Each PATH is a lexicon file,\n"
          "or a directory whose *.txt files are read (recursively, in byte order of\n"
          "their paths); without PATH the default lexicon is compiled:\n"
          "$" SHAI_DEFAULT_LEXICON_ENV " if set, else " SHAI_DEFAULT_LEXICON ".\n"
          "\n"
          "Options:\n"
          "  -o, --output=FILE   the db file to write (required); written atomically,\n"
          "                      only over a regular file (a symlink is replaced)\n"
          "  -l, --lexicon=PATH  a lexicon file or directory, like PATH; repeatable\n"
          "      --no-fold       exact matching: no fold stage, no noise skipping, no\n"
          "                      repeats (these options are recorded in the db)\n"
          "      --depfile=FILE  also write a Makefile/ninja dependency file naming\n"
          "                      every lexicon file and directory read\n"
          "  -v, --verbose       print the summary to standard output\n"
          "  -q, --quiet         print no summary\n"
          "  -h, --help          show this help and exit\n"
          "      --version       show the version and exit\n"
          "\n"
          "The summary gives the number of entries, the db size in bytes and the\n"
          "time taken, on standard error (after 'shai: '), or with -v on standard\n"
          "output:\n"
          "  compiled N entries (C categories) into FILE: S bytes in T ms\n"
          "\n"
          "A db records its fold-table version and matching options, so it gives\n"
          "the same hits wherever it is opened; a library with another db format\n"
          "refuses it (rebuild it with this command).\n"
          "\n"
          "Exit status: 0 on success, 2 if an error occurred. A malformed lexicon\n"
          "is reported as FILE:LINE:COL: MESSAGE and nothing is written.\n",
          out);
}

/* Why shai_db_save refused `path`: the kind of file that is there when it
 * is one the library never replaces, else the status message. */
static const char *save_error(const char *path, int rc)
{
    struct stat st;
    if (rc != SHAI_E_IO || lstat(path, &st) != 0 || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
        return shai_status_message(rc);
    if (S_ISDIR(st.st_mode))
        return "not a regular file (a directory)";
    if (S_ISFIFO(st.st_mode))
        return "not a regular file (a FIFO)";
    if (S_ISSOCK(st.st_mode))
        return "not a regular file (a socket)";
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        return "not a regular file (a device)";
    return "not a regular file";
}

enum {
    OPT_OUTPUT = 1,
    OPT_LEXICON,
    OPT_NO_FOLD,
    OPT_DEPFILE,
    OPT_VERBOSE,
    OPT_QUIET,
    OPT_HELP,
    OPT_VERSION
};

static const struct cli_option compile_options[] = {
    {"output", 'o', CLI_ARG_REQUIRED, OPT_OUTPUT},
    {"lexicon", 'l', CLI_ARG_REQUIRED, OPT_LEXICON},
    {"no-fold", 0, CLI_ARG_NONE, OPT_NO_FOLD},
    {"depfile", 0, CLI_ARG_REQUIRED, OPT_DEPFILE},
    {"verbose", 'v', CLI_ARG_NONE, OPT_VERBOSE},
    {"quiet", 'q', CLI_ARG_NONE, OPT_QUIET},
    {"help", 'h', CLI_ARG_NONE, OPT_HELP},
    {"version", 0, CLI_ARG_NONE, OPT_VERSION},
    {NULL, 0, 0, 0},
};

int cmd_compile(int argc, char **argv)
{
    struct cli_parser p;
    const char **paths;
    size_t n_paths = 0;
    const char *output = NULL, *depfile = NULL, *arg;
    bool no_fold = false, verbose = false, quiet = false;
    shai_db *db = NULL;
    shai_builder *builder = NULL;
    size_t size = 0;
    double t0;
    int id, rc, status = CLI_EXIT_ERROR;

    paths = cli_arg_list(argc);
    if (!paths)
        return CLI_EXIT_ERROR;
    cli_parser_init(&p, argc, argv, "compile");
    while ((id = cli_next(&p, compile_options, &arg)) != CLI_NEXT_END) {
        switch (id) {
        case CLI_NEXT_ERROR:
            goto out;
        case CLI_NEXT_OPERAND:
        case OPT_LEXICON:
            if (!cli_lexicon_path("compile", arg))
                goto out;
            paths[n_paths++] = arg;
            break;
        case OPT_OUTPUT:
            if (!cli_single_path("compile", "output", arg, &output))
                goto out;
            break;
        case OPT_NO_FOLD:
            no_fold = true;
            break;
        case OPT_DEPFILE:
            depfile = arg;
            break;
        case OPT_VERBOSE:
            verbose = true;
            break;
        case OPT_QUIET:
            quiet = true;
            break;
        case OPT_HELP:
            status = cli_print_help(cmd_compile_help);
            goto out;
        case OPT_VERSION:
            status = cli_version();
            goto out;
        default:
            goto out;
        }
    }
    if (!output) {
        cli_usage_error("compile", "missing --output FILE (-o FILE)");
        goto out;
    }
    t0 = now_ms();
    if (cli_load_db(paths, n_paths, no_fold, &db, &builder) != CLI_EXIT_CLEAN)
        goto out;
    /* the size of the file (shai_db_size is the memory, more) */
    rc = shai_db_serialize(db, NULL, 0, &size);
    if (rc == SHAI_E_BUFFER_TOO_SMALL)
        rc = shai_db_save(db, output);
    if (rc != SHAI_OK) {
        cli_error("%s: cannot write the db: %s", output, save_error(output, rc));
        goto out;
    }
    if (depfile && write_depfile(depfile, output, builder) != CLI_EXIT_CLEAN)
        goto out;
    if (!quiet) {
        FILE *f = verbose ? stdout : stderr;
        fprintf(f, "%scompiled %u entries (%u categories) into %s: %zu bytes in %.0f ms\n",
                verbose ? "" : "shai: ", shai_db_entry_count(db), shai_db_category_count(db),
                output, size, now_ms() - t0);
    }
    status = fflush(stdout) == 0 ? CLI_EXIT_CLEAN : CLI_EXIT_ERROR;
out:
    shai_db_free(db);
    shai_builder_free(builder);
    free(paths);
    return status;
}
