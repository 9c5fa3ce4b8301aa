/*
 * Saved dbs and their files: the two ways to open one (mapped, copied), a
 * file rewritten in place under an open db, and the memory a db reports.
 * Public API only.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

static const char text[] = "他在网上赌博，加我 qq 12345 聊博彩";

/* Words, an allow entry and a regular-expression rule (compiled again on
 * open). */
static shai_db *sample_db(int with_rule)
{
    shai_builder *b = new_builder();
    static const char *const deny[] = {"赌博", "博彩", "网上赌"};
    for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++)
        assert_status(shai_builder_add_entry(b, deny[i], strlen(deny[i]), "gambling",
                                             SHAI_ACTION_BLOCK, 0, NULL, NULL),
                      SHAI_OK);
    assert_status(shai_builder_add_entry(b, LIT("赌博史"), "history", SHAI_ACTION_BLOCK,
                                         SHAI_ENTRY_ALLOW, NULL, NULL),
                  SHAI_OK);
    if (with_rule)
        assert_status(shai_builder_add_rule(b, LIT("qq\\s*\\d{5,}"), "contact", SHAI_ACTION_REVIEW,
                                            0, NULL, NULL),
                      SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    return db;
}

/* A new empty file in the temporary directory; path receives its name. */
static void temp_file(char path[64])
{
    snprintf(path, 64, "%s", "/tmp/shai-dbfile-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

/* Writes len bytes at the start of the file, cutting it there: what
 * `cp new.shai live.shai` does to the file it overwrites. */
static void rewrite_in_place(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static void *image_of(const shai_db *db, size_t *len)
{
    assert_status(shai_db_serialize(db, NULL, 0, len), SHAI_E_BUFFER_TOO_SMALL);
    void *img = malloc(*len);
    assert_non_null(img);
    assert_status(shai_db_serialize(db, img, *len, len), SHAI_OK);
    return img;
}

static void test_open_flags_bad_args(void **state)
{
    (void)state;
    shai_db *db = sample_db(0);
    char path[64];
    temp_file(path);
    assert_status(shai_db_save(db, path), SHAI_OK);
    shai_db_free(db);

    shai_db *out = (shai_db *)(void *)path; /* must become NULL */
    assert_status(shai_db_open_flags(NULL, SHAI_DB_COPY, &out, NULL), SHAI_E_INVALID_ARG);
    assert_null(out);
    assert_status(shai_db_open_flags(path, SHAI_DB_COPY, NULL, NULL), SHAI_E_INVALID_ARG);
    static const uint32_t bad[] = {SHAI_DB_BORROW, SHAI_DB_COPY | SHAI_DB_BORROW, 0x4u, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out = (shai_db *)(void *)path;
        assert_status(shai_db_open_flags(path, bad[i], &out, NULL), SHAI_E_INVALID_ARG);
        assert_null(out);
    }
    for (uint32_t flags = 0; flags <= SHAI_DB_COPY; flags += SHAI_DB_COPY) {
        assert_status(shai_db_open_flags(path, flags, &out, NULL), SHAI_OK);
        assert_non_null(out);
        shai_db_free(out);
        out = (shai_db *)(void *)path;
        assert_status(shai_db_open_flags("/nonexistent/dir/x.shai", flags, &out, NULL), SHAI_E_IO);
        assert_null(out);
        assert_status(shai_db_open_flags("/tmp", flags, &out, NULL), SHAI_E_IO);
        assert_null(out);
    }
    assert_int_equal(unlink(path), 0);
}

/* Damaged files fail the same way in both modes. */
static void test_copy_validates_like_mapping(void **state)
{
    (void)state;
    shai_db *db = sample_db(1);
    size_t n = 0;
    unsigned char *img = image_of(db, &n);
    shai_db_free(db);
    char path[64];
    temp_file(path);
    static const char junk[512] = "# gambling.txt\n赌博\n";
    struct {
        const void *data;
        size_t len;
        int status;
    } cases[] = {
        {img, 0, SHAI_E_BAD_DB},     {junk, sizeof junk, SHAI_E_BAD_DB},
        {img, n - 8, SHAI_E_BAD_DB}, {img, n / 2, SHAI_E_BAD_DB},
        {img, n, SHAI_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rewrite_in_place(path, cases[i].data, cases[i].len);
        for (uint32_t flags = 0; flags <= SHAI_DB_COPY; flags += SHAI_DB_COPY) {
            shai_db *out = NULL;
            assert_status(shai_db_open_flags(path, flags, &out, NULL), cases[i].status);
            assert_true((out != NULL) == (cases[i].status == SHAI_OK));
            shai_db_free(out);
        }
    }
    /* one flipped byte in the middle */
    img[n / 2] ^= 0x40;
    rewrite_in_place(path, img, n);
    shai_db *out = NULL;
    assert_status(shai_db_open_flags(path, SHAI_DB_COPY, &out, NULL), SHAI_E_BAD_DB);
    assert_null(out);
    assert_int_equal(unlink(path), 0);
    free(img);
}

/* A db opened with SHAI_DB_COPY keeps scanning, with the same hits, while
 * its file is truncated and overwritten in place. */
static void test_copy_survives_rewrite_in_place(void **state)
{
    (void)state;
    shai_db *db = sample_db(1);
    char path[64];
    temp_file(path);
    assert_status(shai_db_save(db, path), SHAI_OK);
    char expect[8192];
    snprintf(expect, sizeof expect, "%s", scan_render(db, LIT(text), SHAI_SCAN_OVERLAPPING));
    assert_true(strstr(expect, ":赌博") && strstr(expect, ":qq"));

    shai_db *copy = NULL;
    assert_status(shai_db_open_flags(path, SHAI_DB_COPY, &copy, NULL), SHAI_OK);
    assert_string_equal(scan_render(copy, LIT(text), SHAI_SCAN_OVERLAPPING), expect);

    /* cut to nothing */
    assert_int_equal(truncate(path, 0), 0);
    assert_string_equal(scan_render(copy, LIT(text), SHAI_SCAN_OVERLAPPING), expect);

    /* overwritten in place by another db, as cp does */
    shai_db *other = sample_db(0);
    size_t n = 0;
    void *img = image_of(other, &n);
    rewrite_in_place(path, img, n);
    assert_string_equal(scan_render(copy, LIT(text), SHAI_SCAN_OVERLAPPING), expect);
    shai_db *reopened = NULL;
    assert_status(shai_db_open_flags(path, SHAI_DB_COPY, &reopened, NULL), SHAI_OK);
    assert_int_equal(shai_db_entry_count(reopened), shai_db_entry_count(other));
    assert_true(shai_db_entry_count(reopened) != shai_db_entry_count(copy));

    /* and by garbage, longer than the db was */
    char *junk = malloc(3 * n);
    assert_non_null(junk);
    memset(junk, 0xA5, 3 * n);
    rewrite_in_place(path, junk, 3 * n);
    assert_string_equal(scan_render(copy, LIT(text), SHAI_SCAN_OVERLAPPING), expect);
    uint32_t verdict = 0;
    size_t count = 0;
    shai_hit hits[8];
    assert_status(shai_check(copy, LIT(text), 0, &verdict, hits, 8, &count), SHAI_OK);
    assert_int_equal(verdict, SHAI_ACTION_BLOCK);
    assert_true(count > 0);
    entry_of(copy, "网上赌", 0);

    free(junk);
    free(img);
    shai_db_free(reopened);
    shai_db_free(other);
    shai_db_free(copy);
    shai_db_free(db);
    assert_int_equal(unlink(path), 0);
}

/* What SHAI_DB_COPY is for: a mapped db whose file is cut under it kills
 * the process that scans with it (in a child here). */
static void test_mapped_db_dies_when_file_is_cut(void **state)
{
    (void)state;
    shai_db *db = sample_db(1);
    char path[64];
    temp_file(path);
    assert_status(shai_db_save(db, path), SHAI_OK);
    shai_db_free(db);
    shai_db *mapped = NULL;
    assert_status(shai_db_open(path, &mapped), SHAI_OK);
    assert_int_equal(truncate(path, 0), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the default action, not a sanitizer's report */
        signal(SIGBUS, SIG_DFL);
        uint32_t verdict = 0;
        size_t count = 0;
        shai_check(mapped, LIT(text), 0, &verdict, NULL, 0, &count);
        const char *word = NULL;
        size_t len = 0;
        shai_db_entry_text(mapped, 0, &word, &len);
        _exit(word && len && word[0] ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status))
        print_error("the child exited with %d\n", WEXITSTATUS(status));
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGBUS);
    shai_db_free(mapped); /* unmaps without reading the file */
    assert_int_equal(unlink(path), 0);
}

static size_t size_of(const shai_db *db)
{
    size_t bytes = 0;
    assert_status(shai_db_size(db, &bytes), SHAI_OK);
    return bytes;
}

/* shai_db_size is the memory a db holds, whichever way it was made: more
 * than its image (the tables derived on open count), the same for every
 * way of opening one image, and the compiled rules count. */
static void test_size_is_memory(void **state)
{
    (void)state;
    shai_db *plain = sample_db(0), *rules = sample_db(1);
    size_t n_plain = 0, n_rules = 0;
    void *img_plain = image_of(plain, &n_plain);
    void *img_rules = image_of(rules, &n_rules);
    /* at least the 256 KiB map of U+0000..U+FFFF derived on compile */
    assert_true(size_of(plain) >= n_plain + 0x40000 - 1024);
    /* a rule costs more memory than its bytes in the image: its code */
    assert_true(size_of(rules) - size_of(plain) > n_rules - n_plain);

    char path[64];
    temp_file(path);
    assert_status(shai_db_save(rules, path), SHAI_OK);
    shai_db *mapped = NULL, *copied = NULL, *from_copy = NULL, *borrowed = NULL;
    assert_status(shai_db_open(path, &mapped), SHAI_OK);
    assert_status(shai_db_open_flags(path, SHAI_DB_COPY, &copied, NULL), SHAI_OK);
    assert_status(shai_db_from_buffer(img_rules, n_rules, 0, &from_copy), SHAI_OK);
    assert_status(shai_db_from_buffer(img_rules, n_rules, SHAI_DB_BORROW, &borrowed), SHAI_OK);
    size_t opened = size_of(mapped);
    assert_int_equal(size_of(copied), opened);
    assert_int_equal(size_of(from_copy), opened);
    assert_int_equal(size_of(borrowed), opened);
    /* the whole image counts, its header too, not only the arrays */
    assert_true(opened > size_of(rules));
    assert_true(opened - size_of(rules) < 4096);
    /* what a scan derives (if anything) is counted, never forgotten */
    scan_render(mapped, LIT(text), 0);
    assert_true(size_of(mapped) >= opened);

    shai_db_free(borrowed);
    shai_db_free(from_copy);
    shai_db_free(copied);
    shai_db_free(mapped);
    assert_int_equal(unlink(path), 0);
    free(img_rules);
    free(img_plain);
    shai_db_free(rules);
    shai_db_free(plain);
}

/* A FIFO (with no writer) or a device given as a db is refused at once,
 * in both modes, instead of blocking in open() or reading without end. */
static void test_open_refuses_fifo_and_devices(void **state)
{
    (void)state;
    char dir[] = "/tmp/shai-test-fifo-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/db.shai", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    const char *paths[] = {fifo, "/dev/zero", "/dev/null"};
    alarm(20); /* before the fix: blocked for ever on the FIFO */
    for (size_t i = 0; i < 3; i++)
        for (uint32_t flags = 0; flags <= SHAI_DB_COPY; flags += SHAI_DB_COPY) {
            shai_db *db = NULL;
            int32_t err = 0;
            assert_status(shai_db_open_flags(paths[i], flags, &db, &err), SHAI_E_IO);
            assert_null(db);
            assert_int_equal(err, EINVAL);
        }
    alarm(0);
    unlink(fifo);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_flags_bad_args),
        cmocka_unit_test(test_copy_validates_like_mapping),
        cmocka_unit_test(test_copy_survives_rewrite_in_place),
        cmocka_unit_test(test_mapped_db_dies_when_file_is_cut),
        cmocka_unit_test(test_size_is_memory),
        cmocka_unit_test(test_open_refuses_fifo_and_devices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
