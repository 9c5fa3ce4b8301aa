/* `shai scan` over records: see scan_records.h. */
#include "scan_records.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_SIZE ((size_t)256 * 1024)
#define JSON_MAX_DEPTH 512

/* ------------------------------------------------------------------- JSON */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int hex4(const char *p, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        *v <<= 4;
        if (c >= '0' && c <= '9')
            *v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            *v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            *v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* An escape writes at most 6 bytes for its 6 or 12 input bytes (a pair), so
 * the output never outgrows the token. */
size_t json_string_decode(const char *p, size_t n, char *out, size_t *out_len)
{
    size_t i = 1, o = 0;

    if (n == 0 || p[0] != '"')
        return 0;
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"') {
            if (out_len)
                *out_len = o;
            return i + 1;
        }
        if (c < 0x20)
            return 0;
        if (c != '\\') {
            if (out)
                out[o] = (char)c;
            o++;
            i++;
            continue;
        }
        if (i + 1 >= n)
            return 0;
        static const char escapes[] = "\"\\/bfnrt", meanings[] = "\"\\/\b\f\n\r\t";
        char e = p[i + 1];
        const char *simple = e ? strchr(escapes, e) : NULL;
        if (simple) {
            if (out)
                out[o] = meanings[simple - escapes];
            o++;
            i += 2;
            continue;
        }
        if (e != 'u' || i + 6 > n)
            return 0;
        uint32_t cp, lo;
        if (hex4(p + i + 2, &cp) != 0)
            return 0;
        i += 6;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= n && p[i] == '\\' && p[i + 1] == 'u' &&
            hex4(p + i + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
        } else if (cp >= 0xD800 && cp < 0xE000) {
            cp = 0xFFFD;
        }
        char buf[4];
        size_t k = put_utf8(buf, cp);
        if (out)
            memcpy(out + o, buf, k);
        o += k;
    }
    return 0;
}

/* The end of the JSON value at p, or NULL when it is not one. */
static const char *skip_value(const char *p, const char *end, int depth)
{
    p = skip_ws(p, end);
    if (p >= end || depth > JSON_MAX_DEPTH)
        return NULL;
    if (*p == '"') {
        size_t k = json_string_decode(p, (size_t)(end - p), NULL, NULL);
        return k ? p + k : NULL;
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool object = *p == '{';
        p = skip_ws(p + 1, end);
        if (p < end && *p == close)
            return p + 1;
        for (;;) {
            if (object) {
                p = skip_ws(p, end);
                if (p >= end || *p != '"')
                    return NULL;
                p = skip_value(p, end, depth + 1);
                if (!p)
                    return NULL;
                p = skip_ws(p, end);
                if (p >= end || *p != ':')
                    return NULL;
                p++;
            }
            p = skip_value(p, end, depth + 1);
            if (!p)
                return NULL;
            p = skip_ws(p, end);
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            if (p < end && *p == close)
                return p + 1;
            return NULL;
        }
    }
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
        const char *q = p;
        if (*q == '-')
            q++;
        if (q >= end || *q < '0' || *q > '9')
            return NULL;
        if (*q == '0')
            q++;
        else
            while (q < end && *q >= '0' && *q <= '9')
                q++;
        if (q < end && *q == '.') {
            q++;
            if (q >= end || *q < '0' || *q > '9')
                return NULL;
            while (q < end && *q >= '0' && *q <= '9')
                q++;
        }
        if (q < end && (*q == 'e' || *q == 'E')) {
            q++;
            if (q < end && (*q == '+' || *q == '-'))
                q++;
            if (q >= end || *q < '0' || *q > '9')
                return NULL;
            while (q < end && *q >= '0' && *q <= '9')
                q++;
        }
        return q;
    }
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t k = strlen(words[i]);
        if ((size_t)(end - p) >= k && memcmp(p, words[i], k) == 0)
            return p + k;
    }
    return NULL;
}

/* The values of members `field` and `id` (id may be NULL) of the JSON object
 * line[0..n): their raw tokens. -1 when the line is not one JSON object. */
static int find_members(const char *line, size_t n, const char *field, const char *id,
                        const char **fv, size_t *fn, const char **iv, size_t *in)
{
    const char *p = skip_ws(line, line + n), *end = line + n;
    size_t flen = strlen(field), ilen = id ? strlen(id) : 0;
    char key[256];

    *fv = *iv = NULL;
    *fn = *in = 0;
    if (p >= end || *p != '{')
        return -1;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}')
        return skip_ws(p + 1, end) == end ? 0 : -1;
    for (;;) {
        const char *k = skip_ws(p, end);
        size_t klen = 0, tok;
        if (k >= end || *k != '"')
            return -1;
        tok = json_string_decode(k, (size_t)(end - k), NULL, &klen);
        if (!tok)
            return -1;
        bool fits = klen <= sizeof key;
        if (fits)
            json_string_decode(k, tok, key, &klen);
        p = skip_ws(k + tok, end);
        if (p >= end || *p != ':')
            return -1;
        const char *v = skip_ws(p + 1, end);
        p = skip_value(v, end, 1);
        if (!p)
            return -1;
        if (fits && klen == flen && memcmp(key, field, flen) == 0) {
            *fv = v;
            *fn = (size_t)(p - v);
        } else if (fits && id && klen == ilen && memcmp(key, id, ilen) == 0) {
            *iv = v;
            *in = (size_t)(p - v);
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '}')
            return skip_ws(p + 1, end) == end ? 0 : -1;
        return -1;
    }
}

/* ------------------------------------------------------------------ scans */

/* Offset `byte` of text[0..) in the unit of `o`, walking from the known
 * position (*from_byte, *from_unit) when it is not past `byte`. */
static uint64_t convert_offset(const struct record_options *o, const char *text, size_t len,
                               uint64_t byte, uint64_t *from_byte, uint64_t *from_unit)
{
    uint64_t i = 0, u = 0;

    if (o->offsets == OFFSETS_BYTE)
        return byte;
    if (*from_byte <= byte) {
        i = *from_byte;
        u = *from_unit;
    }
    while (i < byte) {
        uint32_t cp = 0;
        size_t k = cli_utf8_unit_cp((const unsigned char *)text + i, len - (size_t)i, true, &cp);
        if (k == 0)
            k = 1;
        u += (o->offsets == OFFSETS_UTF16 && cp >= 0x10000 && cp < 0x110000) ? 2 : 1;
        i += k;
    }
    *from_byte = i;
    *from_unit = u;
    return u;
}

static const char *category_name(const struct record_options *o, uint32_t c)
{
    if (c < o->category_count && o->category_names[c])
        return o->category_names[c];
    return "uncategorized";
}

static void print_hit_members(struct cli_out *out, const struct record_options *o,
                              const shai_hit *h, const char *text, size_t len, uint64_t *from_byte,
                              uint64_t *from_unit)
{
    const char *entry = NULL, *suggestion = NULL;
    size_t entry_len = 0;
    const char *cat = category_name(o, h->category);

    if (shai_db_entry_text(o->db, h->entry, &entry, &entry_len) != SHAI_OK || !entry) {
        entry = "";
        entry_len = 0;
    }
    if (shai_db_entry_info(o->db, h->entry, NULL, NULL, NULL, NULL, &suggestion) != SHAI_OK)
        suggestion = NULL;
    cli_out_str(out, "\"start\":");
    cli_out_u64(out, convert_offset(o, text, len, h->start, from_byte, from_unit));
    cli_out_str(out, ",\"end\":");
    cli_out_u64(out, convert_offset(o, text, len, h->end, from_byte, from_unit));
    cli_out_str(out, ",\"text\":");
    cli_out_json_string(out, text + h->start, (size_t)(h->end - h->start));
    cli_out_str(out, ",\"entry\":");
    cli_out_json_string(out, entry, entry_len);
    cli_out_str(out, ",\"category\":");
    cli_out_json_string(out, cat, strlen(cat));
    cli_out_str(out, ",\"action\":\"");
    cli_out_str(out, cli_action_name(h->action));
    cli_out_char(out, '"');
    if (h->variant && shai_variant_name(h->variant)) {
        cli_out_str(out, ",\"variant\":\"");
        cli_out_str(out, shai_variant_name(h->variant));
        cli_out_char(out, '"');
    }
    if (suggestion && suggestion[0]) {
        cli_out_str(out, ",\"suggestion\":");
        cli_out_json_string(out, suggestion, strlen(suggestion));
    }
}

/* Scan one record's text and print its hits or its verdict. */
static int scan_record(const struct record_options *o, const char *name, uint64_t line,
                       const char *id, size_t id_len, const char *text, size_t len,
                       struct cli_hits *h, struct record_tally *t)
{
    struct cli_out *out = &cli_stdout;
    uint32_t verdict = SHAI_ACTION_PASS;
    uint64_t fb = 0, fu = 0;
    int status = CLI_EXIT_CLEAN;

    h->n = 0;
    h->oom = false;
    int rc = shai_scan_policy(o->db, o->policy, NULL, text, len, o->flags, cli_collect_hit, h);
    if (h->oom) {
        cli_error("%s:%llu: out of memory", name, (unsigned long long)line);
        return CLI_EXIT_ERROR;
    }
    if (rc == SHAI_E_MATCH_LIMIT) {
        cli_error("%s:%llu: a regular expression rule hit its match limit; the record may hold "
                  "more hits",
                  name, (unsigned long long)line);
        verdict = SHAI_ACTION_REVIEW;
        status = CLI_EXIT_ERROR;
    } else if (rc != SHAI_OK) {
        cli_error("%s:%llu: scan failed: %s", name, (unsigned long long)line,
                  shai_status_message(rc));
        return CLI_EXIT_ERROR;
    }
    if (!(o->flags & SHAI_SCAN_OVERLAPPING))
        cli_hits_select(h); /* one selection over words and rules, as the text formats make */
    for (size_t i = 0; i < h->n; i++) {
        t->hits++;
        if (h->v[i].action == SHAI_ACTION_BLOCK)
            t->block_hits++;
        if (h->v[i].action > verdict)
            verdict = h->v[i].action;
    }
    if (h->n > 0 && status == CLI_EXIT_CLEAN)
        status = CLI_EXIT_HITS;

    if (!o->verdicts) {
        for (size_t i = 0; i < h->n; i++) {
            cli_out_str(out, "{\"file\":");
            cli_out_json_string(out, name, strlen(name));
            cli_out_str(out, ",\"line\":");
            cli_out_u64(out, line);
            if (id) {
                cli_out_str(out, ",\"id\":");
                cli_out_mem(out, id, id_len);
            }
            cli_out_char(out, ',');
            print_hit_members(out, o, &h->v[i], text, len, &fb, &fu);
            cli_out_str(out, "}\n");
        }
        return status;
    }
    cli_out_str(out, "{\"file\":");
    cli_out_json_string(out, name, strlen(name));
    cli_out_str(out, ",\"line\":");
    cli_out_u64(out, line);
    if (id) {
        cli_out_str(out, ",\"id\":");
        cli_out_mem(out, id, id_len);
    }
    cli_out_str(out, ",\"verdict\":\"");
    cli_out_str(out, verdict == SHAI_ACTION_PASS ? "pass" : cli_action_name(verdict));
    cli_out_str(out, "\",\"categories\":[");
    /* the distinct categories, in order of first hit */
    for (size_t i = 0, shown = 0; i < h->n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = h->v[j].category == h->v[i].category;
        if (seen)
            continue;
        const char *cat = category_name(o, h->v[i].category);
        if (shown++)
            cli_out_char(out, ',');
        cli_out_json_string(out, cat, strlen(cat));
    }
    cli_out_str(out, "],\"hits\":[");
    for (size_t i = 0; i < h->n; i++) {
        cli_out_str(out, i ? ",{" : "{");
        print_hit_members(out, o, &h->v[i], text, len, &fb, &fu);
        cli_out_char(out, '}');
    }
    cli_out_str(out, "]}\n");
    return status;
}

static void status_merge(int *status, int st)
{
    if (st == CLI_EXIT_ERROR || *status == CLI_EXIT_ERROR)
        *status = CLI_EXIT_ERROR;
    else if (st == CLI_EXIT_HITS)
        *status = CLI_EXIT_HITS;
}

/* One line (without its '\n') of input `name`. */
static int scan_line(const struct record_options *o, const char *name, uint64_t lineno,
                     const char *line, size_t n, char **scratch, size_t *scratch_cap,
                     struct cli_hits *h, struct record_tally *t)
{
    if (!o->jsonl) {
        if (n > 0 && line[n - 1] == '\r')
            n--;
        return scan_record(o, name, lineno, NULL, 0, line, n, h, t);
    }
    const char *fv, *iv;
    size_t fn, in, len = 0;
    if (skip_ws(line, line + n) == line + n)
        return CLI_EXIT_CLEAN; /* a blank line is no record */
    if (find_members(line, n, o->field, o->id, &fv, &fn, &iv, &in) != 0) {
        cli_error("%s:%llu: not a JSON object", name, (unsigned long long)lineno);
        return CLI_EXIT_ERROR;
    }
    if (!fv || fv[0] != '"') {
        cli_error("%s:%llu: no string member \"%s\"", name, (unsigned long long)lineno, o->field);
        return CLI_EXIT_ERROR;
    }
    if (fn + 1 > *scratch_cap) {
        char *p = realloc(*scratch, fn + 1);
        if (!p) {
            cli_error("%s:%llu: out of memory", name, (unsigned long long)lineno);
            return CLI_EXIT_ERROR;
        }
        *scratch = p;
        *scratch_cap = fn + 1;
    }
    json_string_decode(fv, fn, *scratch, &len);
    return scan_record(o, name, lineno, iv, in, *scratch, len, h, t);
}

int scan_records(const struct record_options *o, const char *const *files, size_t n_files,
                 struct record_tally *tally)
{
    int status = CLI_EXIT_CLEAN;
    char *buf = NULL, *scratch = NULL;
    size_t cap = 0, scratch_cap = 0;
    struct cli_hits h = {NULL, 0, 0, false};

    for (size_t f = 0; f < n_files && !cli_stdout.error; f++) {
        const char *name = strcmp(files[f], "-") == 0 ? "<stdin>" : files[f];
        int fd = strcmp(files[f], "-") == 0 ? STDIN_FILENO : open(files[f], O_RDONLY | O_CLOEXEC);
        size_t len = 0, start = 0;
        uint64_t lineno = 1;
        bool eof = false;

        if (fd < 0) {
            cli_error("%s: %s", name, strerror(errno));
            status_merge(&status, CLI_EXIT_ERROR);
            continue;
        }
        while (!eof && !cli_stdout.error) {
            /* keep the partial line at buf[start..len), read more after it */
            if (start > 0) {
                memmove(buf, buf + start, len - start);
                len -= start;
                start = 0;
            }
            if (cap - len < READ_SIZE) {
                size_t c = cap ? cap : READ_SIZE;
                while (c - len < READ_SIZE)
                    c *= 2;
                char *p = realloc(buf, c);
                if (!p) {
                    cli_error("%s: out of memory", name);
                    status_merge(&status, CLI_EXIT_ERROR);
                    break;
                }
                buf = p;
                cap = c;
            }
            cli_out_flush(&cli_stdout); /* a pipe sees each batch as it is done */
            ssize_t k;
            do
                k = read(fd, buf + len, cap - len);
            while (k < 0 && errno == EINTR);
            if (k < 0) {
                cli_error("%s: %s", name, strerror(errno));
                status_merge(&status, CLI_EXIT_ERROR);
                break;
            }
            eof = k == 0;
            len += (size_t)k;
            if (o->progress && k > 0)
                o->progress((uint64_t)k, 0);
            for (;;) {
                char *nl = memchr(buf + start, '\n', len - start);
                size_t end = nl ? (size_t)(nl - buf) : len;
                if (!nl && !(eof && end > start))
                    break;
                status_merge(&status, scan_line(o, name, lineno, buf + start, end - start, &scratch,
                                                &scratch_cap, &h, &tally[f]));
                lineno++;
                start = nl ? end + 1 : end;
            }
        }
        if (fd != STDIN_FILENO)
            close(fd);
        if (o->progress)
            o->progress(0, 1);
    }
    free(buf);
    free(scratch);
    free(h.v);
    return status;
}
