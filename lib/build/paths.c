/* Lexicon sources from files and directories: shai_builder_add_path and
 * shai_builder_walk_path. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build/lexicon.h"

/* ---------------------------------------------------------------- files */

typedef struct file_list {
    char **paths;
    char **data;
    size_t *len;
    size_t n, cap;
    name_list dirs; /* the directories listed, in order */
} file_list;

static void files_free(file_list *fl)
{
    for (size_t i = 0; i < fl->n; i++) {
        free(fl->paths[i]);
        free(fl->data[i]);
    }
    free(fl->paths);
    free(fl->data);
    free(fl->len);
    shi_lex_names_free(&fl->dirs);
}

/* Moves the names of fl into a path list for the builder (directories,
 * then files); NULL when out of memory. */
static shi_path *take_paths(file_list *fl, uint32_t *n)
{
    shi_path *v = malloc((fl->dirs.n + fl->n + 1) * sizeof *v);
    if (!v)
        return NULL;
    *n = 0;
    for (size_t i = 0; i < fl->dirs.n; i++)
        v[(*n)++] = (shi_path){fl->dirs.v[i], SHAI_PATH_DIR};
    for (size_t i = 0; i < fl->n; i++)
        v[(*n)++] = (shi_path){fl->paths[i], SHAI_PATH_FILE};
    return v;
}

static int files_push(file_list *fl, const char *path)
{
    if (fl->n == fl->cap) {
        size_t ncap = fl->cap ? fl->cap * 2 : 16;
        char **p = realloc(fl->paths, ncap * sizeof *p);
        if (!p)
            return SHAI_E_NOMEM;
        fl->paths = p;
        char **d = realloc(fl->data, ncap * sizeof *d);
        if (!d)
            return SHAI_E_NOMEM;
        fl->data = d;
        size_t *l = realloc(fl->len, ncap * sizeof *l);
        if (!l)
            return SHAI_E_NOMEM;
        fl->len = l;
        fl->cap = ncap;
    }
    char *copy = shi_lex_copy_string(path);
    if (!copy)
        return SHAI_E_NOMEM;
    fl->paths[fl->n] = copy;
    fl->data[fl->n] = NULL;
    fl->len[fl->n] = 0;
    fl->n++;
    return SHAI_OK;
}

static int io_fail(shai_builder *b, const char *path, const char *what, int err)
{
    char msg[256];
    char why[128] = "";
    if (err && strerror_r(err, why, sizeof why) != 0)
        snprintf(why, sizeof why, "errno %d", err);
    snprintf(msg, sizeof msg, "%s%s%s", what, err ? ": " : "", why);
    shi_builder_fail(b, SHAI_E_IO, path, 0, 0, msg);
    b->error_os = err;
    return SHAI_E_IO;
}

static int ends_with_txt(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".txt") == 0;
}

static int walk(shai_builder *b, file_list *fl, const char *dir, int depth)
{
    if (depth > 32)
        return io_fail(b, dir, "directories nested too deep", 0);
    DIR *d = opendir(dir);
    if (!d)
        return io_fail(b, dir, "cannot open directory", errno);
    int rc = shi_lex_names_push(&fl->dirs, dir);
    struct dirent *de;
    size_t dlen = strlen(dir);
    while (rc == SHAI_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        size_t n = dlen + 1 + strlen(de->d_name) + 1;
        char *path = malloc(n);
        if (!path) {
            rc = SHAI_E_NOMEM;
            break;
        }
        snprintf(path, n, "%s%s%s", dir, (dlen && dir[dlen - 1] == '/') ? "" : "/", de->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            rc = io_fail(b, path, "cannot stat", errno);
        else if (S_ISDIR(st.st_mode))
            rc = walk(b, fl, path, depth + 1);
        else if (S_ISREG(st.st_mode) && ends_with_txt(de->d_name))
            rc = files_push(fl, path);
        free(path);
    }
    closedir(d);
    return rc;
}

static int read_file(shai_builder *b, const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return io_fail(b, path, "cannot open", errno);
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return SHAI_E_NOMEM;
    }
    for (;;) {
        if (n > SHAI_MAX_LEXICON_FILE_BYTES) { /* read one byte past it */
            free(buf);
            fclose(f);
            return io_fail(b, path, "larger than 256 MiB", EFBIG);
        }
        if (n == cap) {
            size_t ncap =
                cap * 2 <= SHAI_MAX_LEXICON_FILE_BYTES ? cap * 2 : SHAI_MAX_LEXICON_FILE_BYTES + 1;
            char *q = realloc(buf, ncap);
            if (!q) {
                free(buf);
                fclose(f);
                return SHAI_E_NOMEM;
            }
            buf = q;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return io_fail(b, path, "read error", EIO);
    }
    *data = buf;
    *len = n;
    return SHAI_OK;
}

static int cmp_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directories and files of `path`, in the order add_path reads them. */
static int list_path(shai_builder *b, const char *path, file_list *fl)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return io_fail(b, path, "cannot open", errno);
    if (!S_ISDIR(st.st_mode))
        return files_push(fl, path);
    int rc = walk(b, fl, path, 0);
    if (rc == SHAI_OK && fl->n > 1)
        qsort(fl->paths, fl->n, sizeof *fl->paths, cmp_paths);
    return rc;
}

int shai_builder_walk_path(shai_builder *b, const char *path, shai_path_fn fn, void *user)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    shi_builder_clear_error(b);
    if (!path || !*path || !fn)
        return shi_builder_fail(b, SHAI_E_INVALID_ARG, NULL, 0, 0,
                                "path is NULL or empty, or fn is NULL");
    file_list fl = {0};
    int rc = list_path(b, path, &fl);
    if (rc == SHAI_E_NOMEM && !b->error_message[0])
        shi_builder_fail(b, rc, path, 0, 0, shai_status_message(rc));
    for (size_t i = 0; rc == SHAI_OK && i < fl.dirs.n; i++)
        if (fn(fl.dirs.v[i], SHAI_PATH_DIR, user))
            rc = SHAI_TERMINATED;
    for (size_t i = 0; rc == SHAI_OK && i < fl.n; i++)
        if (fn(fl.paths[i], SHAI_PATH_FILE, user))
            rc = SHAI_TERMINATED;
    files_free(&fl);
    return rc;
}

int shai_builder_add_path(shai_builder *b, const char *path)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    shi_builder_clear_error(b);
    if (!path || !*path)
        return shi_builder_fail(b, SHAI_E_INVALID_ARG, NULL, 0, 0, "path is NULL or empty");
    file_list fl = {0};
    int rc = list_path(b, path, &fl);
    parse ps = {.b = b};
    for (size_t i = 0; rc == SHAI_OK && i < fl.n; i++) {
        rc = read_file(b, fl.paths[i], &fl.data[i], &fl.len[i]);
        if (rc == SHAI_OK)
            rc = shi_lex_parse_source(&ps, fl.paths[i], fl.data[i], fl.len[i]);
    }
    shi_path *paths = NULL;
    uint32_t npaths = 0;
    if (rc == SHAI_OK && !(paths = take_paths(&fl, &npaths)))
        rc = SHAI_E_NOMEM;
    if (rc == SHAI_OK) {
        rc = shi_lex_commit(&ps, paths, npaths);
        if (rc == SHAI_OK) { /* the builder owns the names now */
            for (size_t i = 0; i < fl.n; i++)
                free(fl.data[i]);
            fl.n = fl.dirs.n = 0;
        }
    }
    if (rc == SHAI_E_NOMEM && !b->error_message[0])
        shi_builder_fail(b, rc, path, 0, 0, shai_status_message(rc));
    free(paths);
    shi_lex_parse_free(&ps);
    files_free(&fl);
    return rc;
}
