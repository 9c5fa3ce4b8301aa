/* What `shai scan` reads: see scan_input.h. */
#include "scan_input.h"

#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#ifdef SHAI_CLI_ICU
#include <unicode/ucnv.h>
#endif
#ifdef SHAI_CLI_DOCX
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>
#endif

/* ------------------------------------------------------------------ types */

static const struct {
    const char *name;
    const char *globs; /* comma-separated */
} types[] = {
    {"txt", "*.txt"},
    {"docx", "*.docx"},
    {"md", "*.md,*.markdown"},
    {"html", "*.html,*.htm"},
    {"json", "*.json,*.jsonl,*.ndjson"},
    {"csv", "*.csv,*.tsv"},
    {"srt", "*.srt,*.vtt,*.ass"},
    {"xml", "*.xml"},
    {"c", "*.c,*.h,*.cc,*.cpp,*.hpp"},
    {"py", "*.py"},
    {"js", "*.js,*.jsx,*.ts,*.tsx"},
};

bool scan_type_known(const char *name)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(types[i].name, name) == 0)
            return true;
    return false;
}

const char *scan_type_names(void)
{
    return "txt, docx, md, html, json, csv, srt, xml, c, py, js";
}

static bool type_matches(const char *type, const char *base)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(types[i].name, type) != 0)
            continue;
        const char *g = types[i].globs;
        while (*g) {
            char pat[32];
            size_t n = strcspn(g, ",");
            if (n < sizeof pat) {
                memcpy(pat, g, n);
                pat[n] = '\0';
                if (fnmatch(pat, base, 0) == 0)
                    return true;
            }
            g += n + (g[n] == ',');
        }
    }
    return false;
}

static bool filter_accepts(const struct scan_filter *f, const char *base)
{
    bool any_include = false, included = false;

    for (size_t i = 0; i < f->n_globs; i++) {
        const char *g = f->globs[i];
        if (g[0] == '!') {
            if (fnmatch(g + 1, base, 0) == 0)
                return false;
        } else {
            any_include = true;
            if (fnmatch(g, base, 0) == 0)
                included = true;
        }
    }
    if (any_include && !included)
        return false;
    if (f->n_types == 0)
        return true;
    for (size_t i = 0; i < f->n_types; i++)
        if (type_matches(f->types[i], base))
            return true;
    return false;
}

/* ------------------------------------------------------------------ files */

static int files_add(struct scan_files *f, const char *path, char *owned, bool walked,
                     uint64_t size)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        const char **p = realloc(f->paths, cap * sizeof *p);
        if (!p)
            return -1;
        f->paths = p;
        bool *w = realloc(f->walked, cap * sizeof *w);
        if (!w)
            return -1;
        f->walked = w;
        uint64_t *sz = realloc(f->sizes, cap * sizeof *sz);
        if (!sz)
            return -1;
        f->sizes = sz;
        char **o = realloc(f->owned, cap * sizeof *o);
        if (!o)
            return -1;
        f->owned = o;
        f->cap = cap;
    }
    f->paths[f->n] = path;
    f->walked[f->n] = walked;
    f->sizes[f->n] = size;
    f->n++;
    if (owned)
        f->owned[f->n_owned++] = owned;
    if (f->found && !f->found(f->found_user, f, f->n - 1))
        f->stopped = true;
    return 0;
}

/* An error of the walk: printed, or kept (defer_errors; printed at once
 * when there is no memory to keep it). */
static void walk_error(struct scan_files *f, const char *path, int err)
{
    if (f->defer_errors) {
        if (f->n_errors == f->cap_errors) {
            size_t cap = f->cap_errors ? 2 * f->cap_errors : 8;
            struct scan_files_error *v = realloc(f->errors, cap * sizeof *v);
            if (v) {
                f->errors = v;
                f->cap_errors = cap;
            }
        }
        char *copy = f->n_errors < f->cap_errors ? strdup(path) : NULL;
        if (copy) {
            f->errors[f->n_errors].path = copy;
            f->errors[f->n_errors++].err = err;
            return;
        }
    }
    cli_error("%s: %s", path, strerror(err));
}

void scan_files_print_errors(struct scan_files *f)
{
    for (size_t i = 0; i < f->n_errors; i++) {
        cli_error("%s: %s", f->errors[i].path, strerror(f->errors[i].err));
        free(f->errors[i].path);
    }
    f->n_errors = 0;
    f->defer_errors = false;
}

/* A directory entry: its name and type, and what fstatat said (err: its
 * errno) when readdir did not tell the type. */
struct dir_entry {
    char *name;
    unsigned char type; /* d_type */
    mode_t mode;
    uint64_t size;
    int err;
};

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const struct dir_entry *)a)->name, ((const struct dir_entry *)b)->name);
}

/* Add the files under directory `dir`; 0, 2 (a directory could not be
 * read, reported), -1 out of memory. An entry's type is what readdir says
 * (no system call a file: the walk is the serial part of a scan of many
 * small files); only an entry of unknown type is looked up, in the open
 * directory (fstatat), not by its whole path. The directory is closed
 * before its subdirectories are walked, so that a deep tree holds one
 * descriptor at a time. */
static int walk(const char *dir, const struct scan_filter *filter, struct scan_files *out)
{
    DIR *d = opendir(dir);
    struct dir_entry *v = NULL;
    size_t n = 0, cap = 0;
    int status = 0;
    struct dirent *e;

    if (!d) {
        walk_error(out, dir, errno);
        return 2;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') /* ".", ".." and hidden entries */
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            struct dir_entry *p = realloc(v, cap * sizeof *p);
            if (!p) {
                status = -1;
                break;
            }
            v = p;
        }
        if (!(v[n].name = strdup(e->d_name))) {
            status = -1;
            break;
        }
        v[n].type = e->d_type;
        n++;
    }
    for (size_t i = 0; i < n && status == 0; i++) {
        struct stat st;
        v[i].err = 0;
        v[i].size = SCAN_SIZE_UNKNOWN;
        switch (v[i].type) {
        case DT_REG:
            v[i].mode = S_IFREG;
            continue;
        case DT_DIR:
            v[i].mode = S_IFDIR;
            continue;
        case DT_UNKNOWN:
            break;
        default: /* links, devices, sockets, FIFOs: not scanned */
            v[i].mode = 0;
            continue;
        }
        v[i].err = fstatat(dirfd(d), v[i].name, &st, AT_SYMLINK_NOFOLLOW) != 0 ? errno : 0;
        v[i].mode = v[i].err ? 0 : st.st_mode;
        v[i].size = v[i].err ? 0 : (uint64_t)st.st_size;
    }
    closedir(d);
    if (status == 0 && n > 1) /* v is NULL in an empty directory */
        qsort(v, n, sizeof *v, compare_entries);
    size_t dlen = strlen(dir);
    bool slash = dlen > 0 && dir[dlen - 1] == '/';
    for (size_t i = 0; i < n && status >= 0 && !out->stopped; i++) {
        size_t len = dlen + !slash + strlen(v[i].name) + 1;
        char *path = malloc(len);
        if (!path) {
            status = -1;
            break;
        }
        snprintf(path, len, "%s%s%s", dir, slash ? "" : "/", v[i].name);
        if (v[i].err) {
            walk_error(out, path, v[i].err);
            status = 2;
            free(path);
        } else if (S_ISDIR(v[i].mode)) {
            int st2 = walk(path, filter, out);
            free(path);
            if (st2 != 0)
                status = st2;
        } else if (S_ISREG(v[i].mode) && filter_accepts(filter, v[i].name)) {
            if (files_add(out, path, path, true, v[i].size) != 0) {
                free(path);
                status = -1;
            }
        } else {
            free(path); /* symbolic links, devices, filtered out */
        }
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    return status;
}

int scan_files_expand(const char *const *operands, size_t n, const struct scan_filter *filter,
                      struct scan_files *out)
{
    int status = 0;

    for (size_t i = 0; i < n && !out->stopped; i++) {
        struct stat st;
        const char *path = operands[i];
        if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            int rc = walk(path, filter, out);
            if (rc < 0)
                return -1;
            if (rc)
                status = rc;
        } else if (files_add(out, path, NULL, false, UINT64_MAX) != 0) {
            return -1;
        }
    }
    return status;
}

void scan_files_free(struct scan_files *f)
{
    for (size_t i = 0; i < f->n_owned; i++)
        free(f->owned[i]);
    free(f->owned);
    free(f->paths);
    free(f->walked);
    free(f->sizes);
    for (size_t i = 0; i < f->n_errors; i++)
        free(f->errors[i].path);
    free(f->errors);
    memset(f, 0, sizeof *f);
}

/* --------------------------------------------------------------- encoding */

/* Whether p[0..n) is valid UTF-8; an incomplete sequence at the end is
 * valid unless `complete`. */
static bool valid_utf8(const unsigned char *p, size_t n, bool complete)
{
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = shai_utf8_decode((const char *)p + i, n - i, &cp);
        if (cp == SHAI_UTF8_TRUNCATED && !complete)
            return true;
        if (cp == SHAI_UTF8_TRUNCATED || cp == SHAI_UTF8_INVALID || k == 0)
            return false;
        i += k;
    }
    return true;
}

enum scan_encoding scan_detect(const unsigned char *p, size_t len, bool complete,
                               const char *forced, const char **charset)
{
    *charset = NULL;
    if (forced) {
        if (strcasecmp(forced, "utf-8") == 0 || strcasecmp(forced, "utf8") == 0)
            return len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? ENC_UTF8_BOM : ENC_UTF8;
        *charset = forced;
        return ENC_DECODE;
    }
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        return ENC_UTF8_BOM;
    /* FF FE 00 00 is UTF-32LE's BOM, not read here */
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE && !(len >= 4 && p[2] == 0 && p[3] == 0)) {
        *charset = "UTF-16LE";
        return ENC_DECODE;
    }
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        *charset = "UTF-16BE";
        return ENC_DECODE;
    }
    if (memchr(p, '\0', len))
        return ENC_BINARY;
    if (valid_utf8(p, len, complete))
        return ENC_UTF8;
    *charset = "auto";
    return ENC_DECODE;
}

void decoded_free(struct decoded *d)
{
    free(d->text);
    free(d->map);
    d->text = NULL;
    d->map = NULL;
    d->len = 0;
}

/* Append code point `cp` from original offset `at`. The buffers have room:
 * 4 bytes of text per input unit at most. */
static void put_cp(struct decoded *d, uint32_t cp, uint32_t at)
{
    unsigned char *t = d->text + d->len;
    size_t n;

    if (cp < 0x80) {
        t[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        t[0] = (unsigned char)(0xC0 | cp >> 6);
        t[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (unsigned char)(0xE0 | cp >> 12);
        t[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        t[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (unsigned char)(0xF0 | cp >> 18);
        t[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        t[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        t[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (d->map)
        for (size_t i = 0; i < n; i++)
            d->map[d->len + i] = at;
    d->len += n;
}

static int alloc_decoded(struct decoded *d, size_t units, bool want_map)
{
    d->len = 0;
    d->text = malloc(3 * units + 1);
    d->map = want_map ? malloc((3 * units + 1) * sizeof *d->map) : NULL;
    if (!d->text || (want_map && !d->map)) {
        decoded_free(d);
        return -1;
    }
    return 0;
}

static int decode_utf16(const unsigned char *src, size_t n, bool big_endian, bool want_map,
                        struct decoded *d, const char **why)
{
    size_t skip = n >= 2 && ((big_endian && src[0] == 0xFE && src[1] == 0xFF) ||
                             (!big_endian && src[0] == 0xFF && src[1] == 0xFE))
                      ? 2
                      : 0;
    size_t units = (n - skip) / 2, errors = 0;

    if (want_map && n > UINT32_MAX) {
        *why = "too large to decode with offsets (4 GiB at most)";
        return 1;
    }
    if (alloc_decoded(d, units, want_map) != 0)
        return -1;
    for (size_t i = 0; i < units; i++) {
        const unsigned char *q = src + skip + 2 * i;
        uint32_t c = big_endian ? (uint32_t)(q[0] << 8 | q[1]) : (uint32_t)(q[1] << 8 | q[0]);
        uint32_t at = (uint32_t)(skip + 2 * i);
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < units) {
            uint32_t lo = big_endian ? (uint32_t)(q[2] << 8 | q[3]) : (uint32_t)(q[3] << 8 | q[2]);
            if (lo >= 0xDC00 && lo < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            }
        }
        if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD;
            errors++;
        }
        put_cp(d, c, at);
    }
    if (d->map)
        d->map[d->len] = (uint32_t)n;
    d->charset = big_endian ? "UTF-16BE" : "UTF-16LE";
    if (errors > 0 || (n - skip) % 2 != 0) {
        *why = "invalid UTF-16";
        decoded_free(d);
        return 1;
    }
    return 0;
}

#ifdef SHAI_CLI_ICU
/* The offset map of GB18030 text src[0..n) decoded into d->text: GB18030
 * maps each character (1 byte below 0x80; 4 bytes when the second is a
 * digit; else 2) to one code point, so the map is a walk over both. 0, or
 * -1 out of memory. */
static int gb18030_map(const unsigned char *src, size_t n, struct decoded *d)
{
    size_t i = 0, k = 0;
    d->map = malloc((d->len + 1) * sizeof *d->map);
    if (!d->map)
        return -1;
    while (i < n && k < d->len) {
        size_t len = src[i] < 0x80                                           ? 1
                     : i + 1 < n && src[i + 1] >= 0x30 && src[i + 1] <= 0x39 ? 4
                                                                             : 2;
        unsigned char c = d->text[k];
        size_t m = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        for (size_t j = 0; j < m && k + j < d->len; j++)
            d->map[k + j] = (uint32_t)i;
        i += len;
        k += m;
    }
    d->map[d->len] = (uint32_t)n;
    return 0;
}

/* UTF-16 code units u[0..n) (unit i from original offset at[i]) to
 * UTF-8; a lone surrogate becomes U+FFFD and counts as an error. */
static size_t utf16_to_utf8(const uint16_t *u, const int32_t *at, size_t n, struct decoded *d)
{
    size_t errors = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = u[i];
        uint32_t from = at[i] < 0 ? 0 : (uint32_t)at[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD;
            errors++;
        }
        put_cp(d, c, from);
    }
    return errors;
}

/* Decode with ICU's converter `name`, stopping at the first byte sequence
 * that is not valid in it. */
static int decode_icu(const unsigned char *src, size_t n, const char *name, bool want_map,
                      struct decoded *d, const char **why)
{
    UErrorCode err = U_ZERO_ERROR;
    UConverter *conv = ucnv_open(name, &err);
    UChar *u = NULL;
    int32_t *off = NULL;
    int rc = -1;

    if (U_FAILURE(err)) {
        *why = "unknown encoding";
        return 1;
    }
    ucnv_setToUCallBack(conv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
    if (n > (size_t)INT32_MAX / 4) {
        *why = "too large to decode (512 MiB at most)";
        rc = 1;
        goto out;
    }
    if (!want_map || strcasecmp(name, "GB18030") == 0) {
        /* straight to UTF-8, in one pass: at most 3 bytes for each byte */
        d->text = malloc(3 * n + 16);
        if (!d->text)
            goto out;
        int32_t k = ucnv_toAlgorithmic(UCNV_UTF8, conv, (char *)d->text, (int32_t)(3 * n + 16),
                                       (const char *)src, (int32_t)n, &err);
        if (U_FAILURE(err)) {
            decoded_free(d);
            *why = "not valid in this encoding";
            rc = 1;
            goto out;
        }
        d->len = (size_t)k;
        d->charset = ucnv_getName(conv, &err);
        rc = 0;
        if (want_map && gb18030_map(src, n, d) != 0)
            rc = -1;
        goto out;
    }
    u = malloc((n + 16) * sizeof *u);
    off = malloc((n + 16) * sizeof *off);
    if (!u || !off)
        goto out;
    UChar *target = u;
    const char *source = (const char *)src;
    ucnv_toUnicode(conv, &target, u + n + 16, &source, (const char *)src + n, off, true, &err);
    if (U_FAILURE(err)) {
        *why = "not valid in this encoding";
        rc = 1;
        goto out;
    }
    size_t units = (size_t)(target - u);
    if (alloc_decoded(d, units, true) != 0)
        goto out;
    utf16_to_utf8(u, off, units, d);
    d->map[d->len] = (uint32_t)n;
    d->charset = ucnv_getName(conv, &err);
    rc = 0;
out:
    free(u);
    free(off);
    ucnv_close(conv);
    return rc;
}

/* The share of double-byte characters whose both bytes fall in GB2312's
 * hanzi area (lead 0xB0-0xF7, trail 0xA1-0xFE), in percent. Text in GBK
 * has nearly all its characters there; Big5 has half its trail bytes in
 * 0x40-0x7E. */
static unsigned gb2312_share(const unsigned char *p, size_t n)
{
    size_t pairs = 0, gb = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] < 0x81)
            continue;
        pairs++;
        if (p[i] >= 0xB0 && p[i] <= 0xF7 && p[i + 1] >= 0xA1 && p[i + 1] <= 0xFE)
            gb++;
        i++;
    }
    return pairs ? (unsigned)(100 * gb / pairs) : 100;
}

static int decode_auto(const unsigned char *src, size_t n, bool want_map, struct decoded *d,
                       const char **why)
{
    const char *first = gb2312_share(src, n) >= 80 ? "GB18030" : "Big5";
    const char *second = first[0] == 'G' ? "Big5" : "GB18030";
    int rc = decode_icu(src, n, first, want_map, d, why);
    if (rc == 1)
        rc = decode_icu(src, n, second, want_map, d, why);
    if (rc == 1)
        *why = "neither UTF-8, GB18030 nor Big5 (use --encoding)";
    return rc;
}
#endif

int scan_decode(const unsigned char *src, size_t n, const char *charset, bool want_map,
                struct decoded *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (strcasecmp(charset, "UTF-16LE") == 0)
        return decode_utf16(src, n, false, want_map, out, why);
    if (strcasecmp(charset, "UTF-16BE") == 0)
        return decode_utf16(src, n, true, want_map, out, why);
#ifdef SHAI_CLI_ICU
    if (strcmp(charset, "auto") == 0)
        return decode_auto(src, n, want_map, out, why);
    return decode_icu(src, n, charset, want_map, out, why);
#else
    *why = strcmp(charset, "auto") == 0 ? "not UTF-8 (this shai is built without ICU, which "
                                          "decodes GB18030 and Big5)"
                                        : "this shai is built without ICU: only UTF-8 and "
                                          "UTF-16 can be decoded";
    return 1;
#endif
}

/* UTF-8 to UTF-16 code units; invalid bytes become U+FFFD. *n_units set. */
static uint16_t *utf8_to_utf16(const unsigned char *t, size_t n, size_t *n_units)
{
    uint16_t *u = malloc((n + 1) * sizeof *u);
    size_t k = 0;
    if (!u)
        return NULL;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = t[i] < 0x80 ? 1 : shai_utf8_decode((const char *)t + i, n - i, &cp);
        if (t[i] < 0x80)
            cp = t[i];
        else if (cp >= 0x110000 || len == 0)
            cp = 0xFFFD;
        if (len == 0)
            len = 1;
        i += len;
        if (cp >= 0x10000) {
            u[k++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            u[k++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            u[k++] = (uint16_t)cp;
        }
    }
    *n_units = k;
    return u;
}

int scan_encode(const unsigned char *text, size_t n, const char *charset, bool bom,
                unsigned char **out, size_t *out_len, const char **why)
{
    size_t units;
    uint16_t *u = utf8_to_utf16(text, n, &units);
    int rc = -1;

    *out = NULL;
    *out_len = 0;
    if (!u)
        return -1;
    bool le = strcasecmp(charset, "UTF-16LE") == 0, be = strcasecmp(charset, "UTF-16BE") == 0;
    if (le || be) {
        unsigned char *o = malloc(2 * units + 2);
        size_t k = 0;
        if (o) {
            if (bom) {
                o[k++] = le ? 0xFF : 0xFE;
                o[k++] = le ? 0xFE : 0xFF;
            }
            for (size_t i = 0; i < units; i++) {
                o[k++] = (unsigned char)(le ? u[i] & 0xFF : u[i] >> 8);
                o[k++] = (unsigned char)(le ? u[i] >> 8 : u[i] & 0xFF);
            }
            *out = o;
            *out_len = k;
            rc = 0;
        }
        free(u);
        return rc;
    }
#ifdef SHAI_CLI_ICU
    UErrorCode err = U_ZERO_ERROR;
    UConverter *conv = ucnv_open(charset, &err);
    if (U_FAILURE(err)) {
        free(u);
        *why = "unknown encoding";
        return 1;
    }
    ucnv_setFromUCallBack(conv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
    size_t cap = 4 * units + 16;
    char *o = malloc(cap);
    if (o && units <= (size_t)INT32_MAX / 4) {
        err = U_ZERO_ERROR;
        int32_t k = ucnv_fromUChars(conv, o, (int32_t)cap, u, (int32_t)units, &err);
        if (U_FAILURE(err)) {
            *why = "a character that the file's encoding cannot hold";
            free(o);
            rc = 1;
        } else {
            *out = (unsigned char *)o;
            *out_len = (size_t)k;
            rc = 0;
        }
    } else {
        free(o);
    }
    ucnv_close(conv);
#else
    *why = "this shai is built without ICU";
    rc = 1;
#endif
    free(u);
    return rc;
}

/* ------------------------------------------------------------- documents */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

enum scan_doc scan_doc_kind(const char *path)
{
    if (ends_with(path, ".docx"))
        return DOC_DOCX;
    if (ends_with(path, ".html") || ends_with(path, ".htm"))
        return DOC_HTML;
    if (ends_with(path, ".md") || ends_with(path, ".markdown"))
        return DOC_MARKDOWN;
    return DOC_NONE;
}

#ifdef SHAI_CLI_DOCX
#define WORD_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

struct text_out {
    unsigned char *p;
    size_t len, cap;
    bool oom;
};

static void text_put(struct text_out *t, const void *p, size_t n)
{
    if (t->oom)
        return;
    if (t->cap - t->len < n + 1) {
        size_t c = t->cap ? t->cap : 4096;
        while (c - t->len < n + 1)
            c *= 2;
        unsigned char *q = realloc(t->p, c);
        if (!q) {
            t->oom = true;
            return;
        }
        t->p = q;
        t->cap = c;
    }
    memcpy(t->p + t->len, p, n);
    t->len += n;
}

static bool is_word(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, WORD_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* The text of paragraph content; nested paragraphs (in text boxes) end the
 * line of the outer one first. Iterative over siblings, recursive in depth
 * (bounded by libxml2's own depth limit). */
static void docx_walk(const xmlNode *n, struct text_out *t, bool *in_par)
{
    for (; n; n = n->next) {
        if (is_word(n, "p")) {
            if (*in_par)
                text_put(t, "\n", 1);
            *in_par = true;
            docx_walk(n->children, t, in_par);
            text_put(t, "\n", 1);
            *in_par = false;
        } else if (is_word(n, "t")) {
            xmlChar *c = xmlNodeGetContent(n);
            if (c) {
                text_put(t, c, strlen((const char *)c));
                xmlFree(c);
            }
        } else if (is_word(n, "tab")) {
            text_put(t, "\t", 1);
        } else if (is_word(n, "br") || is_word(n, "cr")) {
            text_put(t, " ", 1);
        } else if (n->type == XML_ELEMENT_NODE) {
            docx_walk(n->children, t, in_par);
        }
    }
}

int scan_docx_text(const unsigned char *src, size_t n, struct decoded *out, const char **why)
{
    zip_error_t zerr;
    zip_source_t *zs;
    zip_t *z;
    zip_file_t *f;
    zip_stat_t st;
    unsigned char *xml = NULL;
    int rc = 1;

    memset(out, 0, sizeof *out);
    if (n == 0) { /* libzip reads no bytes as an archive of no files */
        *why = "not a .docx (an empty file)";
        return 1;
    }
    zip_error_init(&zerr);
    zs = zip_source_buffer_create(src, n, 0, &zerr);
    if (!zs) {
        zip_error_fini(&zerr);
        return -1;
    }
    z = zip_open_from_source(zs, ZIP_RDONLY, &zerr);
    if (!z) {
        zip_source_free(zs);
        zip_error_fini(&zerr);
        /* a local file header first: a zip cut short (its directory is
         * at the end) or damaged */
        *why = n >= 4 && memcmp(src, "PK\3\4", 4) == 0
                   ? "not a .docx (a zip archive cut short or damaged)"
                   : "not a .docx (not a zip archive)";
        return 1;
    }
    zip_error_fini(&zerr);
    if (zip_stat(z, "word/document.xml", 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
        st.size > (zip_uint64_t)INT32_MAX || !(f = zip_fopen(z, "word/document.xml", 0))) {
        *why = "not a .docx (no word/document.xml)";
        goto out;
    }
    xml = malloc((size_t)st.size + 1);
    if (!xml) {
        zip_fclose(f);
        rc = -1;
        goto out;
    }
    zip_int64_t got = zip_fread(f, xml, st.size);
    zip_fclose(f);
    if (got < 0 || (zip_uint64_t)got != st.size) {
        *why = "a damaged .docx (word/document.xml cannot be read)";
        goto out;
    }
    xmlDoc *doc = xmlReadMemory((const char *)xml, (int)st.size, "document.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        *why = "a damaged .docx (word/document.xml is not XML)";
        goto out;
    }
    struct text_out t = {NULL, 0, 0, false};
    bool in_par = false;
    docx_walk(xmlDocGetRootElement(doc), &t, &in_par);
    xmlFreeDoc(doc);
    if (t.oom) {
        free(t.p);
        rc = -1;
        goto out;
    }
    out->text = t.p ? t.p : malloc(1);
    out->len = t.len;
    out->charset = "docx";
    rc = out->text ? 0 : -1;
out:
    free(xml);
    zip_close(z);
    return rc;
}
#else
int scan_docx_text(const unsigned char *src, size_t n, struct decoded *out, const char **why)
{
    (void)src;
    (void)n;
    memset(out, 0, sizeof *out);
    *why = "this shai is built without libzip and libxml2, which read .docx files";
    return 1;
}
#endif

/* Fill p[from, to) with characters the fold ignores (U+200B ZERO WIDTH
 * SPACE, 3 bytes, and U+00AD SOFT HYPHEN, 2 bytes), line breaks kept: a word
 * split by a tag (赌<b>博) still matches, and every byte offset stays. A run
 * of one byte between line breaks becomes a space. */
static void blank(unsigned char *p, size_t from, size_t to)
{
    size_t i = from;
    while (i < to) {
        if (p[i] == '\n' || p[i] == '\r') {
            i++;
            continue;
        }
        size_t e = i;
        while (e < to && p[e] != '\n' && p[e] != '\r')
            e++;
        size_t n = e - i;
        if (n == 1) {
            p[i] = ' ';
        } else {
            size_t shy = (3 - n % 3) % 3; /* n = 3a + 2b with b in 0..2 */
            size_t zw = (n - 2 * shy) / 3;
            for (size_t k = 0; k < zw; k++, i += 3)
                memcpy(p + i, "\xE2\x80\x8B", 3);
            for (size_t k = 0; k < shy; k++, i += 2)
                memcpy(p + i, "\xC2\xAD", 2);
        }
        i = e;
    }
}

/* The end of the tag that starts at t[i] == '<' (just past its '>'), quotes
 * in attributes respected; n when it does not end. */
static size_t tag_end(const unsigned char *t, size_t i, size_t n)
{
    unsigned char quote = 0;
    for (i++; i < n; i++) {
        if (quote) {
            if (t[i] == quote)
                quote = 0;
        } else if (t[i] == '"' || t[i] == '\'') {
            quote = t[i];
        } else if (t[i] == '>') {
            return i + 1;
        }
    }
    return n;
}

static size_t find(const unsigned char *t, size_t i, size_t n, const char *what)
{
    size_t k = strlen(what);
    for (; i + k <= n; i++)
        if (strncasecmp((const char *)t + i, what, k) == 0)
            return i;
    return n;
}

/* The code point of the character reference at t[i] == '&' (&#DDD;,
 * &#xHHH; or &NAME; with a name libxml2's HTML parser knows, or one of
 * XML's five without it) and its length in *len; 0 when there is none, or
 * it names a control character (a line break there is no line break of the
 * file) or what is not a character. */
static uint32_t char_ref(const unsigned char *t, size_t i, size_t n, size_t *len)
{
    size_t e = i + 1, max = i + 40 < n ? i + 40 : n;
    uint32_t cp = 0;

    while (e < max && t[e] != ';' && t[e] != '&' && t[e] != '<' && t[e] > ' ')
        e++;
    if (e >= max || t[e] != ';' || e == i + 1)
        return 0;
    *len = e + 1 - i;
    if (t[i + 1] == '#') {
        bool hex = e > i + 2 && (t[i + 2] | 0x20) == 'x';
        size_t d = i + 2 + hex;
        if (d == e || e - d > 8)
            return 0;
        for (; d < e; d++) {
            unsigned c = t[d], v;
            if (c >= '0' && c <= '9')
                v = c - '0';
            else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                v = (c | 0x20) - 'a' + 10;
            else
                return 0;
            cp = cp * (hex ? 16 : 10) + v;
            if (cp > 0x10FFFF)
                return 0;
        }
    } else {
        char name[40];
        memcpy(name, t + i + 1, e - i - 1);
        name[e - i - 1] = '\0';
#ifdef SHAI_CLI_DOCX
        const htmlEntityDesc *ent = htmlEntityLookup((const xmlChar *)name);
        cp = ent ? ent->value : 0;
#else
        static const struct {
            const char *name;
            uint32_t cp;
        } xml[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
        for (size_t k = 0; k < sizeof xml / sizeof xml[0]; k++)
            if (strcmp(name, xml[k].name) == 0)
                cp = xml[k].cp;
#endif
    }
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || (cp >= 0xD800 && cp < 0xE000))
        return 0;
    return cp;
}

/* Replace the character reference t[i, i + len) with the UTF-8 of cp and
 * filler after it, so that the fold sees the character where the reference
 * began and every later offset stays. A hit that ends in the reference is
 * taken to its ';' (scan_ref_end). */
static void put_ref(unsigned char *t, size_t i, size_t len, uint32_t cp)
{
    unsigned char u[4];
    size_t k;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        k = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    if (k >= len) /* no shorter than its reference: left as written */
        return;
    memcpy(t + i, u, k);
    blank(t, i + k, i + len);
}

size_t scan_ref_end(const unsigned char *orig, const unsigned char *blanked, size_t end, size_t n)
{
    bool in_ref = end > 0 && orig[end - 1] != blanked[end - 1];
    /* &amp; decodes to the '&' it begins with */
    if (!in_ref && end > 0 && end < n && orig[end - 1] == '&' && orig[end] != blanked[end])
        in_ref = true;
    if (!in_ref)
        return end;
    for (size_t max = end + 40; end < n && end < max && orig[end - 1] != ';'; end++)
        ;
    return end;
}

void scan_blank_markup(unsigned char *t, size_t n, enum scan_doc kind)
{
    for (size_t i = 0; i < n;) {
        size_t len;
        uint32_t cp;
        if (t[i] == '&' && (cp = char_ref(t, i, n, &len)) != 0) {
            put_ref(t, i, len, cp);
            i += len;
            continue;
        }
        if (t[i] == '<') {
            bool letter = i + 1 < n && ((t[i + 1] | 0x20) >= 'a' && (t[i + 1] | 0x20) <= 'z');
            if (i + 3 < n && memcmp(t + i, "<!--", 4) == 0) {
                size_t e = find(t, i + 4, n, "-->");
                e = e < n ? e + 3 : n;
                blank(t, i, e);
                i = e;
                continue;
            }
            if (letter || (i + 1 < n && (t[i + 1] == '/' || t[i + 1] == '!' || t[i + 1] == '?'))) {
                size_t e = tag_end(t, i, n);
                bool script = strncasecmp((const char *)t + i, "<script", 7) == 0,
                     style = strncasecmp((const char *)t + i, "<style", 6) == 0;
                blank(t, i, e);
                if (script || style) {
                    size_t c = find(t, e, n, script ? "</script" : "</style");
                    blank(t, e, c);
                    e = c;
                }
                i = e;
                continue;
            }
        }
        if (kind == DOC_MARKDOWN && t[i] == ']' && i + 1 < n && t[i + 1] == '(') {
            size_t e = i + 2;
            while (e < n && t[e] != ')' && t[e] != '\n')
                e++;
            if (e < n && t[e] == ')') {
                blank(t, i + 1, e + 1);
                i = e + 1;
                continue;
            }
        }
        i++;
    }
}
