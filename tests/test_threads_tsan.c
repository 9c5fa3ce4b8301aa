/*
 * Threads under ThreadSanitizer (meson test -C build-tsan threads-tsan, see
 * scripts/quickstart.sh): 16 threads share one db with regex rules; each
 * scans it without a scratch, with a scratch of its own (check, batch,
 * scan), and through a stream fed in pieces, while a reloader publishes
 * new dbs (opened from a saved image, as a server's reload does) that the
 * scanners pick up and release, the last reader freeing the old one.
 * Every answer must be the one a single thread gets. Public API only.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "test_util.h"

enum { NTHREADS = 16, ROUNDS = 60, RELOADS = 20 };

static const char lexicon[] = "@category spam\n"
                              "re:(?<![0-9])1[3-9][0-9]{9}(?![0-9])\n"
                              "re:(?:加|\\+)\\s*(?:v|微)\\s*信?\\s*[a-z][a-z0-9_]{5,19}\n"
                              "re:\\w*微信号\n"
                              "@category gambling\n赌博\n网上赌博\n@allow\n赌博史\n";

static const char text[] = "加 v信 abcdef 电话 13812345678，网上赌博 赌博史 的微信号\n"
                           "第二行 赌博 加微 ghijkl";

/* A published db and its readers: the reloader swaps `current`; the last
 * reader of a replaced snapshot frees it. */
typedef struct snapshot {
    shai_db *db;
    atomic_int refs; /* readers, plus one while it is current */
} snapshot;

static _Atomic(snapshot *) current;
static pthread_mutex_t swap_lock = PTHREAD_MUTEX_INITIALIZER;
static void *image;
static size_t image_len;
static shai_hit want_hits[4][32];
static size_t want_n[4];
static uint32_t want_verdict;

static snapshot *acquire(void)
{
    /* under the lock: a snapshot cannot be freed between the load and
     * the increment */
    pthread_mutex_lock(&swap_lock);
    snapshot *s = atomic_load(&current);
    atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&swap_lock);
    return s;
}

static void release(snapshot *s)
{
    if (atomic_fetch_sub(&s->refs, 1) == 1) {
        shai_db_free(s->db);
        free(s);
    }
}

static snapshot *open_snapshot(void)
{
    snapshot *s = malloc(sizeof *s);
    if (!s || shai_db_from_buffer(image, image_len, 0, &s->db) != SHAI_OK)
        abort();
    atomic_init(&s->refs, 1);
    return s;
}

static void *reloader(void *arg)
{
    (void)arg;
    for (int i = 0; i < RELOADS; i++) {
        snapshot *fresh = open_snapshot();
        pthread_mutex_lock(&swap_lock);
        snapshot *old = atomic_exchange(&current, fresh);
        pthread_mutex_unlock(&swap_lock);
        release(old);
    }
    return NULL;
}

typedef struct fixed {
    shai_hit v[32];
    size_t n;
} fixed;

static int keep(const shai_hit *h, void *user)
{
    fixed *f = user;
    if (f->n < 32)
        f->v[f->n] = *h;
    f->n++;
    return 0;
}

static int same(const shai_hit *got, size_t n, uint32_t flags)
{
    return n == want_n[flags] && memcmp(got, want_hits[flags], n * sizeof *got) == 0;
}

static void *scanner(void *arg)
{
    int id = (int)(intptr_t)arg, ok = 1;
    shai_scratch *scratch = NULL;
    for (int round = 0; round < ROUNDS && ok; round++) {
        snapshot *s = acquire();
        uint32_t flags = (uint32_t)(round + id) & 3u;
        if (!scratch && shai_scratch_new(s->db, &scratch) != SHAI_OK)
            abort();
        fixed f = {0};
        switch ((round + id) % 4) {
        case 0: /* no scratch */
            ok = shai_scan(s->db, LIT(text), flags, keep, &f) == SHAI_OK && same(f.v, f.n, flags);
            break;
        case 1: { /* a scratch of its own */
            size_t n = 0;
            ok = shai_scan_hits_with(s->db, scratch, LIT(text), flags, f.v, 32, &n) == SHAI_OK &&
                 same(f.v, n, flags);
            uint32_t verdict = 0;
            ok = ok &&
                 shai_check_with(s->db, scratch, LIT(text), 0, &verdict, f.v, 32, &n) == SHAI_OK &&
                 verdict == want_verdict;
            break;
        }
        case 2: { /* a batch of the text's two lines */
            const char *texts[2] = {text, strchr(text, '\n') + 1};
            size_t lens[2] = {(size_t)(texts[1] - 1 - text), strlen(texts[1])};
            uint32_t verdicts[2];
            size_t offsets[3];
            ok = shai_check_batch_with(s->db, scratch, texts, lens, 2, 0, verdicts, NULL, f.v, 32,
                                       offsets) == SHAI_OK &&
                 verdicts[0] == want_verdict;
            break;
        }
        default: { /* a stream in pieces */
            shai_stream *st;
            if (shai_stream_open(s->db, flags, keep, &f, &st) != SHAI_OK)
                abort();
            size_t len = sizeof text - 1;
            for (size_t at = 0, piece = 1 + (size_t)id % 7; at < len; at += piece)
                if (shai_stream_write(st, text + at, piece < len - at ? piece : len - at))
                    ok = 0;
            ok = shai_stream_close(st) == SHAI_OK && ok && same(f.v, f.n, flags);
            break;
        }
        }
        release(s);
    }
    shai_scratch_free(scratch);
    return (void *)(intptr_t)ok;
}

static void test_threads_share_scratch_stream_and_reload(void **state)
{
    (void)state;
    shai_builder *b = new_builder();
    assert_status(shai_builder_add_source(b, "threads.txt", LIT(lexicon)), SHAI_OK);
    shai_db *db = compile_builder(b);
    shai_builder_free(b);
    assert_status(shai_db_serialize(db, NULL, 0, &image_len), SHAI_E_BUFFER_TOO_SMALL);
    image = aligned_alloc(8, (image_len + 7) / 8 * 8);
    assert_non_null(image);
    assert_status(shai_db_serialize(db, image, image_len, &image_len), SHAI_OK);
    for (uint32_t flags = 0; flags < 4; flags++)
        assert_status(shai_scan_hits(db, LIT(text), flags, want_hits[flags], 32, &want_n[flags]),
                      SHAI_OK);
    shai_hit tmp[32];
    size_t n;
    assert_status(shai_check(db, LIT(text), 0, &want_verdict, tmp, 32, &n), SHAI_OK);
    assert_true(want_n[0] >= 4);
    assert_int_equal(want_verdict, SHAI_ACTION_BLOCK);
    shai_db_free(db);

    atomic_init(&current, open_snapshot());
    pthread_t tid[NTHREADS + 1];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&tid[i], NULL, scanner, (void *)(intptr_t)i), 0);
    assert_int_equal(pthread_create(&tid[NTHREADS], NULL, reloader, NULL), 0);
    for (int i = 0; i < NTHREADS; i++) {
        void *ok;
        assert_int_equal(pthread_join(tid[i], &ok), 0);
        assert_true((intptr_t)ok);
    }
    assert_int_equal(pthread_join(tid[NTHREADS], NULL), 0);
    release(atomic_load(&current));
    free(image);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_scratch_stream_and_reload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
