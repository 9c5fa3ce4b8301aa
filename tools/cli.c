/* Shared helpers of the shai command-line tool: diagnostics, option parsing,
 * lexicon loading, UTF-8 units and output escaping. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ diagnostics */

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    cli_out_flush();
    fputs("shai: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    cli_out_flush();
    fputs("shai: ", stderr);
    if (cmd)
        fprintf(stderr, "%s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fprintf(stderr, "Try 'shai %s%s--help' for more information.\n", cmd ? cmd : "",
            cmd ? " " : "");
    return CLI_EXIT_ERROR;
}

/* --------------------------------------------------------- option parsing */

void cli_parser_init(struct cli_parser *p, int argc, char **argv, const char *cmd)
{
    p->argc = argc;
    p->argv = argv;
    p->index = 1;
    p->cmd = cmd;
    p->operands_only = false;
}

static int next_long(struct cli_parser *p, const struct cli_option *opts, const char *word,
                     const char **arg)
{
    const char *name = word + 2;
    const char *eq = strchr(name, '=');
    size_t name_len = eq ? (size_t)(eq - name) : strlen(name);

    for (const struct cli_option *o = opts; o->long_name; o++) {
        if (strlen(o->long_name) != name_len || memcmp(o->long_name, name, name_len) != 0)
            continue;
        if (o->has_arg == CLI_ARG_NONE) {
            if (eq) {
                cli_usage_error(p->cmd, "option '--%s' takes no argument", o->long_name);
                return CLI_NEXT_ERROR;
            }
            *arg = NULL;
            return o->id;
        }
        if (eq) {
            *arg = eq + 1;
            return o->id;
        }
        if (p->index >= p->argc) {
            cli_usage_error(p->cmd, "option '--%s' requires an argument", o->long_name);
            return CLI_NEXT_ERROR;
        }
        *arg = p->argv[p->index++];
        return o->id;
    }
    cli_usage_error(p->cmd, "unrecognized option '--%.*s'", (int)name_len, name);
    return CLI_NEXT_ERROR;
}

static int next_short(struct cli_parser *p, const struct cli_option *opts, const char *word,
                      const char **arg)
{
    /* One short option per word: "-x", "-xVALUE" or "-x VALUE". */
    char c = word[1];
    for (const struct cli_option *o = opts; o->long_name; o++) {
        if (o->short_name == 0 || o->short_name != c)
            continue;
        if (o->has_arg == CLI_ARG_NONE) {
            if (word[2] != '\0') {
                cli_usage_error(p->cmd, "unrecognized option '%s'", word);
                return CLI_NEXT_ERROR;
            }
            *arg = NULL;
            return o->id;
        }
        if (word[2] != '\0') {
            *arg = word + 2;
            return o->id;
        }
        if (p->index >= p->argc) {
            cli_usage_error(p->cmd, "option '-%c' requires an argument", c);
            return CLI_NEXT_ERROR;
        }
        *arg = p->argv[p->index++];
        return o->id;
    }
    cli_usage_error(p->cmd, "unrecognized option '%s'", word);
    return CLI_NEXT_ERROR;
}

int cli_next(struct cli_parser *p, const struct cli_option *opts, const char **arg)
{
    *arg = NULL;
    while (p->index < p->argc) {
        const char *word = p->argv[p->index++];
        if (p->operands_only || word[0] != '-' || word[1] == '\0') {
            *arg = word;
            return CLI_NEXT_OPERAND;
        }
        if (word[1] == '-') {
            if (word[2] == '\0') {
                p->operands_only = true;
                continue;
            }
            return next_long(p, opts, word, arg);
        }
        return next_short(p, opts, word, arg);
    }
    return CLI_NEXT_END;
}

/* ----------------------------------------------------------------- lexicon */

const char *cli_default_lexicon(void)
{
    const char *env = getenv(SHAI_DEFAULT_LEXICON_ENV);
    if (env && env[0] != '\0')
        return env;
    return SHAI_DEFAULT_LEXICON;
}

const char *cli_action_name(uint32_t action)
{
    switch (action) {
    case SHAI_ACTION_BLOCK:
        return "block";
    case SHAI_ACTION_REVIEW:
        return "review";
    case SHAI_ACTION_PASS:
        return "pass";
    default:
        return "unknown";
    }
}

static void builder_error(const shai_builder *b, const char *path, int rc, bool is_default)
{
    const char *msg = shai_builder_error_message(b);
    const char *hint = is_default ? " (default lexicon; use --lexicon PATH or set "
                                    "$" SHAI_DEFAULT_LEXICON_ENV ")"
                                  : "";
    if (msg && msg[0] != '\0') {
        /* The builder's message is complete ("file:line:col: ..."); add the
         * path only when the message does not already name it. */
        if (strstr(msg, path) != NULL)
            cli_error("%s%s", msg, hint);
        else
            cli_error("%s: %s%s", path, msg, hint);
    } else {
        cli_error("%s: %s%s", path, shai_status_message(rc), hint);
    }
}

int cli_load_db(const char *const *paths, size_t n, shai_db **out)
{
    shai_builder *b = NULL;
    const char *def = NULL;
    int rc;

    *out = NULL;
    rc = shai_builder_new(&b);
    if (rc != SHAI_OK) {
        cli_error("cannot create a lexicon builder: %s", shai_status_message(rc));
        return CLI_EXIT_ERROR;
    }
    if (n == 0) {
        def = cli_default_lexicon();
        paths = &def;
        n = 1;
    }
    for (size_t i = 0; i < n; i++) {
        rc = shai_builder_add_path(b, paths[i]);
        if (rc != SHAI_OK) {
            builder_error(b, paths[i], rc, def != NULL);
            shai_builder_free(b);
            return CLI_EXIT_ERROR;
        }
    }
    rc = shai_builder_compile(b, out);
    if (rc != SHAI_OK) {
        const char *msg = shai_builder_error_message(b);
        cli_error("cannot compile the lexicon: %s", msg && msg[0] ? msg : shai_status_message(rc));
        shai_builder_free(b);
        *out = NULL;
        return CLI_EXIT_ERROR;
    }
    shai_builder_free(b);
    return CLI_EXIT_CLEAN;
}

/* ----------------------------------------------------------------- output */

static char out_storage[256 * 1024];
struct cli_out cli_stdout = {out_storage, 0, sizeof out_storage, 0};

static void out_write_all(const char *p, size_t n)
{
    while (n > 0 && cli_stdout.error == 0) {
        ssize_t k = write(STDOUT_FILENO, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            cli_stdout.error = errno;
            break;
        }
        p += k;
        n -= (size_t)k;
    }
}

int cli_out_flush(void)
{
    if (cli_stdout.len > 0)
        out_write_all(cli_stdout.buf, cli_stdout.len);
    cli_stdout.len = 0;
    return cli_stdout.error ? -1 : 0;
}

void cli_out_slow(const void *p, size_t n)
{
    cli_out_flush();
    if (n <= cli_stdout.cap) {
        memcpy(cli_stdout.buf, p, n);
        cli_stdout.len = n;
    } else {
        out_write_all(p, n);
    }
}

void cli_out_str(const char *s)
{
    cli_out_mem(s, strlen(s));
}

static const char hex_digits[] = "0123456789abcdef";

void cli_out_json_string(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    cli_out_char('"');
    while (i < n) {
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x7F) {
            size_t j = i;
            /* Copy the run of printable ASCII that needs no escape. */
            while (j < n && p[j] >= 0x20 && p[j] < 0x7F && p[j] != '"' && p[j] != '\\')
                j++;
            if (j > i) {
                cli_out_mem(p + i, j - i);
                i = j;
                continue;
            }
            cli_out_char('\\');
            cli_out_char((char)c);
            i++;
            continue;
        }
        if (c < 0x80) {
            /* Control character (C0 or DEL). */
            switch (c) {
            case '\n':
                cli_out_mem("\\n", 2);
                break;
            case '\t':
                cli_out_mem("\\t", 2);
                break;
            case '\r':
                cli_out_mem("\\r", 2);
                break;
            default: {
                char esc[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xF]};
                cli_out_mem(esc, sizeof esc);
                break;
            }
            }
            i++;
            continue;
        }
        size_t len = cli_utf8_unit(p + i, n - i, true);
        if (len == 1)
            cli_out_mem("\\ufffd", 6);
        else if (len == 3 && c == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] & 0xFE) == 0xA8)
            cli_out_mem(p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
        else
            cli_out_mem(p + i, len);
        i += len;
    }
    cli_out_char('"');
}

void cli_out_text_escaped(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        size_t j = i;
        /* The run that can be written as is. */
        while (j < n) {
            unsigned c = p[j];
            if (c < 0x80) {
                if (c < 0x20 || c == 0x7F)
                    break;
                j++;
                continue;
            }
            size_t len = cli_utf8_unit(p + j, n - j, true);
            if (len == 1)
                break;
            j += len;
        }
        if (j > i)
            cli_out_mem(p + i, j - i);
        if (j < n) {
            char esc[4] = {'\\', 'x', hex_digits[p[j] >> 4], hex_digits[p[j] & 0xF]};
            cli_out_mem(esc, sizeof esc);
            j++;
        }
        i = j;
    }
}

void cli_out_u64(uint64_t v)
{
    char buf[24];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    cli_out_mem(buf + i, sizeof buf - i);
}
