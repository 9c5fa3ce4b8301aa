/* shai-interleave: two builds of libshai (or one build, two lexicons) in
 * one process, their scans taking turns on the same text, so that the
 * host's load falls on both alike. On a shared, noisy host, the ratio of
 * separate runs of two builds moves by 5% and more from one round to the
 * next; taking turns every 2000 lines (or 2 MB) in one process, less (see
 * README.md).
 *
 *   shai-interleave LIB_A LEXICON_A LIB_B LEXICON_B CORPUS ROUNDS MODE
 *
 * LIB_*: a libshai.so (each loaded on its own: give two builds as two
 * files, one build twice for two lexicons); LEXICON_*: a file or a
 * directory, read by shai_builder_add_path; MODE: `line` (one shai_scan
 * per line) or `whole` (one per block of lines of 2 MB). Scans are overlapping. Prints
 * each side's median and least CPU milliseconds per round, and the median
 * and range of the rounds' ratios A/B (above 1: B is faster), and the hits
 * of a round (the same for two builds that agree).
 *
 * Only the stable API is called (by dlsym), so any build since 0.1 can
 * take part. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <shai.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* whole: the least bytes a turn scans in one call */
#define WHOLE_BLOCK ((size_t)2 << 20)

typedef struct side {
    const char *name;
    int (*builder_new)(shai_builder **);
    int (*builder_add_path)(shai_builder *, const char *);
    int (*builder_compile)(shai_builder *, shai_db **);
    void (*builder_free)(shai_builder *);
    int (*scan)(const shai_db *, const char *, size_t, uint32_t, shai_hit_fn, void *);
    shai_db *db;
    size_t hits;
    double *ms;
} side;

static int count_hit(const shai_hit *h, void *user)
{
    (void)h;
    ++*(size_t *)user;
    return 0;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void *sym(void *lib, const char *path, const char *name)
{
    void *f = dlsym(lib, name);
    if (!f) {
        fprintf(stderr, "shai-interleave: %s: no %s\n", path, name);
        exit(2);
    }
    return f;
}

static void load(side *s, const char *lib_path, const char *lexicon)
{
    /* RTLD_DEEPBIND: each library's calls stay within it, though both
     * define the same symbols */
    void *lib = dlopen(lib_path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!lib) {
        fprintf(stderr, "shai-interleave: %s\n", dlerror());
        exit(2);
    }
    *(void **)&s->builder_new = sym(lib, lib_path, "shai_builder_new");
    *(void **)&s->builder_add_path = sym(lib, lib_path, "shai_builder_add_path");
    *(void **)&s->builder_compile = sym(lib, lib_path, "shai_builder_compile");
    *(void **)&s->builder_free = sym(lib, lib_path, "shai_builder_free");
    *(void **)&s->scan = sym(lib, lib_path, "shai_scan");
    shai_builder *b;
    int rc = s->builder_new(&b);
    if (!rc)
        rc = s->builder_add_path(b, lexicon);
    if (!rc)
        rc = s->builder_compile(b, &s->db);
    if (rc) {
        fprintf(stderr, "shai-interleave: %s with %s: status %d\n", lexicon, lib_path, rc);
        exit(2);
    }
    s->builder_free(b);
    s->name = lexicon;
}

int main(int argc, char **argv)
{
    if (argc != 8 || (strcmp(argv[7], "line") && strcmp(argv[7], "whole")) || atoi(argv[6]) < 1) {
        fprintf(stderr, "usage: shai-interleave LIB_A LEXICON_A LIB_B LEXICON_B CORPUS "
                        "ROUNDS line|whole\n");
        return 2;
    }
    side sides[2] = {{0}, {0}};
    load(&sides[0], argv[1], argv[2]);
    load(&sides[1], argv[3], argv[4]);
    FILE *f = fopen(argv[5], "rb");
    if (!f) {
        perror(argv[5]);
        return 2;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n + 65536 > cap) {
            cap = (n + 65536) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                fprintf(stderr, "shai-interleave: out of memory\n");
                return 2;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    if (ferror(f)) {
        perror(argv[5]);
        return 2;
    }
    fclose(f);
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += buf[i] == '\n';
    size_t *start = malloc((lines + 1) * sizeof *start), *len = malloc((lines + 1) * sizeof *len);
    int rounds = atoi(argv[6]), whole = !strcmp(argv[7], "whole");
    double *ratio = malloc((size_t)rounds * sizeof *ratio);
    sides[0].ms = calloc((size_t)rounds, sizeof(double));
    sides[1].ms = calloc((size_t)rounds, sizeof(double));
    if (!start || !len || !ratio || !sides[0].ms || !sides[1].ms) {
        fprintf(stderr, "shai-interleave: out of memory\n");
        return 2;
    }
    size_t k = 0, from = 0;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\n') {
            start[k] = from;
            len[k++] = i - from;
            from = i + 1;
        }
    if (from < n) {
        start[k] = from;
        len[k++] = n - from;
    }
    /* turns of 2000 lines, or (whole) of a block of lines of 2 MB or
     * more, scanned by one call (a few calls to a buffer: their own cost
     * is lost in it); which side goes first alternates from turn to turn
     * and round to round */
    for (int r = 0; r < rounds; r++) {
        double t[2] = {0, 0};
        sides[0].hits = sides[1].hits = 0;
        for (size_t c = 0, no = 0; c < k; no++) {
            size_t e = c;
            if (whole) {
                while (e < k && start[e] + len[e] - start[c] < WHOLE_BLOCK)
                    e++;
                e = e < k ? e + 1 : k;
            } else {
                e = c + 2000 < k ? c + 2000 : k;
            }
            for (int w = 0; w < 2; w++) {
                int which = (int)((no + (size_t)r + (size_t)w) & 1);
                side *s = &sides[which];
                double t0 = cpu_now();
                if (whole)
                    s->scan(s->db, buf + start[c], start[e - 1] + len[e - 1] - start[c],
                            SHAI_SCAN_OVERLAPPING, count_hit, &s->hits);
                else
                    for (size_t i = c; i < e; i++)
                        s->scan(s->db, buf + start[i], len[i], SHAI_SCAN_OVERLAPPING, count_hit,
                                &s->hits);
                t[which] += cpu_now() - t0;
            }
            c = e;
        }
        sides[0].ms[r] = t[0] * 1e3;
        sides[1].ms[r] = t[1] * 1e3;
        ratio[r] = t[0] / t[1];
    }
    qsort(ratio, (size_t)rounds, sizeof *ratio, cmp_double);
    for (int i = 0; i < 2; i++)
        qsort(sides[i].ms, (size_t)rounds, sizeof(double), cmp_double);
    printf("A %.1f ms (least %.1f)  B %.1f ms (least %.1f)  A/B %.3f [%.3f..%.3f]  hits %zu %zu\n",
           sides[0].ms[rounds / 2], sides[0].ms[0], sides[1].ms[rounds / 2], sides[1].ms[0],
           ratio[rounds / 2], ratio[0], ratio[rounds - 1], sides[0].hits, sides[1].hits);
    return 0;
}
