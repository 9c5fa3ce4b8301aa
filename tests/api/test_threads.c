/*
 * Threads share one db. Uses only shai.h.
 */
#include "test_util.h"

#include <pthread.h>

typedef struct thread_job {
    const shai_db *db;
    const char *text;
    size_t len;
    const hit_vec *expect;
    int ok;
} thread_job;

static void *thread_scan(void *arg)
{
    thread_job *job = arg;
    job->ok = 1;
    shai_hit hits[64];
    for (int round = 0; round < 300 && job->ok; round++) {
        size_t count = 0;
        uint32_t flags = (uint32_t)round & 3u;
        if (shai_scan_hits(job->db, job->text, job->len, flags, hits, 64, &count) != SHAI_OK) {
            job->ok = 0;
            break;
        }
        const hit_vec *e = &job->expect[flags];
        if (count != e->n || memcmp(hits, e->v, count * sizeof *hits) != 0)
            job->ok = 0;
    }
    return NULL;
}

static void test_threads_share_db(void **state)
{
    (void)state;
    shai_db *db = stream_db(0);
    const size_t len = sizeof stream_text - 1;
    hit_vec expect[4] = {{0}};
    for (uint32_t flags = 0; flags < 4; flags++)
        assert_status(shai_scan(db, stream_text, len, flags, collect_hit, &expect[flags]), SHAI_OK);
    enum { NTHREADS = 4 };
    pthread_t tid[NTHREADS];
    thread_job jobs[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        jobs[i] = (thread_job){db, stream_text, len, expect, 0};
        assert_int_equal(pthread_create(&tid[i], NULL, thread_scan, &jobs[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_join(tid[i], NULL), 0);
        assert_true(jobs[i].ok);
    }
    for (int i = 0; i < 4; i++)
        hit_vec_free(&expect[i]);
    shai_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
