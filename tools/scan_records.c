/* `shai scan` over records: see scan_records.h. */
#include "scan_records.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_SIZE ((size_t)256 * 1024)
#define JSON_MAX_DEPTH 512
#define CHUNK_BYTES ((size_t)256 * 1024) /* records handed to a worker at a time */

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

/* A diagnostic held with a chunk of records: printed when the output before
 * it (`at` bytes of the chunk's output) is written. */
struct rec_note {
    size_t at;
    char *msg; /* NULL: no memory to hold it */
};

/* What one thread scans records with: where hits and diagnostics go, and
 * what it keeps from one record to the next. */
struct rec_ctx {
    struct cli_out *out;
    bool hold_notes; /* diagnostics held in notes (a worker); else printed */
    struct rec_note *notes;
    size_t n_notes, cap_notes;
    shai_scratch *scratch; /* NULL: each scan makes its own */
    char *text;            /* a decoded field */
    size_t text_cap;
    struct cli_hits hits;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
rec_error(struct rec_ctx *c, const char *fmt, ...)
{
    va_list ap;
    if (!c->hold_notes) {
        char small[256];
        va_start(ap, fmt);
        int n = vsnprintf(small, sizeof small, fmt, ap);
        va_end(ap);
        char *big = n >= (int)sizeof small ? malloc((size_t)n + 1) : NULL;
        if (big) {
            va_start(ap, fmt);
            vsnprintf(big, (size_t)n + 1, fmt, ap);
            va_end(ap);
        }
        cli_error("%s", big ? big : small);
        free(big);
        return;
    }
    if (c->n_notes == c->cap_notes) {
        size_t cap = c->cap_notes ? 2 * c->cap_notes : 8;
        struct rec_note *v = realloc(c->notes, cap * sizeof *v);
        if (!v) {
            c->out->error = ENOMEM; /* the chunk is reported out of memory */
            return;
        }
        c->notes = v;
        c->cap_notes = cap;
    }
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    c->notes[c->n_notes++] = (struct rec_note){c->out->len, msg};
}

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

/* The members every record begins with: {"file":...,"line":N[,"id":...] */
static void record_head(struct cli_out *out, const char *name, uint64_t line, const char *id,
                        size_t id_len)
{
    cli_out_str(out, "{\"file\":");
    cli_out_json_string(out, name, strlen(name));
    cli_out_str(out, ",\"line\":");
    cli_out_u64(out, line);
    if (id) {
        cli_out_str(out, ",\"id\":");
        cli_out_mem(out, id, id_len);
    }
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

/* A scorer that flagged a record (shai.h, "scorers"). */
struct score_flag {
    uint32_t scorer, action;
    double score;
};
#define MAX_SCORE_FLAGS 16

/* The scorers the policy turns on that flag text[0..len): at most
 * MAX_SCORE_FLAGS of them into f; returns how many. */
static size_t score_record(const struct record_options *o, const char *text, size_t len,
                           struct score_flag *f)
{
    size_t n = 0;
    uint32_t count = o->policy ? shai_db_scorer_count(o->db) : 0;
    for (uint32_t i = 0; i < count && n < MAX_SCORE_FLAGS; i++) {
        uint32_t action = SHAI_SCENE_OFF;
        double score;
        int flagged = 0;
        if (shai_policy_scorer(o->policy, i, &action) != SHAI_OK || action == SHAI_SCENE_OFF)
            continue;
        if (shai_score(o->db, i, text, len, &score, &flagged) == SHAI_OK && flagged)
            f[n++] = (struct score_flag){i, action, score};
    }
    return n;
}

/* The members of a scorer's flag: "scorer", "score", "category", "action". */
static void print_score_members(struct cli_out *out, const struct record_options *o,
                                const struct score_flag *f)
{
    const char *name = "", *category = "";
    shai_db_scorer_info(o->db, f->scorer, &name, &category, NULL, NULL);
    char num[32];
    snprintf(num, sizeof num, "%.4f", f->score);
    cli_out_str(out, "\"scorer\":");
    cli_out_json_string(out, name, strlen(name));
    cli_out_str(out, ",\"score\":");
    cli_out_str(out, num);
    cli_out_str(out, ",\"category\":");
    cli_out_json_string(out, category, strlen(category));
    cli_out_str(out, ",\"action\":\"");
    cli_out_str(out, cli_action_name(f->action));
    cli_out_char(out, '"');
}

/* Scan one record's text and print its hits or its verdict. */
static int scan_record(const struct record_options *o, struct rec_ctx *c, const char *name,
                       uint64_t line, const char *id, size_t id_len, const char *text, size_t len,
                       struct record_tally *t)
{
    struct cli_out *out = c->out;
    struct cli_hits *h = &c->hits;
    uint32_t verdict = SHAI_ACTION_PASS;
    uint64_t fb = 0, fu = 0;
    int status = CLI_EXIT_CLEAN;

    h->n = 0;
    h->oom = false;
    int rc =
        shai_scan_policy(o->db, o->policy, c->scratch, text, len, o->flags, cli_collect_hit, h);
    if (h->oom) {
        rec_error(c, "%s:%llu: out of memory", name, (unsigned long long)line);
        return CLI_EXIT_ERROR;
    }
    if (rc == SHAI_E_MATCH_LIMIT) {
        rec_error(c,
                  "%s:%llu: a regular expression rule hit its match limit; the record may hold "
                  "more hits",
                  name, (unsigned long long)line);
        verdict = SHAI_ACTION_REVIEW;
        status = CLI_EXIT_ERROR;
    } else if (rc != SHAI_OK) {
        rec_error(c, "%s:%llu: scan failed: %s", name, (unsigned long long)line,
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
    struct score_flag flags[MAX_SCORE_FLAGS];
    size_t nflags = score_record(o, text, len, flags);
    for (size_t i = 0; i < nflags; i++) {
        t->hits++;
        if (flags[i].action == SHAI_ACTION_BLOCK)
            t->block_hits++;
        if (flags[i].action > verdict)
            verdict = flags[i].action;
    }
    if ((h->n > 0 || nflags > 0) && status == CLI_EXIT_CLEAN)
        status = CLI_EXIT_HITS;

    if (!o->verdicts) {
        for (size_t i = 0; i < h->n; i++) {
            record_head(out, name, line, id, id_len);
            cli_out_char(out, ',');
            print_hit_members(out, o, &h->v[i], text, len, &fb, &fu);
            cli_out_str(out, "}\n");
        }
        for (size_t i = 0; i < nflags; i++) {
            record_head(out, name, line, id, id_len);
            cli_out_char(out, ',');
            print_score_members(out, o, &flags[i]);
            cli_out_str(out, "}\n");
        }
        return status;
    }
    record_head(out, name, line, id, id_len);
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
    /* then the categories of the scorers' flags that no hit named */
    for (size_t i = 0, shown = h->n > 0; i < nflags; i++) {
        const char *cat = "";
        shai_db_scorer_info(o->db, flags[i].scorer, NULL, &cat, NULL, NULL);
        bool seen = false;
        for (size_t j = 0; j < h->n && !seen; j++)
            seen = strcmp(category_name(o, h->v[j].category), cat) == 0;
        for (size_t j = 0; j < i && !seen; j++) {
            const char *prev = "";
            shai_db_scorer_info(o->db, flags[j].scorer, NULL, &prev, NULL, NULL);
            seen = strcmp(prev, cat) == 0;
        }
        if (seen)
            continue;
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
    cli_out_str(out, "]");
    if (nflags) {
        cli_out_str(out, ",\"scores\":[");
        for (size_t i = 0; i < nflags; i++) {
            cli_out_str(out, i ? ",{" : "{");
            print_score_members(out, o, &flags[i]);
            cli_out_char(out, '}');
        }
        cli_out_char(out, ']');
    }
    cli_out_str(out, "}\n");
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
static int scan_line(const struct record_options *o, struct rec_ctx *c, const char *name,
                     uint64_t lineno, const char *line, size_t n, struct record_tally *t)
{
    if (!o->jsonl) {
        if (n > 0 && line[n - 1] == '\r')
            n--;
        return scan_record(o, c, name, lineno, NULL, 0, line, n, t);
    }
    const char *fv, *iv;
    size_t fn, in, len = 0;
    if (skip_ws(line, line + n) == line + n)
        return CLI_EXIT_CLEAN; /* a blank line is no record */
    if (find_members(line, n, o->field, o->id, &fv, &fn, &iv, &in) != 0) {
        rec_error(c, "%s:%llu: not a JSON object", name, (unsigned long long)lineno);
        return CLI_EXIT_ERROR;
    }
    if (!fv || fv[0] != '"') {
        rec_error(c, "%s:%llu: no string member \"%s\"", name, (unsigned long long)lineno,
                  o->field);
        return CLI_EXIT_ERROR;
    }
    if (fn + 1 > c->text_cap) {
        char *p = realloc(c->text, fn + 1);
        if (!p) {
            rec_error(c, "%s:%llu: out of memory", name, (unsigned long long)lineno);
            return CLI_EXIT_ERROR;
        }
        c->text = p;
        c->text_cap = fn + 1;
    }
    json_string_decode(fv, fn, c->text, &len);
    return scan_record(o, c, name, lineno, iv, in, c->text, len, t);
}

/* The records of each file in this thread. */
static int scan_records_serial(const struct record_options *o, const char *const *files,
                               size_t n_files, struct record_tally *tally)
{
    int status = CLI_EXIT_CLEAN;
    char *buf = NULL;
    size_t cap = 0;
    struct rec_ctx ctx;

    memset(&ctx, 0, sizeof ctx);
    ctx.out = &cli_stdout;

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
                status_merge(&status,
                             scan_line(o, &ctx, name, lineno, buf + start, end - start, &tally[f]));
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
    free(ctx.text);
    free(ctx.hits.v);
    return status;
}

/* ---------------------------------------------------------------- workers */

/* With workers (-jN), the main thread reads each input and cuts it after a
 * line break into chunks of about CHUNK_BYTES; a worker scans the records of
 * a chunk into the chunk's own output, holding its diagnostics with the
 * place in that output where they were raised; the main thread writes the
 * chunks in input order, each diagnostic where the serial scan prints it.
 * At most `nslots` chunks are in flight. Before a read that would block (a
 * pipe waiting for its writer), every chunk read so far is scanned and
 * written, as the serial scan does. */

struct rec_chunk {
    size_t file;
    const char *name;
    uint64_t line; /* of its first record */
    char *buf;
    size_t cap, len;
    /* results */
    struct cli_out out;
    struct rec_note *notes;
    size_t n_notes, cap_notes;
    struct record_tally tally;
    int status;
    bool done;
};

struct rec_pool {
    const struct record_options *o;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    struct rec_chunk *slots;
    size_t nslots;
    uint64_t submitted, next_scan, next_write;
    bool shutdown;
    pthread_t *threads;
    size_t nthreads;
    /* main thread */
    struct record_tally *tally;
    int status;
};

static void chunk_scan(const struct record_options *o, struct rec_ctx *c, struct rec_chunk *k)
{
    uint64_t lineno = k->line;
    size_t start = 0;

    c->out = &k->out;
    c->notes = k->notes;
    c->n_notes = 0;
    c->cap_notes = k->cap_notes;
    k->status = CLI_EXIT_CLEAN;
    k->tally = (struct record_tally){0, 0};
    while (start < k->len && !k->out.error) {
        char *nl = memchr(k->buf + start, '\n', k->len - start);
        size_t end = nl ? (size_t)(nl - k->buf) : k->len; /* the last line of an input */
        status_merge(&k->status,
                     scan_line(o, c, k->name, lineno, k->buf + start, end - start, &k->tally));
        lineno++;
        start = end + 1;
    }
    k->notes = c->notes;
    k->n_notes = c->n_notes;
    k->cap_notes = c->cap_notes;
}

struct rec_worker {
    struct rec_pool *pool;
    struct rec_ctx ctx;
};

static void *rec_worker_main(void *arg)
{
    struct rec_worker *w = arg;
    struct rec_pool *p = w->pool;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->next_scan == p->submitted && !p->shutdown)
            pthread_cond_wait(&p->work_cv, &p->mu);
        if (p->next_scan == p->submitted)
            break;
        struct rec_chunk *k = &p->slots[p->next_scan++ % p->nslots];
        pthread_mutex_unlock(&p->mu);
        chunk_scan(p->o, &w->ctx, k);
        pthread_mutex_lock(&p->mu);
        k->done = true;
        pthread_cond_broadcast(&p->done_cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Write out the oldest chunk (done): its output, its diagnostics in their
 * places. Main thread, without the lock. */
static void chunk_write(struct rec_pool *p, struct rec_chunk *k)
{
    size_t at = 0;

    if (!cli_stdout.error) {
        for (size_t i = 0; i < k->n_notes; i++) {
            cli_out_mem(&cli_stdout, k->out.buf + at, k->notes[i].at - at);
            at = k->notes[i].at;
            if (k->notes[i].msg)
                cli_error("%s", k->notes[i].msg);
            else
                cli_error("%s: out of memory", k->name);
        }
        if (k->out.error == ENOMEM) {
            cli_error("%s: out of memory", k->name);
            status_merge(&p->status, CLI_EXIT_ERROR);
        } else {
            cli_out_mem(&cli_stdout, k->out.buf + at, k->out.len - at);
        }
        p->tally[k->file].hits += k->tally.hits;
        p->tally[k->file].block_hits += k->tally.block_hits;
        status_merge(&p->status, k->status);
    }
    for (size_t i = 0; i < k->n_notes; i++)
        free(k->notes[i].msg);
    k->n_notes = 0;
    k->out.len = 0;
    k->out.error = 0;
    k->len = 0;
    k->done = false;
}

/* Write out the done chunks at the head, in order, until at most
 * `max_inflight` chunks are in flight. Main thread. */
static void rec_pool_wait(struct rec_pool *p, uint64_t max_inflight)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->next_write < p->submitted) {
            struct rec_chunk *k = &p->slots[p->next_write % p->nslots];
            if (k->done) {
                pthread_mutex_unlock(&p->mu);
                chunk_write(p, k);
                pthread_mutex_lock(&p->mu);
                p->next_write++;
                continue;
            }
        }
        if (p->submitted - p->next_write <= max_inflight)
            break;
        pthread_cond_wait(&p->done_cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

/* The next free chunk, empty. Main thread. */
static struct rec_chunk *rec_pool_acquire(struct rec_pool *p)
{
    rec_pool_wait(p, p->nslots - 1);
    return &p->slots[p->submitted % p->nslots];
}

static void rec_pool_submit(struct rec_pool *p, struct rec_chunk *k, size_t file, const char *name,
                            uint64_t line)
{
    k->file = file;
    k->name = name;
    k->line = line;
    k->done = false;
    pthread_mutex_lock(&p->mu);
    p->submitted++;
    pthread_cond_signal(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
}

/* Whether a read from `fd` would block now. */
static bool rec_would_block(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
    return poll(&pfd, 1, 0) == 0;
}

static int reserve(char **buf, size_t *cap, size_t want)
{
    if (*cap >= want)
        return 0;
    size_t c = *cap ? *cap : READ_SIZE;
    while (c < want)
        c *= 2;
    char *q = realloc(*buf, c);
    if (!q)
        return -1;
    *buf = q;
    *cap = c;
    return 0;
}

/* Cut chunk *kp after its last line break (at `cut`): submit the lines
 * before, and move the rest into the next free chunk, *kp. -1: no memory. */
static int rec_cut(struct rec_pool *p, struct rec_chunk **kp, size_t cut, size_t file,
                   const char *name, uint64_t *line, char **carry, size_t *carry_cap)
{
    struct rec_chunk *k = *kp;
    size_t tail = k->len - cut;

    if (reserve(carry, carry_cap, tail + 1) != 0)
        return -1;
    memcpy(*carry, k->buf + cut, tail);
    k->len = cut;
    uint64_t lines = 0;
    for (const char *q = k->buf; (q = memchr(q, '\n', (size_t)(k->buf + cut - q))) != NULL; q++)
        lines++;
    rec_pool_submit(p, k, file, name, *line);
    *line += lines;
    k = *kp = rec_pool_acquire(p);
    if (reserve(&k->buf, &k->cap, tail + READ_SIZE) != 0)
        return -1;
    memcpy(k->buf, *carry, tail);
    k->len = tail;
    return 0;
}

/* Offset just past the last '\n' of p[0..n), 0: none. */
static size_t after_last_line(const char *p, size_t n)
{
    while (n > 0 && p[n - 1] != '\n')
        n--;
    return n;
}

static void rec_pool_file(struct rec_pool *p, size_t f, const char *path, char **carry,
                          size_t *carry_cap)
{
    const struct record_options *o = p->o;
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint64_t line = 1;

    if (fd < 0) {
        rec_pool_wait(p, 0);
        cli_error("%s: %s", name, strerror(errno));
        status_merge(&p->status, CLI_EXIT_ERROR);
        return;
    }
    bool interactive = !(fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
    struct rec_chunk *k = rec_pool_acquire(p);
    while (!cli_stdout.error) {
        if (reserve(&k->buf, &k->cap, k->len + READ_SIZE) != 0)
            goto no_memory;
        if (interactive && rec_would_block(fd)) {
            /* about to wait for a writer: what it sent is answered first */
            size_t cut = after_last_line(k->buf, k->len);
            if (cut > 0 && rec_cut(p, &k, cut, f, name, &line, carry, carry_cap) != 0)
                goto no_memory;
            rec_pool_wait(p, 0);
            cli_out_flush(&cli_stdout);
        }
        ssize_t n;
        do
            n = read(fd, k->buf + k->len, k->cap - k->len);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            int err = errno;
            size_t cut = after_last_line(k->buf, k->len);
            if (cut > 0 && rec_cut(p, &k, cut, f, name, &line, carry, carry_cap) != 0)
                goto no_memory;
            rec_pool_wait(p, 0);
            cli_error("%s: %s", name, strerror(err));
            status_merge(&p->status, CLI_EXIT_ERROR);
            break;
        }
        if (n == 0) { /* the rest, a last line without a line break included */
            if (k->len > 0)
                rec_pool_submit(p, k, f, name, line);
            break;
        }
        if (o->progress)
            o->progress((uint64_t)n, 0);
        size_t before = k->len;
        k->len += (size_t)n;
        if (k->len >= CHUNK_BYTES) {
            size_t cut = after_last_line(k->buf + before, (size_t)n);
            cut = cut ? before + cut : after_last_line(k->buf, before);
            if (cut > 0 && rec_cut(p, &k, cut, f, name, &line, carry, carry_cap) != 0)
                goto no_memory;
        }
    }
    if (fd != STDIN_FILENO)
        close(fd);
    return;
no_memory:
    rec_pool_wait(p, 0);
    cli_error("%s: out of memory", name);
    status_merge(&p->status, CLI_EXIT_ERROR);
    k->len = 0;
    if (fd != STDIN_FILENO)
        close(fd);
}

/* The records with o->threads workers; -1 when no worker could be started
 * (nothing was done). */
static int scan_records_parallel(const struct record_options *o, const char *const *files,
                                 size_t n_files, struct record_tally *tally)
{
    struct rec_pool p;
    struct rec_worker *workers;
    char *carry = NULL;
    size_t carry_cap = 0;
    int status = -1;

    memset(&p, 0, sizeof p);
    p.o = o;
    p.tally = tally;
    p.status = CLI_EXIT_CLEAN;
    p.nslots = 2 * o->threads + 2;
    p.slots = calloc(p.nslots, sizeof *p.slots);
    p.threads = calloc(o->threads, sizeof *p.threads);
    workers = calloc(o->threads, sizeof *workers);
    if (!p.slots || !p.threads || !workers)
        goto out;
    for (size_t i = 0; i < p.nslots; i++)
        cli_out_init_memory(&p.slots[i].out);
    if (pthread_mutex_init(&p.mu, NULL) != 0)
        goto out;
    if (pthread_cond_init(&p.work_cv, NULL) != 0)
        goto out_mutex;
    if (pthread_cond_init(&p.done_cv, NULL) != 0)
        goto out_work;
    while (p.nthreads < o->threads) {
        struct rec_worker *w = &workers[p.nthreads];
        w->pool = &p;
        w->ctx.hold_notes = true;
        if (shai_scratch_new(o->db, &w->ctx.scratch) != SHAI_OK)
            w->ctx.scratch = NULL; /* each scan makes its own */
        if (pthread_create(&p.threads[p.nthreads], NULL, rec_worker_main, w) != 0) {
            shai_scratch_free(w->ctx.scratch);
            w->ctx.scratch = NULL;
            break;
        }
        p.nthreads++;
    }
    if (p.nthreads > 0) {
        for (size_t f = 0; f < n_files && !cli_stdout.error; f++) {
            rec_pool_file(&p, f, files[f], &carry, &carry_cap);
            if (o->progress)
                o->progress(0, 1);
        }
        rec_pool_wait(&p, 0);
        status = p.status;
        pthread_mutex_lock(&p.mu);
        p.shutdown = true;
        pthread_cond_broadcast(&p.work_cv);
        pthread_mutex_unlock(&p.mu);
        for (size_t i = 0; i < p.nthreads; i++)
            pthread_join(p.threads[i], NULL);
    }
    pthread_cond_destroy(&p.done_cv);
out_work:
    pthread_cond_destroy(&p.work_cv);
out_mutex:
    pthread_mutex_destroy(&p.mu);
out:
    if (p.slots) {
        for (size_t i = 0; i < p.nslots; i++) {
            free(p.slots[i].buf);
            for (size_t j = 0; j < p.slots[i].n_notes; j++)
                free(p.slots[i].notes[j].msg);
            free(p.slots[i].notes);
            cli_out_free_memory(&p.slots[i].out);
        }
    }
    if (workers) {
        for (size_t i = 0; i < p.nthreads; i++) {
            shai_scratch_free(workers[i].ctx.scratch);
            free(workers[i].ctx.text);
            free(workers[i].ctx.hits.v);
        }
    }
    free(workers);
    free(p.slots);
    free(p.threads);
    free(carry);
    return status;
}

int scan_records(const struct record_options *o, const char *const *files, size_t n_files,
                 struct record_tally *tally)
{
    if (o->threads > 1) {
        int status = scan_records_parallel(o, files, n_files, tally);
        if (status >= 0)
            return status;
    }
    return scan_records_serial(o, files, n_files, tally);
}
