/*
 * `shai diff OLD NEW CORPUS...`: what a lexicon change does to a corpus
 * before it ships. Every line of the corpus is checked with both dbs, as
 * `shai scan` checks it (violations, leftmost-longest); entries are the
 * same in both when their text and kind (deny or allow, exact or folded,
 * word or rule) are. Reported: the verdict transitions (pass, review,
 * block) per 10,000 lines, and per entry the lines where NEW reports it and
 * OLD does not (gained) and the reverse (lost), each with example lines.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_EXAMPLES 3

void cmd_diff_help(FILE *out)
{
    fputs("Usage: shai diff [OPTION]... OLD NEW CORPUS...\n"
          "Check every line of the CORPUS files (- for standard input) with two\n"
          "lexicons and show what changes: verdicts and entries. OLD and NEW are\n"
          "each a lexicon (a file, or a directory of *.txt files) or a saved db\n"
          "(a file whose name ends in .shai).\n"
          "\n"
          "Options:\n"
          "      --scene=NAME    check under this scene of both (each must have it)\n"
          "      --examples=N    example lines per change (default 3; 0: none)\n"
          "      --json          one JSON object instead of text\n"
          "      --no-fold       build lexicons for exact matching\n"
          "  -h, --help          show this help and exit\n"
          "      --version       show the version and exit\n"
          "\n"
          "Each line is one text, checked as 'shai scan' checks it (violations:\n"
          "deny hits that no allow hit covers, leftmost-longest). An entry of OLD\n"
          "and one of NEW are the same entry when their text and kind (deny or\n"
          "allow, exact or folded, word or rule) are the same. The text output:\n"
          "  corpus: LINES lines in FILES files\n"
          "  verdicts per 10,000 lines: old review R block B, new review R block B\n"
          "  verdict changes (per 10,000 lines):\n"
          "    FROM -> TO  LINES (RATE)\n"
          "      FILE:LINE: TEXT   (the hit that made the change, with context)\n"
          "  entries gained (lines NEW reports the entry in and OLD does not):\n"
          "    +LINES 'ENTRY' CATEGORY ACTION\n"
          "  entries lost (lines OLD reports the entry in and NEW does not):\n"
          "    -LINES 'ENTRY' CATEGORY ACTION\n"
          "  entries changed (lines both report the entry in, with another\n"
          "  category or action):\n"
          "    ~LINES 'ENTRY' CATEGORY ACTION\n"
          "An entry's category or action that changed is shown as OLD->NEW, each\n"
          "entry with up to --examples lines (FILE:LINE: the hit with context).\n"
          "JSON: {old, new, scene, corpus [files], lines, verdicts {old, new: {pass,\n"
          "review, block}}, transitions [{from, to, lines, per_10k, examples}],\n"
          "entries [{text, kind, category {old, new}, action {old, new}, gained,\n"
          "lost, changed, examples_gained, examples_lost, examples_changed}]}, an\n"
          "example being {file, line, text}; null for an absent entry.\n"
          "\n"
          "Exit status: 0 if nothing changed, 1 if a verdict or an entry's hits\n"
          "changed, 2 on an error.\n",
          out);
}

enum { OPT_SCENE = 1, OPT_EXAMPLES, OPT_JSON, OPT_NO_FOLD, OPT_HELP, OPT_VERSION };

static const struct cli_option diff_options[] = {
    {"scene", 0, CLI_ARG_REQUIRED, OPT_SCENE},
    {"examples", 0, CLI_ARG_REQUIRED, OPT_EXAMPLES},
    {"json", 0, CLI_ARG_NONE, OPT_JSON},
    {"no-fold", 0, CLI_ARG_NONE, OPT_NO_FOLD},
    {"help", 'h', CLI_ARG_NONE, OPT_HELP},
    {"version", 0, CLI_ARG_NONE, OPT_VERSION},
    {NULL, 0, 0, 0},
};

/* An example line: where, and the excerpt around the hit. */
struct example {
    uint32_t file;
    uint64_t line;
    char *text;
};

struct examples {
    struct example *v;
    size_t n;
};

/* An entry of OLD or NEW or both, by text and kind. */
struct key {
    const char *text; /* in OLD's or NEW's db */
    size_t len;
    uint32_t kind;         /* SHAI_ENTRY_ALLOW | _EXACT | _RULE bits */
    uint32_t entry[2];     /* index in OLD, NEW; UINT32_MAX: absent */
    uint64_t gained, lost; /* lines */
    uint64_t both;         /* lines both report it in, when it changed */
    bool changed;          /* in both, with another category or action */
    struct examples ex[3]; /* [0] lost, [1] gained, [2] both */
    uint64_t counted[2];   /* 1 + the last line it was counted for, OLD, NEW */
    uint64_t mark[2];      /* 1 + the last line (number) it was hit in OLD, NEW */
};

struct side {
    const char *path;
    shai_db *db;
    shai_policy *policy;
    uint32_t *key_of; /* entry index -> key index */
    shai_hit *hits;
    size_t cap;
    size_t n;
    uint32_t verdict;
    uint64_t verdicts[3];
};

struct diff {
    struct side s[2];
    struct key *keys;
    size_t n_keys, cap_keys;
    uint32_t *table; /* open addressing: key index + 1 */
    size_t table_cap;
    uint64_t lines;
    uint64_t trans[3][3];
    struct examples trans_ex[3][3];
    size_t max_examples;
    const char *const *files;
    bool failed;
};

#define KIND_BITS (SHAI_ENTRY_ALLOW | SHAI_ENTRY_EXACT | SHAI_ENTRY_RULE)

static uint64_t hash_key(const char *s, size_t n, uint32_t kind)
{
    uint64_t h = 1469598103934665603ull ^ kind;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* The key of (text, kind), added when new; SIZE_MAX on error. */
static size_t key_of(struct diff *D, const char *text, size_t len, uint32_t kind)
{
    size_t mask = D->table_cap - 1, i = (size_t)hash_key(text, len, kind) & mask;
    while (D->table[i]) {
        struct key *k = &D->keys[D->table[i] - 1];
        if (k->kind == kind && k->len == len && memcmp(k->text, text, len) == 0)
            return D->table[i] - 1;
        i = (i + 1) & mask;
    }
    if (D->n_keys == D->cap_keys)
        return SIZE_MAX; /* sized for every entry of both dbs */
    struct key *k = &D->keys[D->n_keys];
    memset(k, 0, sizeof *k);
    k->text = text;
    k->len = len;
    k->kind = kind;
    k->entry[0] = k->entry[1] = UINT32_MAX;
    D->table[i] = (uint32_t)++D->n_keys;
    return D->n_keys - 1;
}

static void key_category_action(const struct diff *D, const struct key *k, int side,
                                const char **category, uint32_t *action);

static int map_keys(struct diff *D)
{
    size_t total = (size_t)shai_db_entry_count(D->s[0].db) + shai_db_entry_count(D->s[1].db);
    D->table_cap = 16;
    while (D->table_cap < 2 * total + 2)
        D->table_cap *= 2;
    D->table = calloc(D->table_cap, sizeof *D->table);
    D->keys = calloc(total + 1, sizeof *D->keys);
    D->cap_keys = total;
    if (!D->table || !D->keys)
        return -1;
    for (int side = 0; side < 2; side++) {
        struct side *S = &D->s[side];
        uint32_t n = shai_db_entry_count(S->db);
        S->key_of = calloc((size_t)n + 1, sizeof *S->key_of);
        if (!S->key_of)
            return -1;
        for (uint32_t e = 0; e < n; e++) {
            const char *text;
            size_t len;
            uint32_t flags = 0;
            if (shai_db_entry_text(S->db, e, &text, &len) != SHAI_OK ||
                shai_db_entry_info(S->db, e, NULL, NULL, &flags, NULL, NULL) != SHAI_OK)
                return -1;
            size_t k = key_of(D, text, len, flags & KIND_BITS);
            if (k == SIZE_MAX)
                return -1;
            D->keys[k].entry[side] = e;
            S->key_of[e] = (uint32_t)k;
        }
    }
    for (size_t i = 0; i < D->n_keys; i++) {
        struct key *k = &D->keys[i];
        const char *c[2];
        uint32_t a[2];
        if (k->entry[0] == UINT32_MAX || k->entry[1] == UINT32_MAX)
            continue;
        key_category_action(D, k, 0, &c[0], &a[0]);
        key_category_action(D, k, 1, &c[1], &a[1]);
        k->changed = a[0] != a[1] || strcmp(c[0], c[1]) != 0;
    }
    return 0;
}

static int check_side(struct side *S, const char *text, size_t len)
{
    for (;;) {
        int rc = shai_check_policy(S->db, S->policy, NULL, text, len, 0, &S->verdict, S->hits,
                                   S->cap, &S->n);
        if (rc == SHAI_E_BUFFER_TOO_SMALL) {
            size_t cap = S->n + 16;
            shai_hit *q = realloc(S->hits, cap * sizeof *q);
            if (!q)
                return SHAI_E_NOMEM;
            S->hits = q;
            S->cap = cap;
            continue;
        }
        if (rc == SHAI_E_MATCH_LIMIT)
            rc = SHAI_OK; /* the hits found, and a verdict of at least review */
        return rc;
    }
}

static size_t unit_start(const char *text, size_t len, size_t at)
{
    while (at > 0 && at < len && ((unsigned char)text[at] & 0xC0) == 0x80)
        at--;
    return at;
}

static int add_example(struct diff *D, struct examples *ex, uint32_t file, uint64_t line,
                       const char *text, size_t len, const shai_hit *h)
{
    size_t from = 0, to = len < 120 ? len : unit_start(text, len, 120);
    if (ex->n >= D->max_examples)
        return 0;
    if (h) {
        from = unit_start(text, len, h->start > 30 ? (size_t)h->start - 30 : 0);
        to = unit_start(text, len, h->end + 30 < len ? (size_t)h->end + 30 : len);
    }
    if (ex->n % 4 == 0) {
        struct example *q = realloc(ex->v, (ex->n + 4) * sizeof *q);
        if (!q)
            return -1;
        ex->v = q;
    }
    char *copy = malloc(to - from + 1);
    if (!copy)
        return -1;
    memcpy(copy, text + from, to - from);
    copy[to - from] = '\0';
    ex->v[ex->n++] = (struct example){file, line, copy};
    return 0;
}

static uint32_t verdict_slot(uint32_t v)
{
    return v == SHAI_ACTION_BLOCK ? 2 : v == SHAI_ACTION_REVIEW ? 1 : 0;
}

/* The first hit of side S whose action is the verdict's (what made it). */
static const shai_hit *deciding_hit(const struct side *S)
{
    for (size_t i = 0; i < S->n; i++)
        if (S->hits[i].action == S->verdict)
            return &S->hits[i];
    return S->n ? &S->hits[0] : NULL;
}

static int diff_line(struct diff *D, uint32_t file, uint64_t line_no, const char *text, size_t len)
{
    for (int side = 0; side < 2; side++) {
        int rc = check_side(&D->s[side], text, len);
        if (rc != SHAI_OK) {
            cli_error("%s:%llu: cannot check the line with %s: %s", D->files[file],
                      (unsigned long long)line_no, D->s[side].path, shai_status_message(rc));
            return -1;
        }
    }
    D->lines++;
    uint32_t from = verdict_slot(D->s[0].verdict), to = verdict_slot(D->s[1].verdict);
    D->s[0].verdicts[from]++;
    D->s[1].verdicts[to]++;
    D->trans[from][to]++;
    if (from != to) {
        const shai_hit *h = deciding_hit(&D->s[to > from ? 1 : 0]);
        if (add_example(D, &D->trans_ex[from][to], file, line_no, text, len, h) != 0)
            return -1;
    }
    /* entries: mark each side's, then compare */
    for (int side = 0; side < 2; side++) {
        const struct side *S = &D->s[side];
        for (size_t i = 0; i < S->n; i++)
            D->keys[S->key_of[S->hits[i].entry]].mark[side] = D->lines;
    }
    for (int side = 0; side < 2; side++) {
        const struct side *S = &D->s[side];
        for (size_t i = 0; i < S->n; i++) {
            struct key *k = &D->keys[S->key_of[S->hits[i].entry]];
            if (k->counted[side] == D->lines)
                continue; /* each entry once per line */
            k->counted[side] = D->lines;
            if (k->mark[1 - side] == D->lines) {
                /* in both: counted once, from OLD's hits */
                if (side == 0 && k->changed) {
                    k->both++;
                    if (add_example(D, &k->ex[2], file, line_no, text, len, &S->hits[i]) != 0)
                        return -1;
                }
                continue;
            }
            if (side == 1)
                k->gained++;
            else
                k->lost++;
            if (add_example(D, &k->ex[side], file, line_no, text, len, &S->hits[i]) != 0)
                return -1;
        }
    }
    return 0;
}

static int diff_file(struct diff *D, uint32_t f)
{
    const char *path = D->files[f];
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *line = NULL;
    size_t cap = 0;
    uint64_t line_no = 0;
    ssize_t n;
    int rc = 0;

    if (!in) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)n;
        line_no++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if ((rc = diff_line(D, f, line_no, line, len)) != 0)
            break;
    }
    if (rc == 0 && ferror(in)) {
        cli_error("%s: read error", path);
        rc = -1;
    }
    free(line);
    if (in != stdin)
        fclose(in);
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int open_side(struct side *S, bool no_fold)
{
    if (ends_with(S->path, ".shai")) {
        struct cli_db_source src = {NULL, 0, S->path, false};
        return cli_open_db(&src, &S->db, NULL, NULL);
    }
    return cli_load_db(&S->path, 1, no_fold, &S->db, NULL);
}

/* ------------------------------------------------------------------ output */

static const char *const slot_names[3] = {"pass", "review", "block"};

static void out_rate(struct cli_out *o, uint64_t n, uint64_t lines)
{
    /* per 10,000, one decimal */
    uint64_t tenths = lines ? (n * 100000 + lines / 2) / lines : 0;
    cli_out_u64(o, tenths / 10);
    cli_out_char(o, '.');
    cli_out_u64(o, tenths % 10);
}

static void key_category_action(const struct diff *D, const struct key *k, int side,
                                const char **category, uint32_t *action)
{
    uint32_t cat = 0;
    *category = NULL;
    *action = 0;
    if (k->entry[side] == UINT32_MAX)
        return;
    shai_db_entry_info(D->s[side].db, k->entry[side], &cat, action, NULL, NULL, NULL);
    if (shai_db_category_name(D->s[side].db, cat, category) != SHAI_OK)
        *category = "?";
}

static const char *kind_name(uint32_t kind)
{
    const char *const names[] = {"deny",      "allow",      "exact deny", "exact allow",
                                 "deny rule", "allow rule", "deny rule",  "allow rule"};
    uint32_t i = (kind & SHAI_ENTRY_ALLOW ? 1u : 0u) | (kind & SHAI_ENTRY_EXACT ? 2u : 0u) |
                 (kind & SHAI_ENTRY_RULE ? 4u : 0u);
    return names[i];
}

static void text_examples(struct cli_out *o, const struct diff *D, const struct examples *ex)
{
    for (size_t i = 0; i < ex->n; i++) {
        const char *path = D->files[ex->v[i].file];
        cli_out_str(o, "      ");
        cli_out_text_escaped(o, path, strlen(path));
        cli_out_char(o, ':');
        cli_out_u64(o, ex->v[i].line);
        cli_out_str(o, ": ");
        cli_out_text_escaped(o, ex->v[i].text, strlen(ex->v[i].text));
        cli_out_char(o, '\n');
    }
}

/* "cat" or "old->new" when they differ. */
static void text_changed(struct cli_out *o, const char *a, const char *b)
{
    if (a && b && strcmp(a, b) != 0) {
        cli_out_str(o, a);
        cli_out_str(o, "->");
        cli_out_str(o, b);
    } else {
        cli_out_str(o, b ? b : a ? a : "-");
    }
}

static int cmp_bytes_keys(const struct key *a, const struct key *b)
{
    int c = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len);
    if (c != 0)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->kind < b->kind ? -1 : a->kind > b->kind;
}

static int cmp_counts(uint64_t x, uint64_t y, const struct key *a, const struct key *b)
{
    if (x != y)
        return x > y ? -1 : 1;
    return cmp_bytes_keys(a, b);
}

/* Most lines lost first, then by text. */
static int cmp_lost(const void *pa, const void *pb)
{
    const struct key *a = *(const struct key *const *)pa, *b = *(const struct key *const *)pb;
    return cmp_counts(a->lost, b->lost, a, b);
}

/* Most lines gained first, then by text. */
static int cmp_gained_only(const void *pa, const void *pb)
{
    const struct key *a = *(const struct key *const *)pa, *b = *(const struct key *const *)pb;
    return cmp_counts(a->gained, b->gained, a, b);
}

/* Most lines hit by both with a change first, then by text. */
static int cmp_both(const void *pa, const void *pb)
{
    const struct key *a = *(const struct key *const *)pa, *b = *(const struct key *const *)pb;
    return cmp_counts(a->both, b->both, a, b);
}

/* Most lines changed (gained + lost) first, then by text. */
static int cmp_changed(const void *pa, const void *pb)
{
    const struct key *a = *(const struct key *const *)pa, *b = *(const struct key *const *)pb;
    return cmp_counts(a->gained + a->lost + a->both, b->gained + b->lost + b->both, a, b);
}

static void print_text(const struct diff *D, struct key **sorted, size_t n_changed)
{
    struct cli_out *o = &cli_stdout;
    size_t n_files = 0;
    while (D->files[n_files])
        n_files++;
    cli_out_str(o, "corpus: ");
    cli_out_u64(o, D->lines);
    cli_out_str(o, " lines in ");
    cli_out_u64(o, n_files);
    cli_out_str(o, n_files == 1 ? " file\n" : " files\n");
    cli_out_str(o, "verdicts per 10,000 lines: old review ");
    out_rate(o, D->s[0].verdicts[1], D->lines);
    cli_out_str(o, " block ");
    out_rate(o, D->s[0].verdicts[2], D->lines);
    cli_out_str(o, ", new review ");
    out_rate(o, D->s[1].verdicts[1], D->lines);
    cli_out_str(o, " block ");
    out_rate(o, D->s[1].verdicts[2], D->lines);
    cli_out_str(o, "\nverdict changes (per 10,000 lines):");
    bool any = false;
    for (int f = 0; f < 3; f++)
        for (int t = 0; t < 3; t++) {
            if (f == t || D->trans[f][t] == 0)
                continue;
            if (!any)
                cli_out_char(o, '\n');
            any = true;
            cli_out_str(o, "  ");
            cli_out_str(o, slot_names[f]);
            cli_out_str(o, " -> ");
            cli_out_str(o, slot_names[t]);
            cli_out_str(o, "  ");
            cli_out_u64(o, D->trans[f][t]);
            cli_out_str(o, " (");
            out_rate(o, D->trans[f][t], D->lines);
            cli_out_str(o, ")\n");
            text_examples(o, D, &D->trans_ex[f][t]);
        }
    if (!any)
        cli_out_str(o, " none\n");
    for (int side = 1; side >= 0; side--) {
        cli_out_str(o, side ? "entries gained (lines NEW reports the entry in and OLD does not):"
                            : "entries lost (lines OLD reports the entry in and NEW does not):");
        size_t shown = 0;
        for (size_t i = 0; i < n_changed; i++) {
            const struct key *k = sorted[side * n_changed + i];
            uint64_t n = side ? k->gained : k->lost;
            const char *c0, *c1;
            uint32_t a0, a1;
            if (n == 0)
                continue;
            if (shown++ == 0)
                cli_out_char(o, '\n');
            key_category_action(D, k, 0, &c0, &a0);
            key_category_action(D, k, 1, &c1, &a1);
            cli_out_str(o, side ? "  +" : "  -");
            cli_out_u64(o, n);
            cli_out_str(o, " ");
            if (k->kind != 0) {
                cli_out_str(o, kind_name(k->kind));
                cli_out_char(o, ' ');
            }
            cli_out_char(o, '\'');
            cli_out_text_escaped(o, k->text, k->len);
            cli_out_str(o, "' ");
            text_changed(o, c0, c1);
            cli_out_char(o, ' ');
            text_changed(o, c0 ? cli_action_name(a0) : NULL, c1 ? cli_action_name(a1) : NULL);
            if (k->entry[0] == UINT32_MAX)
                cli_out_str(o, " (new entry)");
            else if (k->entry[1] == UINT32_MAX)
                cli_out_str(o, " (removed)");
            cli_out_char(o, '\n');
            text_examples(o, D, &k->ex[side]);
        }
        if (shown == 0)
            cli_out_str(o, " none\n");
    }
    cli_out_str(o, "entries changed (lines both report the entry in, with another category "
                   "or action):");
    size_t shown = 0;
    for (size_t i = 0; i < n_changed; i++) {
        const struct key *k = sorted[2 * n_changed + i];
        const char *c0, *c1;
        uint32_t a0, a1;
        if (k->both == 0)
            continue;
        if (shown++ == 0)
            cli_out_char(o, '\n');
        key_category_action(D, k, 0, &c0, &a0);
        key_category_action(D, k, 1, &c1, &a1);
        cli_out_str(o, "  ~");
        cli_out_u64(o, k->both);
        cli_out_str(o, " ");
        if (k->kind != 0) {
            cli_out_str(o, kind_name(k->kind));
            cli_out_char(o, ' ');
        }
        cli_out_char(o, '\'');
        cli_out_text_escaped(o, k->text, k->len);
        cli_out_str(o, "' ");
        text_changed(o, c0, c1);
        cli_out_char(o, ' ');
        text_changed(o, cli_action_name(a0), cli_action_name(a1));
        cli_out_char(o, '\n');
        text_examples(o, D, &k->ex[2]);
    }
    if (shown == 0)
        cli_out_str(o, " none\n");
}

static void json_examples(struct cli_out *o, const struct diff *D, const struct examples *ex)
{
    cli_out_char(o, '[');
    for (size_t i = 0; i < ex->n; i++) {
        const char *path = D->files[ex->v[i].file];
        if (i)
            cli_out_char(o, ',');
        cli_out_str(o, "{\"file\":");
        cli_out_json_string(o, path, strlen(path));
        cli_out_str(o, ",\"line\":");
        cli_out_u64(o, ex->v[i].line);
        cli_out_str(o, ",\"text\":");
        cli_out_json_string(o, ex->v[i].text, strlen(ex->v[i].text));
        cli_out_char(o, '}');
    }
    cli_out_char(o, ']');
}

static void json_rate(struct cli_out *o, uint64_t n, uint64_t lines)
{
    out_rate(o, n, lines);
}

static void json_pair(struct cli_out *o, const char *a, const char *b)
{
    /* {"old": a, "new": b}, null when absent */
    cli_out_str(o, "{\"old\":");
    if (a)
        cli_out_json_string(o, a, strlen(a));
    else
        cli_out_str(o, "null");
    cli_out_str(o, ",\"new\":");
    if (b)
        cli_out_json_string(o, b, strlen(b));
    else
        cli_out_str(o, "null");
    cli_out_char(o, '}');
}

static void print_json(const struct diff *D, const char *scene, struct key **sorted,
                       size_t n_changed)
{
    struct cli_out *o = &cli_stdout;
    cli_out_str(o, "{\"old\":");
    cli_out_json_string(o, D->s[0].path, strlen(D->s[0].path));
    cli_out_str(o, ",\"new\":");
    cli_out_json_string(o, D->s[1].path, strlen(D->s[1].path));
    cli_out_str(o, ",\"scene\":");
    if (scene)
        cli_out_json_string(o, scene, strlen(scene));
    else
        cli_out_str(o, "null");
    cli_out_str(o, ",\"corpus\":[");
    for (size_t i = 0; D->files[i]; i++) {
        if (i)
            cli_out_char(o, ',');
        cli_out_json_string(o, D->files[i], strlen(D->files[i]));
    }
    cli_out_str(o, "],\"lines\":");
    cli_out_u64(o, D->lines);
    cli_out_str(o, ",\"verdicts\":{");
    for (int side = 0; side < 2; side++) {
        cli_out_str(o, side ? ",\"new\":{" : "\"old\":{");
        for (int v = 0; v < 3; v++) {
            if (v)
                cli_out_char(o, ',');
            cli_out_char(o, '"');
            cli_out_str(o, slot_names[v]);
            cli_out_str(o, "\":");
            cli_out_u64(o, D->s[side].verdicts[v]);
        }
        cli_out_char(o, '}');
    }
    cli_out_str(o, "},\"transitions\":[");
    bool first = true;
    for (int f = 0; f < 3; f++)
        for (int t = 0; t < 3; t++) {
            if (f == t || D->trans[f][t] == 0)
                continue;
            if (!first)
                cli_out_char(o, ',');
            first = false;
            cli_out_str(o, "{\"from\":\"");
            cli_out_str(o, slot_names[f]);
            cli_out_str(o, "\",\"to\":\"");
            cli_out_str(o, slot_names[t]);
            cli_out_str(o, "\",\"lines\":");
            cli_out_u64(o, D->trans[f][t]);
            cli_out_str(o, ",\"per_10k\":");
            json_rate(o, D->trans[f][t], D->lines);
            cli_out_str(o, ",\"examples\":");
            json_examples(o, D, &D->trans_ex[f][t]);
            cli_out_char(o, '}');
        }
    cli_out_str(o, "],\"entries\":[");
    for (size_t i = 0; i < n_changed; i++) {
        const struct key *k = sorted[i];
        const char *c0, *c1;
        uint32_t a0, a1;
        key_category_action(D, k, 0, &c0, &a0);
        key_category_action(D, k, 1, &c1, &a1);
        if (i)
            cli_out_char(o, ',');
        cli_out_str(o, "{\"text\":");
        cli_out_json_string(o, k->text, k->len);
        cli_out_str(o, ",\"kind\":\"");
        cli_out_str(o, kind_name(k->kind));
        cli_out_str(o, "\",\"category\":");
        json_pair(o, c0, c1);
        cli_out_str(o, ",\"action\":");
        json_pair(o, c0 ? cli_action_name(a0) : NULL, c1 ? cli_action_name(a1) : NULL);
        cli_out_str(o, ",\"gained\":");
        cli_out_u64(o, k->gained);
        cli_out_str(o, ",\"lost\":");
        cli_out_u64(o, k->lost);
        cli_out_str(o, ",\"changed\":");
        cli_out_u64(o, k->both);
        cli_out_str(o, ",\"examples_gained\":");
        json_examples(o, D, &k->ex[1]);
        cli_out_str(o, ",\"examples_lost\":");
        json_examples(o, D, &k->ex[0]);
        cli_out_str(o, ",\"examples_changed\":");
        json_examples(o, D, &k->ex[2]);
        cli_out_char(o, '}');
    }
    cli_out_str(o, "]}\n");
}

int cmd_diff(int argc, char **argv)
{
    struct cli_parser p;
    struct diff D;
    struct cli_policy_options popt = {0};
    const char **operands, *arg;
    size_t n_operands = 0;
    unsigned long examples = DEFAULT_EXAMPLES;
    bool json = false, no_fold = false;
    struct key **sorted = NULL;
    int id, status = CLI_EXIT_ERROR;

    memset(&D, 0, sizeof D);
    operands = cli_arg_list(argc);
    if (!operands)
        return CLI_EXIT_ERROR;
    cli_parser_init(&p, argc, argv, "diff");
    while ((id = cli_next(&p, diff_options, &arg)) != CLI_NEXT_END) {
        switch (id) {
        case CLI_NEXT_ERROR:
            goto out;
        case CLI_NEXT_OPERAND:
            operands[n_operands++] = arg;
            break;
        case OPT_SCENE:
            popt.scene = arg;
            break;
        case OPT_EXAMPLES:
            if (!cli_parse_uint("diff", "--examples", arg, 0, 1000, &examples))
                goto out;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_NO_FOLD:
            no_fold = true;
            break;
        case OPT_HELP:
            status = cli_print_help(cmd_diff_help);
            goto out;
        case OPT_VERSION:
            status = cli_version();
            goto out;
        default:
            goto out;
        }
    }
    if (n_operands < 3) {
        cli_usage_error("diff", "needs OLD, NEW and at least one CORPUS file");
        goto out;
    }
    for (size_t i = 0; i < n_operands; i++)
        if (!operands[i][0]) {
            cli_usage_error("diff", "empty path");
            goto out;
        }
    D.max_examples = examples;
    D.files = operands + 2;
    for (int side = 0; side < 2; side++) {
        D.s[side].path = operands[side];
        if (open_side(&D.s[side], no_fold) != CLI_EXIT_CLEAN)
            goto out;
        if (cli_make_policy("diff", D.s[side].db, &popt, &D.s[side].policy) != CLI_EXIT_CLEAN)
            goto out;
    }
    if (map_keys(&D) != 0) {
        cli_error("out of memory");
        goto out;
    }
    for (size_t f = 0; D.files[f]; f++)
        if (diff_file(&D, (uint32_t)f) != 0)
            goto out;

    /* the entries with a change, most lines first (per side for the text) */
    size_t n_changed = 0;
    for (size_t i = 0; i < D.n_keys; i++)
        if (D.keys[i].gained || D.keys[i].lost || D.keys[i].both)
            n_changed++;
    sorted = malloc((3 * n_changed + 1) * sizeof *sorted);
    if (!sorted) {
        cli_error("out of memory");
        goto out;
    }
    for (size_t i = 0, j = 0; i < D.n_keys; i++)
        if (D.keys[i].gained || D.keys[i].lost || D.keys[i].both) {
            sorted[j] = &D.keys[i];
            sorted[n_changed + j] = &D.keys[i];
            sorted[2 * n_changed + j++] = &D.keys[i];
        }
    qsort(sorted, n_changed, sizeof *sorted, cmp_lost);
    qsort(sorted + n_changed, n_changed, sizeof *sorted, cmp_gained_only);
    qsort(sorted + 2 * n_changed, n_changed, sizeof *sorted, cmp_both);
    if (json) {
        qsort(sorted, n_changed, sizeof *sorted, cmp_changed);
        print_json(&D, popt.scene, sorted, n_changed);
    } else {
        print_text(&D, sorted, n_changed);
    }
    if (cli_out_flush(&cli_stdout) != 0) {
        fprintf(stderr, "shai: write error: %s\n", strerror(cli_stdout.error));
        goto out;
    }
    bool changed = n_changed > 0;
    for (int f = 0; f < 3; f++)
        for (int t = 0; t < 3; t++)
            if (f != t && D.trans[f][t])
                changed = true;
    status = changed ? CLI_EXIT_HITS : CLI_EXIT_CLEAN;

out:
    free(sorted);
    for (size_t i = 0; i < D.n_keys; i++)
        for (int side = 0; side < 3; side++) {
            for (size_t j = 0; j < D.keys[i].ex[side].n; j++)
                free(D.keys[i].ex[side].v[j].text);
            free(D.keys[i].ex[side].v);
        }
    for (int f = 0; f < 3; f++)
        for (int t = 0; t < 3; t++) {
            for (size_t j = 0; j < D.trans_ex[f][t].n; j++)
                free(D.trans_ex[f][t].v[j].text);
            free(D.trans_ex[f][t].v);
        }
    free(D.keys);
    free(D.table);
    for (int side = 0; side < 2; side++) {
        free(D.s[side].key_of);
        free(D.s[side].hits);
        shai_policy_free(D.s[side].policy);
        shai_db_free(D.s[side].db);
    }
    free(operands);
    return status;
}
