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
    struct cli_out msg; /* the message being built */
    bool failed;        /* out of memory or another hard error */
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
    f->seq = L->n_findings;
    f->severity = severity;
    f->message = m;
    L->n_findings++;
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
};

static int on_self_hit(const shai_hit *hit, void *user)
{
    struct self_scan *ss = user;
    struct lint_entry *e = ss->e;

    if (hit->start != 0 || hit->end != e->len)
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
        struct self_scan ss = {e, false};
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
    struct self_scan ss = {&copy, false};
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
        finish(L, e, SEV_WARNING);
    }
}

static int cmp_key(const void *a, const void *b)
{
    const struct lint_entry *x = *(const struct lint_entry *const *)a;
    const struct lint_entry *y = *(const struct lint_entry *const *)b;
    return cmp_bytes(x->key, x->key_len, y->key, y->key_len);
}

/* Deny and allow words that overlap partially where the allow word covers
 * the deny word: a proper suffix of the deny word (folded) that is more
 * than half of it is a proper prefix of the allow word, as 是垃圾 and 垃圾桶
 * in 这里是垃圾桶 (shai_check). A text where they meet passes; the author
 * should know. Shorter overlaps (操你妈, 妈妈) cover nothing and are not
 * listed. One warning per pair, at the deny entry. */
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
    (void)L;
    (void)db;
}

/* ----------------------------------------------------------------- command */

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
          "  -q, --quiet     no summary line on standard error\n"
          "  -h, --help      show this help and exit\n"
          "      --version   show the version and exit\n"
          "\n"
          "Each problem is one line on standard output, ordered by file and line:\n"
          "  FILE:LINE: error: MESSAGE\n"
          "  FILE:LINE: warning: MESSAGE\n"
          "\n"
          "Errors (certainly wrong):\n"
          "  - the same entry (same text and kind: deny or allow, exact or folded)\n"
          "    written twice in one file; the library merges them silently;\n"
          "  - an entry that folds to nothing (e.g. only zero-width characters): it\n"
          "    can never match;\n"
          "  - a deny entry that is, or folds to, one of the 500 most frequent\n"
          "    Chinese characters (of user-generated text): it matches a large\n"
          "    share of all texts.\n"
          "Warnings:\n"
          "  - the same entry in two files (the first file's category is kept);\n"
          "  - two entries of the same kind that fold to the same key, e.g. 賭博\n"
          "    and 赌博: one of them is redundant (both places are shown);\n"
          "  - an allow entry that folds like a deny entry: that deny entry can\n"
          "    never be a violation;\n"
          "  - any other single-character deny entry with action block;\n"
          "  - an allow entry that suppresses nothing: scanned alone, it contains no\n"
          "    hit of any deny entry of the lexicon.\n"
          "Folding uses the stages the compiled db would use (all, or none with\n"
          "--no-fold).\n"
          "\n"
          "Exit status: 0 if there was no error (and, with --strict, no warning),\n"
          "1 if there was one, 2 if a file could not be read or parsed (the parse\n"
          "error is printed as FILE:LINE:COL: MESSAGE, and nothing is checked).\n",
          out);
}

enum { OPT_STRICT = 1, OPT_NO_FOLD, OPT_QUIET, OPT_HELP, OPT_VERSION };

static const struct cli_option lint_options[] = {
    {"strict", 0, CLI_ARG_NONE, OPT_STRICT},   {"no-fold", 0, CLI_ARG_NONE, OPT_NO_FOLD},
    {"quiet", 'q', CLI_ARG_NONE, OPT_QUIET},   {"help", 'h', CLI_ARG_NONE, OPT_HELP},
    {"version", 0, CLI_ARG_NONE, OPT_VERSION}, {NULL, 0, 0, 0},
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
    shai_builder *b = NULL;
    shai_db *db = NULL;
    const char *arg;
    int id, rc, status = CLI_EXIT_ERROR;

    memset(&L, 0, sizeof L);
    cli_out_init_memory(&L.msg);
    operands = cli_arg_list(argc);
    if (!operands)
        return CLI_EXIT_ERROR;
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
    if (rc != SHAI_OK) {
        cli_error("cannot create a lexicon builder: %s", shai_status_message(rc));
        goto out;
    }
    /* The files, in the order the library reads them. */
    for (size_t i = 0; i < n_operands; i++) {
        rc = shai_builder_walk_path(b, operands[i], add_file_name, &L);
        if (rc != SHAI_OK) {
            if (L.failed)
                cli_error("out of memory");
            else if (shai_builder_error_errno(b) != 0)
                cli_error("%s: %s", shai_builder_error_file(b),
                          strerror(shai_builder_error_errno(b)));
            else
                cli_builder_error(b, operands[i], rc, NULL);
            goto out;
        }
    }
    /* Every file through the library's parser, one at a time: all parse
     * errors. */
    for (size_t i = 0; i < L.n_files; i++) {
        rc = shai_builder_add_path(b, L.files[i].path);
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
    return status;
}
