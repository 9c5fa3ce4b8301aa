/*
 * `shai scan`: stream files (or standard input) through a compiled lexicon and
 * print every violation with its file, line and column.
 *
 * Two engines give the same output, byte for byte.
 *
 * The streaming engine (-j1, and the rest of a file after a giant line) reads
 * each input in CHUNK-sized pieces and feeds them to one shai_stream. Hits
 * arrive with byte offsets, possibly one or more writes after the write that
 * completed them. To print a hit we need its bytes and its line and column, so
 * the input keeps a window of the bytes that a future hit can still reach:
 * everything from `cur` on, where `cur` trails the stream's horizon. `cur` is
 * a cursor (offset, line, code points since the line start) that is moved
 * forward as bytes are dropped, so a line of any length costs no more memory
 * than the horizon lag plus one chunk.
 *
 * The parallel engine (-jN, N > 1): no hit spans a line break, so text cut
 * right after a '\n' can be scanned in independent pieces. The main thread
 * reads each input in blocks of about BLOCK_SIZE bytes cut after their last
 * '\n' and queues them, with their absolute offset and first line number, for
 * N worker threads that share the (immutable) db. A worker scans a block with
 * shai_scan and formats its hits into the block's own memory buffer; the main
 * thread writes the buffers strictly in input order. At most 2N blocks (and
 * about 2N * BLOCK_SIZE bytes) are in flight; a block whose output outgrows
 * OUT_SPILL waits until it is the oldest and then writes straight to stdout,
 * so memory stays bounded whatever the input. A block that reaches
 * BLOCK_LIMIT bytes without a '\n' (a giant line) ends the parallel run of
 * its file: the blocks before it are written out, and the rest of the file,
 * from the start of that line, goes through the streaming engine. Blocks of
 * consecutive files flow through the same queue. Small files go to the
 * workers in batches, by name (a worker opens, reads and scans them), and
 * the files of a directory are queued as the walk finds them
 * (scan_files.found), so that the walk runs beside the scans.
 *
 * In the default mode with rules in the db, a line's hits are held for one
 * selection over words and rules (pend_add); a long line is decided in parts
 * as the stream's horizon passes its held hits (flush_pending_before).
 */
#include "cli.h"
#include "scan_input.h"
#include "scan_records.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK ((size_t)64 * 1024)
#define BLOCK_SIZE ((size_t)4 * 1024 * 1024)
#define BLOCK_LIMIT ((size_t)16 * 1024 * 1024)
#define READ_MORE ((size_t)1024 * 1024)
#define OUT_SPILL ((size_t)8 * 1024 * 1024)
#define MAX_THREADS 256
#define STDIN_NAME "<stdin>"
#define MARK_STEP ((uint64_t)4096)
#define SELF_READ_MAX ((uint64_t)1024 * 1024)
#define SMALL_SLOTS 64
#define SPARE_MIN ((size_t)256 * 1024)
#define BATCH_FILES 64
#define BATCH_BYTES ((uint64_t)256 * 1024)
/* A walked file of SCAN_SIZE_UNKNOWN is read by a worker up to this size
 * (so that a batch stays within BATCH_BYTES); a longer one is left to the
 * main thread, which streams it. */
#define UNKNOWN_READ_MAX (BATCH_BYTES / BATCH_FILES)

enum scan_format { FORMAT_TEXT, FORMAT_JSONL, FORMAT_SARIF };

/* What is printed: every hit (default), a count per file (-c), the names of
 * the files with hits (-l), or nothing (-q). */
enum scan_report { REPORT_HITS, REPORT_COUNT, REPORT_FILES, REPORT_QUIET };

/* Which hits make the exit status 1 (--fail-on, --exit-zero). */
enum scan_fail_on { FAIL_ON_REVIEW, FAIL_ON_BLOCK, FAIL_ON_NEVER };

/* Hits of one input, added up by the main thread. */
struct file_tally {
    uint64_t hits;
    uint64_t block_hits;
    bool binary; /* found in a directory, skipped */
    bool failed; /* not scanned: it could not be opened, read or extracted */
};

struct scan_config {
    const shai_db *db;
    enum scan_format format;
    uint32_t flags;
    const char **category_names; /* by category id */
    const char **suggestions;    /* by entry index, NULL: none (text format) */
    uint32_t category_count;
    const shai_policy *policy; /* --scene and friends; NULL: none */
    enum scan_report report;
    enum scan_fail_on fail_on;
    struct file_tally *tally; /* by input, main thread only */
    size_t tally_cap;
    const char *encoding;    /* --encoding, or NULL: detect */
    const bool *walked;      /* by input: found in a directory */
    const uint64_t *sizes;   /* by input: size when walked, else UINT64_MAX */
    bool column_bytes;       /* --column byte */
    bool color;              /* --color, NO_COLOR, a terminal */
    bool suggest;            /* --suggest, a terminal */
    bool summary;            /* --summary, a terminal */
    bool context;            /* --context, colour: the line around a hit */
    bool merge_rules;        /* default mode, rules or variants in the db: one selection */
    uint64_t *sarif_results; /* SARIF results written (one thread: -j1) */
    uint64_t *category_hits; /* by category id, + 1: uncategorized; atomic */
};

/* A position in the input: absolute byte offset, 1-based line, and number of
 * code points between the start of the line and `off`. */
struct cursor {
    uint64_t off;
    uint64_t line;
    uint64_t col;
    uint64_t lstart; /* offset of the start of the line */
};

enum { INPUT_OK = 0, INPUT_OUTPUT_ERROR, INPUT_INTERNAL_ERROR, INPUT_NO_MEMORY };

/* The text around a hit on its line, as far as the window holds it. */
struct context {
    const char *pre, *post;
    size_t pre_len, post_len;
};

#define CONTEXT_CHARS 24

/* A hit held until its line is done (merge_rules). */
struct pending_hit {
    shai_hit hit;
    struct cursor pos;
    size_t text;                         /* its bytes: pend_text + text */
    size_t pre, pre_len, post, post_len; /* its context, in pend_text */
    size_t seq;                          /* arrival order, for a stable sort */
};

/* The bytes of one input that hits can still reach, and where they are. */
struct input {
    const struct scan_config *cfg;
    const char *name; /* as printed */
    size_t name_len;
    struct cli_out *out; /* where the hits go */
    unsigned char *buf;
    size_t cap;
    size_t len;                   /* valid bytes in buf */
    uint64_t base;                /* absolute offset of buf[0] */
    uint64_t origin;              /* absolute offset of the library's offset 0 */
    struct cursor cur;            /* bytes before cur.off are dropped (dead) */
    struct cursor last;           /* a known position >= cur: the last hit start located */
    struct cursor *marks;         /* known positions, by offset, MARK_STEP bytes apart */
    const uint32_t *map;          /* decoded input: original offset of each byte, or NULL */
    const unsigned char *blanked; /* what was scanned, markup blanked (scan_blank_markup) */
    size_t n_marks, cap_marks;
    bool final;      /* end of input reached: no byte will follow buf[len) */
    int error;       /* INPUT_* set by the hit callback */
    uint64_t bad[4]; /* INPUT_INTERNAL_ERROR: hit start, end, window start, end */
    uint64_t hits;
    uint64_t block_hits;
    /* hits of the current line held for the selection over words and rules */
    struct pending_hit *pend;
    size_t n_pend, cap_pend;
    unsigned char *pend_text;
    size_t pend_text_len, pend_text_cap;
    size_t pend_seq; /* arrivals counted, for a stable order */
    /* the last hit the selection kept (a long line is decided in parts) */
    bool kept;
    uint64_t kept_line, kept_end;
};

/* --------------------------------------------------------------- positions */

/* Move `c` over the units that start before `target` and return whether it
 * lands exactly on `target` (a unit boundary). With `whole`, stop early at a
 * unit that would cross `target` or that is still incomplete (dropping bytes
 * that are dead); without it, count every unit that starts before `target`
 * (locating a hit). */
static bool cursor_walk(const struct input *in, struct cursor *c, uint64_t target, bool whole)
{
    const unsigned char *buf = in->buf;
    size_t i = (size_t)(c->off - in->base);
    size_t t = (size_t)(target - in->base);
    uint64_t line = c->line, col = c->col, lstart = c->lstart;

    /* whole lines at once: no unit holds a '\n' byte, so the state after
     * the last one is known without decoding what lies before it */
    while (i < t) {
        const unsigned char *nl = memchr(buf + i, '\n', t - i);
        if (!nl)
            break;
        line++;
        col = 0;
        i = (size_t)(nl - buf) + 1;
        lstart = in->base + i;
    }
    while (i < t) {
        unsigned ch = buf[i];
        if (ch < 0x80) {
            if (ch == '\n') {
                line++;
                col = 0;
                lstart = in->base + i + 1;
            } else {
                col++;
            }
            i++;
            continue;
        }
        size_t n = cli_utf8_unit(buf + i, in->len - i, whole ? in->final : true);
        if (whole && (n == 0 || i + n > t))
            break;
        col++;
        i += n;
    }
    c->off = in->base + i;
    c->line = line;
    c->col = col;
    c->lstart = lstart;
    return i == t;
}

/* Remember `c` (a unit boundary) as a place to count columns from, when it
 * lies at least MARK_STEP bytes after the last mark. Marks before cur.off
 * point at dropped bytes and are discarded when the array is full; out of
 * memory, no mark is kept (locating stays correct, only slower). */
static void mark_add(struct input *in, const struct cursor *c)
{
    if (in->n_marks > 0 && c->off < in->marks[in->n_marks - 1].off + MARK_STEP)
        return;
    if (in->n_marks == in->cap_marks) {
        size_t dead = 0;
        while (dead < in->n_marks && in->marks[dead].off < in->cur.off)
            dead++;
        if (dead > 0) {
            memmove(in->marks, in->marks + dead, (in->n_marks - dead) * sizeof *in->marks);
            in->n_marks -= dead;
        } else {
            size_t cap = in->cap_marks ? 2 * in->cap_marks : 64;
            struct cursor *m = realloc(in->marks, cap * sizeof *m);
            if (!m)
                return;
            in->marks = m;
            in->cap_marks = cap;
        }
    }
    in->marks[in->n_marks++] = *c;
}

/* Line and column (0-based code points) of offset `start`, cur.off <= start.
 * Hits come ordered by start or by end, but a rule's hits may come after the
 * word hits of the same line: a start before the last one located is counted
 * from the nearest mark before it, so each hit costs at most MARK_STEP bytes
 * of walking on top of the forward walk that is shared by all. */
static void locate_hit(struct input *in, uint64_t start, struct cursor *out)
{
    struct cursor c;

    if (start >= in->last.off) {
        c = in->last;
        if (cursor_walk(in, &c, start, false)) {
            in->last = c;
            mark_add(in, &c);
        }
        *out = c;
        return;
    }
    size_t lo = 0, hi = in->n_marks; /* first mark after start */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (in->marks[mid].off <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && in->marks[lo - 1].off >= in->cur.off)
        c = in->marks[lo - 1];
    else
        c = in->cur;
    cursor_walk(in, &c, start, false);
    *out = c;
}

/* ------------------------------------------------------------------ output */

/* The 1-based column of a hit: code points (default) or bytes (--column
 * byte, of the decoded UTF-8 text for a decoded input) from the line start. */
static uint64_t hit_column(const struct input *in, const shai_hit *hit, const struct cursor *pos)
{
    return in->cfg->column_bytes ? hit->start - pos->lstart + 1 : pos->col + 1;
}

static void print_text(const struct input *in, const shai_hit *hit, const struct cursor *pos,
                       const char *category, const char *text, const struct context *ctx)
{
    struct cli_out *o = in->out;
    bool color = in->cfg->color;

    /* colours as grep's defaults: file magenta, numbers green, match bold red */
    if (color)
        cli_out_str(o, "\033[35m");
    cli_out_mem(o, in->name, in->name_len);
    cli_out_str(o, color ? "\033[0m:\033[32m" : ":");
    cli_out_u64(o, pos->line);
    cli_out_char(o, ':');
    cli_out_u64(o, hit_column(in, hit, pos));
    cli_out_str(o, color ? "\033[0m: \033[1;31m" : ": ");
    cli_out_text_escaped(o, text, (size_t)(hit->end - hit->start));
    cli_out_str(o, color ? "\033[0m [" : " [");
    if (color)
        cli_out_str(o, hit->action == SHAI_ACTION_BLOCK ? "\033[31m" : "\033[33m");
    cli_out_str(o, category);
    cli_out_char(o, '/');
    cli_out_str(o, cli_action_name(hit->action));
    if (color)
        cli_out_str(o, "\033[0m");
    if (in->cfg->suggestions && hit->entry < shai_db_entry_count(in->cfg->db) &&
        in->cfg->suggestions[hit->entry]) {
        cli_out_str(o, color ? " \xe2\x86\x92 \033[32m" : " \xe2\x86\x92 ");
        cli_out_str(o, in->cfg->suggestions[hit->entry]);
        if (color)
            cli_out_str(o, "\033[0m");
    }
    cli_out_char(o, ']');
    if (hit->variant && shai_variant_name(hit->variant)) {
        cli_out_str(o, " [");
        cli_out_str(o, shai_variant_name(hit->variant));
        cli_out_char(o, ']');
    }
    cli_out_char(o, '\n');
    if (ctx) {
        cli_out_str(o, "    ");
        cli_out_text_escaped(o, ctx->pre, ctx->pre_len);
        cli_out_str(o, color ? "\033[1;31m" : "\xc2\xbb");
        cli_out_text_escaped(o, text, (size_t)(hit->end - hit->start));
        cli_out_str(o, color ? "\033[0m" : "\xc2\xab");
        cli_out_text_escaped(o, ctx->post, ctx->post_len);
        cli_out_char(o, '\n');
    }
}

static void print_jsonl(const struct input *in, const shai_hit *hit, const struct cursor *pos,
                        const char *category, const char *text)
{
    struct cli_out *o = in->out;
    const shai_db *db = in->cfg->db;
    const char *entry = NULL, *tag = NULL, *suggestion = NULL;
    size_t entry_len = 0;

    if (shai_db_entry_text(db, hit->entry, &entry, &entry_len) != SHAI_OK || entry == NULL) {
        entry = "";
        entry_len = 0;
    }
    if (shai_db_entry_info(db, hit->entry, NULL, NULL, NULL, &tag, &suggestion) != SHAI_OK) {
        tag = NULL;
        suggestion = NULL;
    }

    cli_out_str(o, "{\"file\":");
    cli_out_json_string(o, in->name, in->name_len);
    cli_out_str(o, ",\"line\":");
    cli_out_u64(o, pos->line);
    cli_out_str(o, ",\"col\":");
    cli_out_u64(o, hit_column(in, hit, pos));
    cli_out_str(o, ",\"start\":");
    cli_out_u64(o, in->map ? in->map[hit->start] : hit->start);
    cli_out_str(o, ",\"end\":");
    cli_out_u64(o, in->map ? in->map[hit->end] : hit->end);
    cli_out_str(o, ",\"text\":");
    cli_out_json_string(o, text, (size_t)(hit->end - hit->start));
    cli_out_str(o, ",\"entry\":");
    cli_out_json_string(o, entry, entry_len);
    cli_out_str(o, ",\"category\":");
    cli_out_json_string(o, category, strlen(category));
    cli_out_str(o, ",\"action\":\"");
    cli_out_str(o, cli_action_name(hit->action));
    cli_out_char(o, '"');
    if (hit->variant && shai_variant_name(hit->variant)) {
        cli_out_str(o, ",\"variant\":\"");
        cli_out_str(o, shai_variant_name(hit->variant));
        cli_out_char(o, '"');
    }
    if (tag) {
        cli_out_str(o, ",\"tag\":");
        cli_out_json_string(o, tag, strlen(tag));
    }
    if (suggestion) {
        cli_out_str(o, ",\"suggestion\":");
        cli_out_json_string(o, suggestion, strlen(suggestion));
    }
    cli_out_mem(o, "}\n", 2);
}

/* ---------------------------------------------- issue 18: SARIF 2.1.0 */

/* A file name as a relative URI reference: RFC 3986 unreserved characters
 * and '/' as they are, every other byte percent-encoded. */
/* The start of a SARIF region, `{"startLine":L,"startColumn":C,"endColumn":E`
 * (the caller adds the rest and the closing brace): a hit of `chars`
 * characters at pos. */
static void sarif_lines(struct cli_out *o, const struct cursor *pos, uint64_t chars)
{
    cli_out_str(o, "{\"startLine\":");
    cli_out_u64(o, pos->line);
    cli_out_str(o, ",\"startColumn\":");
    cli_out_u64(o, pos->col + 1);
    cli_out_str(o, ",\"endColumn\":");
    cli_out_u64(o, pos->col + 1 + chars);
}

static void sarif_uri(struct cli_out *o, const char *name, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    cli_out_char(o, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            cli_out_char(o, (char)c);
        } else {
            cli_out_char(o, '%');
            cli_out_char(o, hex[c >> 4]);
            cli_out_char(o, hex[c & 15]);
        }
    }
    cli_out_char(o, '"');
}

static uint32_t sarif_rule(const struct scan_config *cfg, uint32_t category)
{
    return category < cfg->category_count ? category : cfg->category_count;
}

/* The rule of category id `rule`; past the db's categories (never in a
 * valid db) "unknown-category". */
static const char *sarif_rule_name(const struct scan_config *cfg, uint32_t rule)
{
    if (rule < cfg->category_count && cfg->category_names[rule])
        return cfg->category_names[rule];
    return "unknown-category";
}

/* One result; results are comma-separated, so SARIF runs in one thread. */
static void print_sarif(const struct input *in, const shai_hit *hit, const struct cursor *pos,
                        const char *text)
{
    struct cli_out *o = in->out;
    const struct scan_config *cfg = in->cfg;
    size_t len = (size_t)(hit->end - hit->start);
    const char *entry = NULL, *suggestion = NULL;
    size_t entry_len = 0;
    uint64_t chars = 0;
    uint32_t rule = sarif_rule(cfg, hit->category);
    const char *category = sarif_rule_name(cfg, rule);

    for (size_t i = 0; i < len; chars++)
        i += cli_utf8_unit((const unsigned char *)text + i, len - i, true);
    if (shai_db_entry_text(cfg->db, hit->entry, &entry, &entry_len) != SHAI_OK || !entry) {
        entry = "";
        entry_len = 0;
    }
    if (shai_db_entry_info(cfg->db, hit->entry, NULL, NULL, NULL, NULL, &suggestion) != SHAI_OK)
        suggestion = NULL;

    cli_out_str(o, (*cfg->sarif_results)++ ? ",\n{" : "\n{");
    cli_out_str(o, "\"ruleId\":\"shai/");
    cli_out_str(o, category);
    cli_out_str(o, "\",\"ruleIndex\":");
    cli_out_u64(o, rule);
    cli_out_str(o, ",\"level\":\"");
    cli_out_str(o, hit->action == SHAI_ACTION_BLOCK ? "error" : "warning");
    cli_out_str(o, "\",\"message\":{\"text\":");
    {
        /* "赌博: gambling/block (entry 赌博)" */
        struct cli_out m;
        cli_out_init_memory(&m);
        cli_out_text_escaped(&m, text, len);
        cli_out_str(&m, ": ");
        cli_out_str(&m, category);
        cli_out_char(&m, '/');
        cli_out_str(&m, cli_action_name(hit->action));
        cli_out_str(&m, " (entry ");
        cli_out_mem(&m, entry, entry_len);
        if (hit->variant && shai_variant_name(hit->variant)) {
            cli_out_str(&m, ", written as ");
            cli_out_str(&m, shai_variant_name(hit->variant));
        }
        cli_out_char(&m, ')');
        if (suggestion && suggestion[0]) {
            cli_out_str(&m, "; suggestion: ");
            cli_out_str(&m, suggestion);
        }
        cli_out_json_string(o, m.buf ? m.buf : "", m.len);
        cli_out_free_memory(&m);
    }
    cli_out_str(o, "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
    sarif_uri(o, in->name, in->name_len);
    cli_out_str(o, "},\"region\":");
    sarif_lines(o, pos, chars);
    cli_out_str(o, ",\"byteOffset\":");
    cli_out_u64(o, in->map ? in->map[hit->start] : hit->start);
    cli_out_str(o, ",\"byteLength\":");
    cli_out_u64(o, in->map ? in->map[hit->end] - in->map[hit->start] : len);
    cli_out_str(o, ",\"snippet\":{\"text\":");
    cli_out_json_string(o, text, len);
    cli_out_str(o, "}}}}]");
    if (hit->variant && shai_variant_name(hit->variant)) {
        cli_out_str(o, ",\"properties\":{\"variant\":\"");
        cli_out_str(o, shai_variant_name(hit->variant));
        cli_out_str(o, "\"}");
    }
    if (suggestion && suggestion[0]) {
        cli_out_str(o, ",\"fixes\":[{\"description\":{\"text\":");
        {
            struct cli_out m;
            cli_out_init_memory(&m);
            cli_out_str(&m, "replace with ");
            cli_out_str(&m, suggestion);
            cli_out_json_string(o, m.buf ? m.buf : "", m.len);
            cli_out_free_memory(&m);
        }
        cli_out_str(o, "},\"artifactChanges\":[{\"artifactLocation\":{\"uri\":");
        sarif_uri(o, in->name, in->name_len);
        cli_out_str(o, "},\"replacements\":[{\"deletedRegion\":");
        sarif_lines(o, pos, chars);
        cli_out_str(o, "},\"insertedContent\":{\"text\":");
        cli_out_json_string(o, suggestion, strlen(suggestion));
        cli_out_str(o, "}}]}]}]");
    }
    cli_out_char(o, '}');
}

/* The log's head: the tool, one rule per category (ruleIndex = category id,
 * then "uncategorized"), and the opening of the results. */
static void sarif_begin(const struct scan_config *cfg)
{
    struct cli_out *o = &cli_stdout;
    cli_out_str(o, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                   "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
                   "\"name\":\"shai\",\"version\":");
    cli_out_json_string(o, shai_version_string(), strlen(shai_version_string()));
    cli_out_str(o, ",\"rules\":[");
    for (uint32_t c = 0; c <= cfg->category_count; c++) {
        const char *name = sarif_rule_name(cfg, c);
        cli_out_str(o, c ? ",{\"id\":\"shai/" : "{\"id\":\"shai/");
        cli_out_str(o, name);
        cli_out_str(o, "\",\"name\":");
        cli_out_json_string(o, name, strlen(name));
        cli_out_str(o, ",\"shortDescription\":{\"text\":");
        {
            char buf[256];
            int k = snprintf(buf, sizeof buf, "a lexicon entry of category %s", name);
            cli_out_json_string(o, buf,
                                k < 0                    ? 0
                                : (size_t)k < sizeof buf ? (size_t)k
                                                         : sizeof buf - 1);
        }
        cli_out_str(o, "},\"defaultConfiguration\":{\"level\":\"warning\"}}");
    }
    cli_out_str(o, "]}},\"columnKind\":\"unicodeCodePoints\",\"results\":[");
}

static void sarif_end(void)
{
    cli_out_str(&cli_stdout, "\n]}]}\n");
}

/* The context of a hit: up to CONTEXT_CHARS code points before and after it
 * on its line, within the bytes the window still holds. */
static void find_context(const struct input *in, const shai_hit *hit, const struct cursor *pos,
                         struct context *ctx)
{
    const unsigned char *buf = in->buf;
    uint64_t lo = pos->lstart > in->cur.off ? pos->lstart : in->cur.off;
    uint64_t hi = in->base + in->len;
    uint64_t a = hit->start, b = hit->end;

    if (lo < in->base)
        lo = in->base;
    for (int n = 0; n < CONTEXT_CHARS && a > lo; n++) {
        a--;
        while (a > lo && (buf[a - in->base] & 0xC0) == 0x80)
            a--;
    }
    for (int n = 0; n < CONTEXT_CHARS && b < hi && buf[b - in->base] != '\n'; n++)
        b += cli_utf8_unit(buf + (b - in->base), (size_t)(hi - b), true);
    while (b > hit->end && (buf[b - 1 - in->base] == '\r' || buf[b - 1 - in->base] == '\n'))
        b--;
    ctx->pre = (const char *)buf + (a - in->base);
    ctx->pre_len = (size_t)(hit->start - a);
    ctx->post = (const char *)buf + (hit->end - in->base);
    ctx->post_len = (size_t)(b - hit->end);
}

/* Count a hit and print it (text: its bytes). */
static void report_hit(struct input *in, const shai_hit *hit, const struct cursor *pos,
                       const char *text, const struct context *ctx)
{
    const struct scan_config *cfg = in->cfg;
    const char *category = "uncategorized";

    if (hit->category < cfg->category_count && cfg->category_names[hit->category])
        category = cfg->category_names[hit->category];
    __atomic_fetch_add(
        &cfg->category_hits[hit->category < cfg->category_count ? hit->category
                                                                : cfg->category_count],
        1, __ATOMIC_RELAXED);
    in->hits++;
    if (hit->action == SHAI_ACTION_BLOCK)
        in->block_hits++;
    if (cfg->report != REPORT_HITS)
        return;
    if (cfg->format == FORMAT_SARIF)
        print_sarif(in, hit, pos, text);
    else if (cfg->format == FORMAT_JSONL)
        print_jsonl(in, hit, pos, category, text);
    else
        print_text(in, hit, pos, category, text, ctx);
    if (in->out->error)
        in->error = INPUT_OUTPUT_ERROR;
}

/* ------------------------- issue 18: one selection over words and rules */

/* In the default mode the library selects leftmost-longest hits among the
 * words, and reports a rule's hits apart, when it has run over the line: a
 * rule hit may overlap a word hit (加V and 加V：abc_12345). With rules in the
 * db, the hits of a line are held here (with their bytes: the window may
 * move on) until the line is done, then one leftmost-longest selection runs
 * over both: by start, the longest first, each hit kept when it begins at or
 * after the end of the last one kept. No hit spans a line break, and the
 * library reports the hits of a line before those of the next. */
static int buf_reserve(unsigned char **buf, size_t *cap, size_t len, size_t want, size_t first);

static int pend_add(struct input *in, const shai_hit *hit, const struct cursor *pos)
{
    size_t len = (size_t)(hit->end - hit->start);
    struct context ctx = {NULL, NULL, 0, 0};
    if (in->cfg->context)
        find_context(in, hit, pos, &ctx);
    if (in->n_pend == in->cap_pend) {
        size_t cap = in->cap_pend ? 2 * in->cap_pend : 16;
        struct pending_hit *p = realloc(in->pend, cap * sizeof *p);
        if (!p)
            return -1;
        in->pend = p;
        in->cap_pend = cap;
    }
    size_t need = len + ctx.pre_len + ctx.post_len;
    if (buf_reserve(&in->pend_text, &in->pend_text_cap, in->pend_text_len, need + 1, 256) != 0)
        return -1;
    struct pending_hit *p = &in->pend[in->n_pend];
    unsigned char *t = in->pend_text + in->pend_text_len;
    memcpy(t, in->buf + (hit->start - in->base), len);
    if (ctx.pre_len)
        memcpy(t + len, ctx.pre, ctx.pre_len);
    if (ctx.post_len)
        memcpy(t + len + ctx.pre_len, ctx.post, ctx.post_len);
    p->hit = *hit;
    p->pos = *pos;
    p->text = in->pend_text_len;
    p->pre = p->text + len;
    p->pre_len = ctx.pre_len;
    p->post = p->pre + ctx.pre_len;
    p->post_len = ctx.post_len;
    p->seq = in->pend_seq++;
    in->n_pend++;
    in->pend_text_len += need;
    return 0;
}

static int compare_pending(const void *a, const void *b)
{
    const struct pending_hit *x = a, *y = b;
    if (x->hit.start != y->hit.start)
        return x->hit.start < y->hit.start ? -1 : 1;
    if (x->hit.end != y->hit.end)
        return x->hit.end > y->hit.end ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int compare_pending_text(const void *a, const void *b)
{
    const struct pending_hit *x = a, *y = b;
    return x->text < y->text ? -1 : x->text > y->text;
}

/* Select among the held hits that start before `limit`, report them, and
 * drop them from the list. A hit that starts before the stream's horizon
 * (`limit`) is decided: every hit that starts before it has arrived. So a
 * long line is decided in parts, its held hits bounded by the horizon's lag
 * instead of the line's length, with the same result as the whole line at
 * once (in->kept: the selection goes on from the last hit kept). */
static void flush_pending_before(struct input *in, uint64_t limit)
{
    size_t i = 0;

    if (in->n_pend > 1)
        qsort(in->pend, in->n_pend, sizeof *in->pend, compare_pending);
    for (; i < in->n_pend && in->pend[i].hit.start < limit && in->error == INPUT_OK; i++) {
        const struct pending_hit *p = &in->pend[i];
        if (in->kept && in->kept_line == p->pos.line && p->hit.start < in->kept_end)
            continue;
        in->kept = true;
        in->kept_line = p->pos.line;
        in->kept_end = p->hit.end;
        const char *t = (const char *)in->pend_text;
        struct context ctx = {t + p->pre, t + p->post, p->pre_len, p->post_len};
        report_hit(in, &p->hit, &p->pos, t + p->text, in->cfg->context ? &ctx : NULL);
    }
    if (i == in->n_pend || in->error != INPUT_OK) {
        in->n_pend = 0;
        in->pend_text_len = 0;
        return;
    }
    /* keep the rest, their bytes moved to the front of pend_text in the
     * order they lie there (each moves down: memmove is safe) */
    size_t rest = in->n_pend - i;
    memmove(in->pend, in->pend + i, rest * sizeof *in->pend);
    in->n_pend = rest;
    qsort(in->pend, rest, sizeof *in->pend, compare_pending_text);
    size_t at = 0;
    for (size_t k = 0; k < rest; k++) {
        struct pending_hit *p = &in->pend[k];
        size_t len = (size_t)(p->hit.end - p->hit.start) + p->pre_len + p->post_len;
        memmove(in->pend_text + at, in->pend_text + p->text, len);
        size_t shift = p->text - at;
        p->text -= shift;
        p->pre -= shift;
        p->post -= shift;
        at += len;
    }
    in->pend_text_len = at;
}

/* Select among the held hits of a line, report them, and empty the list. */
static void flush_pending(struct input *in)
{
    flush_pending_before(in, UINT64_MAX);
}

static void pend_free(struct input *in)
{
    free(in->pend);
    free(in->pend_text);
    in->pend = NULL;
    in->pend_text = NULL;
    in->n_pend = in->cap_pend = in->pend_text_cap = in->pend_text_len = 0;
}

/* The library's hit callback, for both engines. Never prints a diagnostic (a
 * worker thread must not): problems are recorded in `in`. */
static int on_hit(const shai_hit *lib_hit, void *user)
{
    struct input *in = user;
    const struct scan_config *cfg = in->cfg;
    shai_hit hit = *lib_hit;
    struct cursor pos;

    hit.start += in->origin;
    hit.end += in->origin;
    if (hit.start > hit.end || hit.start < in->cur.off || hit.end > in->base + in->len) {
        in->bad[0] = hit.start;
        in->bad[1] = hit.end;
        in->bad[2] = in->cur.off;
        in->bad[3] = in->base + in->len;
        in->error = INPUT_INTERNAL_ERROR;
        return 1;
    }
    if (in->blanked) {
        /* the fold ignores the filler of blanked markup, so a hit takes in
         * the filler that follows it: not part of the hit */
        const unsigned char *b = in->blanked;
        for (;;) {
            if (hit.end >= hit.start + 3 && memcmp(b + hit.end - 3, "\xE2\x80\x8B", 3) == 0)
                hit.end -= 3;
            else if (hit.end >= hit.start + 2 && memcmp(b + hit.end - 2, "\xC2\xAD", 2) == 0)
                hit.end -= 2;
            else
                break;
        }
        /* issue 18: a hit that ends in a character reference takes all of
         * it (&#36172;&#21338;), so that its bytes are the file's */
        hit.end = scan_ref_end(in->buf, b, (size_t)hit.end, in->len);
    }
    if (cfg->merge_rules) {
        locate_hit(in, hit.start, &pos);
        if (in->n_pend > 0 && in->pend[0].pos.line != pos.line)
            flush_pending(in);
        if (pend_add(in, &hit, &pos) != 0) {
            in->error = INPUT_NO_MEMORY;
            return 1;
        }
        return in->error != INPUT_OK;
    }
    if (cfg->report == REPORT_HITS)
        locate_hit(in, hit.start, &pos);
    if (cfg->context && cfg->report == REPORT_HITS) {
        struct context ctx;
        find_context(in, &hit, &pos, &ctx);
        report_hit(in, &hit, &pos, (const char *)in->buf + (hit.start - in->base), &ctx);
    } else {
        report_hit(in, &hit, &pos, (const char *)in->buf + (hit.start - in->base), NULL);
    }
    return in->error != INPUT_OK;
}

static void report_internal_error(const char *name, const uint64_t bad[4])
{
    cli_error("%s: internal error: the library reported a hit at bytes %llu-%llu, "
              "outside the window it allowed to keep (%llu-%llu)",
              name, (unsigned long long)bad[0], (unsigned long long)bad[1],
              (unsigned long long)bad[2], (unsigned long long)bad[3]);
}

static void status_add(int *status, int st)
{
    if (st == CLI_EXIT_ERROR || *status == CLI_EXIT_ERROR)
        *status = CLI_EXIT_ERROR;
    else if (st == CLI_EXIT_HITS)
        *status = CLI_EXIT_HITS;
}

static uint64_t count_newlines(const unsigned char *p, size_t n)
{
    uint64_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += p[i] == '\n';
    return count;
}

/* Offset just past the last '\n' in p[0..n), or 0 when there is none. */
static size_t after_last_newline(const unsigned char *p, size_t n)
{
    while (n > 0 && p[n - 1] != '\n')
        n--;
    return n;
}

/* ------------------------------------------------------------ match limits */

/* A rule that gives up on a line (SHAI_E_MATCH_LIMIT) hides no other hit,
 * but the line may hold more than was found: each such line is named on
 * standard error and the scan goes on; the exit status is then 2. The
 * library tells which scan it was, not which line: the lines of that scan
 * are scanned again one by one.
 *
 * issue 19: each of those scans has a budget of its own, so a text of many
 * lines that each give up (padding repeated on every line) would cost, scanned
 * again, many times the budget the library gave the whole scan (see
 * shai_builder_add_rule: 32 times a rule may give up, plus one per 16 KiB).
 * The lines named stay within that budget: once as many lines as the whole
 * scan's budget have given up scanned alone, the rest of the lines are named
 * as a range, not scanned again. */
#define LIMIT_MESSAGE "a regular expression rule hit its match limit; the line may hold more hits"
#define LIMIT_BUDGET 32u                   /* shai.h: the rules of a scan give up 32 times, */
#define LIMIT_BUDGET_BYTES ((size_t)16384) /* plus once per 16 KiB */

/* Line numbers of the lines that gave up; `unknown` when some could not be
 * told (no memory, or none gave up alone); lines rest_from..rest_to (when
 * rest_from > 0) not scanned again: the budget was spent. */
struct limit_lines {
    uint64_t *v;
    size_t n, cap;
    bool unknown;
    uint64_t rest_from, rest_to;
};

static int ignore_hit(const shai_hit *hit, void *user)
{
    (void)hit;
    (void)user;
    return 0;
}

/* The lines of p[0..n), the first numbered `line`, on which a scan alone
 * gives up, as many as the budget of a scan of p[0..n) (the rest as a
 * range). Thread-safe. */
static void find_limit_lines(const struct scan_config *cfg, shai_scratch *scratch,
                             const unsigned char *p, size_t n, uint64_t line,
                             struct limit_lines *out)
{
    size_t found = out->n;
    uint64_t budget = LIMIT_BUDGET + n / LIMIT_BUDGET_BYTES;
    for (size_t i = 0; i < n; line++) {
        const unsigned char *nl = memchr(p + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - p) : n;
        if (out->n - found == budget) {
            uint64_t last = line + count_newlines(p + i, n - i);
            if (n > 0 && p[n - 1] == '\n')
                last--; /* no line after the last line break */
            out->rest_from = line;
            out->rest_to = last;
            break;
        }
        if (shai_scan_policy(cfg->db, cfg->policy, scratch, (const char *)p + i, end - i,
                             cfg->flags, ignore_hit, NULL) == SHAI_E_MATCH_LIMIT) {
            if (out->n == out->cap) {
                size_t cap = out->cap ? 2 * out->cap : 8;
                uint64_t *v = realloc(out->v, cap * sizeof *v);
                if (!v) {
                    out->unknown = true;
                    return;
                }
                out->v = v;
                out->cap = cap;
            }
            out->v[out->n++] = line;
        }
        i = end + 1;
    }
    if (out->n == found)
        out->unknown = true; /* a line over 1 MiB, matched in other pieces */
}

static void report_limit(const char *name, uint64_t line)
{
    cli_error("%s:%llu: %s", name, (unsigned long long)line, LIMIT_MESSAGE);
}

/* Reports and empties `ll`. Main thread. */
static void report_limit_lines(const char *name, struct limit_lines *ll)
{
    for (size_t i = 0; i < ll->n; i++)
        report_limit(name, ll->v[i]);
    if (ll->rest_from)
        cli_error("%s:%llu-%llu: a regular expression rule may have hit its match limit on these "
                  "lines (not scanned again one by one: as many lines as the scan's budget "
                  "allows gave up already); they may hold more hits",
                  name, (unsigned long long)ll->rest_from, (unsigned long long)ll->rest_to);
    if (ll->unknown)
        cli_error("%s: %s", name, LIMIT_MESSAGE);
    free(ll->v);
    *ll = (struct limit_lines){0};
}

/* -------------------------------------------------------- streaming engine */

/* Room for `want` more bytes after the `len` in *buf (capacity *cap; a
 * new buffer starts at `first` bytes), doubling; -1 when out of memory. */
static int buf_reserve(unsigned char **buf, size_t *cap, size_t len, size_t want, size_t first)
{
    if (*cap - len >= want)
        return 0;
    size_t c = *cap ? *cap : first;
    while (c - len < want) {
        if (c > SIZE_MAX / 2)
            return -1;
        c *= 2;
    }
    unsigned char *p = realloc(*buf, c);
    if (!p)
        return -1;
    *buf = p;
    *cap = c;
    return 0;
}

/* Make room for CHUNK more bytes at buf + len, dropping the dead prefix. */
static int input_reserve(struct input *in)
{
    size_t dead = (size_t)(in->cur.off - in->base);
    size_t live = in->len - dead;

    if (dead > 0 && (dead >= live || in->cap - in->len < CHUNK)) {
        memmove(in->buf, in->buf + dead, live);
        in->base = in->cur.off;
        in->len = live;
    }
    return buf_reserve(&in->buf, &in->cap, in->len, CHUNK, 2 * CHUNK);
}

/* ------------------------------------------------- issue 18: progress */

/* A progress line on standard error, for a terminal (when the hits do not
 * go to a terminal too): files, MB, hits and
 * MB/s, drawn once the scan has run for a second (SHAI_PROGRESS_DELAY_MS,
 * for tests), at most 5 times a second, and erased at the end. Main thread
 * only: reads are counted where the main thread makes them. */
static struct {
    bool on;
    const struct scan_config *cfg;
    struct timespec start;
    uint64_t delay_ms, last_ms;
    uint64_t bytes, files, n_files;
    bool drawn;
} progress;

static uint64_t ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)(t.tv_sec - t0->tv_sec) * 1000 + (uint64_t)(t.tv_nsec / 1000000) -
           (uint64_t)(t0->tv_nsec / 1000000);
}

static void progress_start(const struct scan_config *cfg, size_t n_files)
{
    const char *delay = getenv("SHAI_PROGRESS_DELAY_MS");
    /* not over hits printed on the same terminal */
    progress.on = isatty(STDERR_FILENO) && !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb")) &&
                  (!isatty(STDOUT_FILENO) || cfg->report != REPORT_HITS);
    progress.cfg = cfg;
    progress.delay_ms = delay && *delay ? strtoull(delay, NULL, 10) : 1000;
    progress.n_files = n_files;
    clock_gettime(CLOCK_MONOTONIC, &progress.start);
}

static void progress_draw(uint64_t ms)
{
    uint64_t hits = 0;
    for (uint32_t c = 0; c <= progress.cfg->category_count; c++)
        hits += __atomic_load_n(&progress.cfg->category_hits[c], __ATOMIC_RELAXED);
    double mb = (double)progress.bytes / 1e6;
    fprintf(stderr, "\r\033[Kshai: %llu/%llu files, %.1f MB, %llu hits, %.1f MB/s",
            (unsigned long long)progress.files, (unsigned long long)progress.n_files, mb,
            (unsigned long long)hits, ms ? mb * 1000.0 / (double)ms : 0.0);
    fflush(stderr);
    progress.drawn = true;
    progress.last_ms = ms;
}

static void progress_add(uint64_t bytes, uint64_t files)
{
    if (!progress.on)
        return;
    progress.bytes += bytes;
    progress.files += files;
    uint64_t ms = ms_since(&progress.start);
    if (ms >= progress.delay_ms && (!progress.drawn || ms >= progress.last_ms + 200))
        progress_draw(ms);
}

/* Erase the line (before anything else goes to standard error). */
static void progress_end(void)
{
    if (progress.drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    progress.on = progress.drawn = false;
}

/* Whether a read from `fd` would block now. */
static bool would_block(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
    return poll(&pfd, 1, 0) == 0;
}

/* read(2) without EINTR. */
static ssize_t read_some(int fd, void *buf, size_t n)
{
    for (;;) {
        ssize_t k = read(fd, buf, n);
        if (k >= 0 || errno != EINTR)
            return k;
    }
}

/* Read at most CHUNK bytes into buf + len. Returns the count, 0 at end of
 * input, -1 on error (errno set). */
static ssize_t input_read(struct input *in, int fd, bool interactive)
{
    /* About to block on a pipe or terminal: show what we have so far. */
    if (interactive && would_block(fd))
        cli_out_flush(in->out);
    ssize_t n = read_some(fd, in->buf + in->len, CHUNK);
    if (n > 0)
        progress_add((uint64_t)n, 0);
    return n;
}

/* Open a stream for the input's bytes from absolute offset `at` on. */
static int stream_begin(struct input *in, shai_stream **s, uint64_t at)
{
    int rc = shai_stream_open_policy(in->cfg->db, in->cfg->policy, in->cfg->flags, on_hit, in, s);
    if (rc != SHAI_OK) {
        cli_error("%s: cannot start a scan: %s", in->name, shai_status_message(rc));
        return -1;
    }
    in->origin = at;
    return 0;
}

/* Feed p[0..n) to *s. Returns 0, or -1 when the scan cannot go on (an
 * error is reported, unless the callback stopped it: then the caller
 * reports). */
static int stream_feed(struct input *in, shai_stream *s, const unsigned char *p, size_t n)
{
    int rc = shai_stream_write(s, (const char *)p, n);
    if (rc == SHAI_OK)
        return 0;
    if (rc != SHAI_TERMINATED)
        cli_error("%s: scan failed: %s", in->name, shai_status_message(rc));
    return -1;
}

/* Close *s, which ended at a line break or at the end of the input: its
 * last hits are reported. Returns 0, 1 when a rule gave up on one of its
 * lines (the scan goes on), or -1 as stream_feed. */
static int stream_end(struct input *in, shai_stream **s)
{
    int rc = shai_stream_close(*s);
    *s = NULL;
    flush_pending(in);
    if (rc == SHAI_OK)
        return 0;
    if (rc == SHAI_E_MATCH_LIMIT)
        return 1;
    if (rc != SHAI_TERMINATED)
        cli_error("%s: scan failed: %s", in->name, shai_status_message(rc));
    return -1;
}

/* Scan the rest of the open file `fd` with shai_streams. The rest starts
 * at absolute offset `base`, at the start of line `line`; the caller has set
 * in->cfg, in->name, in->out and put the bytes of the rest already read in
 * in->buf[0..in->len). A stream ends at a line break where a read holds
 * one, so that a rule that gives up (SHAI_E_MATCH_LIMIT) is traced to its
 * line: the line begun in an earlier read ends in a stream of its own,
 * the whole lines of a read share one (and are scanned again one by one
 * when it gave up: they are all in the buffer), the rest begins the next
 * one. Returns CLI_EXIT_CLEAN / _HITS / _ERROR. */
static int scan_stream(struct input *in, int fd, bool interactive, uint64_t base, uint64_t line)
{
    const char *name = in->name;
    shai_stream *s = NULL;
    uint64_t s_line = line;    /* the line s began with */
    uint64_t next_line = line; /* the line of the next byte to feed */
    size_t pending = in->len;  /* read already, not written to a stream yet */
    bool failed = false, limited = false;
    int rc;

    in->name_len = strlen(name);
    in->base = base;
    in->origin = base;
    in->cur = (struct cursor){base, line, 0, base};
    in->last = in->cur;
    in->n_marks = 0;
    in->n_pend = 0;
    in->pend_text_len = 0;
    in->kept = false;
    in->final = false;
    in->error = INPUT_OK;
    in->hits = 0;
    in->block_hits = 0;

    while (!failed) {
        ssize_t n;
        uint64_t horizon;

        if (pending > 0) {
            n = (ssize_t)pending;
            pending = 0;
        } else {
            if (input_reserve(in) != 0) {
                cli_error("%s: out of memory", name);
                failed = true;
                break;
            }
            n = input_read(in, fd, interactive);
            if (n < 0) {
                cli_error("%s: %s", name, strerror(errno));
                failed = true;
                break;
            }
            if (n == 0)
                break;
            in->len += (size_t)n;
        }
        const unsigned char *p = in->buf + in->len - (size_t)n;
        uint64_t at = in->base + in->len - (size_t)n;
        size_t left = (size_t)n;
        size_t whole = after_last_newline(p, left);
        if (whole > 0 && s) { /* the line s holds ends here */
            size_t first = (size_t)((const unsigned char *)memchr(p, '\n', left) - p) + 1;
            if (stream_feed(in, s, p, first) != 0 || (rc = stream_end(in, &s)) < 0) {
                failed = true;
                break;
            }
            if (rc > 0) {
                report_limit(name, s_line);
                limited = true;
            }
            next_line++;
            p += first;
            at += first;
            left -= first;
            whole -= first;
        }
        if (whole > 0) {
            if (stream_begin(in, &s, at) != 0 || stream_feed(in, s, p, whole) != 0 ||
                (rc = stream_end(in, &s)) < 0) {
                failed = true;
                break;
            }
            if (rc > 0) {
                struct limit_lines found = {0};
                find_limit_lines(in->cfg, NULL, p, whole, next_line, &found);
                report_limit_lines(name, &found);
                limited = true;
            }
            next_line += count_newlines(p, whole);
            p += whole;
            at += whole;
            left -= whole;
        }
        if (left > 0) {
            if (!s) {
                if (stream_begin(in, &s, at) != 0) {
                    failed = true;
                    break;
                }
                s_line = next_line;
            }
            if (stream_feed(in, s, p, left) != 0) {
                failed = true;
                break;
            }
        }
        if (!s)
            horizon = in->base + in->len; /* every hit is out */
        else if (shai_stream_horizon(s, &horizon) != SHAI_OK)
            continue; /* keep everything: correct, only costs memory */
        else
            horizon += in->origin;
        if (horizon > in->base + in->len)
            horizon = in->base + in->len;
        if (in->n_pend > 0) /* issue 19: a long line's hits decided in parts */
            flush_pending_before(in, horizon);
        if (horizon > in->cur.off) {
            if (in->last.off > in->cur.off && in->last.off <= horizon)
                in->cur = in->last; /* already counted up to there */
            cursor_walk(in, &in->cur, horizon, true);
            if (in->last.off < in->cur.off)
                in->last = in->cur;
        }
    }

    in->final = true;
    if (s && failed) {
        shai_stream_close(s);
    } else if (s) { /* the last line, without a line break: its last hits */
        rc = stream_end(in, &s);
        if (rc < 0)
            failed = true;
        if (rc > 0) {
            report_limit(name, s_line);
            limited = true;
        }
    }
    if (in->error == INPUT_OUTPUT_ERROR)
        failed = true; /* reported once, by the caller */
    if (in->error == INPUT_INTERNAL_ERROR) {
        report_internal_error(name, in->bad);
        failed = true;
    }
    if (in->error == INPUT_NO_MEMORY) {
        cli_error("%s: out of memory", name);
        failed = true;
    }
    if (failed || limited)
        return CLI_EXIT_ERROR;
    return in->hits ? CLI_EXIT_HITS : CLI_EXIT_CLEAN;
}

/* ----------------------------------------- issue 18: encodings, binaries */

/* Read the rest of `fd` into *buf, after *len bytes. 0, or -1 (errno). */
static int read_rest(int fd, unsigned char **buf, size_t *cap, size_t *len)
{
    for (;;) {
        if (buf_reserve(buf, cap, *len, READ_MORE, 2 * CHUNK) != 0) {
            errno = ENOMEM;
            return -1;
        }
        ssize_t n = read_some(fd, *buf + *len, *cap - *len);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        *len += (size_t)n;
    }
}

/* Scan a decoded input, in memory, in this thread; its hits go to `out`
 * and are added to *t. Returns CLI_EXIT_*. */
static int scan_decoded(const struct scan_config *cfg, const char *name, const struct decoded *d,
                        const unsigned char *scan_text, struct cli_out *out, struct file_tally *t)
{
    struct input in;
    struct limit_lines ll = {0};
    int rc;

    memset(&in, 0, sizeof in);
    in.cfg = cfg;
    in.name = name;
    in.name_len = strlen(name);
    in.out = out;
    in.buf = d->text;
    in.cap = d->len;
    in.len = d->len;
    in.cur = (struct cursor){0, 1, 0, 0};
    in.last = in.cur;
    in.final = true;
    in.map = d->map;
    in.blanked = scan_text;
    rc = shai_scan_policy(cfg->db, cfg->policy, NULL,
                          (const char *)(scan_text ? scan_text : d->text), d->len, cfg->flags,
                          on_hit, &in);
    flush_pending(&in);
    pend_free(&in);
    free(in.marks);
    t->hits += in.hits;
    t->block_hits += in.block_hits;
    if (in.error == INPUT_INTERNAL_ERROR)
        report_internal_error(name, in.bad);
    if (in.error == INPUT_NO_MEMORY)
        cli_error("%s: out of memory", name);
    if (in.error != INPUT_OK)
        return CLI_EXIT_ERROR;
    if (rc == SHAI_E_MATCH_LIMIT) {
        find_limit_lines(cfg, NULL, d->text, d->len, 1, &ll);
        report_limit_lines(name, &ll);
        return CLI_EXIT_ERROR;
    }
    if (rc != SHAI_OK && rc != SHAI_TERMINATED) {
        cli_error("%s: scan failed: %s", name, shai_status_message(rc));
        return CLI_EXIT_ERROR;
    }
    return in.hits ? CLI_EXIT_HITS : CLI_EXIT_CLEAN;
}

/* The rest of an input that is not UTF-8 (the bytes read so far in
 * buf[0..*len), more read from fd): decoded and scanned, its hits to `out`.
 * Returns CLI_EXIT_*, or -1 when the encoding was detected (not forced by
 * --encoding) and does not decode (a notice is printed; all of the input is
 * in *buf, to scan as UTF-8). */
static int decode_and_scan(const struct scan_config *cfg, int fd, const char *name,
                           const char *charset, unsigned char **buf, size_t *cap, size_t *len,
                           struct cli_out *out, struct file_tally *t)
{
    struct decoded d;
    const char *why = "";
    int rc, status;

    if (read_rest(fd, buf, cap, len) != 0) {
        cli_error("%s: %s", name, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    rc = scan_decode(*buf, *len, charset, cfg->format != FORMAT_TEXT, &d, &why);
    if (rc < 0) {
        cli_error("%s: out of memory", name);
        return CLI_EXIT_ERROR;
    }
    if (rc > 0 && !cfg->encoding) {
        cli_error("%s: %s; scanned as UTF-8 (invalid bytes never match)", name, why);
        return -1;
    }
    if (rc > 0) {
        cli_error("%s: cannot decode as %s: %s", name, charset, why);
        return CLI_EXIT_ERROR;
    }
    status = scan_decoded(cfg, name, &d, NULL, out, t);
    decoded_free(&d);
    return status;
}

/* Scan d with its markup (kind: HTML, Markdown) blanked in a copy; the
 * hits are located and printed in d's own text. */
static int scan_decoded_markup(const struct scan_config *cfg, const char *name,
                               const struct decoded *d, enum scan_doc kind, struct cli_out *out,
                               struct file_tally *t)
{
    if (kind == DOC_DOCX)
        return scan_decoded(cfg, name, d, NULL, out, t);
    unsigned char *copy = malloc(d->len + 1);
    if (!copy) {
        cli_error("%s: out of memory", name);
        return CLI_EXIT_ERROR;
    }
    memcpy(copy, d->text, d->len);
    scan_blank_markup(copy, d->len, kind);
    int status = scan_decoded(cfg, name, d, copy, out, t);
    free(copy);
    return status;
}

/* A document (.docx, .html, .md; scan_doc_kind): read whole, its text
 * extracted or its markup blanked, scanned in this thread. The bytes read so
 * far are in *buf. Returns CLI_EXIT_*. */
static int scan_document(const struct scan_config *cfg, int fd, const char *name,
                         enum scan_doc kind, unsigned char **buf, size_t *cap, size_t *len,
                         struct cli_out *out, struct file_tally *t)
{
    struct decoded d;
    const char *why = "", *charset;
    int rc, status;

    if (read_rest(fd, buf, cap, len) != 0) {
        cli_error("%s: %s", name, strerror(errno));
        t->failed = true;
        return CLI_EXIT_ERROR;
    }
    if (kind == DOC_DOCX) {
        rc = scan_docx_text(*buf, *len, &d, &why);
    } else if (scan_detect(*buf, *len, true, cfg->encoding, &charset) == ENC_DECODE) {
        rc = scan_decode(*buf, *len, charset, cfg->format != FORMAT_TEXT, &d, &why);
    } else {
        /* UTF-8: offsets are the file's */
        d = (struct decoded){*buf, NULL, *len, "UTF-8"};
        return scan_decoded_markup(cfg, name, &d, kind, out, t);
    }
    if (rc != 0) {
        cli_error("%s: %s", name, rc < 0 ? "out of memory" : why);
        t->failed = true;
        return CLI_EXIT_ERROR;
    }
    status = scan_decoded_markup(cfg, name, &d, kind, out, t);
    decoded_free(&d);
    return status;
}

/* Scan the file `path` ("-" is standard input), the `idx`-th input, with
 * the streaming engine. */
static int stream_path(const struct scan_config *cfg, struct input *in, size_t idx,
                       const char *path)
{
    struct stat st;
    bool interactive, complete;
    const char *charset;
    uint64_t base = 0;
    ssize_t n;
    int fd, status;

    in->len = 0;
    in->hits = 0;
    in->block_hits = 0;
    in->map = NULL;
    if (strcmp(path, "-") == 0) {
        fd = STDIN_FILENO;
        in->name = STDIN_NAME;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            cli_error("%s: %s", path, strerror(errno));
            cfg->tally[idx].failed = true;
            return CLI_EXIT_ERROR;
        }
        in->name = path;
    }
    interactive = !(fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
    if (buf_reserve(&in->buf, &in->cap, 0, CHUNK, 2 * CHUNK) != 0) {
        cli_error("%s: out of memory", in->name);
        status = CLI_EXIT_ERROR;
        goto out;
    }
    if (interactive && would_block(fd))
        cli_out_flush(in->out);
    n = read_some(fd, in->buf, CHUNK);
    if (n < 0) {
        cli_error("%s: %s", in->name, strerror(errno));
        status = CLI_EXIT_ERROR;
        goto out;
    }
    in->len = (size_t)n;
    complete = n == 0 || (!interactive && (uint64_t)st.st_size <= (uint64_t)n);
    enum scan_doc kind = fd == STDIN_FILENO ? DOC_NONE : scan_doc_kind(path);
    if (kind != DOC_NONE) {
        struct file_tally t = {0, 0, false, false};
        status = scan_document(cfg, fd, in->name, kind, &in->buf, &in->cap, &in->len, in->out, &t);
        in->hits = t.hits;
        in->block_hits = t.block_hits;
        cfg->tally[idx].failed |= t.failed;
        goto out;
    }
    switch (scan_detect(in->buf, in->len, complete, cfg->encoding, &charset)) {
    case ENC_UTF8_BOM:
        memmove(in->buf, in->buf + 3, in->len - 3);
        in->len -= 3;
        base = 3;
        break;
    case ENC_BINARY:
        if (cfg->walked[idx]) {
            cfg->tally[idx].binary = true;
            status = CLI_EXIT_CLEAN;
            goto out;
        }
        break;
    case ENC_DECODE: {
        struct file_tally t = {0, 0, false, false};
        status =
            decode_and_scan(cfg, fd, in->name, charset, &in->buf, &in->cap, &in->len, in->out, &t);
        in->hits = t.hits;
        in->block_hits = t.block_hits;
        if (status >= 0)
            goto out;
        break; /* scanned as UTF-8 */
    }
    case ENC_UTF8:
        break;
    }
    status = scan_stream(in, fd, interactive, base, 1);
out:
    if (fd != STDIN_FILENO)
        close(fd);
    return status;
}

/* --------------------------------------------------------- parallel engine */

struct pool;
struct worker;

/* One block of input and, once scanned, its formatted hits. A block slot is
 * owned by the main thread until submitted, then by one worker until `done`,
 * then by the main thread again. */
struct block {
    struct pool *pool;
    uint64_t seq;     /* submission number */
    size_t file;      /* index of the input on the command line */
    const char *name; /* as printed */
    unsigned char *buf;
    size_t cap;
    size_t len;
    uint64_t base; /* absolute offset of buf[0] in its input */
    uint64_t line; /* line number of buf[0]; buf[0] starts a line */
    /* results */
    struct cli_out out; /* memory mode; spills straight to stdout when oldest */
    uint64_t hits;
    uint64_t block_hits;
    int rc;                    /* of shai_scan */
    struct limit_lines limits; /* with rc SHAI_E_MATCH_LIMIT */
    int error;                 /* INPUT_* */
    uint64_t bad[4];
    bool done;
    size_t counted; /* bytes counted in flight at submission */
    /* issue 18: a small file read by the worker itself (self_read) */
    bool self_read;
    bool read_ahead; /* its files read (batch_read), the scan to come */
    bool fallback;   /* not UTF-8: left to the main thread, at its turn */
    bool binary;     /* found in a directory and binary: skipped */
    bool walked;     /* found in a directory (cfg->walked is the main thread's) */
    int open_errno;
    /* the small files of a self_read block, scanned one after the other */
    struct file_result *batch;
    size_t nbatch, cap_batch;
    uint64_t batch_bytes;
};

/* One file of a batch: what write_head needs of a block, per file. */
struct file_result {
    size_t file;
    const char *name;
    uint64_t hits, block_hits;
    int rc, error, open_errno;
    uint64_t bad[4];
    struct limit_lines limits;
    bool fallback, binary, walked;
    size_t out_end; /* its output ends there in the block's output */
    size_t bytes;
    uint64_t size; /* a regular file of that size when it was found */
    /* issue 18: read before the db is ready, kept at buf[off..off+len) of
     * the block (base: 3 after a BOM) until it is */
    size_t off, len;
    uint64_t base;
    bool ready; /* read, to be scanned as UTF-8 */
};

struct pool {
    const struct scan_config *cfg;
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* workers: a block was submitted, or shutdown */
    pthread_cond_t done_cv; /* main: a block is done */
    pthread_cond_t head_cv; /* spilling workers: head_open, abort or discard_file moved */
    pthread_t *threads;
    struct worker *workers; /* by thread */
    size_t nthreads;
    struct block *blocks; /* ring of nblocks slots; block seq is blocks[seq % nblocks] */
    size_t nblocks;
    size_t budget;       /* bytes of input in flight before the reader waits */
    uint64_t submitted;  /* blocks submitted */
    uint64_t next_scan;  /* next block for a worker */
    uint64_t next_write; /* oldest block not written out */
    uint64_t head_open;  /* block that may write straight to stdout: all before it
                            are written and cli_stdout is flushed; UINT64_MAX: none */
    size_t inflight_bytes;
    size_t discard_file; /* drop the output of this input's blocks (it failed) */
    bool shutdown;
    bool abort; /* stop everything: standard output failed */
    /* issue 18: the workers read the files of the batches while the db
     * opens, and scan them once it is ready (db_failed: it will not be);
     * the blocks read meanwhile wait in a ring of nblocks, in order */
    bool db_ready, db_failed;
    struct block **waiting;
    size_t wait_head, n_waiting;
    size_t early_bytes; /* main thread: of the batches submitted before */
    /* main thread only */
    int status;
    unsigned char *carry; /* the bytes after a block's last '\n' */
    size_t carry_cap;
    struct input in;     /* the streaming engine, for giant lines */
    struct block *batch; /* small files gathered, not yet submitted */
    /* issue 18: the input buffers of released slots, for the next slot
     * (there are more slots than blocks of BLOCK_SIZE in flight) */
    unsigned char **spare;
    size_t *spare_cap;
    size_t n_spare, max_spare;
};

/* Memory-mode spill of a block's output: wait until the block is the oldest
 * one not written, then write straight to standard output. */
static void block_spill(struct cli_out *o)
{
    struct block *b = o->user;
    struct pool *p = b->pool;
    bool drop;

    pthread_mutex_lock(&p->mu);
    while (p->head_open != b->seq && !p->abort && p->discard_file != b->file)
        pthread_cond_wait(&p->head_cv, &p->mu);
    drop = p->abort || p->discard_file == b->file;
    pthread_mutex_unlock(&p->mu);
    if (drop) {
        o->error = ECANCELED;
    } else {
        o->error = cli_write_all(STDOUT_FILENO, o->buf, o->len);
    }
    o->len = 0;
}

/* A small file read whole by the worker (the main thread only queues its
 * name, so that opening and reading many small files is parallel too).
 * `size`: what lstat or stat said of it, a regular file, when it was found
 * (so no fstat here: one system call fewer a file); a file that grew since
 * is read to its end all the same, or left to the main thread. Returns
 * whether the block is ready to be scanned as UTF-8. */
static bool self_read(const struct scan_config *cfg, struct block *b, uint64_t size, size_t at)
{
    const char *charset;
    int fd = open(b->name, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        b->open_errno = errno;
        return false;
    }
    /* a file of unknown size: read to its end, up to UNKNOWN_READ_MAX */
    bool unknown = size == SCAN_SIZE_UNKNOWN;
    size_t want = unknown ? (size_t)UNKNOWN_READ_MAX + 1 : (size_t)size + 1;
    if ((!unknown && size > SELF_READ_MAX) || buf_reserve(&b->buf, &b->cap, at, want, CHUNK) != 0) {
        close(fd);
        b->fallback = true;
        return false;
    }
    /* this file's room in the batch: its size and one byte to see it grew */
    unsigned char *buf = b->buf + at;
    size_t cap = want;
    b->len = 0;
    for (;;) {
        ssize_t n = read_some(fd, buf + b->len, cap - b->len);
        if (n < 0) {
            b->open_errno = errno;
            close(fd);
            return false;
        }
        if (n == 0)
            break;
        b->len += (size_t)n;
        if (b->len == cap) { /* it grew, or is long: the main thread streams it */
            close(fd);
            b->len = 0;
            b->fallback = true;
            return false;
        }
        if (b->len == (size_t)size)
            break; /* all of it as the walk saw it: no read to learn of the end */
    }
    close(fd);
    switch (scan_detect(buf, b->len, true, cfg->encoding, &charset)) {
    case ENC_UTF8:
        return true;
    case ENC_UTF8_BOM:
        memmove(buf, buf + 3, b->len - 3);
        b->len -= 3;
        b->base = 3;
        return true;
    case ENC_BINARY:
        if (b->walked) {
            b->binary = true;
            return false;
        }
        return true;
    case ENC_DECODE:
        break;
    }
    b->len = 0;
    b->fallback = true;
    return false;
}

static void scan_block_body(const struct scan_config *cfg, struct block *b, shai_scratch *scratch);

/* A worker thread: its pool and its scratch, kept from one scan to the
 * next (a scan of a small file allocates nothing). */
struct worker {
    struct pool *pool;
    shai_scratch *scratch; /* NULL when none could be made: a scan makes its own */
    bool scratch_tried;    /* made once the db is ready */
};

/* issue 18: the worker's scratch, made the first time it scans (the db
 * is ready then). */
static void worker_scratch(struct worker *w)
{
    if (!w->scratch_tried) {
        w->scratch_tried = true;
        /* without one, each scan makes its own (slower, as correct) */
        if (shai_scratch_new(w->pool->cfg->db, &w->scratch) != SHAI_OK)
            w->scratch = NULL;
    }
}

/* issue 18: read each small file of a batch (all of them first, so that
 * they are read while the db opens), each one kept at its place in b->buf. */
static void batch_read(const struct scan_config *cfg, struct block *b)
{
    size_t at = 0;
    for (size_t i = 0; i < b->nbatch; i++) {
        struct file_result *r = &b->batch[i];
        b->name = r->name;
        b->base = 0;
        b->fallback = b->binary = false;
        b->walked = r->walked;
        b->open_errno = 0;
        b->len = 0;
        r->ready = self_read(cfg, b, r->size, at);
        r->bytes = b->len;
        r->off = at;
        r->len = r->ready ? b->len : 0;
        r->base = b->base;
        r->fallback = b->fallback;
        r->binary = b->binary;
        r->open_errno = b->open_errno;
        at += r->len;
    }
    b->len = 0;
    b->read_ahead = true;
}

/* issue 18: each small file of a batch, read by a worker (batch_read,
 * maybe while the db opened), scanned one after the other; its results and
 * the end of its output kept apart. The output does not spill: a batch is
 * at most BATCH_BYTES of input. */
static void scan_batch(const struct scan_config *cfg, struct block *b, shai_scratch *scratch)
{
    size_t spill_at = b->out.spill_at;
    if (!b->read_ahead)
        batch_read(cfg, b);
    unsigned char *whole = b->buf;
    size_t whole_cap = b->cap;
    b->out.spill_at = SIZE_MAX;
    for (size_t i = 0; i < b->nbatch; i++) {
        struct file_result *r = &b->batch[i];
        b->file = r->file;
        b->name = r->name;
        b->line = 1;
        b->hits = b->block_hits = 0;
        b->rc = SHAI_OK;
        b->error = INPUT_OK;
        if (r->ready) {
            /* the scan sees this file's bytes only */
            b->buf = whole + r->off;
            b->cap = b->len = r->len;
            b->base = r->base;
            scan_block_body(cfg, b, scratch);
            b->buf = whole;
            b->cap = whole_cap;
        }
        r->hits = b->hits;
        r->block_hits = b->block_hits;
        r->rc = b->rc;
        r->error = b->error;
        memcpy(r->bad, b->bad, sizeof r->bad);
        r->limits = b->limits;
        b->limits = (struct limit_lines){0};
        r->out_end = b->out.len;
    }
    b->len = 0;
    b->out.spill_at = spill_at;
}

/* Scan block b in a worker, with the worker's scratch (NULL: none). */
static void scan_block(const struct scan_config *cfg, struct block *b, shai_scratch *scratch)
{
    if (b->self_read)
        scan_batch(cfg, b, scratch);
    else
        scan_block_body(cfg, b, scratch);
}

static void scan_block_body(const struct scan_config *cfg, struct block *b, shai_scratch *scratch)
{
    struct input in;

    memset(&in, 0, sizeof in);
    in.cfg = cfg;
    in.name = b->name;
    in.name_len = strlen(b->name);
    in.out = &b->out;
    in.buf = b->buf;
    in.cap = b->cap;
    in.len = b->len;
    in.base = b->base;
    in.origin = b->base;
    in.cur = (struct cursor){b->base, b->line, 0, b->base};
    in.last = in.cur;
    in.final = true;
    b->rc = shai_scan_policy(cfg->db, cfg->policy, scratch, (const char *)b->buf, b->len,
                             cfg->flags, on_hit, &in);
    flush_pending(&in);
    pend_free(&in);
    if (b->rc == SHAI_E_MATCH_LIMIT)
        find_limit_lines(cfg, scratch, b->buf, b->len, b->line, &b->limits);
    free(in.marks);
    b->hits = in.hits;
    b->block_hits = in.block_hits;
    b->error = in.error;
    memcpy(b->bad, in.bad, sizeof b->bad);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct block *b;
        bool skip, ready = p->db_ready || p->db_failed;

        if (ready && p->n_waiting > 0) {
            /* issue 18: read while the db opened, the oldest first */
            b = p->waiting[p->wait_head];
            p->wait_head = (p->wait_head + 1) % p->nblocks;
            p->n_waiting--;
        } else if (p->next_scan < p->submitted) {
            b = &p->blocks[p->next_scan % p->nblocks];
            p->next_scan++;
            if (!ready && !p->abort) {
                /* issue 18: no db yet: read the batch's files, then take
                 * the next block, and scan them once the db is ready */
                pthread_mutex_unlock(&p->mu);
                if (b->self_read)
                    batch_read(p->cfg, b);
                pthread_mutex_lock(&p->mu);
                if (!p->db_ready && !p->db_failed) {
                    p->waiting[(p->wait_head + p->n_waiting) % p->nblocks] = b;
                    p->n_waiting++;
                    continue;
                }
            }
        } else if (p->shutdown) {
            break;
        } else {
            pthread_cond_wait(&p->work_cv, &p->mu);
            continue;
        }
        skip = p->abort || !p->db_ready || p->discard_file == b->file;
        pthread_mutex_unlock(&p->mu);
        if (skip) {
            b->out.error = ECANCELED;
        } else {
            worker_scratch(w);
            scan_block(p->cfg, b, w->scratch);
        }
        pthread_mutex_lock(&p->mu);
        b->done = true;
        pthread_cond_signal(&p->done_cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The files of a batch block, in order: each one's output and results; a
 * file the worker could not take is scanned now, in its turn. Main thread. */
static void write_batch(struct pool *p, struct block *b)
{
    size_t at = 0;
    for (size_t i = 0; i < b->nbatch && !cli_stdout.error; i++) {
        struct file_result *r = &b->batch[i];
        cli_out_mem(&cli_stdout, b->out.buf + at, r->out_end - at);
        at = r->out_end;
        progress_add(r->bytes, 0);
        if (r->open_errno) {
            cli_error("%s: %s", r->name, strerror(r->open_errno));
            p->cfg->tally[r->file].failed = true;
            status_add(&p->status, CLI_EXIT_ERROR);
        } else if (r->binary) {
            p->cfg->tally[r->file].binary = true;
        } else if (r->fallback) {
            p->in.hits = p->in.block_hits = 0;
            status_add(&p->status, stream_path(p->cfg, &p->in, r->file, r->name));
            p->cfg->tally[r->file].hits += p->in.hits;
            p->cfg->tally[r->file].block_hits += p->in.block_hits;
        } else {
            p->cfg->tally[r->file].hits += r->hits;
            p->cfg->tally[r->file].block_hits += r->block_hits;
            if (r->hits)
                status_add(&p->status, CLI_EXIT_HITS);
            if (r->error == INPUT_INTERNAL_ERROR) {
                report_internal_error(r->name, r->bad);
                status_add(&p->status, CLI_EXIT_ERROR);
            } else if (r->error == INPUT_NO_MEMORY) {
                cli_error("%s: out of memory", r->name);
                status_add(&p->status, CLI_EXIT_ERROR);
            } else if (r->rc == SHAI_E_MATCH_LIMIT) {
                report_limit_lines(r->name, &r->limits);
                status_add(&p->status, CLI_EXIT_ERROR);
            } else if (r->rc != SHAI_OK && r->rc != SHAI_TERMINATED) {
                cli_error("%s: scan failed: %s", r->name, shai_status_message(r->rc));
                status_add(&p->status, CLI_EXIT_ERROR);
            }
        }
        free(r->limits.v);
        r->limits = (struct limit_lines){0};
    }
    b->nbatch = 0;
}

/* Write out the oldest block (done) and free its slot. Main thread, without
 * the lock. */
static void write_head(struct pool *p, struct block *b)
{
    bool discard = false, abort = false;

    if (b->file != p->discard_file && !p->abort) {
        if (b->out.error == ENOMEM) {
            cli_error("%s: out of memory", b->name);
            status_add(&p->status, CLI_EXIT_ERROR);
            discard = true;
        } else if (b->out.error && b->out.error != ECANCELED) {
            cli_stdout.error = b->out.error; /* a spill failed to write */
        } else if (b->self_read) {
            write_batch(p, b);
        } else if (b->out.error == 0) {
            cli_out_mem(&cli_stdout, b->out.buf, b->out.len);
            p->cfg->tally[b->file].hits += b->hits;
            p->cfg->tally[b->file].block_hits += b->block_hits;
            if (b->hits)
                status_add(&p->status, CLI_EXIT_HITS);
            if (b->error == INPUT_INTERNAL_ERROR) {
                report_internal_error(b->name, b->bad);
                status_add(&p->status, CLI_EXIT_ERROR);
                discard = true;
            } else if (b->error == INPUT_NO_MEMORY) {
                cli_error("%s: out of memory", b->name);
                status_add(&p->status, CLI_EXIT_ERROR);
                discard = true;
            } else if (b->rc == SHAI_E_MATCH_LIMIT) { /* the scan went on */
                report_limit_lines(b->name, &b->limits);
                status_add(&p->status, CLI_EXIT_ERROR);
            } else if (b->rc != SHAI_OK && b->rc != SHAI_TERMINATED) {
                cli_error("%s: scan failed: %s", b->name, shai_status_message(b->rc));
                status_add(&p->status, CLI_EXIT_ERROR);
                discard = true;
            }
        }
        abort = cli_stdout.error != 0;
    }

    pthread_mutex_lock(&p->mu);
    p->next_write++;
    p->inflight_bytes -= b->counted;
    if (discard)
        p->discard_file = b->file;
    if (abort)
        p->abort = true;
    pthread_cond_broadcast(&p->head_cv);
    pthread_mutex_unlock(&p->mu);

    /* The slot is free: only the main thread touches it now. */
    free(b->limits.v);
    b->limits = (struct limit_lines){0};
    b->done = false;
    b->len = 0;
    b->out.len = 0;
    b->out.error = 0;
    for (size_t i = 0; i < b->nbatch; i++) /* a batch not written (abort) */
        free(b->batch[i].limits.v);
    b->nbatch = 0;
    b->batch_bytes = 0;
    b->self_read = b->fallback = b->binary = false;
    b->open_errno = 0;
    if (b->cap > 2 * BLOCK_SIZE) {
        free(b->buf);
        b->buf = NULL;
        b->cap = 0;
    } else if (b->cap > SPARE_MIN) {
        if (p->n_spare < p->max_spare) {
            p->spare[p->n_spare] = b->buf;
            p->spare_cap[p->n_spare++] = b->cap;
        } else {
            free(b->buf);
        }
        b->buf = NULL;
        b->cap = 0;
    }
    if (b->out.cap > 2 * OUT_SPILL)
        cli_out_free_memory(&b->out);
}

/* Write out finished blocks, in order, until at most `max_blocks` blocks and
 * `max_bytes` bytes are in flight. Main thread. */
static void pool_wait(struct pool *p, uint64_t max_blocks, size_t max_bytes)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->next_write < p->submitted) {
            struct block *b = &p->blocks[p->next_write % p->nblocks];
            if (b->done) {
                pthread_mutex_unlock(&p->mu);
                write_head(p, b);
                pthread_mutex_lock(&p->mu);
                continue;
            }
        }
        if (p->submitted - p->next_write <= max_blocks && p->inflight_bytes <= max_bytes)
            break;
        if (p->head_open != p->next_write) {
            /* Let the oldest block write straight to stdout if it must. */
            pthread_mutex_unlock(&p->mu);
            cli_out_flush(&cli_stdout);
            pthread_mutex_lock(&p->mu);
            if (cli_stdout.error)
                p->abort = true;
            p->head_open = p->next_write;
            pthread_cond_broadcast(&p->head_cv);
            continue; /* the head may have finished while unlocked */
        }
        pthread_cond_wait(&p->done_cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Write out every block in flight and flush standard output. */
static void pool_drain(struct pool *p)
{
    pool_wait(p, 0, 0);
    if (cli_out_flush(&cli_stdout) != 0) {
        pthread_mutex_lock(&p->mu);
        p->abort = true;
        pthread_mutex_unlock(&p->mu);
    }
}

/* The free slot for the next block, once the queue has room. Main thread. */
static struct block *pool_acquire(struct pool *p)
{
    struct block *b;

    pool_wait(p, p->nblocks - 1, p->budget);
    b = &p->blocks[p->submitted % p->nblocks];
    b->len = 0;
    if (!b->buf && p->n_spare > 0) {
        b->buf = p->spare[--p->n_spare];
        b->cap = p->spare_cap[p->n_spare];
    }
    return b;
}

static void pool_submit(struct pool *p, struct block *b, size_t file, const char *name,
                        uint64_t base, uint64_t line)
{
    b->file = file;
    b->name = name;
    b->base = base;
    b->line = line;
    b->hits = 0;
    b->block_hits = 0;
    b->rc = SHAI_OK;
    b->error = INPUT_OK;
    b->done = false;
    b->counted = b->len;
    b->read_ahead = false;
    pthread_mutex_lock(&p->mu);
    b->seq = p->submitted++;
    p->inflight_bytes += b->len;
    pthread_cond_signal(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
}

/* Room for `want` more bytes at b->buf + b->len. */
static int block_reserve(struct block *b, size_t want)
{
    return buf_reserve(&b->buf, &b->cap, b->len, want, BLOCK_SIZE);
}

/* Submit b->buf[0..cut) and return the next block, holding the rest. NULL
 * when out of memory. */
static struct block *cut_block(struct pool *p, struct block *b, size_t cut, size_t file,
                               const char *name, uint64_t *base, uint64_t *line)
{
    size_t tail = b->len - cut;

    if (tail > p->carry_cap) {
        unsigned char *q = realloc(p->carry, tail);
        if (!q)
            return NULL;
        p->carry = q;
        p->carry_cap = tail;
    }
    if (tail > 0)
        memcpy(p->carry, b->buf + cut, tail);
    b->len = cut;
    pool_submit(p, b, file, name, *base, *line);
    *base += cut;
    *line += count_newlines(b->buf, cut);
    b = pool_acquire(p);
    if (block_reserve(b, tail) != 0)
        return NULL;
    if (tail > 0)
        memcpy(b->buf, p->carry, tail);
    b->len = tail;
    return b;
}

/* Scan the input `path` ("-": standard input), the `file`-th on the command
 * line, with the pool. */
static void pool_scan_path(struct pool *p, size_t file, const char *path)
{
    const char *name = path;
    struct stat st;
    struct block *b;
    uint64_t base = 0, line = 1;
    size_t cut = 0; /* just past the last '\n' in b->buf, 0: none */
    bool interactive;
    int fd;

    if (strcmp(path, "-") == 0) {
        fd = STDIN_FILENO;
        name = STDIN_NAME;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int err = errno;
            pool_drain(p);
            cli_error("%s: %s", path, strerror(err));
            p->cfg->tally[file].failed = true;
            status_add(&p->status, CLI_EXIT_ERROR);
            return;
        }
    }
    interactive = !(fstat(fd, &st) == 0 && S_ISREG(st.st_mode));

    b = pool_acquire(p);
    /* issue 18: the first read tells the encoding */
    size_t pending = 0; /* read already, at b->buf[0..pending) */
    {
        const char *charset;
        ssize_t n;
        bool complete;
        if (block_reserve(b, BLOCK_SIZE) != 0)
            goto out_of_memory;
        if (interactive && would_block(fd))
            pool_drain(p);
        n = read_some(fd, b->buf, CHUNK);
        if (n < 0) {
            int err = errno;
            pool_drain(p);
            cli_error("%s: %s", name, strerror(err));
            status_add(&p->status, CLI_EXIT_ERROR);
            goto out;
        }
        pending = (size_t)n;
        complete = n == 0 || (!interactive && (uint64_t)st.st_size <= (uint64_t)n);
        enum scan_doc kind = fd == STDIN_FILENO ? DOC_NONE : scan_doc_kind(path);
        if (kind != DOC_NONE) {
            pool_drain(p);
            b->len = pending;
            status_add(&p->status, scan_document(p->cfg, fd, name, kind, &b->buf, &b->cap, &b->len,
                                                 &cli_stdout, &p->cfg->tally[file]));
            b->len = 0;
            goto out;
        }
        switch (scan_detect(b->buf, pending, complete, p->cfg->encoding, &charset)) {
        case ENC_UTF8_BOM:
            memmove(b->buf, b->buf + 3, pending - 3);
            pending -= 3;
            base = 3;
            break;
        case ENC_BINARY:
            if (p->cfg->walked[file]) {
                p->cfg->tally[file].binary = true;
                goto out;
            }
            break;
        case ENC_DECODE: {
            int st2;
            pool_drain(p);
            b->len = pending;
            st2 = decode_and_scan(p->cfg, fd, name, charset, &b->buf, &b->cap, &b->len, &cli_stdout,
                                  &p->cfg->tally[file]);
            if (st2 >= 0) {
                status_add(&p->status, st2);
                b->len = 0;
                goto out;
            }
            /* all of it read, not decodable: scanned as UTF-8, streamed */
            unsigned char *buf = b->buf;
            size_t cap = b->cap;
            b->buf = p->in.buf;
            b->cap = p->in.cap;
            p->in.buf = buf;
            p->in.cap = cap;
            p->in.len = b->len;
            p->in.name = name;
            p->in.map = NULL;
            b->len = 0;
            status_add(&p->status, scan_stream(&p->in, fd, interactive, 0, 1));
            p->cfg->tally[file].hits += p->in.hits;
            p->cfg->tally[file].block_hits += p->in.block_hits;
            goto out;
        }
        case ENC_UTF8:
            break;
        }
    }
    while (!p->abort) {
        size_t want = b->len < BLOCK_SIZE ? BLOCK_SIZE - b->len : READ_MORE;
        ssize_t n;

        if (block_reserve(b, want) != 0)
            goto out_of_memory;
        if (pending > 0) {
            n = (ssize_t)pending;
            pending = 0;
            goto got;
        }
        if (interactive && would_block(fd)) {
            /* About to block on a pipe or terminal: show what we have. */
            if (cut > 0) {
                b = cut_block(p, b, cut, file, name, &base, &line);
                cut = 0;
                if (!b)
                    goto out_of_memory;
                continue;
            }
            pool_drain(p);
        }
        n = read_some(fd, b->buf + b->len, want);
        if (n > 0)
            progress_add((uint64_t)n, 0);
        if (n < 0) {
            int err = errno;
            if (b->len > 0)
                pool_submit(p, b, file, name, base, line);
            pool_drain(p);
            cli_error("%s: %s", name, strerror(err));
            status_add(&p->status, CLI_EXIT_ERROR);
            break;
        }
        if (n == 0) {
            if (b->len > 0)
                pool_submit(p, b, file, name, base, line);
            break;
        }
    got:;
        size_t k = after_last_newline(b->buf + b->len, (size_t)n);
        if (k > 0)
            cut = b->len + k;
        b->len += (size_t)n;
        if (cut > 0 && b->len >= BLOCK_SIZE) {
            b = cut_block(p, b, cut, file, name, &base, &line);
            cut = 0;
            if (!b)
                goto out_of_memory;
        } else if (b->len >= BLOCK_LIMIT) {
            /* A giant line: the rest of this input goes through the
             * streaming engine, starting with what we have read of it. */
            unsigned char *buf = b->buf;
            size_t cap = b->cap;
            pool_drain(p);
            if (p->abort)
                break;
            b->buf = p->in.buf;
            b->cap = p->in.cap;
            p->in.buf = buf;
            p->in.cap = cap;
            p->in.len = b->len;
            p->in.name = name;
            b->len = 0;
            status_add(&p->status, scan_stream(&p->in, fd, interactive, base, line));
            p->cfg->tally[file].hits += p->in.hits;
            p->cfg->tally[file].block_hits += p->in.block_hits;
            if (p->in.cap > 2 * BLOCK_LIMIT) {
                free(p->in.buf);
                p->in.buf = NULL;
                p->in.cap = 0;
            }
            break;
        }
    }
out:
    if (fd != STDIN_FILENO)
        close(fd);
    return;

out_of_memory:
    pool_drain(p);
    cli_error("%s: out of memory", name);
    status_add(&p->status, CLI_EXIT_ERROR);
    if (fd != STDIN_FILENO)
        close(fd);
}

static void pool_stop(struct pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->shutdown = true;
    pthread_cond_broadcast(&p->work_cv);
    pthread_cond_broadcast(&p->head_cv);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->nthreads; i++) {
        pthread_join(p->threads[i], NULL);
        shai_scratch_free(p->workers[i].scratch);
        p->workers[i].scratch = NULL;
    }
    p->nthreads = 0;
}

/* Add a small file to a batch block. */
static int batch_add(struct block *b, size_t file, const char *name, bool walked, uint64_t size)
{
    if (b->nbatch == b->cap_batch) {
        size_t cap = b->cap_batch ? 2 * b->cap_batch : BATCH_FILES;
        struct file_result *v = realloc(b->batch, cap * sizeof *v);
        if (!v)
            return -1;
        b->batch = v;
        b->cap_batch = cap;
    }
    memset(&b->batch[b->nbatch], 0, sizeof b->batch[b->nbatch]);
    b->batch[b->nbatch].file = file;
    b->batch[b->nbatch].name = name;
    b->batch[b->nbatch].walked = walked;
    b->batch[b->nbatch].size = size;
    b->nbatch++;
    b->batch_bytes += size == SCAN_SIZE_UNKNOWN ? UNKNOWN_READ_MAX : size;
    return 0;
}

/* Free what pool_start allocated (the threads are stopped). */
static void pool_free(struct pool *p)
{
    if (p->blocks) {
        for (size_t i = 0; i < p->nblocks; i++) {
            free(p->blocks[i].buf);
            free(p->blocks[i].limits.v);
            free(p->blocks[i].batch);
            cli_out_free_memory(&p->blocks[i].out);
        }
    }
    for (size_t i = 0; i < p->n_spare; i++)
        free(p->spare[i]);
    free(p->spare);
    free(p->spare_cap);
    free(p->blocks);
    free(p->threads);
    free(p->workers); /* their scratches: pool_stop, or none started */
    free(p->waiting);
    free(p->carry);
    free(p->in.buf);
    free(p->in.marks);
    pend_free(&p->in);
}

/* Start `nthreads` workers (fewer when some cannot be started); `db_ready`:
 * cfg->db is open, else pool_set_db says when it is. Returns 0, or -1 when
 * no thread could be started (nothing is left to release). */
static int pool_start(struct pool *p, const struct scan_config *cfg, size_t nthreads, bool db_ready)
{
    memset(p, 0, sizeof *p);
    p->cfg = cfg;
    p->db_ready = db_ready;
    p->head_open = UINT64_MAX;
    p->discard_file = SIZE_MAX;
    p->status = CLI_EXIT_CLEAN;
    p->in.cfg = cfg;
    p->in.out = &cli_stdout;
    /* issue 18: many small files need many slots in flight, each costing
     * one handoff; the bytes in flight stay bounded by the budget */
    p->nblocks = 2 * nthreads < SMALL_SLOTS ? SMALL_SLOTS : 2 * nthreads;
    p->budget = 2 * nthreads * BLOCK_SIZE;
    p->max_spare = 2 * nthreads + 1;
    p->spare = calloc(p->max_spare, sizeof *p->spare);
    p->spare_cap = calloc(p->max_spare, sizeof *p->spare_cap);
    p->blocks = calloc(p->nblocks, sizeof *p->blocks);
    p->threads = calloc(nthreads, sizeof *p->threads);
    p->workers = calloc(nthreads, sizeof *p->workers);
    p->waiting = calloc(p->nblocks, sizeof *p->waiting);
    if (!p->blocks || !p->threads || !p->workers || !p->spare || !p->spare_cap || !p->waiting)
        goto out;
    for (size_t i = 0; i < p->nblocks; i++) {
        struct block *b = &p->blocks[i];
        b->pool = p;
        cli_out_init_memory(&b->out);
        b->out.spill = block_spill;
        b->out.spill_at = OUT_SPILL;
        b->out.user = b;
    }
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        goto out;
    if (pthread_cond_init(&p->work_cv, NULL) != 0)
        goto out_mutex;
    if (pthread_cond_init(&p->done_cv, NULL) != 0)
        goto out_work;
    if (pthread_cond_init(&p->head_cv, NULL) != 0)
        goto out_done;
    while (p->nthreads < nthreads) {
        struct worker *w = &p->workers[p->nthreads];
        w->pool = p; /* its scratch: worker_scratch, once the db is ready */
        if (pthread_create(&p->threads[p->nthreads], NULL, worker_main, w) != 0)
            break;
        p->nthreads++;
    }
    if (p->nthreads > 0)
        return 0;
    pthread_cond_destroy(&p->head_cv);
out_done:
    pthread_cond_destroy(&p->done_cv);
out_work:
    pthread_cond_destroy(&p->work_cv);
out_mutex:
    pthread_mutex_destroy(&p->mu);
out:
    pool_free(p);
    return -1;
}

/* Submit the batch being gathered; one left empty (no memory for its first
 * file) is not submitted: its slot is taken again as it is. */
static void batch_submit(struct pool *p)
{
    if (p->batch && p->batch->nbatch)
        pool_submit(p, p->batch, p->batch->batch[0].file, p->batch->batch[0].name, 0, 1);
    else if (p->batch)
        p->batch->self_read = false;
    p->batch = NULL;
}

/* Whether `path` is a small plain file, read by a worker (`*size`: as
 * found in a directory, SCAN_SIZE_UNKNOWN; UINT64_MAX for an operand, then
 * what stat says of it if it is a regular file). Main thread. */
static bool pool_small_file(const char *path, uint64_t *size)
{
    struct stat st;

    /* issue 18: a small plain file is opened and read by a worker (a file
     * found in a directory is known regular) */
    if (*size == UINT64_MAX && strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
        S_ISREG(st.st_mode))
        *size = (uint64_t)st.st_size;
    return (*size <= SELF_READ_MAX / 2 || *size == SCAN_SIZE_UNKNOWN) &&
           scan_doc_kind(path) == DOC_NONE;
}

/* issue 18: whether the file may be queued before the db is ready: a
 * small file, and the pool takes it without waiting for a block to be
 * written out (none is before the db is ready). Main thread. */
static bool pool_may_prefetch(struct pool *p, const char *path, uint64_t *size)
{
    if (p->abort || !pool_small_file(path, size))
        return false;
    /* the batches read meanwhile: at most the budget of the blocks */
    if (p->early_bytes + (*size == SCAN_SIZE_UNKNOWN ? UNKNOWN_READ_MAX : *size) > p->budget)
        return false;
    return p->batch ||
           (p->submitted - p->next_write <= p->nblocks - 1 && p->inflight_bytes <= p->budget);
}

/* Queue the `file`-th input, `path` (`walked`: found in a directory, of
 * `size` bytes; else UINT64_MAX). Main thread. */
static void pool_add_file(struct pool *p, size_t file, const char *path, bool walked, uint64_t size)
{
    if (p->abort)
        return;
    bool small = pool_small_file(path, &size);
    if (small) {
        if (!p->db_ready) /* main thread: set by it (pool_set_db) */
            p->early_bytes += size == SCAN_SIZE_UNKNOWN ? UNKNOWN_READ_MAX : size;
        if (!p->batch) {
            p->batch = pool_acquire(p);
            p->batch->self_read = true;
        }
        if (batch_add(p->batch, file, path, walked, size) != 0) {
            cli_error("out of memory");
            status_add(&p->status, CLI_EXIT_ERROR);
            return;
        }
        if (p->batch->nbatch < BATCH_FILES && p->batch->batch_bytes < BATCH_BYTES)
            return;
    }
    batch_submit(p);
    if (!small)
        pool_scan_path(p, file, path);
}

/* Stops the workers and releases p (its threads, locks and memory). */
static void pool_release(struct pool *p)
{
    pool_stop(p);
    pthread_cond_destroy(&p->head_cv);
    pthread_cond_destroy(&p->done_cv);
    pthread_cond_destroy(&p->work_cv);
    pthread_mutex_destroy(&p->mu);
    pool_free(p);
}

/* Write out what is in flight, stop the workers and release p. Returns the
 * exit status. */
static int pool_finish(struct pool *p)
{
    int status;

    batch_submit(p);
    pool_drain(p);
    status = p->status;
    pool_release(p);
    return status;
}

/* issue 18: the db is ready (`ok`), and the workers may scan what they
 * read meanwhile; or it could not be opened, and they scan nothing. */
static void pool_set_db(struct pool *p, bool ok)
{
    pthread_mutex_lock(&p->mu);
    if (ok) {
        p->db_ready = true;
    } else {
        p->db_failed = true;
        p->abort = true;
    }
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
}

/* The db could not be opened: stop the workers, print nothing of what
 * they read, and release p. */
static void pool_discard(struct pool *p)
{
    pool_set_db(p, false);
    pool_release(p);
}

/* Room in cfg->tally for `n` inputs, zeroed. Main thread. */
static int tally_reserve(struct scan_config *cfg, size_t n)
{
    if (n <= cfg->tally_cap)
        return 0;
    size_t cap = cfg->tally_cap ? cfg->tally_cap : 256;
    while (cap < n)
        cap *= 2;
    struct file_tally *t = realloc(cfg->tally, cap * sizeof *t);
    if (!t)
        return -1;
    memset(t + cfg->tally_cap, 0, (cap - cfg->tally_cap) * sizeof *t);
    cfg->tally = t;
    cfg->tally_cap = cap;
    return 0;
}

/* The db, the policy and what the scan derives from them (category
 * names, suggestions: scan_prepare), made in a thread of their own with
 * -jN while the main thread walks the directories (opening the default db
 * with its variants is a good part of a scan of many small files). Errors
 * are printed there; nothing else prints until it is done. */
struct db_job {
    struct cli_db_source *src;
    const struct cli_policy_options *popt;
    struct scan_config *cfg;
    shai_db **db;
    shai_policy **policy;
    int status; /* CLI_EXIT_CLEAN: all made */
    bool done;  /* atomic: status is set */
    pthread_t thread;
};

static int scan_prepare(struct scan_config *cfg);

static int db_job_run(struct db_job *j)
{
    struct scan_config *cfg = j->cfg;

    if (cli_open_db(j->src, j->db, NULL, NULL) != CLI_EXIT_CLEAN)
        return CLI_EXIT_ERROR;
    cfg->db = *j->db;
    if (cli_make_policy("scan", *j->db, j->popt, j->policy) != CLI_EXIT_CLEAN)
        return CLI_EXIT_ERROR;
    cfg->policy = *j->policy;
    cfg->category_count = shai_db_category_count(*j->db);
    cfg->category_names = calloc((size_t)cfg->category_count + 1, sizeof *cfg->category_names);
    if (!cfg->category_names) {
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    for (uint32_t i = 0; i < cfg->category_count; i++) {
        const char *name = NULL;
        if (shai_db_category_name(*j->db, i, &name) == SHAI_OK)
            cfg->category_names[i] = name;
    }
    if (scan_prepare(cfg) != 0) {
        cli_error("out of memory");
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_CLEAN;
}

static void *db_job_main(void *arg)
{
    struct db_job *j = arg;
    j->status = db_job_run(j);
    __atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
    return NULL;
}

/* issue 18: the inputs as the directory walk finds them (scan_files'
 * `found`): the scan of the first files runs while the walk goes on. */
struct walk_feed {
    struct scan_config *cfg;
    struct pool *pool;
    size_t n_operands; /* the progress line's total until the walk says more */
    bool no_memory;
    /* the db being made meanwhile (NULL: made); the inputs found until it
     * is are fed to the pool then */
    struct db_job *job;
    size_t nthreads;
    size_t fed;     /* inputs given to the pool */
    size_t early;   /* of which before the db was ready (not yet in the progress) */
    bool pool_on;   /* the pool runs (else the streaming engine, after the walk) */
    bool db_failed; /* the job failed (it said why): stop */
};

/* The db job is done: wait for its thread, print the walk's errors kept
 * until now, start the workers. False when the db could not be made. */
static bool feed_db_ready(struct walk_feed *w, struct scan_files *f)
{
    pthread_join(w->job->thread, NULL);
    int st = w->job->status;
    w->job = NULL;
    if (st != CLI_EXIT_CLEAN) {
        if (w->pool_on)
            pool_discard(w->pool);
        w->pool_on = false;
        w->db_failed = true;
        return false;
    }
    scan_files_print_errors(f);
    progress_start(w->cfg, 0);
    if (w->pool_on) {
        progress.n_files = f->n > w->n_operands ? f->n : w->n_operands;
        progress_add(0, w->early);
        pool_set_db(w->pool, true);
    } else {
        w->pool_on = pool_start(w->pool, w->cfg, w->nthreads, true) == 0;
    }
    return true;
}

/* issue 18: queue the small files found before the db is ready (their
 * workers read them meanwhile), as far as the pool takes them without
 * waiting. Returns whether all up to `idx` are queued. */
static bool feed_early(struct walk_feed *w, struct scan_files *f, size_t idx)
{
    for (; w->fed <= idx; w->fed++) {
        uint64_t size = f->sizes[w->fed];
        if (__atomic_load_n(&w->job->done, __ATOMIC_ACQUIRE) ||
            !pool_may_prefetch(w->pool, f->paths[w->fed], &size))
            return false;
        if (tally_reserve(w->cfg, w->fed + 1) != 0) {
            w->no_memory = true;
            return false;
        }
        w->cfg->walked = f->walked; /* read by the main thread only */
        w->cfg->sizes = f->sizes;
        progress.n_files = f->n > w->n_operands ? f->n : w->n_operands;
        pool_add_file(w->pool, w->fed, f->paths[w->fed], f->walked[w->fed], size);
        w->early++;
    }
    return true;
}

static bool feed_found(void *user, const struct scan_files *found, size_t idx)
{
    struct walk_feed *w = user;
    struct scan_config *cfg = w->cfg;
    struct scan_files *f = (struct scan_files *)found; /* its errors: feed_db_ready */

    if (w->job) {
        if (!w->pool_on && !__atomic_load_n(&w->job->done, __ATOMIC_ACQUIRE))
            return true; /* gathered meanwhile */
        if (w->pool_on && feed_early(w, f, idx))
            return true;
        if (w->no_memory)
            return false;
        /* the db is ready, or the pool takes no more without it */
        if (!feed_db_ready(w, f))
            return false;
    }
    if (!w->pool_on)
        return true;
    for (; w->fed <= idx; w->fed++) {
        if (tally_reserve(cfg, w->fed + 1) != 0) {
            w->no_memory = true;
            return false;
        }
        cfg->walked = f->walked; /* read by the main thread only */
        cfg->sizes = f->sizes;
        progress.n_files = f->n > w->n_operands ? f->n : w->n_operands;
        pool_add_file(w->pool, w->fed, f->paths[w->fed], f->walked[w->fed], f->sizes[w->fed]);
        progress_add(0, 1);
        if (w->pool->abort)
            return false;
    }
    return true;
}

void cmd_scan_help(FILE *out)
{
    fputs("Usage: shai scan [OPTION]... [FILE]...\n"
          "Screen each FILE against a lexicon and print every violation: a hit of a\n"
          "deny entry that no allow entry covers. With no FILE, or where FILE is -,\n"
          "read standard input. A directory is walked recursively (in byte order,\n"
          "hidden entries skipped, and files with a NUL in their first 64 KiB\n"
          "skipped as binary and counted on standard error). Input of any size is\n"
          "streamed. The encoding is detected per file: UTF-8 (invalid bytes and\n"
          "NULs allowed, they never match), a BOM (UTF-8, UTF-16LE/BE), or invalid\n"
          "UTF-8 without NUL that decodes cleanly as GB18030 (GBK) or Big5 (told\n"
          "apart by their double-byte ranges); otherwise a notice is printed and the\n"
          "file is scanned as UTF-8. A decoded file is read whole; its offsets are\n"
          "the original file's bytes, its columns count decoded code points.\n"
          "A .docx is read as its paragraphs' text, one line per paragraph (with\n"
          "libzip and libxml2); in .html/.htm and .md/.markdown files the markup\n"
          "(tags, comments, script and style, link targets) is not text.\n"
          "\n"
          "Options:\n"
          "  -L, --lexicon=PATH  lexicon file, or directory whose *.txt files are\n"
          "                      read (recursively); repeatable. -l is no longer\n"
          "                      this option: it is --files-with-matches\n"
          "      --db=FILE       a saved db made by 'shai compile' (no compile step)\n"
          "      --no-fold       exact matching: no folding (width, case,\n"
          "                      Traditional/Simplified, ...), no noise skipping, no\n"
          "                      repeats; not with --db (a db's options are fixed\n"
          "                      when it is compiled)\n"
          "  -f, --format=FORMAT output format: text (default), jsonl or sarif\n"
          "                      (SARIF 2.1.0 for GitHub code scanning and\n"
          "                      VS Code: one rule per category, shai/CATEGORY,\n"
          "                      fixes from suggestions; scanned with -j1)\n"
          "      --overlapping   report every occurrence of every entry, overlapping\n"
          "                      ones included, ordered by end; by default hits are\n"
          "                      leftmost-longest and do not overlap, ordered by start\n"
          "      --no-variants   only entries as written (folded): no pinyin, homophones,\n"
          "                      split characters, emoji, leet, wildcards, ... (see the\n"
          "                      lexicon's @variants)\n"
          "      --vertical      also read runs of lines of one Han character each as\n"
          "                      one line (vertical text; scanned with -j1)\n"
          "      --scene=NAME    check as scene NAME of the db says (see 'shai stats'):\n"
          "                      which categories count, and with what action\n"
          "      --category=C    only hits of category C count; repeatable\n"
          "      --exclude-category=C\n"
          "                      hits of category C do not count; repeatable\n"
          "  -j, --threads=N     scan with N threads (default: the number of online\n"
          "                      CPUs); -j1 streams each input in one thread. The\n"
          "                      output is the same, in input order, for every N\n",
          out);
    fputs("\n"
          "Inputs:\n"
          "  -g, --glob=GLOB     in directories, scan only the files whose name\n"
          "                      matches GLOB (fnmatch); !GLOB excludes; repeatable\n"
          "  -t, --type=TYPE     in directories, scan only files of TYPE:\n"
          "                      txt, docx, md, html, json, csv, srt, xml, c, py,\n"
          "                      js; repeatable\n"
          "  -E, --encoding=NAME the encoding of every input (an ICU converter\n"
          "                      name: GB18030, GBK, Big5, UTF-16LE, Shift_JIS...)\n"
          "                      instead of detection; an input that does not\n"
          "                      decode is an error\n"
          "\n"
          "Output:\n"
          "      --color=WHEN    colour the text format: auto (the default: when\n"
          "                      standard output is a terminal and NO_COLOR is not\n"
          "                      set), always or never\n"
          "      --suggest=WHEN  show an entry's suggested replacement in the text\n"
          "                      format, as [CATEGORY/ACTION \xe2\x86\x92 SUGGESTION]: auto\n"
          "                      (the default: when standard output is a\n"
          "                      terminal), always or never\n"
          "      --context       under each hit, its line around it (24 characters\n"
          "                      each side), the hit highlighted (in colour, or\n"
          "                      between \xc2\xbb and \xc2\xab); the default with colour\n"
          "      --no-context    no context lines\n"
          "  A progress line (files, MB, hits, MB/s) is shown on standard error\n"
          "  when it is a terminal, standard output is not (or -c, -l, -q), and\n"
          "  the scan runs for more than a second.\n"
          "      --summary       at the end, print on standard error the number of\n"
          "                      files and hits, hits per category and per file\n"
          "                      (the default when both outputs are terminals)\n"
          "      --no-summary    no summary\n"
          "      --column=UNIT   what COL counts from the start of the line: char\n"
          "                      (code points, the default) or byte (as grep,\n"
          "                      ripgrep and vim's quickfix: 'shai scan --column\n"
          "                      byte FILE' fits :cexpr and errorformat %f:%l:%c)\n"
          "\n"
          "Records (one JSON object per record on standard output):\n"
          "      --input=KIND    text (the default) or jsonl: each line is a JSON\n"
          "                      object whose member --field holds the text (JSON\n"
          "                      escapes and surrogate pairs decoded); offsets\n"
          "                      are into that text; blank lines are skipped\n"
          "      --field=NAME    the member with the text (--input jsonl)\n"
          "      --id=NAME       a member echoed as \"id\" in the output, as is\n"
          "      --verdicts      one object per record (per line with --input\n"
          "                      text): file, line, id, verdict (pass, review or\n"
          "                      block), categories, hits; records without hits\n"
          "                      included. Without it, --input jsonl prints one\n"
          "                      object per hit: file, line, id, start, end, text,\n"
          "                      entry, category, action, suggestion\n"
          "      --offsets=UNIT  start and end in the record's text as UTF-8\n"
          "                      bytes (byte, the default), code points (char)\n"
          "                      or UTF-16 units (utf16, for Java and JavaScript)\n"
          "  Records are scanned in one thread; --format, -c, -l and -q do not\n"
          "  apply to them.\n"
          "\n"
          "Reports and exit status:\n"
          "  -c, --count         print FILE:N, the number of hits, for each FILE\n"
          "  -l, --files-with-matches\n"
          "                      print only the names of the files with hits\n"
          "  -q, --quiet         print nothing; the exit status tells\n"
          "      --fail-on=WHAT  which hits make the exit status 1: review (any\n"
          "                      hit, the default), block (only block hits; review\n"
          "                      hits exit 0) or never\n"
          "      --exit-zero     same as --fail-on=never: hits exit 0, errors 2\n"
          "                      (for Hadoop Streaming, Spark RDD.pipe())\n"
          "\n"
          "  -h, --help          show this help and exit\n"
          "      --version       show the version and exit\n",
          out);
    fputs("\n"
          "Without --lexicon or --db the default is, in this order:\n"
          "  $" SHAI_DEFAULT_LEXICON_ENV " (a lexicon file or directory) if set;\n"
          "  $" SHAI_DEFAULT_DB_ENV " (a saved db) if set;\n"
          "  " SHAI_DEFAULT_DB " if it exists;\n"
          "  else the lexicon " SHAI_DEFAULT_LEXICON ".\n"
          "With --no-fold the default db is skipped (the lexicon is compiled).\n"
          "\n"
          "Matching follows the lexicon's rules (docs/lexicon-format.md): text and\n"
          "entries are folded alike (width, case, Traditional to Simplified,\n"
          "lookalikes), a few noise characters may sit between the characters of\n"
          "an entry, and entries that begin or end with a Latin letter or digit\n"
          "match whole words only. Hits never span a line break, so with -jN the\n"
          "input is cut into blocks at line breaks and scanned in parallel; a line\n"
          "longer than 16 MiB is streamed in one thread, so memory stays bounded.\n",
          out);
    fputs("\n"
          "Text format, one line per hit:\n"
          "  FILE:LINE:COL: MATCH [CATEGORY/ACTION]\n"
          "  FILE:LINE:COL: MATCH [CATEGORY/ACTION \xe2\x86\x92 SUGGESTION]\n"
          "  (the second with --suggest, when the entry has a suggestion)\n"
          "  LINE and COL are 1-based; COL counts code points from the start of the\n"
          "  line (an invalid UTF-8 byte counts as one). Standard input is named\n"
          "  " STDIN_NAME ". MATCH is the text as it appears in the input, with control\n"
          "  characters shown as \\xHH. ACTION is block or review.\n"
          "\n"
          "JSONL format, one JSON object per hit, with the members:\n"
          "  file        file name (\"" STDIN_NAME "\" for standard input)\n"
          "  line, col   as in the text format\n"
          "  start, end  byte offsets of the hit in the file, end exclusive\n"
          "  text        the matched text as it appears in the input\n"
          "  entry       the lexicon entry that matched, as written in the lexicon\n"
          "  category    the entry's category\n"
          "  action      \"block\" or \"review\"\n"
          "  variant     how the text wrote the entry, when it is a variant of it:\n"
          "              pinyin, initials, homophone, split, emoji, leet, wildcard,\n"
          "              insert, digit or vertical (the text format shows [KIND])\n"
          "  tag         the entry's tag (only when it has one)\n"
          "  suggestion  the entry's suggested replacement (only when it has one)\n"
          "\n"
          "Exit status: 0 if there was no hit, 1 if there was at least one hit\n"
          "(that --fail-on counts),\n"
          "2 if an error occurred (even when there were hits). Errors are printed\n"
          "to standard error; a malformed lexicon is reported as FILE:LINE:COL.\n"
          "A line on which a regular-expression rule hit its match limit is\n"
          "reported as FILE:LINE (its hits and all others are still printed) and\n"
          "the scan goes on; the exit status is then 2.\n",
          out);
}

enum {
    OPT_LEXICON = 1,
    OPT_DB,
    OPT_NO_FOLD,
    OPT_THREADS,
    OPT_FORMAT,
    OPT_OVERLAPPING,
    OPT_SCENE,
    OPT_CATEGORY,
    OPT_EXCLUDE_CATEGORY,
    OPT_HELP,
    OPT_VERSION,
    /* issue 18: reports and exit status */
    OPT_FAIL_ON,
    OPT_EXIT_ZERO,
    OPT_COUNT,
    OPT_FILES_WITH_MATCHES,
    OPT_QUIET,
    /* issue 18: inputs */
    OPT_GLOB,
    OPT_TYPE,
    OPT_ENCODING,
    /* issue 18: output for people */
    OPT_COLUMN,
    OPT_COLOR,
    OPT_SUGGEST,
    OPT_SUMMARY,
    OPT_NO_SUMMARY,
    OPT_CONTEXT,
    OPT_NO_CONTEXT,
    /* issue 18: records */
    OPT_INPUT,
    OPT_FIELD,
    OPT_ID,
    OPT_VERDICTS,
    OPT_OFFSETS,
    /* issue 17: variants */
    OPT_NO_VARIANTS,
    OPT_VERTICAL,
};

static const struct cli_option scan_options[] = {
    {"lexicon", 'L', CLI_ARG_REQUIRED, OPT_LEXICON},
    {"db", 0, CLI_ARG_REQUIRED, OPT_DB},
    {"no-fold", 0, CLI_ARG_NONE, OPT_NO_FOLD},
    {"threads", 'j', CLI_ARG_REQUIRED, OPT_THREADS},
    {"format", 'f', CLI_ARG_REQUIRED, OPT_FORMAT},
    {"overlapping", 0, CLI_ARG_NONE, OPT_OVERLAPPING},
    {"no-variants", 0, CLI_ARG_NONE, OPT_NO_VARIANTS},
    {"vertical", 0, CLI_ARG_NONE, OPT_VERTICAL},
    {"scene", 0, CLI_ARG_REQUIRED, OPT_SCENE},
    {"category", 0, CLI_ARG_REQUIRED, OPT_CATEGORY},
    {"exclude-category", 0, CLI_ARG_REQUIRED, OPT_EXCLUDE_CATEGORY},
    {"help", 'h', CLI_ARG_NONE, OPT_HELP},
    {"version", 0, CLI_ARG_NONE, OPT_VERSION},
    /* issue 18: reports and exit status */
    {"fail-on", 0, CLI_ARG_REQUIRED, OPT_FAIL_ON},
    {"exit-zero", 0, CLI_ARG_NONE, OPT_EXIT_ZERO},
    {"count", 'c', CLI_ARG_NONE, OPT_COUNT},
    {"files-with-matches", 'l', CLI_ARG_NONE, OPT_FILES_WITH_MATCHES},
    {"quiet", 'q', CLI_ARG_NONE, OPT_QUIET},
    /* issue 18: inputs */
    {"glob", 'g', CLI_ARG_REQUIRED, OPT_GLOB},
    {"type", 't', CLI_ARG_REQUIRED, OPT_TYPE},
    {"encoding", 'E', CLI_ARG_REQUIRED, OPT_ENCODING},
    /* issue 18: output for people */
    {"column", 0, CLI_ARG_REQUIRED, OPT_COLUMN},
    {"color", 0, CLI_ARG_REQUIRED, OPT_COLOR},
    {"colour", 0, CLI_ARG_REQUIRED, OPT_COLOR},
    {"suggest", 0, CLI_ARG_REQUIRED, OPT_SUGGEST},
    {"summary", 0, CLI_ARG_NONE, OPT_SUMMARY},
    {"no-summary", 0, CLI_ARG_NONE, OPT_NO_SUMMARY},
    {"context", 0, CLI_ARG_NONE, OPT_CONTEXT},
    {"no-context", 0, CLI_ARG_NONE, OPT_NO_CONTEXT},
    /* issue 18: records */
    {"input", 0, CLI_ARG_REQUIRED, OPT_INPUT},
    {"field", 0, CLI_ARG_REQUIRED, OPT_FIELD},
    {"id", 0, CLI_ARG_REQUIRED, OPT_ID},
    {"verdicts", 0, CLI_ARG_NONE, OPT_VERDICTS},
    {"offsets", 0, CLI_ARG_REQUIRED, OPT_OFFSETS},
    {NULL, 0, 0, 0},
};

/* ------------------------------------------- issue 18: reports, exit status */

/* The tallies and the suggestions of the text format. 0, or -1 when out of
 * memory. */
static int scan_prepare(struct scan_config *cfg)
{
    uint32_t n_entries = shai_db_entry_count(cfg->db);

    if (!(cfg->flags & SHAI_SCAN_OVERLAPPING)) {
        /* rule hits, and variant hits, come at their line's end */
        for (uint32_t i = 0; i < n_entries && !cfg->merge_rules; i++) {
            uint32_t flags = 0, variants = 0;
            if (shai_db_entry_info(cfg->db, i, NULL, NULL, &flags, NULL, NULL) == SHAI_OK &&
                !(flags & SHAI_ENTRY_ALLOW) &&
                ((flags & SHAI_ENTRY_RULE) ||
                 (!(cfg->flags & SHAI_SCAN_NO_VARIANTS) &&
                  shai_db_entry_variants(cfg->db, i, &variants) == SHAI_OK && variants)))
                cfg->merge_rules = true;
        }
    }
    cfg->category_hits = calloc((size_t)cfg->category_count + 1, sizeof *cfg->category_hits);
    if (!cfg->category_hits)
        return -1;
    if (cfg->format == FORMAT_TEXT && cfg->report == REPORT_HITS && cfg->suggest) {
        cfg->suggestions = calloc((size_t)n_entries + 1, sizeof *cfg->suggestions);
        if (!cfg->suggestions)
            return -1;
        for (uint32_t i = 0; i < n_entries; i++) {
            const char *suggestion = NULL;
            if (shai_db_entry_info(cfg->db, i, NULL, NULL, NULL, NULL, &suggestion) == SHAI_OK &&
                suggestion && suggestion[0])
                cfg->suggestions[i] = suggestion;
        }
    }
    return 0;
}

static void scan_release(struct scan_config *cfg)
{
    free(cfg->tally);
    free(cfg->category_hits);
    free(cfg->suggestions);
}

/* The summary on standard error: the totals, the hits per category and per
 * file (files with hits only), in input order. */
static void print_summary(const struct scan_config *cfg, const char *const *files, size_t n_files)
{
    uint64_t hits = 0, block_hits = 0, with_hits = 0, scanned = 0, failed = 0;
    FILE *e = stderr;

    cli_out_flush(&cli_stdout);
    for (size_t i = 0; i < n_files; i++) {
        hits += cfg->tally[i].hits;
        block_hits += cfg->tally[i].block_hits;
        with_hits += cfg->tally[i].hits > 0;
        scanned += !cfg->tally[i].binary && !cfg->tally[i].failed;
        failed += cfg->tally[i].failed;
    }
    fprintf(e, "shai: %llu file%s scanned, %llu with hits; %llu hit%s: %llu block, %llu review\n",
            (unsigned long long)scanned, scanned == 1 ? "" : "s", (unsigned long long)with_hits,
            (unsigned long long)hits, hits == 1 ? "" : "s", (unsigned long long)block_hits,
            (unsigned long long)(hits - block_hits));
    if (failed > 0)
        fprintf(e, "  not scanned (errors above): %llu file%s\n", (unsigned long long)failed,
                failed == 1 ? "" : "s");
    for (uint32_t c = 0; c <= cfg->category_count; c++) {
        uint64_t n = __atomic_load_n(&cfg->category_hits[c], __ATOMIC_RELAXED);
        const char *name = c < cfg->category_count && cfg->category_names[c]
                               ? cfg->category_names[c]
                               : "uncategorized";
        if (n > 0)
            fprintf(e, "  category %-16s %llu\n", name, (unsigned long long)n);
    }
    for (size_t i = 0; i < n_files; i++) {
        const struct file_tally *t = &cfg->tally[i];
        if (t->hits > 0)
            fprintf(e, "  file %s: %llu (%llu block)\n",
                    strcmp(files[i], "-") == 0 ? STDIN_NAME : files[i], (unsigned long long)t->hits,
                    (unsigned long long)t->block_hits);
    }
}

/* Print the per-file reports (-c, -l) and turn the status of the scan into
 * the exit status by --fail-on. */
static int scan_finish(const struct scan_config *cfg, const char *const *files, size_t n_files,
                       int status)
{
    uint64_t hits = 0, block_hits = 0, binary = 0;

    for (size_t i = 0; i < n_files; i++) {
        const struct file_tally *t = &cfg->tally[i];
        const char *name = strcmp(files[i], "-") == 0 ? STDIN_NAME : files[i];
        binary += t->binary;
        hits += t->hits;
        block_hits += t->block_hits;
        if (cfg->report == REPORT_COUNT) {
            cli_out_str(&cli_stdout, name);
            cli_out_char(&cli_stdout, ':');
            cli_out_u64(&cli_stdout, t->hits);
            cli_out_char(&cli_stdout, '\n');
        } else if (cfg->report == REPORT_FILES && t->hits > 0) {
            cli_out_str(&cli_stdout, name);
            cli_out_char(&cli_stdout, '\n');
        }
    }
    if (cfg->summary)
        print_summary(cfg, files, n_files);
    if (binary > 0)
        cli_error("%llu binary file%s skipped in the directories (a NUL in the first 64 KiB; "
                  "name a file to scan it)",
                  (unsigned long long)binary, binary == 1 ? "" : "s");
    if (status != CLI_EXIT_HITS)
        return status;
    if (cfg->fail_on == FAIL_ON_NEVER || (cfg->fail_on == FAIL_ON_BLOCK && block_hits == 0))
        return CLI_EXIT_CLEAN;
    return hits > 0 ? CLI_EXIT_HITS : CLI_EXIT_CLEAN;
}

static size_t default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > MAX_THREADS ? MAX_THREADS : (size_t)n;
}

/* The values of --color and --suggest. */
static const char *const when_names[] = {"auto", "always", "never", NULL};

int cmd_scan(int argc, char **argv)
{
    struct cli_parser p;
    struct scan_config cfg;
    struct cli_policy_options popt = {NULL, NULL, 0, NULL, 0};
    shai_policy *policy = NULL;
    struct cli_db_source src = {NULL, 0, NULL, false};
    const char **lexicons, **files;
    size_t n_lexicons = 0, n_files = 0;
    size_t nthreads = default_threads();
    unsigned long v;
    const char *arg;
    shai_db *db = NULL;
    struct input in;
    int id, status = CLI_EXIT_ERROR;
    /* issue 18: inputs */
    struct scan_filter filter = {NULL, 0, NULL, 0};
    struct scan_files inputs;
    struct pool pool;
    struct walk_feed feed = {&cfg, &pool, 0, false, NULL, 0, 0, 0, false, false};
    struct db_job job = {.src = &src, .popt = &popt, .cfg = &cfg, .db = &db, .policy = &policy};
    bool feed_walk;
    bool feeding = false;
    const char **operands;
    const char *color = "auto", *suggest = "auto";
    int summary = -1, context = -1; /* -1: auto */
    struct record_options records;
    bool offsets_given = false;
    int walk_status = CLI_EXIT_CLEAN;

    memset(&in, 0, sizeof in);
    memset(&cfg, 0, sizeof cfg);
    memset(&inputs, 0, sizeof inputs);
    memset(&records, 0, sizeof records);
    records.offsets = OFFSETS_BYTE;
    cfg.format = FORMAT_TEXT;
    cfg.flags = SHAI_SCAN_VIOLATIONS;
    cfg.report = REPORT_HITS;
    cfg.fail_on = FAIL_ON_REVIEW;

    /* Every argument is at most one lexicon or one file. */
    lexicons = cli_arg_list(argc);
    operands = files = lexicons ? cli_arg_list(argc) : NULL;
    filter.globs = cli_arg_list(argc);
    filter.types = cli_arg_list(argc);
    popt.only = cli_arg_list(argc);
    popt.exclude = cli_arg_list(argc);
    if (!files || !filter.globs || !filter.types || !popt.only || !popt.exclude)
        goto out;

    cli_parser_init(&p, argc, argv, "scan");
    while ((id = cli_next(&p, scan_options, &arg)) != CLI_NEXT_END) {
        switch (id) {
        case CLI_NEXT_ERROR:
            goto out;
        case CLI_NEXT_OPERAND:
            files[n_files++] = arg;
            break;
        case OPT_LEXICON:
            if (!cli_lexicon_path("scan", arg))
                goto out;
            lexicons[n_lexicons++] = arg;
            break;
        case OPT_DB:
            if (!cli_single_path("scan", "db", arg, &src.db_path))
                goto out;
            break;
        case OPT_NO_FOLD:
            src.no_fold = true;
            break;
        case OPT_THREADS:
            if (!cli_parse_uint("scan", "--threads", arg, 1, MAX_THREADS, &v))
                goto out;
            nthreads = (size_t)v;
            break;
        case OPT_FORMAT:
            if (strcmp(arg, "text") == 0) {
                cfg.format = FORMAT_TEXT;
            } else if (strcmp(arg, "jsonl") == 0) {
                cfg.format = FORMAT_JSONL;
            } else if (strcmp(arg, "sarif") == 0) {
                cfg.format = FORMAT_SARIF;
            } else {
                cli_usage_error("scan", "unknown format '%s' (expected text, jsonl or sarif)", arg);
                goto out;
            }
            break;
        case OPT_OVERLAPPING:
            cfg.flags |= SHAI_SCAN_OVERLAPPING;
            break;
        case OPT_NO_VARIANTS:
            cfg.flags |= SHAI_SCAN_NO_VARIANTS;
            break;
        case OPT_VERTICAL:
            cfg.flags |= SHAI_SCAN_VERTICAL;
            break;
        case OPT_SCENE:
            popt.scene = arg;
            break;
        case OPT_CATEGORY:
            popt.only[popt.n_only++] = arg;
            break;
        case OPT_EXCLUDE_CATEGORY:
            popt.exclude[popt.n_exclude++] = arg;
            break;
        /* issue 18: reports and exit status */
        case OPT_FAIL_ON: {
            static const char *const names[] = {"block", "review", "never", NULL};
            static const int values[] = {FAIL_ON_BLOCK, FAIL_ON_REVIEW, FAIL_ON_NEVER};
            int k = cli_keyword("scan", "fail-on", arg, names);
            if (k < 0)
                goto out;
            cfg.fail_on = values[k];
            break;
        }
        case OPT_EXIT_ZERO:
            cfg.fail_on = FAIL_ON_NEVER;
            break;
        case OPT_COUNT:
            cfg.report = REPORT_COUNT;
            break;
        case OPT_FILES_WITH_MATCHES:
            cfg.report = REPORT_FILES;
            break;
        case OPT_QUIET:
            cfg.report = REPORT_QUIET;
            break;
        /* issue 18: inputs */
        case OPT_GLOB:
            filter.globs[filter.n_globs++] = arg;
            break;
        case OPT_TYPE:
            if (!scan_type_known(arg)) {
                cli_usage_error("scan", "unknown --type '%s' (expected one of %s)", arg,
                                scan_type_names());
                goto out;
            }
            filter.types[filter.n_types++] = arg;
            break;
        case OPT_ENCODING:
            cfg.encoding = arg;
            break;
        /* issue 18: output for people */
        case OPT_COLUMN: {
            static const char *const names[] = {"byte", "char", NULL};
            int k = cli_keyword("scan", "column", arg, names);
            if (k < 0)
                goto out;
            cfg.column_bytes = k == 0;
            break;
        }
        case OPT_COLOR:
            if (cli_keyword("scan", "color", arg, when_names) < 0)
                goto out;
            color = arg;
            break;
        case OPT_SUGGEST:
            if (cli_keyword("scan", "suggest", arg, when_names) < 0)
                goto out;
            suggest = arg;
            break;
        case OPT_SUMMARY:
            summary = 1;
            break;
        case OPT_NO_SUMMARY:
            summary = 0;
            break;
        case OPT_CONTEXT:
            context = 1;
            break;
        case OPT_NO_CONTEXT:
            context = 0;
            break;
        /* issue 18: records */
        case OPT_INPUT: {
            static const char *const names[] = {"text", "jsonl", NULL};
            int k = cli_keyword("scan", "input", arg, names);
            if (k < 0)
                goto out;
            records.jsonl = k == 1;
            break;
        }
        case OPT_FIELD:
            records.field = arg;
            break;
        case OPT_ID:
            records.id = arg;
            break;
        case OPT_VERDICTS:
            records.verdicts = true;
            break;
        case OPT_OFFSETS: {
            static const char *const names[] = {"byte", "char", "utf16", NULL};
            static const int values[] = {OFFSETS_BYTE, OFFSETS_CHAR, OFFSETS_UTF16};
            int k = cli_keyword("scan", "offsets", arg, names);
            if (k < 0)
                goto out;
            records.offsets = values[k];
            offsets_given = true;
            break;
        }
        case OPT_HELP:
            status = cli_print_help(cmd_scan_help);
            goto out;
        case OPT_VERSION:
            status = cli_version();
            goto out;
        default:
            goto out;
        }
    }
    if (cli_check_db_options("scan", &src, n_lexicons, " (use 'shai compile --no-fold')") !=
        CLI_EXIT_CLEAN)
        goto out;
    if (n_files == 0)
        files[n_files++] = "-";
    /* issue 18: records */
    if (records.jsonl && !records.field) {
        cli_usage_error("scan", "--input jsonl needs --field NAME (the member with the text)");
        goto out;
    }
    if (!records.jsonl && (records.field || records.id)) {
        cli_usage_error("scan", "--field and --id are for --input jsonl");
        goto out;
    }
    if ((records.jsonl || records.verdicts) && cfg.format == FORMAT_SARIF) {
        cli_usage_error("scan", "--format sarif is for files, not --input jsonl or --verdicts");
        goto out;
    }
    if (offsets_given && !records.jsonl && !records.verdicts) {
        cli_usage_error("scan", "--offsets is for --input jsonl and --verdicts");
        goto out;
    }
    /* issue 18: colour only on a terminal, unless asked; NO_COLOR as
     * no-color.org says (set and not empty) */
    if (strcmp(color, "always") == 0)
        cfg.color = true;
    else if (strcmp(color, "auto") == 0)
        cfg.color = isatty(STDOUT_FILENO) && !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]) &&
                    !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
    /* suggestions in the text format: for people at a terminal; piped output
     * keeps the FILE:LINE:COL: MATCH [CATEGORY/ACTION] lines of before */
    cfg.suggest =
        strcmp(suggest, "always") == 0 || (strcmp(suggest, "auto") == 0 && isatty(STDOUT_FILENO));
    cfg.context = cfg.format == FORMAT_TEXT && (context > 0 || (context < 0 && cfg.color));
    cfg.summary = summary > 0 || (summary < 0 && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO) &&
                                  cfg.report == REPORT_HITS);
    for (size_t i = 0; i < n_files; i++) {
        if (strcmp(files[i], "-") == 0 && isatty(STDIN_FILENO)) {
            fprintf(stderr, "shai: reading standard input from the terminal "
                            "(end it with Ctrl-D; shai scan --help for files)\n");
            break;
        }
    }
    src.lexicons = lexicons;
    src.n_lexicons = n_lexicons;
    /* issue 18: SARIF, one document, its results in one thread */
    if (cfg.format == FORMAT_SARIF && cfg.report == REPORT_HITS)
        nthreads = 1;
    /* a vertical run may span the blocks the workers take */
    if (cfg.flags & SHAI_SCAN_VERTICAL)
        nthreads = 1;
    /* issue 18: with workers, the files are scanned as the walk finds them,
     * and the walk starts while the db opens (db_job) */
    feed_walk = nthreads > 1 && !records.jsonl && !records.verdicts;
    feed.n_operands = n_files;
    feed.nthreads = nthreads;
    if (feed_walk && pthread_create(&job.thread, NULL, db_job_main, &job) == 0) {
        feed.job = &job;
        inputs.defer_errors = true;
        /* issue 18: the workers read the small files found meanwhile */
        feed.pool_on = pool_start(&pool, &cfg, nthreads, false) == 0;
    } else if (db_job_run(&job) != CLI_EXIT_CLEAN) {
        goto out;
    } else {
        progress_start(&cfg, 0);
        if (feed_walk)
            feed.pool_on = pool_start(&pool, &cfg, nthreads, true) == 0;
    }
    if (feed_walk) {
        inputs.found = feed_found;
        inputs.found_user = &feed;
    }

    status = -1;
    int expanded = scan_files_expand(files, n_files, &filter, &inputs);
    if (feed.job) {
        /* the walk ended first */
        if (feed_db_ready(&feed, &inputs) && expanded >= 0 && inputs.n > feed.fed)
            feed_found(&feed, &inputs, inputs.n - 1);
    }
    if (feed.db_failed) {
        status = CLI_EXIT_ERROR;
        goto out;
    }
    feeding = feed.pool_on;
    switch (expanded) {
    case 0:
        break;
    case -1:
        if (feeding)
            pool_finish(&pool);
        cli_error("out of memory");
        status = CLI_EXIT_ERROR;
        goto out;
    default:
        walk_status = CLI_EXIT_ERROR;
    }
    files = inputs.paths;
    n_files = inputs.n;
    cfg.walked = inputs.walked;
    cfg.sizes = inputs.sizes;
    if (feeding) {
        status = pool_finish(&pool);
        if (feed.no_memory) {
            cli_error("out of memory");
            status = CLI_EXIT_ERROR;
            goto out;
        }
    }
    if (tally_reserve(&cfg, n_files) != 0) {
        cli_error("out of memory");
        status = CLI_EXIT_ERROR;
        goto out;
    }
    progress.n_files = n_files;
    uint64_t sarif_results = 0;
    cfg.sarif_results = &sarif_results;
    if (cfg.format == FORMAT_SARIF && cfg.report == REPORT_HITS)
        sarif_begin(&cfg);
    if (records.jsonl || records.verdicts) {
        struct record_tally *rt = calloc(n_files ? n_files : 1, sizeof *rt);
        if (!rt) {
            cli_error("out of memory");
            status = CLI_EXIT_ERROR;
            goto out;
        }
        records.db = db;
        records.policy = cfg.policy;
        records.flags = cfg.flags;
        records.category_names = cfg.category_names;
        records.category_count = cfg.category_count;
        records.progress = progress_add;
        records.threads = nthreads;
        status = scan_records(&records, files, n_files, rt);
        for (size_t i = 0; i < n_files; i++) {
            cfg.tally[i].hits = rt[i].hits;
            cfg.tally[i].block_hits = rt[i].block_hits;
        }
        free(rt);
    }
    if (status < 0) {
        /* -j1, or no thread could be started: the streaming engine. */
        in.cfg = &cfg;
        in.out = &cli_stdout;
        status = CLI_EXIT_CLEAN;
        for (size_t i = 0; i < n_files; i++) {
            int st = stream_path(&cfg, &in, i, files[i]);
            progress_add(0, 1);
            cfg.tally[i].hits += in.hits;
            cfg.tally[i].block_hits += in.block_hits;
            if (cli_stdout.error)
                break;
            status_add(&status, st);
        }
    }
    progress_end();
    if (cfg.format == FORMAT_SARIF && cfg.report == REPORT_HITS)
        sarif_end();
    status_add(&status, walk_status);
    status = scan_finish(&cfg, files, n_files, status);
    if (cli_out_flush(&cli_stdout) != 0) {
        fprintf(stderr, "shai: write error: %s\n", strerror(cli_stdout.error));
        status = CLI_EXIT_ERROR;
    }

out:
    free(in.buf);
    free(in.marks);
    pend_free(&in);
    free(cfg.category_names);
    scan_release(&cfg);
    shai_policy_free(policy);
    shai_db_free(db);
    free(lexicons);
    free(operands);
    free(filter.globs);
    free(filter.types);
    free(popt.only);
    free(popt.exclude);
    scan_files_free(&inputs);
    return status;
}
