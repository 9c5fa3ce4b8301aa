/*
 * `shai stats`: what a lexicon or saved db contains (entries per category and
 * action) and how it matches (options, fold tables).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

struct category_count {
    uint64_t block, review, allow;
};

struct stats {
    uint64_t entries, block, review, allow, exact, rules;
    uint32_t n_categories;
    struct category_count *categories;
    size_t size;
    int64_t fold, max_gap, repeats;
};

static int collect(const shai_db *db, struct stats *st)
{
    int rc;

    memset(st, 0, sizeof *st);
    st->entries = shai_db_entry_count(db);
    st->n_categories = shai_db_category_count(db);
    st->categories = calloc((size_t)st->n_categories + 1, sizeof *st->categories);
    if (!st->categories)
        return SHAI_E_NOMEM;
    for (uint32_t i = 0; i < st->entries; i++) {
        uint32_t category = 0, action = 0, flags = 0;
        rc = shai_db_entry_info(db, i, &category, &action, &flags, NULL, NULL);
        if (rc != SHAI_OK)
            return rc;
        struct category_count *c = category < st->n_categories ? &st->categories[category] : NULL;
        if (flags & SHAI_ENTRY_EXACT)
            st->exact++;
        if (flags & SHAI_ENTRY_RULE)
            st->rules++;
        if (flags & SHAI_ENTRY_ALLOW) {
            st->allow++;
            if (c)
                c->allow++;
        } else if (action == SHAI_ACTION_BLOCK) {
            st->block++;
            if (c)
                c->block++;
        } else {
            st->review++;
            if (c)
                c->review++;
        }
    }
    /* the size of the saved image (shai_db_size is the memory, more) */
    if ((rc = shai_db_serialize(db, NULL, 0, &st->size)) != SHAI_E_BUFFER_TOO_SMALL)
        return rc ? rc : SHAI_E_INVALID_ARG;
    if ((rc = shai_db_option(db, SHAI_OPT_FOLD, &st->fold)) != SHAI_OK ||
        (rc = shai_db_option(db, SHAI_OPT_MAX_GAP, &st->max_gap)) != SHAI_OK ||
        (rc = shai_db_option(db, SHAI_OPT_REPEATS, &st->repeats)) != SHAI_OK)
        return rc;
    return SHAI_OK;
}

static const char *category_name(const shai_db *db, uint32_t id)
{
    const char *name = NULL;
    if (shai_db_category_name(db, id, &name) != SHAI_OK || !name)
        return "?";
    return name;
}

struct source {
    const char *kind; /* "db" or "lexicon" */
    const char *const *paths;
    size_t n;
};

/* What scene `scene` does, grouped by action: "off: ad-law; review:
 * abuse, hate; others keep". */
static void print_scene_text(struct cli_out *o, const shai_db *db, uint32_t scene)
{
    static const uint32_t order[] = {SHAI_SCENE_OFF, SHAI_ACTION_REVIEW, SHAI_ACTION_BLOCK};
    static const char *const names[] = {"off", "review", "block"};
    uint32_t n = shai_db_category_count(db), kept = 0;
    bool any = false;

    for (uint32_t c = 0; c < n; c++) {
        uint32_t a = SHAI_SCENE_KEEP;
        shai_db_scene_action(db, scene, c, &a);
        kept += a == SHAI_SCENE_KEEP;
    }
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        bool first = true;
        for (uint32_t c = 0; c < n; c++) {
            uint32_t a = SHAI_SCENE_KEEP;
            shai_db_scene_action(db, scene, c, &a);
            if (a != order[k])
                continue;
            cli_out_str(o, first ? (any ? "; " : "") : ", ");
            if (first) {
                cli_out_str(o, names[k]);
                cli_out_str(o, ": ");
            }
            const char *name = category_name(db, c);
            cli_out_text_escaped(o, name, strlen(name));
            first = false;
            any = true;
        }
    }
    if (kept)
        cli_out_str(o, any ? "; others keep" : "every category keeps its entries' actions");
}

static void print_text(const shai_db *db, const struct stats *st, const struct source *src)
{
    struct cli_out *o = &cli_stdout;
    char buf[256];

    cli_out_str(o, "source:       ");
    cli_out_str(o, src->kind);
    for (size_t i = 0; i < src->n; i++) {
        cli_out_str(o, i ? ", " : " ");
        cli_out_text_escaped(o, src->paths[i], strlen(src->paths[i]));
    }
    snprintf(buf, sizeof buf,
             "\nentries:      %llu\n"
             "  deny:       %llu (block %llu, review %llu)\n"
             "  allow:      %llu\n"
             "  exact:      %llu\n"
             "  rules:      %llu\n"
             "categories:   %u\n"
             "  %8s %8s %8s %8s  %s\n",
             (unsigned long long)st->entries, (unsigned long long)(st->block + st->review),
             (unsigned long long)st->block, (unsigned long long)st->review,
             (unsigned long long)st->allow, (unsigned long long)st->exact,
             (unsigned long long)st->rules, st->n_categories, "block", "review", "allow", "total",
             "category");
    cli_out_str(o, buf);
    for (uint32_t i = 0; i < st->n_categories; i++) {
        const struct category_count *c = &st->categories[i];
        const char *name = category_name(db, i);
        snprintf(buf, sizeof buf, "  %8llu %8llu %8llu %8llu  ", (unsigned long long)c->block,
                 (unsigned long long)c->review, (unsigned long long)c->allow,
                 (unsigned long long)(c->block + c->review + c->allow));
        cli_out_str(o, buf);
        cli_out_text_escaped(o, name, strlen(name));
        cli_out_char(o, '\n');
    }
    snprintf(buf, sizeof buf, "scenes:       %u\n", shai_db_scene_count(db));
    cli_out_str(o, buf);
    for (uint32_t i = 0; i < shai_db_scene_count(db); i++) {
        const char *name = "";
        shai_db_scene_name(db, i, &name);
        cli_out_str(o, "  ");
        cli_out_text_escaped(o, name, strlen(name));
        cli_out_str(o, ": ");
        print_scene_text(o, db, i);
        cli_out_char(o, '\n');
    }
    /* the scorers (a second stage of a check), when the db has any */
    for (uint32_t i = 0; i < shai_db_scorer_count(db); i++) {
        const char *name = "", *category = "";
        double threshold = 0;
        uint32_t weights = 0;
        shai_db_scorer_info(db, i, &name, &category, &threshold, &weights);
        if (i == 0) {
            snprintf(buf, sizeof buf, "scorers:      %u\n", shai_db_scorer_count(db));
            cli_out_str(o, buf);
        }
        cli_out_str(o, "  ");
        cli_out_text_escaped(o, name, strlen(name));
        cli_out_str(o, ": category ");
        cli_out_text_escaped(o, category, strlen(category));
        snprintf(buf, sizeof buf, ", threshold %.4f, %u weights", threshold, weights);
        cli_out_str(o, buf);
        uint32_t on = 0;
        for (uint32_t k = 0; k < shai_db_scene_count(db); k++) {
            uint32_t action = SHAI_SCENE_OFF;
            const char *scene = "";
            if (shai_db_scene_scorer(db, k, i, &action) != SHAI_OK || action == SHAI_SCENE_OFF)
                continue;
            shai_db_scene_name(db, k, &scene);
            cli_out_str(o, on++ ? ", " : "; on in ");
            cli_out_text_escaped(o, scene, strlen(scene));
            cli_out_str(o, action == SHAI_ACTION_BLOCK ? " (block)" : " (review)");
        }
        cli_out_str(o, on ? "\n" : "; no scene turns it on\n");
    }
    snprintf(buf, sizeof buf, "db size:      %zu bytes\nfold stages:  ", st->size);
    cli_out_str(o, buf);
    cli_out_str(o, cli_fold_stage_list((uint32_t)st->fold, buf, sizeof buf));
    snprintf(buf, sizeof buf, "\nmax gap:      %lld\nrepeats:      %s\n", (long long)st->max_gap,
             st->repeats ? "on" : "off");
    cli_out_str(o, buf);
    cli_out_str(o, "fold tables:  ");
    cli_out_str(o, shai_db_fold_table_version(db));
    if (strcmp(shai_db_fold_table_version(db), shai_fold_table_version()) != 0) {
        cli_out_str(o, " (this library: ");
        cli_out_str(o, shai_fold_table_version());
        cli_out_char(o, ')');
    }
    cli_out_str(o, "\nlibrary:      ");
    cli_out_str(o, shai_version_string());
    cli_out_char(o, '\n');
}

static void json_u64(const char *key, uint64_t v, bool comma)
{
    cli_out_json_string(&cli_stdout, key, strlen(key));
    cli_out_char(&cli_stdout, ':');
    cli_out_u64(&cli_stdout, v);
    if (comma)
        cli_out_char(&cli_stdout, ',');
}

static void print_json(const shai_db *db, const struct stats *st, const struct source *src)
{
    struct cli_out *o = &cli_stdout;
    const char *v;

    cli_out_str(o, "{\"source\":{\"kind\":");
    cli_out_json_string(o, src->kind, strlen(src->kind));
    cli_out_str(o, ",\"paths\":[");
    for (size_t i = 0; i < src->n; i++) {
        if (i)
            cli_out_char(o, ',');
        cli_out_json_string(o, src->paths[i], strlen(src->paths[i]));
    }
    cli_out_str(o, "]},");
    json_u64("entries", st->entries, true);
    cli_out_str(o, "\"deny\":{");
    json_u64("block", st->block, true);
    json_u64("review", st->review, false);
    cli_out_str(o, "},");
    json_u64("allow", st->allow, true);
    json_u64("exact", st->exact, true);
    json_u64("rules", st->rules, true);
    cli_out_str(o, "\"categories\":[");
    for (uint32_t i = 0; i < st->n_categories; i++) {
        const struct category_count *c = &st->categories[i];
        const char *name = category_name(db, i);
        cli_out_str(o, i ? ",{\"name\":" : "{\"name\":");
        cli_out_json_string(o, name, strlen(name));
        cli_out_char(o, ',');
        json_u64("block", c->block, true);
        json_u64("review", c->review, true);
        json_u64("allow", c->allow, false);
        cli_out_char(o, '}');
    }
    cli_out_str(o, "],\"scenes\":[");
    for (uint32_t i = 0; i < shai_db_scene_count(db); i++) {
        const char *name = "";
        shai_db_scene_name(db, i, &name);
        cli_out_str(o, i ? ",{\"name\":" : "{\"name\":");
        cli_out_json_string(o, name, strlen(name));
        cli_out_str(o, ",\"categories\":{");
        for (uint32_t c = 0; c < st->n_categories; c++) {
            uint32_t a = SHAI_SCENE_KEEP;
            shai_db_scene_action(db, i, c, &a);
            const char *cat = category_name(db, c);
            if (c)
                cli_out_char(o, ',');
            cli_out_json_string(o, cat, strlen(cat));
            cli_out_char(o, ':');
            cli_out_str(o, a == SHAI_SCENE_OFF      ? "\"off\""
                           : a == SHAI_SCENE_KEEP   ? "\"keep\""
                           : a == SHAI_ACTION_BLOCK ? "\"block\""
                                                    : "\"review\"");
        }
        cli_out_str(o, "},\"scorers\":{");
        for (uint32_t k = 0; k < shai_db_scorer_count(db); k++) {
            const char *scorer = "";
            uint32_t a = SHAI_SCENE_OFF;
            shai_db_scorer_info(db, k, &scorer, NULL, NULL, NULL);
            shai_db_scene_scorer(db, i, k, &a);
            if (k)
                cli_out_char(o, ',');
            cli_out_json_string(o, scorer, strlen(scorer));
            cli_out_str(o, a == SHAI_ACTION_BLOCK    ? ":\"block\""
                           : a == SHAI_ACTION_REVIEW ? ":\"review\""
                                                     : ":\"off\"");
        }
        cli_out_str(o, "}}");
    }
    cli_out_str(o, "],\"scorers\":[");
    for (uint32_t k = 0; k < shai_db_scorer_count(db); k++) {
        const char *name = "", *category = "";
        double threshold = 0;
        uint32_t weights = 0;
        char num[64];
        shai_db_scorer_info(db, k, &name, &category, &threshold, &weights);
        cli_out_str(o, k ? ",{\"name\":" : "{\"name\":");
        cli_out_json_string(o, name, strlen(name));
        cli_out_str(o, ",\"category\":");
        cli_out_json_string(o, category, strlen(category));
        snprintf(num, sizeof num, ",\"threshold\":%.7g,", threshold);
        cli_out_str(o, num);
        json_u64("weights", weights, false);
        cli_out_char(o, '}');
    }
    cli_out_str(o, "],");
    json_u64("db_size", st->size, true);
    cli_out_str(o, "\"options\":{\"fold\":[");
    bool first = true;
    for (uint32_t bit = 1; shai_fold_stage_name(bit); bit <<= 1) {
        if (!((uint32_t)st->fold & bit))
            continue;
        if (!first)
            cli_out_char(o, ',');
        cli_out_json_string(o, shai_fold_stage_name(bit), strlen(shai_fold_stage_name(bit)));
        first = false;
    }
    cli_out_str(o, "],");
    json_u64("max_gap", (uint64_t)st->max_gap, true);
    cli_out_str(o, "\"repeats\":");
    cli_out_str(o, st->repeats ? "true" : "false");
    cli_out_str(o, "},\"fold_table_version\":");
    v = shai_db_fold_table_version(db);
    cli_out_json_string(o, v, strlen(v));
    cli_out_str(o, ",\"library_version\":");
    v = shai_version_string();
    cli_out_json_string(o, v, strlen(v));
    cli_out_str(o, "}\n");
}

void cmd_stats_help(FILE *out)
{
    fputs("Usage: shai stats [OPTION]...\n"
          "Print what a lexicon or saved db contains and how it matches.\n"
          "\n"
          "Options:\n"
          "  -l, --lexicon=PATH  lexicon file or directory; repeatable\n"
          "      --db=FILE       a saved db made by 'shai compile'\n"
          "      --no-fold       compile the lexicon for exact matching (not with\n"
          "                      --db)\n"
          "  -f, --format=FORMAT text (default) or json\n"
          "      --corpus=FILE   instead, check every line of FILE (- for standard\n"
          "                      input; repeatable) and print the hits per category\n"
          "                      and per entry, for pruning (see below)\n"
          "      --scene=NAME, --category=C, --exclude-category=C\n"
          "                      with --corpus: as in 'shai scan'\n"
          "  -h, --help          show this help and exit\n"
          "      --version       show the version and exit\n"
          "Without --lexicon or --db, the default db or lexicon is used, as by\n"
          "'shai scan' (see 'shai scan --help').\n"
          "\n"
          "Text format:\n"
          "  source:       db FILE | lexicon PATH[, PATH]...\n"
          "  entries:      N         all entries (duplicates merged)\n"
          "    deny:       N (block B, review R)\n"
          "    allow:      N         allow-list entries, counted apart\n"
          "    exact:      N         entries matched without folding (deny or allow)\n"
          "    rules:      N         regular-expression rules (deny or allow)\n"
          "  categories:   C, then one row per category, in order of first use:\n"
          "    BLOCK REVIEW ALLOW TOTAL  NAME\n"
          "  scenes:       N, then one row per scene: NAME: what it does with\n"
          "                each category (off, review, block; the others keep\n"
          "                their entries' actions); see 'shai scan --scene'\n"
          "  db size:      S bytes   size of the saved db (the .shai file)\n"
          "  fold stages:  the SHAI_FOLD_* stages, e.g. width,case,t2s (or none)\n"
          "  max gap:      noise characters skipped between two characters (0-16)\n"
          "  repeats:      on | off  (a doubled character matches a single one)\n"
          "  fold tables:  the fold-table version of this library\n"
          "  library:      the library version\n"
          "\n"
          "JSON format: one object with the members source {kind, paths}, entries,\n"
          "deny {block, review}, allow, exact, rules, categories [{name, block,\n"
          "review, allow}], scenes [{name, categories {NAME: off|review|block|keep},\n"
          "scorers {NAME: off|review|block}}], scorers [{name, category, threshold,\n"
          "weights}], db_size, options {fold [stage names], max_gap, repeats},\n"
          "fold_table_version, library_version.\n"
          "\n"
          "With --corpus, each line is one text, checked as 'shai scan' does (the\n"
          "violations, leftmost-longest), and the report is:\n"
          "  corpus:       FILE[, FILE]...\n"
          "  scene:        NAME | (none)\n"
          "  lines:        N, then review R (per 10k) and block B (per 10k): the\n"
          "                lines whose verdict is review or block\n"
          "  hits:         H\n"
          "  categories:   one row per category: HITS LINES NAME\n"
          "  entries:      E hit, Z never hit; then one row per entry that hit, most\n"
          "                hits first: HITS LINES ENTRY [CATEGORY/ACTION]\n"
          "JSON (--corpus): corpus [files], scene, lines, review, block, hits,\n"
          "categories [{name, hits, lines}], entries [{index, entry, category,\n"
          "action, hits, lines}].\n"
          "\n"
          "Exit status: 0 on success, 2 if an error occurred.\n",
          out);
}

enum {
    OPT_LEXICON = 1,
    OPT_DB,
    OPT_NO_FOLD,
    OPT_FORMAT,
    OPT_CORPUS,
    OPT_SCENE,
    OPT_CATEGORY,
    OPT_EXCLUDE_CATEGORY,
    OPT_HELP,
    OPT_VERSION
};

static const struct cli_option stats_options[] = {
    {"lexicon", 'l', CLI_ARG_REQUIRED, OPT_LEXICON},
    {"db", 0, CLI_ARG_REQUIRED, OPT_DB},
    {"no-fold", 0, CLI_ARG_NONE, OPT_NO_FOLD},
    {"format", 'f', CLI_ARG_REQUIRED, OPT_FORMAT},
    {"corpus", 0, CLI_ARG_REQUIRED, OPT_CORPUS},
    {"scene", 0, CLI_ARG_REQUIRED, OPT_SCENE},
    {"category", 0, CLI_ARG_REQUIRED, OPT_CATEGORY},
    {"exclude-category", 0, CLI_ARG_REQUIRED, OPT_EXCLUDE_CATEGORY},
    {"help", 'h', CLI_ARG_NONE, OPT_HELP},
    {"version", 0, CLI_ARG_NONE, OPT_VERSION},
    {NULL, 0, 0, 0},
};

int cmd_stats(int argc, char **argv)
{
    struct cli_parser p;
    struct cli_db_source src = {NULL, 0, NULL, false};
    const char **lexicons;
    size_t n_lexicons = 0;
    const char *arg, *what = NULL, *where = NULL;
    bool json = false;
    shai_db *db = NULL;
    struct source source;
    struct stats st;
    int id, rc, status = CLI_EXIT_ERROR;
    const char **corpus = NULL;
    size_t n_corpus = 0;
    struct cli_policy_options popt = {NULL, NULL, 0, NULL, 0};
    shai_policy *policy = NULL;

    memset(&st, 0, sizeof st);
    lexicons = cli_arg_list(argc);
    corpus = lexicons ? cli_arg_list(argc) : NULL;
    popt.only = corpus ? cli_arg_list(argc) : NULL;
    popt.exclude = popt.only ? cli_arg_list(argc) : NULL;
    if (!popt.exclude)
        goto out;
    cli_parser_init(&p, argc, argv, "stats");
    while ((id = cli_next(&p, stats_options, &arg)) != CLI_NEXT_END) {
        switch (id) {
        case CLI_NEXT_ERROR:
            goto out;
        case CLI_NEXT_OPERAND:
            cli_usage_error("stats", "unexpected argument '%s' (use --lexicon PATH or --db FILE)",
                            arg);
            goto out;
        case OPT_LEXICON:
            if (!cli_lexicon_path("stats", arg))
                goto out;
            lexicons[n_lexicons++] = arg;
            break;
        case OPT_DB:
            if (!cli_single_path("stats", "db", arg, &src.db_path))
                goto out;
            break;
        case OPT_NO_FOLD:
            src.no_fold = true;
            break;
        case OPT_FORMAT:
            if (strcmp(arg, "json") == 0) {
                json = true;
            } else if (strcmp(arg, "text") == 0) {
                json = false;
            } else {
                cli_usage_error("stats", "unknown format '%s' (expected text or json)", arg);
                goto out;
            }
            break;
        case OPT_CORPUS:
            corpus[n_corpus++] = arg;
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
        case OPT_HELP:
            status = cli_print_help(cmd_stats_help);
            goto out;
        case OPT_VERSION:
            status = cli_version();
            goto out;
        default:
            goto out;
        }
    }
    if (cli_check_db_options("stats", &src, n_lexicons, "") != CLI_EXIT_CLEAN)
        goto out;
    if (!n_corpus && (popt.scene || popt.n_only || popt.n_exclude)) {
        cli_usage_error("stats", "--scene, --category and --exclude-category need --corpus");
        goto out;
    }
    src.lexicons = lexicons;
    src.n_lexicons = n_lexicons;
    if (cli_open_db(&src, &db, &what, &where) != CLI_EXIT_CLEAN)
        goto out;
    if (where) {
        source.paths = &where;
        source.n = 1;
    } else {
        source.paths = lexicons;
        source.n = n_lexicons;
    }
    source.kind = what;
    if (n_corpus) {
        if (cli_make_policy("stats", db, &popt, &policy) != CLI_EXIT_CLEAN)
            goto out;
        status = cli_stats_corpus(db, policy, popt.scene, corpus, n_corpus, json);
        if (cli_out_flush(&cli_stdout) != 0) {
            fprintf(stderr, "shai: write error: %s\n", strerror(cli_stdout.error));
            status = CLI_EXIT_ERROR;
        }
        goto out;
    }
    rc = collect(db, &st);
    if (rc != SHAI_OK) {
        cli_error("cannot read the db: %s", shai_status_message(rc));
        goto out;
    }
    if (json)
        print_json(db, &st, &source);
    else
        print_text(db, &st, &source);
    status = CLI_EXIT_CLEAN;
    if (cli_out_flush(&cli_stdout) != 0) {
        fprintf(stderr, "shai: write error: %s\n", strerror(cli_stdout.error));
        status = CLI_EXIT_ERROR;
    }
out:
    free(st.categories);
    shai_policy_free(policy);
    shai_db_free(db);
    free(lexicons);
    free(corpus);
    free(popt.only);
    free(popt.exclude);
    return status;
}
