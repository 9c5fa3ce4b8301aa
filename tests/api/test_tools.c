/*
 * The API that the CLI and the bindings use instead of copies of library
 * logic (since 0.2): entry sources and additions, the paths add_path read,
 * the system error of a failed open, the default db's path, batch checks,
 * action and fold-stage names, UTF-8 decoding, and the room in shai_hit.
 * One test per bad argument of every function. Public API only.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

static char tmp_root[256];

static int tmp_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/shai-api-tools-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(tmp_root) ? 0 : -1;
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            char sub[1024];
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            remove_tree(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int tmp_teardown(void **state)
{
    (void)state;
    remove_tree(tmp_root);
    return 0;
}

/* tmp_root/rel; a static buffer per call slot (two live at once). */
static const char *tmp_path(const char *rel)
{
    static char path[2][512];
    static int slot;
    slot ^= 1;
    snprintf(path[slot], sizeof path[slot], "%s%s%s", tmp_root, rel[0] ? "/" : "", rel);
    return path[slot];
}

static void write_file(const char *rel, const char *data)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tmp_path(rel));
    for (char *p = dir + strlen(tmp_root) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0755);
            *p = '/';
        }
    }
    FILE *f = fopen(dir, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
    assert_int_equal(fclose(f), 0);
}

/* ----------------------------------------------------------- entry sources */

static void expect_addition(const shai_builder *b, uint32_t i, uint32_t entry, const char *file,
                            uint32_t line, const char *category, uint32_t action)
{
    uint32_t e = 99, l = 99, a = 99;
    const char *f = "x", *c = NULL;
    assert_status(shai_builder_addition(b, i, &e, &f, &l, &c, &a), SHAI_OK);
    assert_int_equal(e, entry);
    if (file)
        assert_string_equal(f, file);
    else
        assert_null(f);
    assert_int_equal(l, line);
    assert_string_equal(c, category);
    assert_int_equal(a, action);
}

static void test_sources_of_a_lexicon(void **state)
{
    (void)state;
    static const char a[] = "@category gambling\n赌博\n六合彩\n赌博\taction=review\n";
    static const char b2[] = "# other\n@category other\n赌博\n賭博\n@allow\n赌博\n";
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_source(b, "a.txt", LIT(a)), SHAI_OK);
    assert_status(shai_builder_add_source(b, "b.txt", LIT(b2)), SHAI_OK);
    assert_status(
        shai_builder_add_entry(b, LIT("刷单"), "fraud", SHAI_ACTION_REVIEW, 0, NULL, NULL),
        SHAI_OK);
    assert_status(shai_builder_add_rule(b, LIT("qq[0-9]+"), NULL, SHAI_ACTION_BLOCK, 0, NULL, NULL),
                  SHAI_OK);

    /* entries: 赌博 六合彩 賭博 赌博(allow) 刷单 qq[0-9]+ */
    assert_int_equal(shai_builder_entry_count(b), 6);
    assert_int_equal(shai_builder_addition_count(b), 8);
    expect_addition(b, 0, 0, "a.txt", 2, "gambling", SHAI_ACTION_BLOCK);
    expect_addition(b, 1, 1, "a.txt", 3, "gambling", SHAI_ACTION_BLOCK);
    expect_addition(b, 2, 0, "a.txt", 4, "gambling", SHAI_ACTION_REVIEW);
    /* a duplicate keeps the category it was written with, without adding
     * a category to the db */
    expect_addition(b, 3, 0, "b.txt", 3, "other", SHAI_ACTION_BLOCK);
    expect_addition(b, 4, 2, "b.txt", 4, "other", SHAI_ACTION_BLOCK);
    expect_addition(b, 5, 3, "b.txt", 6, "other", SHAI_ACTION_BLOCK);
    expect_addition(b, 6, 4, NULL, 0, "fraud", SHAI_ACTION_REVIEW);
    expect_addition(b, 7, 5, NULL, 0, "uncategorized", SHAI_ACTION_BLOCK);

    const char *file = NULL;
    uint32_t line = 0;
    assert_status(shai_builder_entry_source(b, 2, &file, &line), SHAI_OK);
    assert_string_equal(file, "b.txt");
    assert_int_equal(line, 4);
    assert_status(shai_builder_entry_source(b, 0, &file, NULL), SHAI_OK);
    assert_string_equal(file, "a.txt");
    assert_status(shai_builder_entry_source(b, 4, &file, &line), SHAI_OK);
    assert_null(file);
    assert_int_equal(line, 0);

    shai_db *db = compile_builder(b);
    /* categories: gambling, other, fraud, uncategorized; no more */
    assert_int_equal(shai_db_category_count(db), 4);
    shai_builder_free(b); /* the db keeps its own copy of the sources */
    assert_status(shai_db_entry_source(db, 3, &file, &line), SHAI_OK);
    assert_string_equal(file, "b.txt");
    assert_int_equal(line, 6);
    assert_status(shai_db_entry_source(db, 1, NULL, &line), SHAI_OK);
    assert_int_equal(line, 3);
    assert_status(shai_db_entry_source(db, 5, &file, &line), SHAI_OK);
    assert_null(file);
    assert_int_equal(line, 0);

    /* a saved db keeps no sources */
    size_t size = 0;
    assert_status(shai_db_serialize(db, NULL, 0, &size), SHAI_E_BUFFER_TOO_SMALL);
    void *image = malloc(size);
    assert_non_null(image);
    assert_status(shai_db_serialize(db, image, size, &size), SHAI_OK);
    shai_db *copy = NULL;
    assert_status(shai_db_from_buffer(image, size, 0, &copy), SHAI_OK);
    file = "x";
    line = 9;
    assert_status(shai_db_entry_source(copy, 0, &file, &line), SHAI_OK);
    assert_null(file);
    assert_int_equal(line, 0);
    shai_db_free(copy);
    free(image);
    shai_db_free(db);
}

static void test_failed_source_adds_no_addition(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_source(b, "ok.txt", LIT("赌博\n")), SHAI_OK);
    assert_status(shai_builder_add_source(b, "bad.txt", LIT("网络\n@colour red\n")),
                  SHAI_E_LEXICON);
    assert_int_equal(shai_builder_addition_count(b), 1);
    assert_int_equal(shai_builder_entry_count(b), 1);
    shai_builder_free(b);
}

static void test_entry_source_arguments(void **state)
{
    (void)state;
    const char *file;
    uint32_t line, entry, action;
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_source(b, "a.txt", LIT("赌博\n")), SHAI_OK);
    shai_db *db = compile_builder(b);

    assert_status(shai_builder_entry_source(NULL, 0, &file, &line), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_entry_source(b, 1, &file, &line), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_builder_entry_source(b, 0, NULL, NULL), SHAI_OK);
    assert_int_equal(shai_builder_addition_count(NULL), 0);
    assert_status(shai_builder_addition(NULL, 0, &entry, &file, &line, &file, &action),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_builder_addition(b, 1, &entry, &file, &line, &file, &action),
                  SHAI_E_OUT_OF_RANGE);
    assert_status(shai_builder_addition(b, 0, NULL, NULL, NULL, NULL, NULL), SHAI_OK);
    assert_status(shai_db_entry_source(NULL, 0, &file, &line), SHAI_E_INVALID_ARG);
    assert_status(shai_db_entry_source(db, 1, &file, &line), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_db_entry_source(db, 0, NULL, NULL), SHAI_OK);
    shai_db_free(db);
    shai_builder_free(b);
}

/* -------------------------------------------------------------- paths read */

static void test_paths_read(void **state)
{
    (void)state;
    write_file("lex/b.txt", "赌博\n");
    write_file("lex/sub/a.txt", "网络\n");
    write_file("lex/notes.md", "not a lexicon\n");
    write_file("one.txt", "刷单\n");
    write_file("bad/x.txt", "@colour red\n");

    shai_builder *b = new_builder();
    assert_status(shai_builder_add_path(b, tmp_path("lex")), SHAI_OK);
    assert_status(shai_builder_add_path(b, tmp_path("one.txt")), SHAI_OK);
    assert_status(shai_builder_add_path(b, tmp_path("bad")), SHAI_E_LEXICON);
    assert_int_equal(shai_builder_path_count(b), 5);

    const char *expect[5][2] = {{"lex", "d"},
                                {"lex/sub", "d"},
                                {"lex/b.txt", "f"},
                                {"lex/sub/a.txt", "f"},
                                {"one.txt", "f"}};
    for (uint32_t i = 0; i < 5; i++) {
        const char *path = NULL;
        uint32_t kind = 0;
        assert_status(shai_builder_path(b, i, &path, &kind), SHAI_OK);
        assert_string_equal(path, tmp_path(expect[i][0]));
        assert_int_equal(kind, expect[i][1][0] == 'd' ? SHAI_PATH_DIR : SHAI_PATH_FILE);
    }
    /* entry sources name the files */
    const char *file = NULL;
    uint32_t line = 0;
    assert_status(shai_builder_entry_source(b, 1, &file, &line), SHAI_OK);
    assert_string_equal(file, tmp_path("lex/sub/a.txt"));
    assert_int_equal(line, 1);
    shai_builder_free(b);
}

struct walked {
    char paths[8][512];
    uint32_t kinds[8];
    size_t n;
    size_t stop_at; /* stop after this many, 0: never */
};

static int on_path(const char *path, uint32_t kind, void *user)
{
    struct walked *w = user;
    assert_true(w->n < 8);
    snprintf(w->paths[w->n], sizeof w->paths[w->n], "%s", path);
    w->kinds[w->n++] = kind;
    return w->stop_at && w->n == w->stop_at;
}

static void test_walk_path(void **state)
{
    (void)state;
    write_file("walk/b.txt", "赌博\n");
    write_file("walk/sub/a.txt", "@colour red\n"); /* listed, never parsed */
    write_file("walk/c.md", "x\n");
    shai_builder *b = new_builder();
    struct walked w = {0};
    assert_status(shai_builder_walk_path(b, tmp_path("walk"), on_path, &w), SHAI_OK);
    assert_int_equal(w.n, 4);
    assert_string_equal(w.paths[0], tmp_path("walk"));
    assert_string_equal(w.paths[1], tmp_path("walk/sub"));
    assert_string_equal(w.paths[2], tmp_path("walk/b.txt"));
    assert_string_equal(w.paths[3], tmp_path("walk/sub/a.txt"));
    assert_int_equal(w.kinds[0], SHAI_PATH_DIR);
    assert_int_equal(w.kinds[1], SHAI_PATH_DIR);
    assert_int_equal(w.kinds[2], SHAI_PATH_FILE);
    assert_int_equal(w.kinds[3], SHAI_PATH_FILE);
    /* nothing added or recorded */
    assert_int_equal(shai_builder_entry_count(b), 0);
    assert_int_equal(shai_builder_path_count(b), 0);

    /* a file alone */
    memset(&w, 0, sizeof w);
    assert_status(shai_builder_walk_path(b, tmp_path("walk/b.txt"), on_path, &w), SHAI_OK);
    assert_int_equal(w.n, 1);
    assert_int_equal(w.kinds[0], SHAI_PATH_FILE);

    /* the callback stops it */
    memset(&w, 0, sizeof w);
    w.stop_at = 2;
    assert_status(shai_builder_walk_path(b, tmp_path("walk"), on_path, &w), SHAI_TERMINATED);
    assert_int_equal(w.n, 2);

    /* a missing path: E_IO, the builder says which */
    memset(&w, 0, sizeof w);
    assert_status(shai_builder_walk_path(b, tmp_path("nowhere"), on_path, &w), SHAI_E_IO);
    assert_int_equal(w.n, 0);
    assert_string_equal(shai_builder_error_file(b), tmp_path("nowhere"));
    assert_non_null(strstr(shai_builder_error_message(b), "No such file"));
    assert_int_equal(shai_builder_error_errno(b), ENOENT);
    shai_builder_free(b);
}

static void test_builder_error_errno(void **state)
{
    (void)state;
    write_file("e/bad.txt", "@colour red\n");
    mkdir(tmp_path("e/empty"), 0755);
    shai_builder *b = new_builder();
    assert_int_equal(shai_builder_error_errno(b), 0);
    assert_status(shai_builder_add_path(b, tmp_path("e/missing.txt")), SHAI_E_IO);
    assert_int_equal(shai_builder_error_errno(b), ENOENT);
    assert_string_equal(shai_builder_error_file(b), tmp_path("e/missing.txt"));
    /* the next error is not an I/O one: 0 again */
    assert_status(shai_builder_add_path(b, tmp_path("e/bad.txt")), SHAI_E_LEXICON);
    assert_int_equal(shai_builder_error_errno(b), 0);
    assert_status(shai_builder_add_path(b, tmp_path("e/missing/x.txt")), SHAI_E_IO);
    assert_int_equal(shai_builder_error_errno(b), ENOENT);
    /* success clears it */
    assert_status(shai_builder_add_path(b, tmp_path("e/empty")), SHAI_OK);
    assert_int_equal(shai_builder_error_errno(b), 0);
    assert_int_equal(shai_builder_error_errno(NULL), 0);
    shai_builder_free(b);
}

static void test_walk_path_arguments(void **state)
{
    (void)state;
    struct walked w = {0};
    shai_builder *b = new_builder();
    assert_status(shai_builder_walk_path(NULL, tmp_path(""), on_path, &w), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_walk_path(b, NULL, on_path, &w), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_walk_path(b, "", on_path, &w), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_walk_path(b, tmp_path(""), NULL, &w), SHAI_E_INVALID_ARG);
    assert_int_equal(w.n, 0);
    shai_builder_free(b);
}

static void test_path_arguments(void **state)
{
    (void)state;
    const char *path;
    uint32_t kind;
    write_file("p.txt", "赌博\n");
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_path(b, tmp_path("p.txt")), SHAI_OK);
    assert_int_equal(shai_builder_path_count(NULL), 0);
    assert_status(shai_builder_path(NULL, 0, &path, &kind), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_path(b, 0, NULL, &kind), SHAI_E_INVALID_ARG);
    assert_status(shai_builder_path(b, 1, &path, &kind), SHAI_E_OUT_OF_RANGE);
    assert_status(shai_builder_path(b, 0, &path, NULL), SHAI_OK);
    assert_string_equal(path, tmp_path("p.txt"));
    shai_builder_free(b);
}

/* ------------------------------------------------------- open with errno */

static void test_open_errno(void **state)
{
    (void)state;
    shai_db *db = (shai_db *)1;
    int32_t err = -1;
    assert_status(shai_db_open_flags(tmp_path("missing.shai"), 0, &db, &err), SHAI_E_IO);
    assert_null(db);
    assert_int_equal(err, ENOENT);
    mkdir(tmp_path("adir"), 0755);
    assert_status(shai_db_open_flags(tmp_path("adir"), 0, &db, &err), SHAI_E_IO);
    assert_int_equal(err, EISDIR);
    write_file("junk.shai", "this is not a db, only some text that is long enough....");
    assert_status(shai_db_open_flags(tmp_path("junk.shai"), 0, &db, &err), SHAI_E_BAD_DB);
    assert_int_equal(err, 0);
    if (geteuid() != 0) { /* root reads anything */
        write_file("secret.shai", "x");
        chmod(tmp_path("secret.shai"), 0);
        assert_status(shai_db_open_flags(tmp_path("secret.shai"), 0, &db, &err), SHAI_E_IO);
        assert_int_equal(err, EACCES);
    }

    shai_db *made = db_from_source("赌博\n");
    assert_status(shai_db_save(made, tmp_path("ok.shai")), SHAI_OK);
    shai_db_free(made);
    err = -1;
    assert_status(shai_db_open_flags(tmp_path("ok.shai"), 0, &db, &err), SHAI_OK);
    assert_int_equal(err, 0);
    assert_int_equal(shai_db_entry_count(db), 1);
    shai_db_free(db);
    assert_status(shai_db_open_flags(tmp_path("ok.shai"), 0, &db, NULL), SHAI_OK);
    shai_db_free(db);
}

static void test_open_errno_arguments(void **state)
{
    (void)state;
    shai_db *db = (shai_db *)1;
    int32_t err = -1;
    assert_status(shai_db_open_flags(NULL, 0, &db, &err), SHAI_E_INVALID_ARG);
    assert_null(db);
    assert_int_equal(err, 0);
    assert_status(shai_db_open_flags(tmp_path("x.shai"), 0, NULL, &err), SHAI_E_INVALID_ARG);
}

/* -------------------------------------------------------------- default db */

static void test_default_db_path(void **state)
{
    (void)state;
    const char *builtin = shai_default_db_path(SHAI_DEFAULT_DB_BUILTIN);
    size_t n = strlen(builtin);
    assert_true(n > strlen("/shai/default.shai"));
    assert_string_equal(builtin + n - strlen("/shai/default.shai"), "/shai/default.shai");
    assert_int_equal(builtin[0], '/');

    assert_int_equal(setenv(SHAI_DEFAULT_DB_ENV, "/somewhere/else.shai", 1), 0);
    assert_string_equal(shai_default_db_path(0), "/somewhere/else.shai");
    assert_string_equal(shai_default_db_path(SHAI_DEFAULT_DB_BUILTIN), builtin);
    assert_int_equal(setenv(SHAI_DEFAULT_DB_ENV, "", 1), 0);
    assert_string_equal(shai_default_db_path(0), builtin);
    assert_int_equal(unsetenv(SHAI_DEFAULT_DB_ENV), 0);
    assert_string_equal(shai_default_db_path(0), builtin);
    /* unknown flags are ignored: there is nothing to fail */
    assert_string_equal(shai_default_db_path(0x80u | SHAI_DEFAULT_DB_BUILTIN), builtin);
}

/* ------------------------------------------------------------------- batch */

static void test_check_batch(void **state)
{
    (void)state;
    shai_db *db = db_from_source("赌博\n@action review\n刷单\n@allow\n赌博史\n");
    const char *texts[] = {"网上赌博和刷单", "", "一切正常", "赌博史不算", NULL, "刷单刷单"};
    size_t lens[6];
    for (size_t i = 0; i < 6; i++)
        lens[i] = texts[i] ? strlen(texts[i]) : 0;
    uint32_t verdicts[6];
    int32_t statuses[6];
    size_t offsets[7];
    shai_hit hits[8];

    memset(hits, 0xAB, sizeof hits);
    assert_status(shai_check_batch(db, texts, lens, 6, 0, verdicts, statuses, hits, 8, offsets),
                  SHAI_OK);
    static const uint32_t want_verdict[6] = {SHAI_ACTION_BLOCK, SHAI_ACTION_PASS,
                                             SHAI_ACTION_PASS,  SHAI_ACTION_PASS,
                                             SHAI_ACTION_PASS,  SHAI_ACTION_REVIEW};
    static const size_t want_offsets[7] = {0, 2, 2, 2, 2, 2, 4};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(verdicts[i], want_verdict[i]);
        assert_int_equal(statuses[i], SHAI_OK);
    }
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(offsets[i], want_offsets[i]);
    /* each text's hits are what shai_check gives it */
    for (size_t i = 0; i < 6; i++) {
        shai_hit one[4];
        size_t count = 0;
        uint32_t verdict = 9;
        assert_status(
            shai_check(db, texts[i] ? texts[i] : "", lens[i], 0, &verdict, one, 4, &count),
            SHAI_OK);
        assert_int_equal(verdict, verdicts[i]);
        assert_int_equal(count, offsets[i + 1] - offsets[i]);
        assert_memory_equal(one, hits + offsets[i], count * sizeof *one);
    }
    assert_int_equal(hits[0].variant, 0);
    assert_int_equal(hits[0].reserved[0], 0);

    /* too small: verdicts and offsets complete, the first hits written */
    memset(offsets, 0, sizeof offsets);
    assert_status(shai_check_batch(db, texts, lens, 6, 0, verdicts, NULL, hits, 3, offsets),
                  SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(offsets[6], 4);
    assert_int_equal(verdicts[5], SHAI_ACTION_REVIEW);
    assert_status(shai_check_batch(db, texts, lens, 6, 0, verdicts, NULL, NULL, 0, offsets),
                  SHAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(offsets[6], 4);

    /* overlapping flags reach every text */
    assert_status(shai_check_batch(db, texts, lens, 1, SHAI_SCAN_OVERLAPPING, verdicts, NULL, hits,
                                   8, offsets),
                  SHAI_OK);
    assert_int_equal(offsets[1], 2);

    /* an empty batch */
    assert_status(shai_check_batch(db, NULL, NULL, 0, 0, NULL, NULL, NULL, 0, offsets), SHAI_OK);
    assert_int_equal(offsets[0], 0);
    shai_db_free(db);
}

static void test_check_batch_arguments(void **state)
{
    (void)state;
    shai_db *db = db_from_source("赌博\n");
    const char *texts[] = {"赌博", NULL};
    size_t lens[] = {6, 1};
    uint32_t verdicts[2];
    size_t offsets[3];
    shai_hit hits[2];
    assert_status(shai_check_batch(NULL, texts, lens, 1, 0, verdicts, NULL, hits, 2, offsets),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_batch(db, NULL, lens, 1, 0, verdicts, NULL, hits, 2, offsets),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_batch(db, texts, NULL, 1, 0, verdicts, NULL, hits, 2, offsets),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_batch(db, texts, lens, 1, 0, NULL, NULL, hits, 2, offsets),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_batch(db, texts, lens, 1, 0, verdicts, NULL, NULL, 2, offsets),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_batch(db, texts, lens, 1, 0, verdicts, NULL, hits, 2, NULL),
                  SHAI_E_INVALID_ARG);
    assert_status(shai_check_batch(db, texts, lens, 1, 0x80, verdicts, NULL, hits, 2, offsets),
                  SHAI_E_INVALID_ARG);
    /* a NULL text with a length */
    assert_status(shai_check_batch(db, texts, lens, 2, 0, verdicts, NULL, hits, 2, offsets),
                  SHAI_E_INVALID_ARG);
    shai_db_free(db);
}

/* ------------------------------------------------------------------- names */

static void test_action_names(void **state)
{
    (void)state;
    assert_string_equal(shai_action_name(SHAI_ACTION_PASS), "pass");
    assert_string_equal(shai_action_name(SHAI_ACTION_REVIEW), "review");
    assert_string_equal(shai_action_name(SHAI_ACTION_BLOCK), "block");
    assert_null(shai_action_name(3));
    assert_null(shai_action_name(UINT32_MAX));
}

static void test_fold_stage_names(void **state)
{
    (void)state;
    static const char *const names[] = {"width",       "compat", "case",      "diacritics",
                                        "confusables", "t2s",    "ignorables"};
    uint32_t bit = 1, all = 0;
    size_t n = 0;
    for (; shai_fold_stage_name(bit); bit <<= 1) {
        assert_true(n < 7);
        assert_string_equal(shai_fold_stage_name(bit), names[n]);
        all |= bit;
        n++;
    }
    assert_int_equal(n, 7);
    assert_int_equal(all, SHAI_FOLD_ALL);
    assert_null(shai_fold_stage_name(0));
    assert_null(shai_fold_stage_name(SHAI_FOLD_WIDTH | SHAI_FOLD_CASE));
    assert_null(shai_fold_stage_name(0x80));
    assert_null(shai_fold_stage_name(SHAI_FOLD_ALL));
}

/* ------------------------------------------------------------------- UTF-8 */

static void test_utf8_decode(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(shai_utf8_decode(LIT("a"), &cp), 1);
    assert_int_equal(cp, 'a');
    assert_int_equal(shai_utf8_decode(LIT("é"), &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(shai_utf8_decode(LIT("赌博"), &cp), 3);
    assert_int_equal(cp, 0x8D4C);
    assert_int_equal(shai_utf8_decode(LIT("😀"), &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* invalid: each bad byte alone */
    static const char *const invalid[] = {
        "\x80",     "\xC0\x80", "\xC1\xBF",     "\xED\xA0\x80",     "\xF4\x90\x80\x80",
        "\xF5\x80", "\xFF",     "\xE0\x80\x80", "\xF0\x80\x80\x80", "\xE4\x41"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        cp = 0;
        assert_int_equal(shai_utf8_decode(invalid[i], strlen(invalid[i]), &cp), 1);
        assert_int_equal(cp, SHAI_UTF8_INVALID);
    }
    /* a valid sequence cut short */
    assert_int_equal(shai_utf8_decode("\xE8\xB5", 2, &cp), 1);
    assert_int_equal(cp, SHAI_UTF8_TRUNCATED);
    assert_int_equal(shai_utf8_decode("\xF0\x9F\x98", 3, &cp), 1);
    assert_int_equal(cp, SHAI_UTF8_TRUNCATED);
    /* ... but not a bad one */
    assert_int_equal(shai_utf8_decode("\xED\xA0", 2, &cp), 1);
    assert_int_equal(cp, SHAI_UTF8_INVALID);
}

static void test_utf8_decode_arguments(void **state)
{
    (void)state;
    uint32_t cp = 7;
    assert_int_equal(shai_utf8_decode(NULL, 1, &cp), 0);
    assert_int_equal(shai_utf8_decode("a", 0, &cp), 0);
    assert_int_equal(shai_utf8_decode("a", 1, NULL), 0);
    assert_int_equal(cp, 7);
}

/* -------------------------------------------------------------- shai_hit */

static void test_hit_layout(void **state)
{
    (void)state;
    assert_int_equal(sizeof(shai_hit), 40);
    assert_int_equal(offsetof(shai_hit, flags), 28);
    assert_int_equal(offsetof(shai_hit, variant), 32);
    assert_int_equal(offsetof(shai_hit, reserved), 36);
    shai_db *db = db_from_source("赌博\n");
    shai_hit hit;
    size_t count = 0;
    memset(&hit, 0xFF, sizeof hit);
    assert_status(shai_scan_hits(db, LIT("赌博"), 0, &hit, 1, &count), SHAI_OK);
    assert_int_equal(count, 1);
    assert_int_equal(hit.variant, 0);
    assert_int_equal(hit.reserved[0], 0);
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sources_of_a_lexicon),
        cmocka_unit_test(test_failed_source_adds_no_addition),
        cmocka_unit_test(test_entry_source_arguments),
        cmocka_unit_test(test_paths_read),
        cmocka_unit_test(test_path_arguments),
        cmocka_unit_test(test_walk_path),
        cmocka_unit_test(test_walk_path_arguments),
        cmocka_unit_test(test_builder_error_errno),
        cmocka_unit_test(test_open_errno),
        cmocka_unit_test(test_open_errno_arguments),
        cmocka_unit_test(test_default_db_path),
        cmocka_unit_test(test_check_batch),
        cmocka_unit_test(test_check_batch_arguments),
        cmocka_unit_test(test_action_names),
        cmocka_unit_test(test_fold_stage_names),
        cmocka_unit_test(test_utf8_decode),
        cmocka_unit_test(test_utf8_decode_arguments),
        cmocka_unit_test(test_hit_layout),
    };
    return cmocka_run_group_tests(tests, tmp_setup, tmp_teardown);
}
