/* Shared helpers of the shai command-line tool: diagnostics, option parsing,
 * db loading, lexicon files, fold stage names and buffered output. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ diagnostics */

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    cli_out_flush(&cli_stdout);
    fputs("shai: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_keyword(const char *cmd, const char *opt, const char *arg, const char *const *names)
{
    size_t n = 0;
    while (names[n]) {
        if (strcmp(arg, names[n]) == 0)
            return (int)n;
        n++;
    }
    char expected[256] = "";
    for (size_t i = 0; i < n; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        size_t len = strlen(expected);
        snprintf(expected + len, sizeof expected - len, "%s%s", sep, names[i]);
    }
    cli_usage_error(cmd, "unknown --%s '%s' (expected %s)", opt, arg, expected);
    return -1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    cli_out_flush(&cli_stdout);
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

const char **cli_arg_list(int argc)
{
    const char **list = calloc((size_t)argc + 1, sizeof *list);
    if (!list)
        cli_error("out of memory");
    return list;
}

bool cli_lexicon_path(const char *cmd, const char *arg)
{
    if (arg[0] != '\0')
        return true;
    cli_usage_error(cmd, "empty lexicon path");
    return false;
}

bool cli_single_path(const char *cmd, const char *opt, const char *arg, const char **slot)
{
    if (*slot) {
        cli_usage_error(cmd, "only one --%s may be given", opt);
        return false;
    }
    if (arg[0] == '\0') {
        cli_usage_error(cmd, "empty %s path", opt);
        return false;
    }
    *slot = arg;
    return true;
}

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

/* --------------------------------------------------------- option values */

bool cli_parse_uint(const char *cmd, const char *opt, const char *arg, unsigned long min,
                    unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (arg[0] < '0' || arg[0] > '9') {
        cli_usage_error(cmd, "%s: not a number: '%s'", opt, arg);
        return false;
    }
    errno = 0;
    v = strtoul(arg, &end, 10);
    if (*end != '\0') {
        cli_usage_error(cmd, "%s: not a number: '%s'", opt, arg);
        return false;
    }
    if (errno == ERANGE || v < min || v > max) {
        cli_usage_error(cmd, "%s: %s is out of range (%lu-%lu)", opt, arg, min, max);
        return false;
    }
    *out = v;
    return true;
}

int cli_print_help(void (*help)(FILE *out))
{
    help(stdout);
    return fflush(stdout) == 0 && !ferror(stdout) ? CLI_EXIT_CLEAN : CLI_EXIT_ERROR;
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
    const char *name = shai_action_name(action);
    return name ? name : "unknown";
}

void cli_builder_error(const shai_builder *b, const char *path, int rc, const char *hint)
{
    const char *msg = shai_builder_error_message(b);
    if (!hint)
        hint = "";
    if (msg && msg[0] != '\0') {
        /* The builder's message is complete ("file:line:col: ..."); add the
         * path only when the message does not already name it. */
        if (path == NULL || strstr(msg, path) != NULL)
            cli_error("%s%s", msg, hint);
        else
            cli_error("%s: %s%s", path, msg, hint);
    } else if (path) {
        cli_error("%s: %s%s", path, shai_status_message(rc), hint);
    } else {
        cli_error("%s%s", shai_status_message(rc), hint);
    }
}

int cli_set_no_fold(shai_builder *b)
{
    int rc = shai_builder_set_option(b, SHAI_OPT_FOLD, 0);
    if (rc == SHAI_OK)
        rc = shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 0);
    if (rc == SHAI_OK)
        rc = shai_builder_set_option(b, SHAI_OPT_REPEATS, 0);
    return rc;
}

int cli_load_db(const char *const *paths, size_t n, bool no_fold, shai_db **out,
                shai_builder **builder)
{
    shai_builder *b = NULL;
    const char *def = NULL;
    int rc;

    *out = NULL;
    if (builder)
        *builder = NULL;
    rc = shai_builder_new(&b);
    if (rc != SHAI_OK) {
        cli_error("cannot create a lexicon builder: %s", shai_status_message(rc));
        return CLI_EXIT_ERROR;
    }
    if (no_fold && (rc = cli_set_no_fold(b)) != SHAI_OK) {
        cli_error("cannot set the matching options: %s", shai_status_message(rc));
        shai_builder_free(b);
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
            cli_builder_error(b, paths[i], rc,
                              def ? " (default lexicon; use --lexicon PATH or set "
                                    "$" SHAI_DEFAULT_LEXICON_ENV ")"
                                  : NULL);
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
    if (builder)
        *builder = b;
    else
        shai_builder_free(b);
    return CLI_EXIT_CLEAN;
}

/* Print why the saved db at `path` could not be opened (shai_db_open_flags
 * gave rc and os_error). */
static int saved_db_error(const char *path, int rc, int32_t os_error, const char *hint)
{
    if (rc == SHAI_E_IO && os_error == EISDIR)
        cli_error("%s: %s (a db is a file made by 'shai compile')%s", path, strerror(EISDIR), hint);
    else if (rc == SHAI_E_IO && os_error != 0)
        cli_error("%s: %s%s", path, strerror(os_error), hint);
    else
        cli_error("%s: cannot open the db: %s%s%s", path, shai_status_message(rc),
                  rc == SHAI_E_DB_VERSION ? " (rebuild it with 'shai compile')" : "", hint);
    return CLI_EXIT_ERROR;
}

/* Open a saved db, with the reason on failure. */
static int open_saved_db(const char *path, const char *hint, shai_db **out)
{
    int32_t os_error = 0;
    int rc = shai_db_open_flags(path, 0, out, &os_error);
    if (rc != SHAI_OK)
        return saved_db_error(path, rc, os_error, hint);
    return CLI_EXIT_CLEAN;
}

int cli_open_db(const struct cli_db_source *src, shai_db **out, const char **what,
                const char **where)
{
    const char *env;

    *out = NULL;
    if (what)
        *what = "lexicon";
    if (where)
        *where = NULL;
    if (src->db_path) {
        if (what)
            *what = "db";
        if (where)
            *where = src->db_path;
        return open_saved_db(src->db_path, "", out);
    }
    if (src->n_lexicons > 0)
        return cli_load_db(src->lexicons, src->n_lexicons, src->no_fold, out, NULL);
    env = getenv(SHAI_DEFAULT_LEXICON_ENV);
    if (!(env && env[0] != '\0') && !src->no_fold) {
        const char *path = shai_default_db_path(0);
        bool from_env = path != shai_default_db_path(SHAI_DEFAULT_DB_BUILTIN);
        int32_t os_error = 0;
        int rc = shai_db_open_flags(path, 0, out, &os_error);
        /* Without $SHAI_DEFAULT_DB, a missing installed db (or something
         * else than a file in its place) means the default lexicon. */
        if (from_env || rc == SHAI_OK ||
            !(rc == SHAI_E_IO && (os_error == ENOENT || os_error == ENOTDIR || os_error == EISDIR ||
                                  os_error == EINVAL))) {
            if (what)
                *what = "db";
            if (where)
                *where = path;
            if (rc == SHAI_OK)
                return CLI_EXIT_CLEAN;
            return saved_db_error(path, rc, os_error,
                                  from_env ? " (default db, from $" SHAI_DEFAULT_DB_ENV ")"
                                           : " (default db; use --lexicon PATH or --db FILE, "
                                             "or set $" SHAI_DEFAULT_DB_ENV ")");
        }
    }
    if (where)
        *where = cli_default_lexicon();
    return cli_load_db(NULL, 0, src->no_fold, out, NULL);
}

/* ------------------------------------------------------------ fold stages */

const char *cli_fold_stage_list(uint32_t bits, char *buf, size_t cap)
{
    size_t n = 0;

    if (cap == 0)
        return buf;
    buf[0] = '\0';
    if ((bits & SHAI_FOLD_ALL) == 0) {
        snprintf(buf, cap, "none");
        return buf;
    }
    for (uint32_t bit = 1; shai_fold_stage_name(bit); bit <<= 1) {
        if (!(bits & bit))
            continue;
        int k = snprintf(buf + n, cap - n, "%s%s", n ? "," : "", shai_fold_stage_name(bit));
        if (k < 0 || (size_t)k >= cap - n)
            break;
        n += (size_t)k;
    }
    return buf;
}

bool cli_parse_fold_stages(const char *cmd, const char *arg, uint32_t *bits)
{
    const char *p = arg;
    uint32_t v = 0;

    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool found = false;

        if (n == 3 && memcmp(p, "all", 3) == 0) {
            v |= SHAI_FOLD_ALL;
            found = true;
        } else if (n == 4 && memcmp(p, "none", 4) == 0) {
            found = true;
        } else {
            for (uint32_t bit = 1; shai_fold_stage_name(bit); bit <<= 1) {
                const char *name = shai_fold_stage_name(bit);
                if (strlen(name) == n && memcmp(name, p, n) == 0) {
                    v |= bit;
                    found = true;
                    break;
                }
            }
        }
        if (!found) {
            cli_usage_error(cmd,
                            "unknown fold stage '%.*s' (expected width, compat, case, "
                            "diacritics, confusables, t2s, ignorables, all or none)",
                            (int)n, p);
            return false;
        }
        if (!e)
            break;
        p = e + 1;
    }
    *bits = v;
    return true;
}

/* ----------------------------------------------------------------- output */

static char out_storage[256 * 1024];
struct cli_out cli_stdout = {out_storage, 0, sizeof out_storage, 0, STDOUT_FILENO, 0, NULL, NULL};

void cli_out_init_memory(struct cli_out *o)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
}

void cli_out_free_memory(struct cli_out *o)
{
    if (o->fd < 0) {
        free(o->buf);
        o->buf = NULL;
        o->len = o->cap = 0;
    }
}

int cli_write_all(int fd, const void *p, size_t n)
{
    const char *q = p;
    while (n > 0) {
        ssize_t k = write(fd, q, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        q += k;
        n -= (size_t)k;
    }
    return 0;
}

int cli_out_flush(struct cli_out *o)
{
    if (o->fd >= 0) {
        if (o->len > 0 && o->error == 0)
            o->error = cli_write_all(o->fd, o->buf, o->len);
        o->len = 0;
    }
    return o->error ? -1 : 0;
}

void cli_out_slow(struct cli_out *o, const void *p, size_t n)
{
    if (o->fd >= 0) {
        cli_out_flush(o);
        if (o->error)
            return;
        if (n <= o->cap) {
            memcpy(o->buf, p, n);
            o->len = n;
        } else {
            o->error = cli_write_all(o->fd, p, n);
        }
        return;
    }
    if (o->error)
        return;
    if (o->spill && o->len > 0 && o->len + n > o->spill_at) {
        o->spill(o);
        if (o->error)
            return;
    }
    if (o->cap - o->len < n) {
        size_t cap = o->cap ? o->cap : 64 * 1024;
        char *q;
        while (cap - o->len < n) {
            if (cap > SIZE_MAX / 2) {
                o->error = ENOMEM;
                return;
            }
            cap *= 2;
        }
        q = realloc(o->buf, cap);
        if (!q) {
            o->error = ENOMEM;
            return;
        }
        o->buf = q;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void cli_out_str(struct cli_out *o, const char *s)
{
    cli_out_mem(o, s, strlen(s));
}

static const char hex_digits[] = "0123456789abcdef";

void cli_out_json_string(struct cli_out *o, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    cli_out_char(o, '"');
    while (i < n) {
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x7F) {
            size_t j = i;
            /* Copy the run of printable ASCII that needs no escape. */
            while (j < n && p[j] >= 0x20 && p[j] < 0x7F && p[j] != '"' && p[j] != '\\')
                j++;
            if (j > i) {
                cli_out_mem(o, p + i, j - i);
                i = j;
                continue;
            }
            cli_out_char(o, '\\');
            cli_out_char(o, (char)c);
            i++;
            continue;
        }
        if (c < 0x80) {
            /* Control character (C0 or DEL). */
            switch (c) {
            case '\n':
                cli_out_mem(o, "\\n", 2);
                break;
            case '\t':
                cli_out_mem(o, "\\t", 2);
                break;
            case '\r':
                cli_out_mem(o, "\\r", 2);
                break;
            default: {
                char esc[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xF]};
                cli_out_mem(o, esc, sizeof esc);
                break;
            }
            }
            i++;
            continue;
        }
        size_t len = cli_utf8_unit(p + i, n - i, true);
        if (len == 1)
            cli_out_mem(o, "\\ufffd", 6);
        else if (len == 3 && c == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] & 0xFE) == 0xA8)
            cli_out_mem(o, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
        else
            cli_out_mem(o, p + i, len);
        i += len;
    }
    cli_out_char(o, '"');
}

void cli_out_text_escaped(struct cli_out *o, const char *s, size_t n)
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
            cli_out_mem(o, p + i, j - i);
        if (j < n) {
            char esc[4] = {'\\', 'x', hex_digits[p[j] >> 4], hex_digits[p[j] & 0xF]};
            cli_out_mem(o, esc, sizeof esc);
            j++;
        }
        i = j;
    }
}

void cli_out_u64(struct cli_out *o, uint64_t v)
{
    char buf[24];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    cli_out_mem(o, buf + i, sizeof buf - i);
}

int cli_check_db_options(const char *cmd, const struct cli_db_source *src, size_t n_lexicons,
                         const char *hint)
{
    if (src->db_path && n_lexicons > 0)
        return cli_usage_error(cmd, "--db and --lexicon cannot be used together");
    if (src->db_path && src->no_fold)
        return cli_usage_error(cmd,
                               "--no-fold cannot be used with --db: a saved db's matching "
                               "options are fixed when it is compiled%s",
                               hint);
    return CLI_EXIT_CLEAN;
}

void cli_walk_error(const shai_builder *b, const char *path, int rc, bool callback_failed)
{
    if (callback_failed)
        cli_error("out of memory");
    else if (shai_builder_error_errno(b) != 0)
        cli_error("%s: %s", shai_builder_error_file(b), strerror(shai_builder_error_errno(b)));
    else
        cli_builder_error(b, path, rc, NULL);
}

int cli_collect_hit(const shai_hit *hit, void *user)
{
    struct cli_hits *h = user;
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 16;
        shai_hit *v = realloc(h->v, cap * sizeof *v);
        if (!v) {
            h->oom = true;
            return 1;
        }
        h->v = v;
        h->cap = cap;
    }
    h->v[h->n++] = *hit;
    return 0;
}

static int by_start_longest(const void *a, const void *b)
{
    const shai_hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return 0;
}

void cli_hits_select(struct cli_hits *h)
{
    if (h->n < 2)
        return;
    qsort(h->v, h->n, sizeof *h->v, by_start_longest);
    size_t k = 0;
    uint64_t reach = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (k > 0 && h->v[i].start < reach)
            continue;
        reach = h->v[i].end;
        h->v[k++] = h->v[i];
    }
    h->n = k;
}
