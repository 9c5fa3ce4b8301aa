/*
 * `shai lint`: find problems in lexicon source files that the library
 * accepts without complaint: duplicates (merged silently), entries that fold
 * to the same key, entries that can never match or match almost anything,
 * allow entries that suppress nothing.
 *
 * Each file goes through the library's parser (shai_builder_add_path, one
 * file at a time so that every malformed file is reported with the
 * library's file:line:col message); the builder's additions then say where
 * each entry was written, duplicates included, with the category and action
 * written there.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The 500 most frequent CJK characters of the user-generated text in
 * ../shared/corpora/ugc (hotel, shopping and food-delivery reviews, Weibo
 * posts, comments; each corpus weighted equally), in code point order. A
 * deny entry that is (or folds to) one of these alone matches a large share
 * of all texts: certainly wrong. Regenerate with the snippet in
 * docs/cli.md if the corpora change. */
static const char common_chars[] =
    "一万三上下不与且世业东两个中为主么之乐也书买了事二于五亚些交产京人什今从他以们件"
    "价份会传但位住体何作你使例便保信候值做像儿元先光免入全公关其内再冠准凉几出分刚利"
    "别到制前力办加务动包化北区医十午半华单卖南博卡卫印原去又及友反发取受变口只叫可台"
    "号吃各合同名后向吗吧听告员呢周味呵和品哈哥哪商啊啦喜四回因国图在地场块型基境增士"
    "声处复外多够大天太失头套女她好如妈始子学孩安完定实客家容宾对将小少就居山州工差己"
    "已市师希带常干平年并广床应店度建开张强当待很得微心快态怎怕思性总恶患您情想意感慢"
    "成我战房所手才打找把护报拿持挺换接推提携支收放教数整文料新方施无日早时明星是显晚"
    "更最月有朋服望期本机条来果染标样根格楼次欢正此武歧死每毒比民气水求汉江没河油治法"
    "注洗活流海消清湖满炎点热然爱片牛物特状环现理生用电男疫病白百的皮直相看真眼着知确"
    "示神离种程空竟笑第等算管米系级线经结给网罩置美老考者而肉肺能自至致般色节花苦菜虽"
    "行表被装西要见观视觉解计订认让记论设评诊话该语说请调谢豆象货质贵费赞走起超越足跟"
    "路身车较辣边达过近还这进远连退送适选递通速道那部都配酒里重量钟钱错长门问间防院隔"
    "难需非面音预频题风餐饭饼馆首香马高鸡黄黑";

enum severity { SEV_WARNING, SEV_ERROR };

/* What an entry line holds. */
enum entry_kind {
    KIND_WORD = 0,
    KIND_RULE, /* a regular-expression rule: `re:PATTERN` */
};

struct lint_file {
    char *path;
    uint32_t end; /* the builder's addition count after this file */
};

struct lint_entry {
    uint32_t file; /* index in lint.files */
    uint32_t line;
    const char *text; /* the word, in the db */
    size_t len;
    const char *category;
    size_t category_len;
    uint8_t flags; /* SHAI_ENTRY_ALLOW | SHAI_ENTRY_EXACT | SHAI_ENTRY_RULE */
    uint8_t action;
    uint8_t kind; /* enum entry_kind */
    bool first;   /* first of its (text, kind) duplicates: the one the library keeps */
    char *key;    /* the folded text (stages in force) */
    size_t key_len;
    /* first occurrences of words: what the db does with the entry's own text */
    uint32_t index;  /* entry index in the db */
    bool self_match; /* the entry matches all of its own text */
    uint32_t *same;  /* other entries (db indices) that match all of it */
    size_t n_same;
    size_t group; /* union-find parent (index in lint.by_index) */
};

struct finding {
    uint32_t file;
    uint32_t line;
    uint32_t col; /* 0: the finding is about the whole line */
    size_t seq;
    int severity;
    char *message;
};

struct lint {
    struct lint_file *files;
    size_t n_files;
    struct lint_entry *entries;
    size_t n_entries;
    struct finding *findings;
    size_t n_findings;
    size_t cap_findings;
    uint32_t fold;                /* fold stages in force */
    struct lint_entry **by_index; /* the first occurrences, by db entry index */
    size_t n_index;
    struct cli_out msg;    /* the message being built */
    bool failed;           /* out of memory or another hard error */
    bool io_error;         /* a corpus could not be read (already reported) */
    uint64_t corpus_lines; /* lines of the reference corpus (--corpus) */
};

/* ---------------------------------------------------------------- findings */

static void msg_str(struct lint *L, const char *s)
{
    cli_out_str(&L->msg, s);
}

/* An entry's text, quoted; invisible characters stay invisible here (the
 * folds-to-nothing message lists code points). */
static void msg_text(struct lint *L, const char *s, size_t n)
{
    cli_out_char(&L->msg, '\'');
    cli_out_text_escaped(&L->msg, s, n);
    cli_out_char(&L->msg, '\'');
}

static void msg_entry(struct lint *L, const struct lint_entry *e)
{
    msg_text(L, e->text, e->len);
}

static void msg_u64(struct lint *L, uint64_t v)
{
    cli_out_u64(&L->msg, v);
}

/* Where `other` is, as seen from a finding in file `from`. */
static void msg_where(struct lint *L, const struct lint_entry *other, uint32_t from)
{
    if (other->file == from) {
        msg_str(L, "line ");
    } else {
        const char *path = L->files[other->file].path;
        cli_out_text_escaped(&L->msg, path, strlen(path));
        cli_out_char(&L->msg, ':');
    }
    msg_u64(L, other->line);
}

/* File the message built so far as a finding at `e`. */
static void finish(struct lint *L, const struct lint_entry *e, int severity)
{
    struct finding *f;
    char *m;

    if (L->msg.error) {
        L->failed = true;
        L->msg.error = 0;
        L->msg.len = 0;
        return;
    }
    if (L->n_findings == L->cap_findings) {
        size_t cap = L->cap_findings ? 2 * L->cap_findings : 64;
        struct finding *q = realloc(L->findings, cap * sizeof *q);
        if (!q) {
            L->failed = true;
            L->msg.len = 0;
            return;
        }
        L->findings = q;
        L->cap_findings = cap;
    }
    m = malloc(L->msg.len + 1);
    if (!m) {
        L->failed = true;
        L->msg.len = 0;
        return;
    }
    if (L->msg.len > 0)
        memcpy(m, L->msg.buf, L->msg.len);
    m[L->msg.len] = '\0';
    L->msg.len = 0;
    f = &L->findings[L->n_findings];
    f->file = e->file;
    f->line = e->line;
    f->col = 0;
    f->seq = L->n_findings;
    f->severity = severity;
    f->message = m;
    L->n_findings++;
}

/* finish, for a finding at column `col` (1-based, in code points). */
static void finish_at(struct lint *L, const struct lint_entry *e, int severity, uint32_t col)
{
    size_t n = L->n_findings;
    finish(L, e, severity);
    if (L->n_findings > n)
        L->findings[n].col = col;
}

static int cmp_findings(const void *a, const void *b)
{
    const struct finding *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ----------------------------------------------------------------- entries */

static bool span_is(const char *p, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

static enum entry_kind entry_kind(uint8_t flags)
{
    return flags & SHAI_ENTRY_RULE ? KIND_RULE : KIND_WORD;
}

/* The entries of the files: every addition of the builder, with the
 * db's text and flags. */
static int collect_entries(struct lint *L, const shai_builder *b, const shai_db *db)
{
    uint32_t n = shai_builder_addition_count(b);
    uint32_t file = 0;

    L->entries = calloc((size_t)n + 1, sizeof *L->entries);
    if (!L->entries)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        struct lint_entry *e = &L->entries[i];
        const char *path = NULL, *category = NULL;
        uint32_t entry = 0, line = 0, action = 0, flags = 0;
        if (shai_builder_addition(b, i, &entry, &path, &line, &category, &action) != SHAI_OK ||
            shai_db_entry_text(db, entry, &e->text, &e->len) != SHAI_OK ||
            shai_db_entry_info(db, entry, NULL, NULL, &flags, NULL, NULL) != SHAI_OK)
            return -1;
        /* files were added one at a time, in order */
        while (file < L->n_files && i >= L->files[file].end)
            file++;
        if (file == L->n_files || !path || strcmp(L->files[file].path, path) != 0)
            return -1;
        e->file = file;
        e->line = line;
        e->category = category;
        e->category_len = strlen(category);
        e->action = (uint8_t)action;
        e->flags = (uint8_t)flags;
        e->kind = (uint8_t)entry_kind(e->flags);
        e->index = entry;
    }
    L->n_entries = n;
    return 0;
}

/* e->key = the folded text. */
static int fold_entry(struct lint *L, struct lint_entry *e)
{
    size_t n = 0, cap = 4 * e->len + 16;
    int rc;

    for (;;) {
        char *q = realloc(e->key, cap);
        if (!q)
            return -1;
        e->key = q;
        rc = shai_fold(L->fold, e->text, e->len, e->key, cap, &n);
        if (rc != SHAI_E_BUFFER_TOO_SMALL)
            break;
        cap = n + 1;
    }
    if (rc != SHAI_OK)
        return -1;
    e->key_len = n;
    return 0;
}

/* ------------------------------------------------------------------ checks */

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c != 0)
        return c;
    return an < bn ? -1 : an > bn;
}

static int cmp_position(const struct lint_entry *x, const struct lint_entry *y)
{
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* The library merges entries whose text and these flags are equal. */
#define KEY_FLAGS (SHAI_ENTRY_ALLOW | SHAI_ENTRY_EXACT | SHAI_ENTRY_RULE)

/* By text and kind (the library's merge key), then position. */
static int cmp_text(const void *a, const void *b)
{
    const struct lint_entry *x = *(const struct lint_entry *const *)a;
    const struct lint_entry *y = *(const struct lint_entry *const *)b;
    int c = cmp_bytes(x->text, x->len, y->text, y->len);
    if (c != 0)
        return c;
    if ((x->flags & KEY_FLAGS) != (y->flags & KEY_FLAGS))
        return (x->flags & KEY_FLAGS) < (y->flags & KEY_FLAGS) ? -1 : 1;
    return cmp_position(x, y);
}

static const char *kind_adjective(const struct lint_entry *e)
{
    if (e->flags & SHAI_ENTRY_RULE)
        return e->flags & SHAI_ENTRY_ALLOW ? "allow rule " : "rule ";
    if ((e->flags & (SHAI_ENTRY_ALLOW | SHAI_ENTRY_EXACT)) == (SHAI_ENTRY_ALLOW | SHAI_ENTRY_EXACT))
        return "exact allow ";
    if (e->flags & SHAI_ENTRY_ALLOW)
        return "allow ";
    if (e->flags & SHAI_ENTRY_EXACT)
        return "exact ";
    return "";
}

/* "entry 'X'" or "rule 'X'", with the kind. */
static void msg_subject(struct lint *L, const struct lint_entry *e)
{
    msg_str(L, kind_adjective(e));
    if (!(e->flags & SHAI_ENTRY_RULE))
        msg_str(L, "entry ");
    msg_entry(L, e);
}

/* Same text, same kind, written twice: the library merges them silently.
 * Error within a file, warning across files. Marks the first occurrences. */
static void check_duplicates(struct lint *L, struct lint_entry **v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_text);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && cmp_bytes(v[i]->text, v[i]->len, v[j]->text, v[j]->len) == 0 &&
               (v[i]->flags & KEY_FLAGS) == (v[j]->flags & KEY_FLAGS))
            j++;
        v[i]->first = true;
        for (size_t k = i + 1; k < j; k++) {
            const struct lint_entry *e = v[k], *first = v[i], *same = NULL;
            for (size_t m = i; m < k && !same; m++)
                if (v[m]->file == e->file)
                    same = v[m];
            msg_str(L, "duplicate ");
            msg_subject(L, e);
            msg_str(L, " (also at ");
            msg_where(L, same ? same : first, e->file);
            msg_str(L, ")");
            if (!span_is(e->category, e->category_len, "") &&
                cmp_bytes(e->category, e->category_len, first->category, first->category_len) !=
                    0) {
                msg_str(L, "; its category ");
                msg_text(L, e->category, e->category_len);
                msg_str(L, " is ignored, the first one's, ");
                msg_text(L, first->category, first->category_len);
                msg_str(L, ", is kept");
            }
            if (!(e->flags & SHAI_ENTRY_ALLOW) && e->action != first->action) {
                msg_str(L, "; its action ");
                msg_str(L, cli_action_name(e->action));
                msg_str(L, e->action > first->action ? " overrides " : " is ignored for ");
                msg_str(L, cli_action_name(first->action));
                msg_str(L, " (the stronger one wins)");
            }
            finish(L, e, same ? SEV_ERROR : SEV_WARNING);
        }
        i = j;
    }
}

static void msg_codepoints(struct lint *L, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    char buf[16];

    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t u = cli_utf8_unit_cp(p + i, n - i, true, &cp);
        snprintf(buf, sizeof buf, "%sU+%04X", i ? " " : "", (unsigned)cp);
        msg_str(L, buf);
        i += u;
    }
}

static bool is_cjk(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* The db's entries, by index: their first occurrences. */
static int map_entries(struct lint *L, const shai_db *db)
{
    size_t n = shai_db_entry_count(db);

    L->by_index = calloc(n + 1, sizeof *L->by_index);
    if (!L->by_index) {
        cli_error("out of memory");
        return -1;
    }
    for (size_t i = 0; i < L->n_entries; i++) {
        struct lint_entry *e = &L->entries[i];
        if (!e->first)
            continue;
        e->group = e->index;
        L->by_index[e->index] = e;
    }
    L->n_index = n;
    return 0;
}

struct self_scan {
    struct lint_entry *e;
    bool failed;
    uint32_t fold; /* the fold stages in force */
};

/* Whether p[0..n) folds to nothing (ignorable characters only, such as a
 * U+FEFF before an entry: scan accepts it, and a hit never starts there). */
static bool folds_to_nothing(uint32_t fold, const char *p, size_t n)
{
    char out[8];
    size_t len = 1;
    return shai_fold(fold, p, n, out, sizeof out, &len) == SHAI_OK && len == 0;
}

static int on_self_hit(const shai_hit *hit, void *user)
{
    struct self_scan *ss = user;
    struct lint_entry *e = ss->e;

    if ((hit->start != 0 && !folds_to_nothing(ss->fold, e->text, (size_t)hit->start)) ||
        hit->end != e->len)
        return 0;
    if (hit->entry == e->index) {
        e->self_match = true;
        return 0;
    }
    if (e->n_same % 8 == 0) {
        uint32_t *q = realloc(e->same, (e->n_same + 8) * sizeof *q);
        if (!q) {
            ss->failed = true;
            return 1;
        }
        e->same = q;
    }
    e->same[e->n_same++] = hit->entry;
    return 0;
}

/* Scan each word entry's own text: which entries match all of it. */
static int scan_entries(struct lint *L, const shai_db *db)
{
    for (size_t i = 0; i < L->n_index; i++) {
        struct lint_entry *e = L->by_index[i];
        struct self_scan ss = {e, false, L->fold};
        if (e->kind != KIND_WORD)
            continue;
        int rc = shai_scan(db, e->text, e->len, SHAI_SCAN_OVERLAPPING, on_self_hit, &ss);
        if (ss.failed) {
            cli_error("out of memory");
            return -1;
        }
        if (rc != SHAI_OK && rc != SHAI_TERMINATED && rc != SHAI_E_MATCH_LIMIT) {
            cli_error("%s:%u: cannot scan the entry: %s", L->files[e->file].path, e->line,
                      shai_status_message(rc));
            return -1;
        }
    }
    return 0;
}

static bool matches_all_of(const struct lint_entry *text_of, uint32_t index)
{
    for (size_t k = 0; k < text_of->n_same; k++)
        if (text_of->same[k] == index)
            return true;
    return false;
}

/* a and b match exactly the same texts (as far as their own spellings
 * tell): each matches all of the other's text. */
static bool equivalent(const struct lint_entry *a, const struct lint_entry *b)
{
    return matches_all_of(a, b->index) && matches_all_of(b, a->index);
}

/* 1 if entry e, compiled alone (same options), matches all of its text; 0
 * if not; -1 on error. */
static int matches_alone(const struct lint *L, const struct lint_entry *e)
{
    shai_builder *b = NULL;
    shai_db *db = NULL;
    struct lint_entry copy = *e;
    struct self_scan ss = {&copy, false, L->fold};
    int rc;

    copy.index = 0;
    copy.self_match = false;
    copy.same = NULL;
    copy.n_same = 0;
    rc = shai_builder_new(&b);
    if (rc == SHAI_OK && L->fold == 0)
        rc = cli_set_no_fold(b);
    if (rc == SHAI_OK)
        rc = shai_builder_add_entry(b, e->text, e->len, NULL, e->action,
                                    e->flags & (SHAI_ENTRY_ALLOW | SHAI_ENTRY_EXACT), NULL, NULL);
    if (rc == SHAI_OK)
        rc = shai_builder_compile(b, &db);
    if (rc == SHAI_OK)
        rc = shai_scan(db, e->text, e->len, SHAI_SCAN_OVERLAPPING, on_self_hit, &ss);
    shai_db_free(db);
    shai_builder_free(b);
    free(copy.same);
    if (rc != SHAI_OK && rc != SHAI_TERMINATED)
        return -1;
    return copy.self_match ? 1 : 0;
}

/* Entries that can never match, or match nearly everything. */
static void check_reach(struct lint *L)
{
    for (size_t i = 0; i < L->n_index; i++) {
        const struct lint_entry *e = L->by_index[i];
        const unsigned char *k = (const unsigned char *)e->key;
        size_t u;

        if (e->kind != KIND_WORD)
            continue;
        if (e->key_len == 0) {
            msg_subject(L, e);
            msg_str(L, " (");
            msg_codepoints(L, e->text, e->len);
            msg_str(L, ") folds to nothing: it can never match");
            finish(L, e, SEV_ERROR);
            continue;
        }
        if (!e->self_match) {
            msg_subject(L, e);
            msg_str(L, " is not found in its own text");
            if (e->key_len != e->len || memcmp(e->key, e->text, e->len) != 0) {
                msg_str(L, " (folded: ");
                msg_text(L, e->key, e->key_len);
                msg_str(L, ")");
            }
            if (matches_alone(L, e) == 1)
                msg_str(L, " with this lexicon, although alone it is: another entry hides it "
                           "(a matcher problem: please report it)");
            else
                msg_str(L, ": it can never match");
            finish(L, e, SEV_ERROR);
            continue;
        }
        if (e->flags & SHAI_ENTRY_ALLOW)
            continue;
        uint32_t cp;
        u = cli_utf8_unit_cp(k, e->key_len, true, &cp);
        if (u != e->key_len)
            continue; /* more than one character */
        if (is_cjk(cp) && u == 3 && strstr(common_chars, e->key) != NULL) {
            msg_subject(L, e);
            if (e->key_len != e->len || memcmp(e->key, e->text, e->len) != 0) {
                msg_str(L, " (folded: ");
                msg_text(L, e->key, e->key_len);
                msg_str(L, ")");
            }
            msg_str(L, " is a single very common character: it matches a large share of "
                       "all texts");
            finish(L, e, SEV_ERROR);
        } else if (e->action == SHAI_ACTION_BLOCK) {
            msg_str(L, "single-character ");
            msg_subject(L, e);
            msg_str(L, " with action block: it also matches inside ordinary words "
                       "(use review, or longer entries)");
            finish(L, e, SEV_WARNING);
        }
    }
}

static size_t find_group(struct lint *L, size_t i)
{
    while (L->by_index[i]->group != i) {
        size_t up = L->by_index[i]->group;
        L->by_index[i]->group = L->by_index[up]->group;
        i = up;
    }
    return i;
}

/* Different entries of the same kind that match the same texts, e.g. 賭博
 * and 赌博, or 法.轮.功 and 法轮功 (noise inside an entry is ignored): one of
 * them is redundant. Allow entries that match like a deny entry: that deny
 * entry can never be a violation. Warnings. */
static void check_collisions(struct lint *L)
{
    /* Group equivalent folded (not exact) words of the same kind. */
    for (size_t i = 0; i < L->n_index; i++) {
        const struct lint_entry *e = L->by_index[i];
        if (e->kind != KIND_WORD || (e->flags & SHAI_ENTRY_EXACT))
            continue;
        for (size_t k = 0; k < e->n_same; k++) {
            const struct lint_entry *o = L->by_index[e->same[k]];
            if (o->kind != KIND_WORD || (o->flags & KEY_FLAGS) != (e->flags & KEY_FLAGS) ||
                !equivalent(e, o))
                continue;
            size_t a = find_group(L, i), b = find_group(L, e->same[k]);
            if (a != b)
                L->by_index[a > b ? a : b]->group = a < b ? a : b;
        }
    }
    for (size_t i = 0; i < L->n_index; i++) {
        const struct lint_entry *e = L->by_index[i], *first;
        size_t g = find_group(L, i);
        if (g == i)
            continue;
        first = L->by_index[g]; /* the earliest of the group */
        msg_subject(L, e);
        if (e->key_len != e->len || memcmp(e->key, e->text, e->len) != 0) {
            msg_str(L, " (folded: ");
            msg_text(L, e->key, e->key_len);
            msg_str(L, ")");
        }
        msg_str(L, " matches the same texts as ");
        msg_entry(L, first);
        msg_str(L, " (");
        msg_where(L, first, e->file);
        msg_str(L, "): one of them is redundant");
        finish(L, e, SEV_WARNING);
    }

    /* Allow words that cover every hit of a deny word. */
    for (size_t i = 0; i < L->n_index; i++) {
        const struct lint_entry *a = L->by_index[i];
        if (a->kind != KIND_WORD || !(a->flags & SHAI_ENTRY_ALLOW))
            continue;
        for (size_t k = 0; k < a->n_same; k++) {
            const struct lint_entry *d = L->by_index[a->same[k]];
            if (d->kind != KIND_WORD || (d->flags & SHAI_ENTRY_ALLOW))
                continue;
            /* a matches all of d's text; d's other matches are folded
             * variants of it, which a matches too unless d is wider. */
            if (!matches_all_of(d, a->index) ||
                (!(d->flags & SHAI_ENTRY_EXACT) && !matches_all_of(a, d->index)))
                continue;
            msg_subject(L, a);
            msg_str(L, " covers every hit of deny entry ");
            msg_entry(L, d);
            msg_str(L, " (");
            msg_where(L, d, a->file);
            msg_str(L, "): that entry can never be a violation");
            finish(L, a, SEV_WARNING);
            break;
        }
    }
}

static int on_deny_hit(const shai_hit *hit, void *user)
{
    bool *found = user;
    if (hit->flags & SHAI_HIT_ALLOW)
        return 0;
    *found = true;
    return 1;
}

/* Allow words with no deny hit (word or rule) inside them. Warnings. */
static void msg_partial_overlap(struct lint *L, const shai_db *db, const struct lint_entry *a);

static void check_allow(struct lint *L, const shai_db *db)
{
    for (size_t i = 0; i < L->n_index; i++) {
        const struct lint_entry *e = L->by_index[i];
        bool found = false;
        if (e->kind != KIND_WORD || !(e->flags & SHAI_ENTRY_ALLOW) || e->key_len == 0)
            continue;
        int rc = shai_scan(db, e->text, e->len, SHAI_SCAN_OVERLAPPING, on_deny_hit, &found);
        if (rc != SHAI_OK && rc != SHAI_TERMINATED && rc != SHAI_E_MATCH_LIMIT) {
            L->failed = true;
            return;
        }
        if (found)
            continue;
        msg_subject(L, e);
        msg_str(L, " suppresses nothing: no deny entry matches inside it");
        msg_partial_overlap(L, db, e);
        finish(L, e, SEV_WARNING);
    }
}

/* ------------------------------------------------------- partial overlaps */

struct overlap_scan {
    uint32_t allow;   /* entry index */
    size_t allow_end; /* where the allow word ends in the text */
    bool allow_hit;
};

static int on_overlap_hit(const shai_hit *hit, void *user)
{
    struct overlap_scan *os = user;
    if (hit->entry == os->allow && hit->end == os->allow_end)
        os->allow_hit = true;
    return 0;
}

/* Whether, in text[0..n) (made of allow word a and deny word d overlapping,
 * a ending at a_end), a matches and d's hit is a violation. */
static bool overlap_misses(struct lint *L, const shai_db *db, const struct lint_entry *a,
                           const struct lint_entry *d, const char *text, size_t n, size_t a_end)
{
    struct overlap_scan os = {a->index, a_end, false};
    shai_hit hits[64];
    uint32_t verdict;
    size_t count = 0;
    int rc = shai_scan(db, text, n, SHAI_SCAN_OVERLAPPING, on_overlap_hit, &os);
    if ((rc != SHAI_OK && rc != SHAI_E_MATCH_LIMIT) || !os.allow_hit)
        return false;
    rc = shai_check(db, text, n, SHAI_SCAN_OVERLAPPING, &verdict, hits, 64, &count);
    if (rc != SHAI_OK && rc != SHAI_E_MATCH_LIMIT && rc != SHAI_E_BUFFER_TOO_SMALL) {
        if (rc == SHAI_E_NOMEM)
            L->failed = true;
        return false;
    }
    for (size_t h = 0; h < count && h < 64; h++)
        if (hits[h].entry == d->index)
            return true;
    return false;
}

/* For an allow word that suppresses nothing: the deny word it overlaps
 * most without covering it, as a hint to what it was meant to guard (老妈
 * written for 妈的: in 老妈的 the allow hit does not cover 妈的, and only an
 * allow hit that covers a deny hit entirely suppresses it). Appends
 * "; it overlaps deny entry 'D' (where) in 'TEXT' without covering it" to
 * the message being built, or nothing. */
static void msg_partial_overlap(struct lint *L, const shai_db *db, const struct lint_entry *a)
{
    const struct lint_entry *best = NULL;
    size_t best_k = 0;
    int best_order = 0;

    for (size_t j = 0; j < L->n_index && !L->failed; j++) {
        const struct lint_entry *d = L->by_index[j];
        if (!d || d->kind != KIND_WORD || (d->flags & SHAI_ENTRY_ALLOW) || !d->self_match ||
            d->key_len == 0)
            continue;
        for (int order = 0; order < 2; order++) {
            const struct lint_entry *x = order ? d : a, *y = order ? a : d;
            /* the longest suffix of x's key, at a character boundary and
             * shorter than both keys, that begins y's key */
            for (size_t at = 1; at < x->key_len; at++) {
                size_t k = x->key_len - at;
                if (((unsigned char)x->key[at] & 0xC0) == 0x80 || k >= y->key_len ||
                    memcmp(x->key + at, y->key, k) != 0)
                    continue;
                if (k > best_k) {
                    char buf[1024];
                    size_t n = x->key_len + y->key_len - k;
                    if (n > sizeof buf)
                        break;
                    memcpy(buf, x->key, x->key_len);
                    memcpy(buf + x->key_len, y->key + k, y->key_len - k);
                    if (overlap_misses(L, db, a, d, buf, n, order ? n : a->key_len)) {
                        best = d;
                        best_k = k;
                        best_order = order;
                    }
                }
                break;
            }
        }
    }
    if (!best)
        return;
    const struct lint_entry *x = best_order ? best : a, *y = best_order ? a : best;
    msg_str(L, "; it overlaps deny entry ");
    msg_entry(L, best);
    msg_str(L, " (");
    msg_where(L, best, a->file);
    msg_str(L, ") without covering it: in '");
    cli_out_text_escaped(&L->msg, x->key, x->key_len);
    cli_out_text_escaped(&L->msg, y->key + best_k, y->key_len - best_k);
    msg_str(L, "' the allow hit does not cover that deny hit: it is still a violation");
}

/* -------------------------------------------------------------- shadowing */

/* For each db entry: a deny word that some allow word contains (an allow
 * hit can then suppress it). NULL on error. */
struct allow_scan {
    bool *inside;
};

static int on_inside_allow(const shai_hit *hit, void *user)
{
    struct allow_scan *as = user;
    if (!(hit->flags & SHAI_HIT_ALLOW))
        as->inside[hit->entry] = true;
    return 0;
}

/* Marks the deny words that an allow word can cover by a partial overlap
 * (shai_check: the allow hit begins inside the deny hit, reaches past its
 * end and holds more than half of its characters): a proper suffix of the
 * deny word's key, more than half of it, begins a longer allow key. */
static void mark_partly_covered(struct lint *L, bool *inside)
{
    for (size_t i = 0; i < L->n_index; i++) {
        const struct lint_entry *d = L->by_index[i];
        size_t chars = 0, before = 0;
        if (!d || d->kind != KIND_WORD || (d->flags & SHAI_ENTRY_ALLOW) || d->key_len == 0)
            continue;
        for (size_t k = 0; k < d->key_len; chars++)
            k += cli_utf8_unit((const unsigned char *)d->key + k, d->key_len - k, true);
        for (size_t at = 0; at < d->key_len && !inside[d->index];) {
            at += cli_utf8_unit((const unsigned char *)d->key + at, d->key_len - at, true);
            before++;
            size_t sl = d->key_len - at;
            if (sl == 0 || chars - before <= chars / 2)
                continue;
            for (size_t j = 0; j < L->n_index; j++) {
                const struct lint_entry *a = L->by_index[j];
                if (a && a->kind == KIND_WORD && (a->flags & SHAI_ENTRY_ALLOW) && a->key_len > sl &&
                    memcmp(a->key, d->key + at, sl) == 0) {
                    inside[d->index] = true;
                    break;
                }
            }
        }
    }
}

struct shadow_scan {
    const struct lint *L;
    const struct lint_entry *e;
    const bool *inside;
    uint32_t category; /* e's */
    uint32_t by;       /* the shadowing entry's index, or UINT32_MAX */
};

static int on_shadow_hit(const shai_hit *hit, void *user)
{
    struct shadow_scan *ss = user;
    const struct lint_entry *b;
    if ((hit->flags & SHAI_HIT_ALLOW) || hit->entry == ss->e->index ||
        hit->action != SHAI_ACTION_BLOCK || hit->category != ss->category || ss->inside[hit->entry])
        return 0;
    b = ss->L->by_index[hit->entry];
    if (!b || b->kind != KIND_WORD)
        return 0;
    /* an exact word may miss the folded variants of e's text */
    if ((b->flags & SHAI_ENTRY_EXACT) && !(ss->e->flags & SHAI_ENTRY_EXACT))
        return 0;
    ss->by = hit->entry;
    return 1;
}

/* Entries that are never reported, or whose action never counts, because
 * another entry always wins (docs: `shai lint --help`):
 *  - an exact word and an earlier folded word of the same kind (deny or
 *    allow) that matches all of its text: every span the exact word matches,
 *    the folded one matches too, and of two entries matching the same span
 *    the earlier (lower index) is reported: the exact word never is;
 *  - a deny word with action review whose text contains a match of a deny
 *    word of the same category with action block that no allow word
 *    contains or can cover by a partial overlap: wherever the review word
 *    matches, the block word matches inside it, and an allow hit suppresses
 *    it only by containing it (its text would contain the block word) or by
 *    a partial overlap (mark_partly_covered): the text is blocked, the review
 *    action never decides a verdict. The same category: a scene gives both
 *    the same action, or keeps both.
 * Warnings. */
static void check_shadowed(struct lint *L, const shai_db *db)
{
    struct allow_scan as;
    as.inside = calloc(L->n_index + 1, sizeof *as.inside);
    if (!as.inside) {
        L->failed = true;
        return;
    }
    for (size_t i = 0; i < L->n_index; i++) {
        const struct lint_entry *a = L->by_index[i];
        if (!a || a->kind != KIND_WORD || !(a->flags & SHAI_ENTRY_ALLOW))
            continue;
        int rc = shai_scan(db, a->text, a->len, SHAI_SCAN_OVERLAPPING, on_inside_allow, &as);
        if (rc != SHAI_OK && rc != SHAI_TERMINATED && rc != SHAI_E_MATCH_LIMIT) {
            L->failed = true;
            break;
        }
    }
    mark_partly_covered(L, as.inside);
    for (size_t i = 0; i < L->n_index && !L->failed; i++) {
        const struct lint_entry *e = L->by_index[i];
        if (!e || e->kind != KIND_WORD || !e->self_match || e->key_len == 0)
            continue;
        if (e->flags & SHAI_ENTRY_EXACT) {
            const struct lint_entry *first = NULL;
            for (size_t k = 0; k < e->n_same; k++) {
                const struct lint_entry *o = L->by_index[e->same[k]];
                if (o && o->kind == KIND_WORD && !(o->flags & SHAI_ENTRY_EXACT) &&
                    (o->flags & SHAI_ENTRY_ALLOW) == (e->flags & SHAI_ENTRY_ALLOW) &&
                    o->index < e->index && (!first || o->index < first->index))
                    first = o;
            }
            if (first) {
                msg_subject(L, e);
                msg_str(L, " is shadowed by ");
                msg_subject(L, first);
                msg_str(L, " (");
                msg_where(L, first, e->file);
                msg_str(L, "): that entry matches every span this one does and is reported "
                           "instead; this one never is");
                finish(L, e, SEV_WARNING);
                continue;
            }
        }
        uint32_t action = 0, category = 0;
        if ((e->flags & SHAI_ENTRY_ALLOW) ||
            shai_db_entry_info(db, e->index, &category, &action, NULL, NULL, NULL) != SHAI_OK ||
            action != SHAI_ACTION_REVIEW)
            continue;
        struct shadow_scan ss = {L, e, as.inside, category, UINT32_MAX};
        int rc = shai_scan(db, e->text, e->len, SHAI_SCAN_OVERLAPPING, on_shadow_hit, &ss);
        if (rc != SHAI_OK && rc != SHAI_TERMINATED && rc != SHAI_E_MATCH_LIMIT) {
            L->failed = true;
            break;
        }
        if (ss.by == UINT32_MAX)
            continue;
        const struct lint_entry *b = L->by_index[ss.by];
        msg_subject(L, e);
        msg_str(L, " (review) is shadowed by block ");
        msg_subject(L, b);
        msg_str(L, " (");
        msg_where(L, b, e->file);
        msg_str(L, ", same category): every text it matches contains that entry, which no "
                   "allow entry covers: the text is blocked and the review action never "
                   "counts");
        finish(L, e, SEV_WARNING);
    }
    free(as.inside);
}

/* ------------------------------------------------------------- rule cost */

/* A rule's cost must grow with the length of the line, not with a power of
 * it: the text is the attacker's. check_rule_cost reads a pattern with a
 * small parser of PCRE2's syntax and reports the shapes that make PCRE2's
 * backtracking polynomial or exponential, each at its column:
 *   - an unbounded repetition next to another over characters both can
 *     take, optional items between them included (\s*\s*, \s*(?:号)?\s*);
 *   - a repeated group that ends with an unbounded repetition of what can
 *     also begin the group ((a+)+, (a*)*, (\d+\s?)+);
 *   - a repeated group of alternatives that can begin alike ((a|a)*,
 *     (a|aa)+; also (a|ab)+, which is only linear: a warning to look at).
 * A possessive repetition (*+, ++, ?+, {m,n}+) or an atomic group gives
 * nothing back and ends the first two shapes. Character sets are compared
 * exactly for ASCII (rules are caseless: both cases) and roughly beyond:
 * explicit characters and ranges, and the kinds \s, \w, \d, or anything. A
 * pattern in extended mode ((?x)) is not checked. */

enum { CS_SPACE = 1, CS_WORD = 2, CS_DIGIT = 4, CS_ANY = 8 };
#define CS_RANGES 8

struct cset {
    uint64_t ascii[2];
    uint8_t kinds; /* CS_*: non-ASCII characters of these kinds */
    uint8_t n;
    uint32_t lo[CS_RANGES], hi[CS_RANGES]; /* non-ASCII ranges */
};

static void cs_add(struct cset *s, uint32_t lo, uint32_t hi)
{
    for (; lo <= hi && lo < 128; lo++) {
        s->ascii[lo >> 6] |= (uint64_t)1 << (lo & 63);
        uint32_t other = lo >= 'a' && lo <= 'z' ? lo - 32 : lo >= 'A' && lo <= 'Z' ? lo + 32 : lo;
        s->ascii[other >> 6] |= (uint64_t)1 << (other & 63);
    }
    if (lo > hi)
        return;
    if (s->n == CS_RANGES) {
        s->kinds |= CS_ANY;
        return;
    }
    s->lo[s->n] = lo;
    s->hi[s->n++] = hi;
}

static void cs_union(struct cset *s, const struct cset *t)
{
    s->ascii[0] |= t->ascii[0];
    s->ascii[1] |= t->ascii[1];
    s->kinds |= t->kinds;
    for (uint8_t i = 0; i < t->n; i++)
        cs_add(s, t->lo[i], t->hi[i]);
}

static bool cs_has_non_ascii(const struct cset *s)
{
    return s->kinds || s->n;
}

/* Whether [lo, hi] lies inside one of the blocks that hold no character of
 * kind `kind`, roughly: punctuation and spaces for \w and \d, CJK and
 * Hangul for \d, anything but the Unicode spaces for \s. */
static bool range_outside_kind(uint32_t lo, uint32_t hi, uint8_t kind)
{
    static const uint32_t punct[][2] = {
        {0x2000, 0x2BFF}, {0x3000, 0x303F}, {0xFE10, 0xFE6F}, {0xFF00, 0xFF0F}, {0xFF1A, 0xFF20}};
    static const uint32_t letters[][2] = {{0x2E80, 0x9FFF}, {0xAC00, 0xD7AF}};
    static const uint32_t spaces[][2] = {{0x85, 0x85},     {0xA0, 0xA0},     {0x1680, 0x1680},
                                         {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F},
                                         {0x205F, 0x205F}, {0x3000, 0x3000}};
    if (kind == CS_SPACE) {
        for (size_t i = 0; i < sizeof spaces / sizeof *spaces; i++)
            if (lo <= spaces[i][1] && spaces[i][0] <= hi)
                return false;
        return true;
    }
    for (size_t i = 0; i < sizeof punct / sizeof *punct; i++)
        if (punct[i][0] <= lo && hi <= punct[i][1])
            return true;
    if (kind == CS_DIGIT)
        for (size_t i = 0; i < sizeof letters / sizeof *letters; i++)
            if (letters[i][0] <= lo && hi <= letters[i][1])
                return true;
    return false;
}

static bool cs_overlap(const struct cset *a, const struct cset *b)
{
    if ((a->ascii[0] & b->ascii[0]) || (a->ascii[1] & b->ascii[1]))
        return true;
    if (!cs_has_non_ascii(a) || !cs_has_non_ascii(b))
        return false;
    if ((a->kinds | b->kinds) & CS_ANY)
        return true;
    uint8_t ka = a->kinds, kb = b->kinds;
    if ((ka & kb) || ((ka & CS_WORD) && (kb & CS_DIGIT)) || ((kb & CS_WORD) && (ka & CS_DIGIT)))
        return true;
    for (uint8_t i = 0; i < a->n; i++)
        for (uint8_t j = 0; j < b->n; j++)
            if (a->lo[i] <= b->hi[j] && b->lo[j] <= a->hi[i])
                return true;
    for (int side = 0; side < 2; side++) {
        const struct cset *k = side ? b : a, *r = side ? a : b;
        for (uint8_t bit = CS_SPACE; bit <= CS_DIGIT; bit <<= 1)
            if (k->kinds & bit)
                for (uint8_t i = 0; i < r->n; i++)
                    if (!range_outside_kind(r->lo[i], r->hi[i], bit))
                        return true;
    }
    return false;
}

/* What a piece of pattern can do, as far as cost goes. */
struct rc_info {
    struct cset first; /* characters a match of it can begin with */
    struct cset tail;  /* what an unbounded repetition that may end it can take */
    bool nullable;     /* it can match the empty string */
    bool atomic;       /* an atomic group or a lookaround: gives nothing back */
    bool alt_overlap;  /* two of its alternatives can begin alike */
    uint32_t n_alts;
};

struct rc_parser {
    const char *p, *end, *start;
    int depth;
    bool stop;         /* syntax not understood: no more findings */
    uint32_t found[3]; /* byte offsets of the first finding of each shape, +1 */
};

/* The next code point (PCRE2 has checked the pattern is valid UTF-8). */
static uint32_t rc_cp(struct rc_parser *P)
{
    const unsigned char *u = (const unsigned char *)P->p;
    size_t n = u[0] < 0x80 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
    if (n > (size_t)(P->end - P->p))
        n = (size_t)(P->end - P->p);
    uint32_t cp = n == 1 ? u[0] : (uint32_t)(u[0] & (0x7F >> n));
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (u[i] & 0x3F);
    P->p += n;
    return cp;
}

/* Code points in s[0..n). */
static uint32_t lint_columns(const char *s, size_t n)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static void rc_flag(struct rc_parser *P, int shape, const char *at)
{
    if (!P->found[shape])
        P->found[shape] = (uint32_t)(at - P->start) + 1;
}

static void cs_kind(struct cset *s, char c)
{
    switch (c) {
    case 'd':
        cs_add(s, '0', '9');
        s->kinds |= CS_DIGIT;
        break;
    case 's':
        cs_add(s, '\t', '\r');
        cs_add(s, ' ', ' ');
        s->kinds |= CS_SPACE;
        break;
    case 'h':
        cs_add(s, '\t', '\t');
        cs_add(s, ' ', ' ');
        s->kinds |= CS_SPACE;
        break;
    case 'v':
    case 'R':
        cs_add(s, '\n', '\r');
        s->kinds |= CS_SPACE;
        break;
    case 'w':
        cs_add(s, '0', '9');
        cs_add(s, 'a', 'z');
        cs_add(s, '_', '_');
        s->kinds |= CS_WORD | CS_DIGIT;
        break;
    default: /* \D \S \W \H \V \N \X \p \P \C and the like: anything */
        s->ascii[0] = s->ascii[1] = ~(uint64_t)0;
        s->kinds |= CS_ANY;
    }
}

/* An escape after the backslash; a character (*lit) or a set. Returns 1
 * for a set written in s, 0 for a character, -1 for an assertion (\b, \A,
 * \K, ...), -2 for a back reference or anything else that matches text we
 * cannot tell. */
static int rc_escape(struct rc_parser *P, struct cset *s, uint32_t *lit)
{
    if (P->p >= P->end) {
        P->stop = true;
        return -1;
    }
    char c = *P->p++;
    switch (c) {
    case 'b':
    case 'B':
    case 'A':
    case 'z':
    case 'Z':
    case 'G':
    case 'K':
        return -1;
    case 'd':
    case 's':
    case 'w':
    case 'h':
    case 'v':
    case 'R':
    case 'D':
    case 'S':
    case 'W':
    case 'H':
    case 'V':
    case 'N':
    case 'X':
    case 'C':
        cs_kind(s, c);
        return 1;
    case 'p':
    case 'P': {
        const char *name = P->p, *name_end = P->p < P->end ? P->p + 1 : P->end;
        if (P->p < P->end && *P->p == '{') {
            const char *e = memchr(P->p, '}', (size_t)(P->end - P->p));
            name = P->p + 1;
            name_end = e ? e : P->end;
            P->p = e ? e + 1 : P->end;
        } else {
            P->p = name_end;
        }
        size_t n = (size_t)(name_end - name);
        if (c == 'P' || n == 0 || *name == '^')
            cs_kind(s, 'X');
        else if (n == 3 && !memcmp(name, "Han", 3))
            cs_add(s, 0x2E80, 0x2FDF), cs_add(s, 0x3400, 0x4DBF), cs_add(s, 0x4E00, 0x9FFF),
                cs_add(s, 0xF900, 0xFAFF), cs_add(s, 0x20000, 0x3FFFF);
        else if (*name == 'L')
            cs_kind(s, 'w'), s->ascii[0] &= ~(uint64_t)0x03FF000000000000u; /* no digits */
        else if (*name == 'N')
            cs_kind(s, 'd');
        else if (*name == 'Z')
            cs_add(s, ' ', ' '), s->kinds |= CS_SPACE;
        else
            cs_kind(s, 'X');
        return 1;
    }
    case 'x':
        if (P->p < P->end && *P->p == '{') {
            *lit = (uint32_t)strtoul(P->p + 1, NULL, 16);
            const char *e = memchr(P->p, '}', (size_t)(P->end - P->p));
            P->p = e ? e + 1 : P->end;
        } else {
            uint32_t v = 0;
            for (int i = 0; i < 2 && P->p < P->end && isxdigit((unsigned char)*P->p); i++)
                v = v * 16 + (uint32_t)(isdigit((unsigned char)*P->p)
                                            ? *P->p - '0'
                                            : (tolower((unsigned char)*P->p) - 'a' + 10)),
                P->p++;
            *lit = v;
        }
        return 0;
    case 'n':
        *lit = '\n';
        return 0;
    case 't':
        *lit = '\t';
        return 0;
    case 'r':
        *lit = '\r';
        return 0;
    case 'f':
        *lit = '\f';
        return 0;
    case 'e':
        *lit = 0x1B;
        return 0;
    case 'a':
        *lit = 0x07;
        return 0;
    case 'g':
    case 'k':
        if (P->p < P->end && (*P->p == '{' || *P->p == '<' || *P->p == '\'')) {
            char close = *P->p == '{' ? '}' : *P->p == '<' ? '>' : '\'';
            const char *e = memchr(P->p, close, (size_t)(P->end - P->p));
            P->p = e ? e + 1 : P->end;
        } else {
            while (P->p < P->end && (isdigit((unsigned char)*P->p) || *P->p == '-'))
                P->p++;
        }
        return -2;
    default:
        if (c >= '1' && c <= '9') {
            while (P->p < P->end && isdigit((unsigned char)*P->p))
                P->p++;
            return -2;
        }
        if (c == '0') {
            uint32_t v = 0;
            for (int i = 0; i < 2 && P->p < P->end && *P->p >= '0' && *P->p <= '7'; i++)
                v = v * 8 + (uint32_t)(*P->p++ - '0');
            *lit = v;
            return 0;
        }
        if ((unsigned char)c >= 0x80) {
            P->p--;
            *lit = rc_cp(P);
            return 0;
        }
        *lit = (unsigned char)c; /* an escaped punctuation character */
        return 0;
    }
}

/* A character class, after its '['. */
static void rc_class(struct rc_parser *P, struct cset *s)
{
    struct cset in = {0};
    bool negated = P->p < P->end && *P->p == '^';
    if (negated)
        P->p++;
    bool first = true;
    while (P->p < P->end && (*P->p != ']' || first)) {
        first = false;
        uint32_t lo;
        if (*P->p == '[' && P->p + 1 < P->end && P->p[1] == ':') {
            const char *e = strstr(P->p, ":]");
            if (!e || e >= P->end) {
                P->stop = true;
                return;
            }
            const char *name = P->p + 2 + (P->p[2] == '^');
            if (P->p[2] != '^' && !strncmp(name, "digit", 5))
                cs_kind(&in, 'd');
            else if (P->p[2] != '^' && !strncmp(name, "space", 5))
                cs_kind(&in, 's');
            else if (P->p[2] != '^' && (!strncmp(name, "alpha", 5) || !strncmp(name, "alnum", 5) ||
                                        !strncmp(name, "word", 4)))
                cs_kind(&in, 'w');
            else
                cs_kind(&in, 'X');
            P->p = e + 2;
            continue;
        }
        if (*P->p == '\\') {
            P->p++;
            if (P->p < P->end && *P->p == 'b') { /* backspace, in a class */
                P->p++;
                lo = 8;
            } else {
                struct cset k = {0};
                int r = rc_escape(P, &k, &lo);
                if (r != 0) {
                    cs_union(&in, &k);
                    continue;
                }
            }
        } else {
            lo = rc_cp(P);
        }
        uint32_t hi = lo;
        if (P->p + 1 < P->end && *P->p == '-' && P->p[1] != ']') {
            P->p++;
            if (*P->p == '\\') {
                P->p++;
                struct cset k = {0};
                if (rc_escape(P, &k, &hi) != 0) {
                    cs_add(&in, lo, lo);
                    cs_add(&in, '-', '-');
                    cs_union(&in, &k);
                    continue;
                }
            } else {
                hi = rc_cp(P);
            }
        }
        if (hi < lo)
            hi = lo;
        cs_add(&in, lo, hi);
    }
    if (P->p >= P->end) {
        P->stop = true;
        return;
    }
    P->p++; /* ']' */
    if (negated) {
        s->ascii[0] = ~in.ascii[0];
        s->ascii[1] = ~in.ascii[1];
        s->kinds |= CS_ANY;
    } else {
        cs_union(s, &in);
    }
}

static struct rc_info rc_alternation(struct rc_parser *P, const struct cset *open);

/* A group, after its '('. */
static struct rc_info rc_group(struct rc_parser *P, const struct cset *open)
{
    struct rc_info g = {0};
    bool look = false, atomic = false;
    if (P->p < P->end && *P->p == '*') { /* a verb: (*COMMIT), (*UTF) ... */
        const char *e = memchr(P->p, ')', (size_t)(P->end - P->p));
        P->p = e ? e + 1 : P->end;
        g.nullable = true;
        return g;
    }
    if (P->p < P->end && *P->p == '?') {
        P->p++;
        char c = P->p < P->end ? *P->p : ')';
        if (c == '#') { /* a comment */
            const char *e = memchr(P->p, ')', (size_t)(P->end - P->p));
            P->p = e ? e + 1 : P->end;
            g.nullable = true;
            return g;
        } else if (c == ':' || c == '|') {
            P->p++;
        } else if (c == '>') {
            P->p++;
            atomic = true;
        } else if (c == '=' || c == '!') {
            P->p++;
            look = true;
        } else if (c == '<' && P->p + 1 < P->end && (P->p[1] == '=' || P->p[1] == '!')) {
            P->p += 2;
            look = true;
        } else if (c == '<' || c == '\'' || (c == 'P' && P->p + 1 < P->end && P->p[1] == '<')) {
            char close = c == '\'' ? '\'' : '>';
            const char *e = memchr(P->p + 1, close, (size_t)(P->end - P->p - 1));
            P->p = e ? e + 1 : P->end;
        } else if (c == '(') { /* a condition: skip it, then the branches */
            const char *e = memchr(P->p, ')', (size_t)(P->end - P->p));
            P->p = e ? e + 1 : P->end;
        } else if (c == 'R' || c == '&' || c == '+' || isdigit((unsigned char)c) ||
                   (c == '-' && P->p + 1 < P->end && isdigit((unsigned char)P->p[1])) ||
                   (c == 'P' && P->p + 1 < P->end && (P->p[1] == '=' || P->p[1] == '>'))) {
            /* a recursion, subroutine call or back reference by name */
            const char *e = memchr(P->p, ')', (size_t)(P->end - P->p));
            P->p = e ? e + 1 : P->end;
            cs_kind(&g.first, 'X');
            g.nullable = true;
            return g;
        } else { /* options: (?i), (?-i), (?i:...) */
            while (P->p < P->end && *P->p != ')' && *P->p != ':') {
                if (*P->p == 'x')
                    P->stop = true; /* extended mode: not read here */
                P->p++;
            }
            if (P->p >= P->end || *P->p++ == ')') {
                g.nullable = true;
                return g;
            }
        }
    }
    if (++P->depth > 200) {
        P->stop = true;
        return g;
    }
    g = rc_alternation(P, open);
    P->depth--;
    if (P->p < P->end && *P->p == ')')
        P->p++;
    else
        P->stop = true;
    if (look) {
        g = (struct rc_info){0};
        g.nullable = true;
        g.atomic = true;
    } else if (atomic) {
        g.atomic = true;
        g.tail = (struct cset){0};
    }
    return g;
}

/* One item (before its quantifier). *kind: 0 a character or set, 1 a
 * group, 2 an assertion or anything that matches the empty string only. */
static struct rc_info rc_atom(struct rc_parser *P, const struct cset *open, int *kind)
{
    struct rc_info a = {0};
    uint32_t lit = 0;
    *kind = 0;
    char c = *P->p;
    if (c == '(') {
        P->p++;
        *kind = 1;
        return rc_group(P, open);
    }
    if (c == '[') {
        P->p++;
        rc_class(P, &a.first);
        return a;
    }
    if (c == '^' || c == '$') {
        P->p++;
        *kind = 2;
        a.nullable = true;
        return a;
    }
    if (c == '.') {
        P->p++;
        cs_add(&a.first, 0, '\n' - 1);
        cs_add(&a.first, '\n' + 1, 127);
        a.first.kinds = CS_ANY;
        return a;
    }
    if (c == '\\') {
        P->p++;
        if (P->p < P->end && *P->p == 'Q') { /* \Q...\E: its first character */
            P->p++;
            if (P->p < P->end && !(P->p[0] == '\\' && P->p + 1 < P->end && P->p[1] == 'E')) {
                uint32_t cp = rc_cp(P);
                cs_add(&a.first, cp, cp);
                /* the rest of the quoted text is plain characters */
                while (P->p < P->end && !(P->p[0] == '\\' && P->p + 1 < P->end && P->p[1] == 'E'))
                    rc_cp(P);
                if (P->p < P->end)
                    P->p += 2;
                return a;
            }
            P->p = P->p < P->end ? P->p + 2 : P->end;
            *kind = 2;
            a.nullable = true;
            return a;
        }
        int r = rc_escape(P, &a.first, &lit);
        if (r == 0)
            cs_add(&a.first, lit, lit);
        if (r == -1) {
            *kind = 2;
            a.nullable = true;
        }
        if (r == -2) { /* a back reference: what it matches is not known */
            cs_kind(&a.first, 'X');
            a.nullable = true;
        }
        return a;
    }
    lit = rc_cp(P);
    cs_add(&a.first, lit, lit);
    return a;
}

#define RC_UNBOUNDED UINT32_MAX

/* A quantifier, if one follows: min, max, possessive. */
static bool rc_quantifier(struct rc_parser *P, uint32_t *min, uint32_t *max, bool *possessive)
{
    if (P->p >= P->end)
        return false;
    char c = *P->p;
    if (c == '*' || c == '+' || c == '?') {
        *min = c == '+';
        *max = c == '?' ? 1 : RC_UNBOUNDED;
        P->p++;
    } else if (c == '{') {
        const char *q = P->p + 1;
        char *e;
        unsigned long lo = 0, hi;
        if (q < P->end && isdigit((unsigned char)*q))
            lo = strtoul(q, &e, 10);
        else
            e = (char *)q;
        if (e < P->end && *e == '}' && e > q) {
            hi = lo;
        } else if (e < P->end && *e == ',') {
            const char *h = e + 1;
            if (h < P->end && isdigit((unsigned char)*h)) {
                hi = strtoul(h, &e, 10);
            } else {
                e = (char *)h;
                hi = RC_UNBOUNDED;
            }
            if (e >= P->end || *e != '}' || (e == q + 1 && hi == RC_UNBOUNDED))
                return false; /* '{,}' and the like are literal */
        } else {
            return false; /* a literal '{' */
        }
        *min = lo > RC_UNBOUNDED - 1 ? RC_UNBOUNDED - 1 : (uint32_t)lo;
        *max = hi >= RC_UNBOUNDED ? RC_UNBOUNDED : (uint32_t)hi;
        P->p = e + 1;
    } else {
        return false;
    }
    *possessive = false;
    if (P->p < P->end && *P->p == '+') {
        *possessive = true;
        P->p++;
    } else if (P->p < P->end && *P->p == '?') {
        P->p++; /* lazy: gives back the same way */
    }
    return true;
}

/* A sequence of items, up to '|' or ')'. `open` is what unbounded
 * repetitions just before it can take. */
static struct rc_info rc_sequence(struct rc_parser *P, const struct cset *open_in)
{
    struct rc_info s = {0};
    struct cset open = *open_in;
    bool all_nullable = true;
    s.nullable = true;
    while (P->p < P->end && *P->p != '|' && *P->p != ')' && !P->stop) {
        const char *at = P->p;
        int kind;
        struct rc_info a = rc_atom(P, &open, &kind);
        uint32_t min = 1, max = 1;
        bool possessive = false;
        bool quantified = rc_quantifier(P, &min, &max, &possessive);
        if (quantified && kind == 2)
            continue; /* a repeated assertion changes nothing */
        bool nullable = a.nullable || min == 0;
        /* two unbounded repetitions over the same characters, in a row */
        if (max == RC_UNBOUNDED && cs_overlap(&open, &a.first))
            rc_flag(P, 0, at);
        if (kind == 1 && max > 1) {
            if (!a.atomic && !possessive && cs_overlap(&a.tail, &a.first))
                rc_flag(P, 1, at);
            if (!a.atomic && !possessive && a.alt_overlap)
                rc_flag(P, 2, at);
        }
        /* what the next item must not take too */
        struct cset t = {0};
        if (!possessive && !a.atomic) {
            t = a.tail;
            if (max == RC_UNBOUNDED)
                cs_union(&t, &a.first);
        }
        if (kind == 1 && !a.atomic && !possessive)
            s.alt_overlap |= a.alt_overlap;
        if (all_nullable)
            cs_union(&s.first, &a.first);
        if (nullable) {
            cs_union(&open, &t);
            cs_union(&s.tail, &t);
        } else {
            open = t;
            s.tail = t;
            all_nullable = false;
        }
    }
    s.nullable = all_nullable;
    return s;
}

static struct rc_info rc_alternation(struct rc_parser *P, const struct cset *open)
{
    struct rc_info all = {0};
    for (;;) {
        struct rc_info b = rc_sequence(P, open);
        if (all.n_alts && cs_overlap(&all.first, &b.first))
            all.alt_overlap = true;
        all.alt_overlap |= b.alt_overlap;
        cs_union(&all.first, &b.first);
        cs_union(&all.tail, &b.tail);
        all.nullable |= b.nullable;
        all.n_alts++;
        if (P->stop || P->p >= P->end || *P->p != '|')
            break;
        P->p++;
    }
    return all;
}

/* Reports the cost shapes of rule e (see above). */
static void check_rule_cost(struct lint *L, const struct lint_entry *e)
{
    static const char *const what[3] = {
        "unbounded repetition right after another over the same characters (like \\s*\\s* "
        "or \\s*(?:x)?\\s*): backtracking grows with a power of the line length; make the "
        "first one possessive (*+, ++) or let one of them carry the other",
        "repeated group that ends with an unbounded repetition of what can also begin it "
        "(like (a+)+): backtracking grows exponentially; make the inner repetition "
        "possessive or the group atomic (?>...)",
        "repeated group whose alternatives can begin with the same characters (like (a|a)* "
        "or (a|aa)+): backtracking grows exponentially; make them disjoint or the group "
        "atomic (?>...)",
    };
    struct rc_parser P = {e->text, e->text + e->len, e->text, 0, false, {0, 0, 0}};
    struct cset none = {0};
    while (P.p < P.end && !P.stop) {
        rc_alternation(&P, &none);
        if (P.p < P.end && *P.p == ')')
            P.p++; /* unbalanced: PCRE2 refused it already */
    }
    if (P.stop)
        return;
    /* the column of the rule's text in its line: a rule line begins with
     * `re:` (docs/lexicon-format.md) */
    const uint32_t base = 3;
    for (int shape = 0; shape < 3; shape++) {
        if (!P.found[shape])
            continue;
        msg_str(L, "rule cost: ");
        msg_str(L, what[shape]);
        finish_at(L, e, SEV_WARNING, base + lint_columns(e->text, P.found[shape] - 1) + 1);
    }
}

static int cmp_key(const void *a, const void *b)
{
    const struct lint_entry *x = *(const struct lint_entry *const *)a;
    const struct lint_entry *y = *(const struct lint_entry *const *)b;
    return cmp_bytes(x->key, x->key_len, y->key, y->key_len);
}

/* Whether the text where deny word d and allow word a meet (d's key, then
 * a's key past the sl bytes they share) is itself an allow entry: the
 * author has said that this text passes. `allow` is sorted by key. */
static bool allowed_meeting(struct lint *L, struct lint_entry **allow, size_t na,
                            const struct lint_entry *d, const struct lint_entry *a, size_t sl)
{
    size_t n = d->key_len + a->key_len - sl;
    char *m = malloc(n + 1);
    bool found = false;
    if (!m) {
        L->failed = true;
        return true;
    }
    memcpy(m, d->key, d->key_len);
    memcpy(m + d->key_len, a->key + sl, a->key_len - sl);
    size_t lo = 0, hi = na;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_bytes(allow[mid]->key, allow[mid]->key_len, m, n);
        if (c == 0) {
            found = true;
            break;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    free(m);
    return found;
}

/* Deny and allow words that overlap partially where the allow word covers
 * the deny word: a proper suffix of the deny word (folded) that is more
 * than half of it is a proper prefix of the allow word, as 是垃圾 and 垃圾桶
 * in 这里是垃圾桶 (shai_check). A text where they meet passes; the author
 * should know. Shorter overlaps (操你妈, 妈妈) cover nothing and are not
 * listed. An allow entry for the text where they meet (是垃圾桶) says the pass is
 * intended: no warning. One warning per pair, at the deny entry. */
static void check_partial_allow(struct lint *L)
{
    struct lint_entry **allow = malloc((L->n_index + 1) * sizeof *allow);
    size_t na = 0;
    if (!allow) {
        L->failed = true;
        return;
    }
    for (size_t i = 0; i < L->n_index; i++) {
        struct lint_entry *e = L->by_index[i];
        if (e && e->kind == KIND_WORD && (e->flags & SHAI_ENTRY_ALLOW) && e->key_len > 0)
            allow[na++] = e;
    }
    qsort(allow, na, sizeof *allow, cmp_key);
    for (size_t i = 0; i < L->n_index && na > 0; i++) {
        const struct lint_entry *d = L->by_index[i];
        if (!d || d->kind != KIND_WORD || (d->flags & SHAI_ENTRY_ALLOW) || d->key_len == 0)
            continue;
        size_t chars = 0;
        for (size_t k = 0; k < d->key_len;) {
            uint32_t cp;
            k += cli_utf8_unit_cp((const unsigned char *)d->key + k, d->key_len - k, true, &cp);
            chars++;
        }
        size_t at = 0, before = 0; /* byte and character offset of the suffix */
        while (at < d->key_len) {
            uint32_t cp;
            at += cli_utf8_unit_cp((const unsigned char *)d->key + at, d->key_len - at, true, &cp);
            before++;
            if (at >= d->key_len)
                break;
            const char *suf = d->key + at;
            size_t sl = d->key_len - at;
            size_t lo = 0, hi = na;
            while (lo < hi) { /* the first allow key not below the suffix */
                size_t mid = lo + (hi - lo) / 2;
                if (cmp_bytes(allow[mid]->key, allow[mid]->key_len, suf, sl) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (size_t j = lo; j < na; j++) {
                const struct lint_entry *a = allow[j];
                if (a->key_len < sl || memcmp(a->key, suf, sl) != 0)
                    break;
                if (a->key_len == sl || chars - before <= chars / 2)
                    continue; /* not past the deny word, or half of it or less */
                if (allowed_meeting(L, allow, na, d, a, sl))
                    continue;
                msg_subject(L, d);
                msg_str(L, " and allow entry ");
                msg_entry(L, a);
                msg_str(L, " (");
                msg_where(L, a, d->file);
                msg_str(L, ") overlap in ");
                msg_text(L, suf, sl);
                msg_str(L, ": where they meet, the allow word covers the deny word");
                finish(L, d, SEV_WARNING);
            }
        }
    }
    free(allow);
}

/* The hook for checks of regular-expression rules (`re:` lines, kind
 * KIND_RULE). A pattern PCRE2 rejects is already a parse error (FILE:LINE:COL,
 * exit status 2) and duplicate rules are reported by check_duplicates; the
 * word checks skip rules. Rule checks go here, e.g. a rule that matches the
 * empty string or nearly every line (scan sample lines with a db of that
 * rule alone), or an allow rule that no deny rule or word overlaps. */
static void check_rules(struct lint *L, const shai_db *db)
{
    (void)db;
    for (size_t i = 0; i < L->n_entries; i++)
        if (L->entries[i].kind == KIND_RULE && L->entries[i].first)
            check_rule_cost(L, &L->entries[i]);
}

/* ----------------------------------------------------------- rule corpus */

/* Deny rules that hit too many lines of a reference corpus (--corpus): a
 * rule such as \d{5,} matches order numbers, prices and dates in ordinary
 * text. Each line is checked as shai_check does (violations: deny hits no
 * allow hit covers), all hits. */
struct rule_tally {
    uint64_t lines;   /* lines with a violation of the rule */
    uint64_t last;    /* 1 + the last line counted */
    uint64_t ex_line; /* the first line hit (1-based in its file) */
    uint32_t ex_file; /* index in the corpus list */
    char *example;    /* the hit in that line, with context; malloc'ed */
};

struct rule_corpus {
    struct rule_tally *t; /* by entry index */
    uint64_t lines;
    shai_hit *hits;
    size_t cap;
};

/* Moves byte offset `at` of text[0..len) back to the start of its UTF-8
 * sequence. */
static size_t unit_start(const char *text, size_t len, size_t at)
{
    while (at > 0 && at < len && ((unsigned char)text[at] & 0xC0) == 0x80)
        at--;
    return at;
}

static int corpus_line(struct lint *L, const shai_db *db, struct rule_corpus *rc_, const char *text,
                       size_t len, uint32_t file, uint64_t line_no)
{
    uint32_t verdict;
    size_t count = 0;
    int rc;
    for (;;) {
        rc =
            shai_check(db, text, len, SHAI_SCAN_OVERLAPPING, &verdict, rc_->hits, rc_->cap, &count);
        if (rc != SHAI_E_BUFFER_TOO_SMALL)
            break;
        size_t cap = count + 16;
        shai_hit *q = realloc(rc_->hits, cap * sizeof *q);
        if (!q)
            return -1;
        rc_->hits = q;
        rc_->cap = cap;
    }
    if (rc != SHAI_OK && rc != SHAI_E_MATCH_LIMIT)
        return -1;
    rc_->lines++;
    for (size_t i = 0; i < count; i++) {
        const struct lint_entry *e =
            rc_->hits[i].entry < L->n_index ? L->by_index[rc_->hits[i].entry] : NULL;
        struct rule_tally *t;
        if (!e || e->kind != KIND_RULE)
            continue;
        t = &rc_->t[e->index];
        if (t->last == rc_->lines)
            continue;
        t->last = rc_->lines;
        if (t->lines++ == 0) {
            /* the hit, with some 10 characters either side */
            const shai_hit *h = &rc_->hits[i];
            size_t from = unit_start(text, len, h->start > 30 ? (size_t)h->start - 30 : 0);
            size_t to = unit_start(text, len, h->end + 30 < len ? (size_t)h->end + 30 : len);
            t->example = malloc(to - from + 1);
            if (!t->example)
                return -1;
            memcpy(t->example, text + from, to - from);
            t->example[to - from] = '\0';
            t->ex_file = file;
            t->ex_line = line_no;
        }
    }
    return 0;
}

static void check_rule_rates(struct lint *L, const shai_db *db, const char *const *corpus,
                             size_t n_corpus, unsigned long max_rate)
{
    struct rule_corpus C = {0};
    char *line = NULL;
    size_t cap = 0;

    C.t = calloc(L->n_index + 1, sizeof *C.t);
    if (!C.t) {
        L->failed = true;
        return;
    }
    for (size_t f = 0; f < n_corpus && !L->failed; f++) {
        FILE *in = strcmp(corpus[f], "-") == 0 ? stdin : fopen(corpus[f], "rb");
        uint64_t line_no = 0;
        ssize_t n;
        if (!in) {
            cli_error("%s: %s", corpus[f], strerror(errno));
            L->failed = true;
            L->io_error = true;
            break;
        }
        while ((n = getline(&line, &cap, in)) >= 0) {
            size_t len = (size_t)n;
            line_no++;
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            if (corpus_line(L, db, &C, line, len, (uint32_t)f, line_no) != 0) {
                L->failed = true;
                break;
            }
        }
        if (in != stdin)
            fclose(in);
    }
    free(line);
    L->corpus_lines = C.lines;
    for (size_t i = 0; i < L->n_index && !L->failed && C.lines > 0; i++) {
        const struct lint_entry *e = L->by_index[i];
        const struct rule_tally *t = &C.t[i];
        if (!e || e->kind != KIND_RULE || (e->flags & SHAI_ENTRY_ALLOW))
            continue;
        /* lines per 10,000, in tenths */
        uint64_t tenths = (t->lines * 100000 + C.lines / 2) / C.lines;
        if (t->lines * 10000 <= (uint64_t)max_rate * C.lines)
            continue;
        msg_str(L, "rule fires too often: it hits ");
        msg_u64(L, tenths / 10);
        msg_str(L, ".");
        msg_u64(L, tenths % 10);
        msg_str(L, " lines per 10,000 of the reference corpus (");
        msg_u64(L, t->lines);
        msg_str(L, " of ");
        msg_u64(L, C.lines);
        msg_str(L, " lines; the limit is ");
        msg_u64(L, max_rate);
        msg_str(L, "), e.g. ");
        cli_out_text_escaped(&L->msg, corpus[t->ex_file], strlen(corpus[t->ex_file]));
        msg_str(L, ":");
        msg_u64(L, t->ex_line);
        msg_str(L, ": ");
        msg_text(L, t->example, strlen(t->example));
        finish(L, e, SEV_WARNING);
    }
    for (size_t i = 0; i < L->n_index; i++)
        free(C.t[i].example);
    free(C.t);
    free(C.hits);
}

/* ------------------------------------------------------------- categories */

/* The file index of `path` (files were added one at a time, by these
 * names); n_files when it is not one of them. */
static uint32_t file_index(const struct lint *L, const char *path)
{
    for (size_t i = 0; i < L->n_files; i++)
        if (strcmp(L->files[i].path, path) == 0)
            return (uint32_t)i;
    return (uint32_t)L->n_files;
}

static bool declared(const shai_builder *b, const char *name)
{
    uint32_t n = shai_builder_declared_category_count(b);
    if (strcmp(name, "uncategorized") == 0)
        return true;
    for (uint32_t i = 0; i < n; i++) {
        const char *d = NULL;
        if (shai_builder_declared_category(b, i, &d, NULL, NULL) == SHAI_OK && d &&
            strcmp(d, name) == 0)
            return true;
    }
    return false;
}

/* Edit distance of two short names (bytes), capped at 3. */
static size_t distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b), row[64], i, j;
    if (n > 62 || m > 62)
        return 3;
    for (j = 0; j <= m; j++)
        row[j] = j;
    for (i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (j = 1; j <= m; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[m] < 3 ? row[m] : 3;
}

/* "unknown category 'X' (not declared with @categories[; did you mean
 * 'Y'?])" into the message. */
static void msg_unknown_category(struct lint *L, const shai_builder *b, const char *name)
{
    uint32_t n = shai_builder_declared_category_count(b);
    const char *best = NULL;
    size_t best_d = 3;
    for (uint32_t i = 0; i < n; i++) {
        const char *d = NULL;
        if (shai_builder_declared_category(b, i, &d, NULL, NULL) != SHAI_OK || !d)
            continue;
        size_t k = distance(name, d);
        if (k < best_d) {
            best_d = k;
            best = d;
        }
    }
    msg_str(L, "unknown category ");
    msg_text(L, name, strlen(name));
    msg_str(L, " (not declared with @categories");
    if (best) {
        msg_str(L, "; did you mean ");
        msg_text(L, best, strlen(best));
        msg_str(L, "?");
    }
    msg_str(L, ")");
}

/* With `@categories` declarations anywhere in the lexicon, every category
 * an entry is written with and every category a scene names must be
 * declared: a typo (@category gamblng) otherwise makes a category of its
 * own, which no scene knows. One error per file and category, at its
 * first use; declared categories no entry uses are warnings. */
static void check_categories(struct lint *L, const shai_builder *b)
{
    uint32_t ndecl = shai_builder_declared_category_count(b);
    if (!ndecl)
        return;
    /* (file, category) pairs in use that are not declared: first entry, count */
    struct unknown {
        size_t first, count;
    } *u = NULL;
    size_t nu = 0;
    for (size_t i = 0; i < L->n_entries; i++) {
        const struct lint_entry *e = &L->entries[i];
        if (declared(b, e->category))
            continue;
        size_t k = 0;
        while (k < nu && !(L->entries[u[k].first].file == e->file &&
                           strcmp(L->entries[u[k].first].category, e->category) == 0))
            k++;
        if (k == nu) {
            struct unknown *q = realloc(u, (nu + 1) * sizeof *q);
            if (!q) {
                L->failed = true;
                free(u);
                return;
            }
            u = q;
            u[nu++] = (struct unknown){i, 0};
        }
        u[k].count++;
    }
    for (size_t k = 0; k < nu; k++) {
        const struct lint_entry *e = &L->entries[u[k].first];
        msg_unknown_category(L, b, e->category);
        msg_str(L, ", used by ");
        msg_u64(L, u[k].count);
        msg_str(L, u[k].count == 1 ? " entry of this file" : " entries of this file");
        finish(L, e, SEV_ERROR);
    }
    free(u);
    for (uint32_t s = 0; s < shai_builder_scene_count(b); s++) {
        const char *file = NULL, *scene = NULL;
        uint32_t n = 0;
        if (shai_builder_scene(b, s, &scene, &file, NULL, &n) != SHAI_OK || !file)
            continue;
        for (uint32_t k = 0; k < n; k++) {
            const char *category = NULL;
            uint32_t line = 0;
            if (shai_builder_scene_category(b, s, k, &category, NULL, &line) != SHAI_OK ||
                declared(b, category))
                continue;
            struct lint_entry at = {.file = file_index(L, file), .line = line};
            if (at.file == L->n_files)
                continue;
            msg_str(L, "scene ");
            msg_text(L, scene, strlen(scene));
            msg_str(L, ": ");
            msg_unknown_category(L, b, category);
            finish(L, &at, SEV_ERROR);
        }
    }
    for (uint32_t d = 0; d < ndecl; d++) {
        const char *name = NULL, *file = NULL;
        uint32_t line = 0;
        bool used = false, first = true;
        if (shai_builder_declared_category(b, d, &name, &file, &line) != SHAI_OK || !file)
            continue;
        for (uint32_t k = 0; k < d && first; k++) {
            const char *other = NULL;
            shai_builder_declared_category(b, k, &other, NULL, NULL);
            first = !other || strcmp(other, name) != 0;
        }
        for (size_t i = 0; i < L->n_entries && !used; i++)
            used = strcmp(L->entries[i].category, name) == 0;
        struct lint_entry at = {.file = file_index(L, file), .line = line};
        if (!first || used || at.file == L->n_files)
            continue;
        msg_str(L, "declared category ");
        msg_text(L, name, strlen(name));
        msg_str(L, " has no entries");
        finish(L, &at, SEV_WARNING);
    }
}

/* A scene's `score:NAME` line that names no scorer of the sources turns
 * nothing on: the compile ignores it, as it ignores a category no entry
 * has, so a typo (score:ofensive) would go unseen. A warning, since a
 * scene file may be linted without the lexicon that holds the scorer. */
static void check_scene_scorers(struct lint *L, const shai_builder *b)
{
    uint32_t nscorers = shai_builder_scorer_count(b);
    for (uint32_t s = 0; s < shai_builder_scene_count(b); s++) {
        const char *file = NULL, *scene = NULL, *scorer = NULL;
        if (shai_builder_scene(b, s, &scene, &file, NULL, NULL) != SHAI_OK || !file)
            continue;
        uint32_t line = 0;
        for (uint32_t k = 0; shai_builder_scene_scorer(b, s, k, &scorer, NULL, &line) == SHAI_OK;
             k++) {
            const char *best = NULL;
            size_t best_d = 3;
            bool found = false;
            for (uint32_t i = 0; i < nscorers && !found; i++) {
                const char *name = NULL;
                if (shai_builder_scorer(b, i, &name, NULL, NULL) != SHAI_OK || !name)
                    continue;
                found = strcmp(name, scorer) == 0;
                size_t d = distance(scorer, name);
                if (d < best_d) {
                    best_d = d;
                    best = name;
                }
            }
            struct lint_entry at = {.file = file_index(L, file), .line = line};
            if (found || at.file == L->n_files)
                continue;
            msg_str(L, "scene ");
            msg_text(L, scene, strlen(scene));
            msg_str(L, ": no scorer is named ");
            msg_text(L, scorer, strlen(scorer));
            if (best) {
                msg_str(L, "; did you mean ");
                msg_text(L, best, strlen(best));
                msg_str(L, "?");
            } else if (!nscorers) {
                msg_str(L, " (the sources define no @scorer)");
            }
            finish(L, &at, SEV_WARNING);
        }
    }
}

/* ----------------------------------------------------------------- command */

/* Lines per 10,000 of a reference corpus a deny rule may hit (--corpus):
 * the bundled contact rules hit at most about 10 (phone numbers in Weibo
 * posts, real ones), \d{5,} hits 100 to 400 on the user-generated corpora. */
#define DEFAULT_MAX_RULE_RATE 20
#define DEFAULT_MAX_RULE_RATE_STR "20"

void cmd_lint_help(FILE *out)
{
    fputs("Usage: shai lint [OPTION]... [PATH]...\n"
          "Check lexicon files for problems the compiler accepts silently. Each\n"
          "PATH is a lexicon file, or a directory whose *.txt files are read\n"
          "(recursively); all of them are checked together, as one lexicon.\n"
          "Without PATH the default lexicon is checked ($" SHAI_DEFAULT_LEXICON_ENV "\n"
          "if set, else " SHAI_DEFAULT_LEXICON ").\n"
          "\n"
          "Options:\n"
          "      --strict    treat warnings as errors (exit status 1)\n"
          "      --no-fold   check for exact matching (shai compile --no-fold):\n"
          "                  entries are compared unfolded\n"
          "      --corpus=FILE  a reference corpus (one text a line; repeatable; -\n"
          "                  for standard input): warn about deny rules that hit\n"
          "                  more lines of it than --max-rule-rate\n"
          "      --max-rule-rate=N  lines per 10,000 of the corpus a deny rule may\n"
          "                  hit (default " DEFAULT_MAX_RULE_RATE_STR ")\n"
          "  -q, --quiet     no summary line on standard error\n"
          "  -h, --help      show this help and exit\n"
          "      --version   show the version and exit\n"
          "\n"
          "Each problem is one line on standard output, ordered by file and line:\n"
          "  FILE:LINE: error: MESSAGE\n"
          "  FILE:LINE: warning: MESSAGE\n"
          "  (FILE:LINE:COL: for a finding at a column of the line)\n"
          "\n"
          "Errors (certainly wrong):\n"
          "  - a line the compiler refuses (invalid UTF-8, a control character,\n"
          "    an empty or too long entry, a bad rule, directive or attribute):\n"
          "    every such line is reported (FILE:LINE:COL, an invisible character\n"
          "    named by its code point, e.g. U+0016), and the other lines are\n"
          "    still checked;\n"
          "  - the same entry (same text and kind: deny or allow, exact or folded)\n"
          "    written twice in one file; the library merges them silently;\n"
          "  - an entry that folds to nothing (e.g. only zero-width characters): it\n"
          "    can never match;\n"
          "  - a deny entry that is, or folds to, one of the 500 most frequent\n"
          "    Chinese characters (of user-generated text): it matches a large\n"
          "    share of all texts.\n"
          "Warnings:\n",
          out);
    fputs("  - the same entry in two files (the first file's category is kept);\n"
          "  - two entries of the same kind that fold to the same key, e.g. 賭博\n"
          "    and 赌博: one of them is redundant (both places are shown);\n"
          "  - an allow entry that folds like a deny entry: that deny entry can\n"
          "    never be a violation;\n"
          "  - any other single-character deny entry with action block;\n"
          "  - a deny word and an allow word that overlap so that where they meet\n"
          "    (是垃圾 and 垃圾桶 in 是垃圾桶) the allow word covers the deny word: that\n"
          "    text passes (an allow entry for the meeting text says it should);\n"
          "  - an allow entry that suppresses nothing: scanned alone, it contains no\n"
          "    hit of any deny entry of the lexicon; when it overlaps a deny entry\n"
          "    partially without covering it (老妈 and 妈的: in 老妈的 the allow hit\n"
          "    does not cover the deny hit), the message names the deny entry with\n"
          "    the longest such overlap and that text;\n"
          "  - rule cost (FILE:LINE:COL): a rule whose backtracking grows faster\n"
          "    than the line: unbounded repetitions in a row over the same\n"
          "    characters (\\s*\\s*, \\s*(?:x)?\\s*), a repeated group ending with an\n"
          "    unbounded repetition of what begins it ((a+)+), or a repeated group\n"
          "    of alternatives that begin alike ((a|a)*);\n"
          "  - a category declared with @categories that no entry uses;\n"
          "  - a scene's score:NAME line that names no @scorer of the sources\n"
          "    (the nearest name, if any): it turns nothing on;\n"
          "  - a shadowed entry, one that another entry always wins over: an exact\n"
          "    word that an earlier folded word of the same kind matches entirely\n"
          "    (of two entries matching the same span the earlier is reported, so\n"
          "    the exact one never is); a deny word with action review whose text\n"
          "    contains a match of a block word of the same category that no\n"
          "    allow word contains or covers by a partial overlap\n"
          "    (wherever it matches, the text is blocked: its review action never\n"
          "    counts);\n"
          "  - with --corpus: a deny rule that hits more than --max-rule-rate lines\n"
          "    per 10,000 lines of the corpus, checked as 'shai scan' does (e.g.\n"
          "    re:\\d{5,} matches order numbers and dates), with the first line it\n"
          "    hits.\n"
          "When the lexicon declares its categories (@categories NAME..., in any\n"
          "file), a category that an entry is written with, or a scene names, and\n"
          "that is not declared is an error (one per file and category, with the\n"
          "nearest declared name): a typo such as 'gamblng'.\n"
          "Folding uses the stages the compiled db would use (all, or none with\n"
          "--no-fold).\n"
          "\n"
          "Exit status: 0 if there was no error (and, with --strict, no warning),\n"
          "1 if there was one, 2 if a file or corpus could not be read (nothing\n"
          "is checked).\n",
          out);
}

enum {
    OPT_STRICT = 1,
    OPT_NO_FOLD,
    OPT_QUIET,
    OPT_HELP,
    OPT_VERSION,
    OPT_CORPUS,
    OPT_MAX_RULE_RATE
};

static const struct cli_option lint_options[] = {
    {"strict", 0, CLI_ARG_NONE, OPT_STRICT},
    {"no-fold", 0, CLI_ARG_NONE, OPT_NO_FOLD},
    {"corpus", 0, CLI_ARG_REQUIRED, OPT_CORPUS},
    {"max-rule-rate", 0, CLI_ARG_REQUIRED, OPT_MAX_RULE_RATE},
    {"quiet", 'q', CLI_ARG_NONE, OPT_QUIET},
    {"help", 'h', CLI_ARG_NONE, OPT_HELP},
    {"version", 0, CLI_ARG_NONE, OPT_VERSION},
    {NULL, 0, 0, 0},
};

static void lint_free(struct lint *L)
{
    for (size_t i = 0; i < L->n_files; i++)
        free(L->files[i].path);
    free(L->files);
    for (size_t i = 0; i < L->n_entries; i++) {
        free(L->entries[i].key);
        free(L->entries[i].same);
    }
    free(L->entries);
    free(L->by_index);
    for (size_t i = 0; i < L->n_findings; i++)
        free(L->findings[i].message);
    free(L->findings);
    cli_out_free_memory(&L->msg);
}

/* Skipped line k of the builder, from file `file`: an error finding. */
static int lint_skipped(struct lint *L, const shai_builder *b, uint32_t k, uint32_t file)
{
    const char *message = NULL;
    uint32_t line = 0, col = 0;
    struct lint_entry at = {0};
    if (shai_builder_skipped(b, k, NULL, &line, &col, &message) != SHAI_OK)
        return -1;
    at.file = file;
    at.line = line;
    msg_str(L, message);
    finish_at(L, &at, SEV_ERROR, col);
    return L->failed ? -1 : 0;
}

/* shai_builder_walk_path: keep the lexicon files. */
static int add_file_name(const char *path, uint32_t kind, void *user)
{
    struct lint *L = user;
    struct lint_file *q;

    if (kind != SHAI_PATH_FILE)
        return 0;
    if (L->n_files % 64 == 0) {
        q = realloc(L->files, (L->n_files + 64) * sizeof *q);
        if (!q) {
            L->failed = true;
            return 1;
        }
        L->files = q;
    }
    L->files[L->n_files].path = strdup(path);
    L->files[L->n_files].end = 0;
    if (!L->files[L->n_files].path) {
        L->failed = true;
        return 1;
    }
    L->n_files++;
    return 0;
}

int cmd_lint(int argc, char **argv)
{
    struct cli_parser p;
    struct lint L;
    const char **operands;
    size_t n_operands = 0, errors = 0, warnings = 0;
    struct lint_entry **v = NULL;
    bool strict = false, no_fold = false, quiet = false, bad = false;
    const char **corpus = NULL;
    size_t n_corpus = 0;
    unsigned long max_rule_rate = DEFAULT_MAX_RULE_RATE;
    shai_builder *b = NULL;
    shai_db *db = NULL;
    const char *arg;
    int id, rc, status = CLI_EXIT_ERROR;

    memset(&L, 0, sizeof L);
    cli_out_init_memory(&L.msg);
    operands = cli_arg_list(argc);
    if (!operands)
        return CLI_EXIT_ERROR;
    corpus = cli_arg_list(argc);
    if (!corpus) {
        free(operands);
        return CLI_EXIT_ERROR;
    }
    cli_parser_init(&p, argc, argv, "lint");
    while ((id = cli_next(&p, lint_options, &arg)) != CLI_NEXT_END) {
        switch (id) {
        case CLI_NEXT_ERROR:
            goto out;
        case CLI_NEXT_OPERAND:
            if (!cli_lexicon_path("lint", arg))
                goto out;
            operands[n_operands++] = arg;
            break;
        case OPT_STRICT:
            strict = true;
            break;
        case OPT_NO_FOLD:
            no_fold = true;
            break;
        case OPT_QUIET:
            quiet = true;
            break;
        case OPT_CORPUS:
            if (!arg[0]) {
                cli_usage_error("lint", "--corpus needs a file name");
                goto out;
            }
            corpus[n_corpus++] = arg;
            break;
        case OPT_MAX_RULE_RATE:
            if (!cli_parse_uint("lint", "--max-rule-rate", arg, 0, 10000, &max_rule_rate))
                goto out;
            break;
        case OPT_HELP:
            status = cli_print_help(cmd_lint_help);
            goto out;
        case OPT_VERSION:
            status = cli_version();
            goto out;
        default:
            goto out;
        }
    }
    if (n_operands == 0)
        operands[n_operands++] = cli_default_lexicon();
    L.fold = no_fold ? 0 : SHAI_FOLD_ALL;

    rc = shai_builder_new(&b);
    if (rc == SHAI_OK && no_fold)
        rc = cli_set_no_fold(b);
    /* every malformed line reported, the others checked */
    if (rc == SHAI_OK)
        rc = shai_builder_set_option(b, SHAI_OPT_LENIENT, 1);
    if (rc != SHAI_OK) {
        cli_error("cannot create a lexicon builder: %s", shai_status_message(rc));
        goto out;
    }
    /* The files, in the order the library reads them. */
    for (size_t i = 0; i < n_operands; i++) {
        rc = shai_builder_walk_path(b, operands[i], add_file_name, &L);
        if (rc != SHAI_OK) {
            cli_walk_error(b, operands[i], rc, L.failed);
            goto out;
        }
    }
    /* Every file through the library's parser, one at a time, leniently:
     * every malformed line of every file. */
    for (size_t i = 0; i < L.n_files; i++) {
        uint32_t skipped = shai_builder_skipped_count(b);
        rc = shai_builder_add_path(b, L.files[i].path);
        for (uint32_t k = skipped; rc == SHAI_OK && k < shai_builder_skipped_count(b); k++)
            if (lint_skipped(&L, b, k, (uint32_t)i) != 0)
                rc = SHAI_E_NOMEM;
        if (rc != SHAI_OK) {
            if (shai_builder_error_errno(b) != 0)
                cli_error("%s: %s", L.files[i].path, strerror(shai_builder_error_errno(b)));
            else
                cli_builder_error(b, L.files[i].path, rc, NULL);
            bad = true;
        }
        L.files[i].end = shai_builder_addition_count(b);
    }
    if (bad)
        goto out;
    rc = shai_builder_compile(b, &db);
    if (rc != SHAI_OK) {
        const char *msg = shai_builder_error_message(b);
        cli_error("cannot compile the lexicon: %s", msg && msg[0] ? msg : shai_status_message(rc));
        goto out;
    }

    if (collect_entries(&L, b, db) != 0) {
        cli_error("out of memory");
        goto out;
    }
    for (size_t i = 0; i < L.n_entries; i++) {
        if (fold_entry(&L, &L.entries[i]) != 0) {
            cli_error("%s:%u: cannot fold the entry", L.files[L.entries[i].file].path,
                      L.entries[i].line);
            goto out;
        }
    }
    v = malloc((L.n_entries + 1) * sizeof *v);
    if (!v) {
        cli_error("out of memory");
        goto out;
    }
    for (size_t i = 0; i < L.n_entries; i++)
        v[i] = &L.entries[i];
    check_duplicates(&L, v, L.n_entries);
    if (map_entries(&L, db) != 0 || scan_entries(&L, db) != 0)
        goto out;
    check_reach(&L);
    check_collisions(&L);
    check_allow(&L, db);
    check_partial_allow(&L);
    check_rules(&L, db);
    check_categories(&L, b);
    check_scene_scorers(&L, b);
    check_shadowed(&L, db);
    if (n_corpus > 0 && !L.failed)
        check_rule_rates(&L, db, corpus, n_corpus, max_rule_rate);
    if (L.io_error)
        goto out;
    if (L.failed) {
        cli_error("out of memory");
        goto out;
    }

    if (L.n_findings > 1)
        qsort(L.findings, L.n_findings, sizeof *L.findings, cmp_findings);
    for (size_t i = 0; i < L.n_findings; i++) {
        const struct finding *f = &L.findings[i];
        const char *path = L.files[f->file].path;
        cli_out_text_escaped(&cli_stdout, path, strlen(path));
        cli_out_char(&cli_stdout, ':');
        cli_out_u64(&cli_stdout, f->line);
        if (f->col) {
            cli_out_char(&cli_stdout, ':');
            cli_out_u64(&cli_stdout, f->col);
        }
        cli_out_str(&cli_stdout, f->severity == SEV_ERROR ? ": error: " : ": warning: ");
        cli_out_str(&cli_stdout, f->message);
        cli_out_char(&cli_stdout, '\n');
        if (f->severity == SEV_ERROR)
            errors++;
        else
            warnings++;
    }
    if (cli_out_flush(&cli_stdout) != 0) {
        fprintf(stderr, "shai: write error: %s\n", strerror(cli_stdout.error));
        goto out;
    }
    if (!quiet)
        fprintf(stderr, "shai: lint: %zu error%s, %zu warning%s in %zu entries, %zu file%s\n",
                errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s", L.n_entries,
                L.n_files, L.n_files == 1 ? "" : "s");
    status = errors > 0 || (strict && warnings > 0) ? CLI_EXIT_HITS : CLI_EXIT_CLEAN;

out:
    free(v);
    shai_db_free(db);
    shai_builder_free(b);
    lint_free(&L);
    free(operands);
    free(corpus);
    return status;
}
