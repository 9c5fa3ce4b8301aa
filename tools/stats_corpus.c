/*
 * `shai stats --corpus FILE`: what a lexicon does to a corpus, for pruning:
 * the lines that would go to review or block (per 10,000), and the hits of
 * each category and each entry (and in how many lines), under the scene the
 * options chose. Each line of each file is one text, checked as shai_check
 * does (violations, leftmost-longest), in batches through
 * shai_check_batch_policy with one scratch.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 1024

struct tally {
    uint64_t hits, lines;
    uint64_t last_line; /* 1 + the last line counted, 0: none */
};

struct corpus {
    const shai_db *db;
    const shai_policy *policy;
    shai_scratch *scratch;
    uint64_t lines, review, block, hits;
    struct tally *entries;    /* by entry index */
    struct tally *categories; /* by category id */
    shai_hit *hits_buf;
    size_t hits_cap;
};

static int read_all(const char *path, char **data, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return errno ? errno : EIO;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    int err = buf ? 0 : ENOMEM;
    while (!err) {
        if (n == cap) {
            char *q = realloc(buf, cap * 2);
            if (!q) {
                err = ENOMEM;
                break;
            }
            buf = q;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                err = EIO;
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (err) {
        free(buf);
        return err;
    }
    *data = buf;
    *len = n;
    return 0;
}

/* Checks lines [0, n) of a batch; `first` is the corpus line number of the
 * first. */
static int check_batch(struct corpus *c, const char *const *texts, const size_t *lens, size_t n,
                       uint64_t first)
{
    uint32_t verdicts[BATCH];
    size_t offsets[BATCH + 1];
    int rc;
    for (;;) {
        rc = shai_check_batch_policy(c->db, c->policy, c->scratch, texts, lens, n, 0, verdicts,
                                     NULL, c->hits_buf, c->hits_cap, offsets);
        if (rc != SHAI_E_BUFFER_TOO_SMALL)
            break;
        size_t cap = offsets[n] + 1024;
        shai_hit *q = realloc(c->hits_buf, cap * sizeof *q);
        if (!q)
            return SHAI_E_NOMEM;
        c->hits_buf = q;
        c->hits_cap = cap;
    }
    if (rc != SHAI_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        uint64_t line = first + i + 1;
        c->review += verdicts[i] == SHAI_ACTION_REVIEW;
        c->block += verdicts[i] == SHAI_ACTION_BLOCK;
        for (size_t k = offsets[i]; k < offsets[i + 1]; k++) {
            const shai_hit *h = &c->hits_buf[k];
            struct tally *t[2] = {&c->entries[h->entry], &c->categories[h->category]};
            for (int j = 0; j < 2; j++) {
                t[j]->hits++;
                if (t[j]->last_line != line) {
                    t[j]->lines++;
                    t[j]->last_line = line;
                }
            }
            c->hits++;
        }
    }
    return SHAI_OK;
}

static int check_file(struct corpus *c, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    int err = read_all(path, &data, &len);
    if (err) {
        cli_error("%s: %s", path, strerror(err));
        return CLI_EXIT_ERROR;
    }
    const char *texts[BATCH];
    size_t lens[BATCH], n = 0;
    uint64_t first = c->lines;
    int rc = SHAI_OK;
    for (size_t at = 0; at < len && rc == SHAI_OK;) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - data) : len;
        texts[n] = data + at;
        lens[n++] = end - at;
        at = nl ? end + 1 : len;
        c->lines++;
        if (n == BATCH || at >= len) {
            rc = check_batch(c, texts, lens, n, first);
            first = c->lines;
            n = 0;
        }
    }
    free(data);
    if (rc != SHAI_OK) {
        cli_error("%s: check failed: %s", path, shai_status_message(rc));
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_CLEAN;
}

static const char *name_of_category(const shai_db *db, uint32_t id)
{
    const char *name = NULL;
    return shai_db_category_name(db, id, &name) == SHAI_OK && name ? name : "?";
}

static struct corpus *sort_corpus; /* for qsort's comparison only */

static int cmp_entries(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    uint64_t ha = sort_corpus->entries[a].hits, hb = sort_corpus->entries[b].hits;
    if (ha != hb)
        return ha > hb ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* The action entry `index` is reported with under the policy. */
static const char *entry_action(const struct corpus *c, uint32_t index, uint32_t category)
{
    uint32_t action = SHAI_ACTION_REVIEW, mapped = SHAI_SCENE_KEEP;
    shai_db_entry_info(c->db, index, NULL, &action, NULL, NULL, NULL);
    if (c->policy && shai_policy_category(c->policy, category, &mapped) == SHAI_OK &&
        mapped != SHAI_SCENE_KEEP && mapped != SHAI_SCENE_OFF)
        action = mapped;
    return shai_action_name(action);
}

static void per_10k(struct cli_out *o, uint64_t n, uint64_t lines)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.1f", lines ? (double)n * 10000.0 / (double)lines : 0.0);
    cli_out_str(o, buf);
}

static void print_corpus(const struct corpus *c, const char *const *files, size_t n_files,
                         const char *scene, const uint32_t *order, size_t n_hit, bool json)
{
    struct cli_out *o = &cli_stdout;
    uint32_t ncat = shai_db_category_count(c->db), nent = shai_db_entry_count(c->db);
    char buf[128];
    if (json) {
        cli_out_str(o, "{\"corpus\":[");
        for (size_t i = 0; i < n_files; i++) {
            if (i)
                cli_out_char(o, ',');
            cli_out_json_string(o, files[i], strlen(files[i]));
        }
        cli_out_str(o, "],\"scene\":");
        if (scene)
            cli_out_json_string(o, scene, strlen(scene));
        else
            cli_out_str(o, "null");
        cli_out_str(o, ",\"lines\":");
        cli_out_u64(o, c->lines);
        cli_out_str(o, ",\"review\":");
        cli_out_u64(o, c->review);
        cli_out_str(o, ",\"block\":");
        cli_out_u64(o, c->block);
        cli_out_str(o, ",\"hits\":");
        cli_out_u64(o, c->hits);
        cli_out_str(o, ",\"categories\":[");
        for (uint32_t i = 0; i < ncat; i++) {
            const char *name = name_of_category(c->db, i);
            cli_out_str(o, i ? ",{\"name\":" : "{\"name\":");
            cli_out_json_string(o, name, strlen(name));
            cli_out_str(o, ",\"hits\":");
            cli_out_u64(o, c->categories[i].hits);
            cli_out_str(o, ",\"lines\":");
            cli_out_u64(o, c->categories[i].lines);
            cli_out_char(o, '}');
        }
        cli_out_str(o, "],\"entries\":[");
        for (size_t k = 0; k < n_hit; k++) {
            uint32_t e = order[k], category = 0;
            const char *text = "";
            size_t len = 0;
            shai_db_entry_text(c->db, e, &text, &len);
            shai_db_entry_info(c->db, e, &category, NULL, NULL, NULL, NULL);
            const char *cat = name_of_category(c->db, category);
            cli_out_str(o, k ? ",{\"index\":" : "{\"index\":");
            cli_out_u64(o, e);
            cli_out_str(o, ",\"entry\":");
            cli_out_json_string(o, text, len);
            cli_out_str(o, ",\"category\":");
            cli_out_json_string(o, cat, strlen(cat));
            cli_out_str(o, ",\"action\":\"");
            cli_out_str(o, entry_action(c, e, category));
            cli_out_str(o, "\",\"hits\":");
            cli_out_u64(o, c->entries[e].hits);
            cli_out_str(o, ",\"lines\":");
            cli_out_u64(o, c->entries[e].lines);
            cli_out_char(o, '}');
        }
        cli_out_str(o, "]}\n");
        return;
    }
    cli_out_str(o, "corpus:       ");
    for (size_t i = 0; i < n_files; i++) {
        cli_out_str(o, i ? ", " : "");
        cli_out_text_escaped(o, files[i], strlen(files[i]));
    }
    cli_out_str(o, "\nscene:        ");
    cli_out_str(o, scene ? scene : "(none)");
    cli_out_str(o, "\nlines:        ");
    cli_out_u64(o, c->lines);
    cli_out_str(o, "\n  review:     ");
    cli_out_u64(o, c->review);
    cli_out_str(o, " (");
    per_10k(o, c->review, c->lines);
    cli_out_str(o, " per 10k)\n  block:      ");
    cli_out_u64(o, c->block);
    cli_out_str(o, " (");
    per_10k(o, c->block, c->lines);
    cli_out_str(o, " per 10k)\nhits:         ");
    cli_out_u64(o, c->hits);
    snprintf(buf, sizeof buf, "\ncategories:\n  %8s %8s  %s\n", "hits", "lines", "category");
    cli_out_str(o, buf);
    for (uint32_t i = 0; i < ncat; i++) {
        snprintf(buf, sizeof buf, "  %8llu %8llu  ", (unsigned long long)c->categories[i].hits,
                 (unsigned long long)c->categories[i].lines);
        cli_out_str(o, buf);
        const char *name = name_of_category(c->db, i);
        cli_out_text_escaped(o, name, strlen(name));
        cli_out_char(o, '\n');
    }
    snprintf(buf, sizeof buf, "entries:      %zu hit, %llu never hit\n  %8s %8s  %s\n", n_hit,
             (unsigned long long)(nent - n_hit), "hits", "lines", "entry [category/action]");
    cli_out_str(o, buf);
    for (size_t k = 0; k < n_hit; k++) {
        uint32_t e = order[k], category = 0;
        const char *text = "";
        size_t len = 0;
        shai_db_entry_text(c->db, e, &text, &len);
        shai_db_entry_info(c->db, e, &category, NULL, NULL, NULL, NULL);
        snprintf(buf, sizeof buf, "  %8llu %8llu  ", (unsigned long long)c->entries[e].hits,
                 (unsigned long long)c->entries[e].lines);
        cli_out_str(o, buf);
        cli_out_text_escaped(o, text, len);
        cli_out_str(o, " [");
        cli_out_str(o, name_of_category(c->db, category));
        cli_out_char(o, '/');
        cli_out_str(o, entry_action(c, e, category));
        cli_out_str(o, "]\n");
    }
}

int cli_stats_corpus(const shai_db *db, const shai_policy *policy, const char *scene,
                     const char *const *files, size_t n_files, bool json)
{
    struct corpus c;
    uint32_t nent = shai_db_entry_count(db), ncat = shai_db_category_count(db);
    uint32_t *order = NULL;
    int status = CLI_EXIT_ERROR;

    memset(&c, 0, sizeof c);
    c.db = db;
    c.policy = policy;
    c.entries = calloc((size_t)nent + 1, sizeof *c.entries);
    c.categories = calloc((size_t)ncat + 1, sizeof *c.categories);
    order = malloc(((size_t)nent + 1) * sizeof *order);
    c.hits_cap = 4 * BATCH;
    c.hits_buf = malloc(c.hits_cap * sizeof *c.hits_buf);
    if (!c.entries || !c.categories || !order || !c.hits_buf ||
        shai_scratch_new(db, &c.scratch) != SHAI_OK) {
        cli_error("out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_files; i++)
        if (check_file(&c, files[i]) != CLI_EXIT_CLEAN)
            goto out;
    size_t n_hit = 0;
    for (uint32_t e = 0; e < nent; e++)
        if (c.entries[e].hits)
            order[n_hit++] = e;
    sort_corpus = &c;
    qsort(order, n_hit, sizeof *order, cmp_entries);
    print_corpus(&c, files, n_files, scene, order, n_hit, json);
    status = CLI_EXIT_CLEAN;
out:
    shai_scratch_free(c.scratch);
    free(c.hits_buf);
    free(order);
    free(c.entries);
    free(c.categories);
    return status;
}
