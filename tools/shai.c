/*
 * shai — command-line front end of libshai.
 *
 *   shai COMMAND [OPTION]... [ARG]...
 *
 * Each subcommand lives in its own cmd_*.c file and is listed in `commands`
 * below; it gets argv starting at its own name and returns the exit status.
 */
#include "cli.h"

#include <string.h>

static int cmd_help(int argc, char **argv);
static void cmd_help_help(FILE *out);

static const struct cli_command commands[] = {
    {"scan", "print the lexicon hits (violations) in files or standard input", cmd_scan,
     cmd_scan_help},
    {"fold", "print the folded form of text: what the matcher sees", cmd_fold, cmd_fold_help},
    {"compile", "compile lexicon files into a saved db (.shai)", cmd_compile, cmd_compile_help},
    {"stats", "print the entries, categories and options of a lexicon or db", cmd_stats,
     cmd_stats_help},
    {"lint", "check lexicon files for duplicates, collisions and dead entries", cmd_lint,
     cmd_lint_help},
    {"mask", "mask the violations in files, keeping their encoding", cmd_mask, cmd_mask_help},
    {"fix", "replace violations by their suggestions, in place or as a diff", cmd_fix,
     cmd_fix_help},
    {"import", "import third-party word lists, skipping and reporting bad lines", cmd_import,
     cmd_import_help},
    {"diff", "what a lexicon change does to a corpus: entries and verdicts", cmd_diff,
     cmd_diff_help},
    {"help", "show the help of a command", cmd_help, cmd_help_help},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const struct cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void cli_print_version(FILE *out)
{
    fprintf(out, "shai %s (libshai %s)\n", SHAI_VERSION_STRING, shai_version_string());
}

int cli_version(void)
{
    cli_print_version(stdout);
    return fflush(stdout) == 0 ? CLI_EXIT_CLEAN : CLI_EXIT_ERROR;
}

static void main_help(FILE *out)
{
    fputs("Usage: shai COMMAND [OPTION]... [ARG]...\n"
          "       shai --help | --version\n"
          "Screen Chinese and mixed Chinese/English text against a sensitive-word\n"
          "lexicon.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-8s  %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Options:\n"
          "  -h, --help     show this help and exit\n"
          "      --version  show the version and exit\n"
          "\n"
          "Run 'shai COMMAND --help' (or 'shai help COMMAND') for the options of a\n"
          "command.\n"
          "\n"
          "Environment:\n"
          "  " SHAI_DEFAULT_LEXICON_ENV "  the default lexicon (file or directory),\n"
          "                        instead of " SHAI_DEFAULT_LEXICON ";\n"
          "                        when set it is used even if a default db exists\n"
          "  " SHAI_DEFAULT_DB_ENV "       the default saved db, instead of\n"
          "                        " SHAI_DEFAULT_DB "\n"
          "\n"
          "Exit status: 0 if there was no hit (no problem), 1 if there was at least\n"
          "one hit (lint: a problem), 2 if an error occurred.\n",
          out);
}

static int finish_stdout(void)
{
    return fflush(stdout) == 0 && !ferror(stdout) ? CLI_EXIT_CLEAN : CLI_EXIT_ERROR;
}

static void cmd_help_help(FILE *out)
{
    fputs("Usage: shai help [COMMAND]\n"
          "Show the help of COMMAND, or the list of commands.\n",
          out);
}

static int cmd_help(int argc, char **argv)
{
    const struct cli_command *c;

    if (argc < 2) {
        main_help(stdout);
        return finish_stdout();
    }
    if (argc > 2)
        return cli_usage_error("help", "too many arguments");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_help_help(stdout);
        return finish_stdout();
    }
    c = find_command(argv[1]);
    if (!c)
        return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
    c->help(stdout);
    return finish_stdout();
}

int main(int argc, char **argv)
{
    const struct cli_command *c;

    if (argc < 2)
        return cli_usage_error(NULL, "missing command");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        main_help(stdout);
        return finish_stdout();
    }
    if (strcmp(argv[1], "--version") == 0) {
        cli_print_version(stdout);
        return finish_stdout();
    }
    if (argv[1][0] == '-')
        return cli_usage_error(NULL, "unrecognized option '%s' (a command comes first)", argv[1]);
    c = find_command(argv[1]);
    if (!c)
        return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
    return c->run(argc - 1, argv + 1);
}
