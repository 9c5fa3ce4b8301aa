/*
 * shai-bench: compile time, db size, open time, memory and scan throughput
 * of shai, and of Intel Hyperscan (literal mode) as a peer, on the same
 * lexicon and corpus in the same run. See bench/README.md.
 *
 *   shai-bench --lexicon FILE --corpus FILE [--runs 5] [--threads N]
 *              [--fold on|off|both] [--no-fold] [--engine all|shai|hyperscan]
 *              [--no-whole] [--compile-runs 3] [--save-db PATH] [--label NAME]
 *
 * Only the public header of shai is used. Throughput is the median of --runs
 * timed runs after one warm-up run, single thread unless --threads; MB is
 * 10^6 bytes of the corpus file, Mcp is 10^6 code points (UTF-8 lead bytes;
 * an invalid byte counts as one).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shai.h"

#ifdef SHAI_BENCH_HYPERSCAN
#include <hs.h>
#endif

/* Saved dbs are newer than the rest of the library: reference those calls
 * weakly, so that the bench links and runs (printing "n/a") against a
 * libshai that does not export them yet. */
#pragma weak shai_db_size
#pragma weak shai_db_save
#pragma weak shai_db_open

/* ------------------------------------------------------------- utilities */

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "shai-bench: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(1);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of the whole process (all threads), ms. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Peak resident set of this process, KiB. */
static long peak_rss_kb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru))
        return -1;
    return ru.ru_maxrss;
}

/* Current resident set of this process, KiB. */
static long current_rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = -1;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The 1, 5 and 15 minute load averages, as in /proc/loadavg. */
static void load_average(char *out, size_t cap)
{
    double l1, l5, l15;
    FILE *f = fopen("/proc/loadavg", "r");
    snprintf(out, cap, "n/a");
    if (!f)
        return;
    if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
        snprintf(out, cap, "%.2f %.2f %.2f", l1, l5, l15);
    fclose(f);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s", path);
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        die("out of memory reading %s", path);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb)
                die("out of memory reading %s", path);
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f))
        die("cannot read %s", path);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ------------------------------------------------------------------ corpus */

typedef struct span {
    size_t off, len;
} span;

typedef struct corpus {
    const char *path;
    char *buf;
    size_t len;
    uint64_t codepoints;
    span *lines; /* split on '\n', the '\n' not included; empty lines kept out */
    size_t nlines;
} corpus;

static void load_corpus(corpus *c, const char *path)
{
    c->path = path;
    c->buf = read_file(path, &c->len);
    c->codepoints = 0;
    size_t cap = 1024, n = 0;
    c->lines = malloc(cap * sizeof *c->lines);
    if (!c->lines)
        die("out of memory for %s", "lines");
    size_t start = 0;
    for (size_t i = 0; i <= c->len; i++) {
        if (i < c->len && ((unsigned char)c->buf[i] & 0xC0) != 0x80)
            c->codepoints++;
        if (i < c->len && c->buf[i] != '\n')
            continue;
        if (i > start) {
            if (n == cap) {
                cap *= 2;
                span *nl = realloc(c->lines, cap * sizeof *nl);
                if (!nl)
                    die("out of memory for %s", "lines");
                c->lines = nl;
            }
            c->lines[n].off = start;
            c->lines[n].len = i - start;
            n++;
        }
        start = i + 1;
    }
    c->nlines = n;
}

/* ----------------------------------------------------------------- results */

typedef struct result {
    const char *engine; /* "shai" or "hyperscan" */
    const char *fold;   /* "on", "off" or "-" */
    const char *mode;   /* "line" or "whole" */
    int threads;
    uint32_t entries;
    double parse_ms, compile_ms; /* medians of the read+parse and the compile steps */
    double total_ms;             /* median of parse + compile */
    long long db_bytes;          /* -1: n/a */
    double open_ms;              /* -1: n/a */
    long build_rss_kb;           /* peak RSS of a process that only builds the db; -1: n/a */
    double ms;                   /* median scan time */
    double cpu_pct;              /* CPU time / (wall time x threads) of the timed runs, % */
    double cpu_mbps;             /* MB per second of CPU time (median CPU time of the runs) */
    double mbps, mcps;
    uint64_t hits;
    double ratio;     /* MB/s over the Hyperscan row of the same mode and threads; <0: n/a */
    double cpu_ratio; /* the same with MB per CPU second */
    double speedup;   /* threads > 1: MB/s over the same row with 1 thread; <0: n/a */
    /* shai: the first shai_check of a line after an open, the later ones,
     * and a later one after 64 MB of other memory was written (caches as
     * cold as after the open), medians over the opens, microseconds; -1:
     * n/a */
    double first_check_us, check_us, cold_check_us;
} result;

#define MAX_RESULTS 64
static result results[MAX_RESULTS];
static size_t nresults;

static result *new_result(void)
{
    if (nresults == MAX_RESULTS)
        die("%s", "too many results");
    result *r = &results[nresults++];
    memset(r, 0, sizeof *r);
    r->db_bytes = -1;
    r->open_ms = -1;
    r->first_check_us = r->check_us = r->cold_check_us = -1;
    r->build_rss_kb = -1;
    r->ratio = -1;
    r->cpu_ratio = -1;
    r->speedup = -1;
    r->threads = 1;
    return r;
}

/* ----------------------------------------------------------------- options */

typedef struct options {
    const char *lexicon, *corpus, *save_db, *label;
    int runs, compile_runs, threads, whole;
    int fold_on, fold_off;
    int use_shai, use_hs;
} options;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: shai-bench --lexicon FILE --corpus FILE [options]\n"
            "  --runs N          timed scan runs after one warm-up; median reported (default 5)\n"
            "  --compile-runs N  shai compiles timed, median reported (default 3); Hyperscan: 1\n"
            "  --threads N       also scan per line on N threads sharing one db (default 1)\n"
            "  --fold on|off|both  shai folding: default builder, or FOLD=0 MAX_GAP=0 REPEATS=0\n"
            "                    (default both)\n"
            "  --no-fold         same as --fold off\n"
            "  --engine all|shai|hyperscan  (default all)\n"
            "  --no-whole        skip the whole-buffer (single call) scans\n"
            "  --save-db PATH    where to save the shai db (folding on if built) for the open\n"
            "                    measurement (default: a temporary file, removed)\n"
            "  --label NAME      lexicon name in the output (default: file name without .txt)\n");
}

static int parse_int(const char *s, int lo, int hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        die("bad number '%s'", s);
    return (int)v;
}

static void parse_args(options *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->runs = 5;
    o->compile_runs = 3;
    o->threads = 1;
    o->whole = 1;
    o->fold_on = o->fold_off = 1;
    o->use_shai = 1;
#ifdef SHAI_BENCH_HYPERSCAN
    o->use_hs = 1;
#endif
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--no-fold")) {
            o->fold_on = 0;
            o->fold_off = 1;
            takes = 0;
        } else if (!strcmp(a, "--no-whole")) {
            o->whole = 0;
            takes = 0;
        } else if (!v) {
            usage(stderr);
            die("missing value or unknown option %s", a);
        } else if (!strcmp(a, "--lexicon")) {
            o->lexicon = v;
        } else if (!strcmp(a, "--corpus")) {
            o->corpus = v;
        } else if (!strcmp(a, "--save-db")) {
            o->save_db = v;
        } else if (!strcmp(a, "--label")) {
            o->label = v;
        } else if (!strcmp(a, "--runs")) {
            o->runs = parse_int(v, 1, 1000);
        } else if (!strcmp(a, "--compile-runs")) {
            o->compile_runs = parse_int(v, 1, 1000);
        } else if (!strcmp(a, "--threads")) {
            o->threads = parse_int(v, 1, 256);
        } else if (!strcmp(a, "--fold")) {
            o->fold_on = !strcmp(v, "on") || !strcmp(v, "both");
            o->fold_off = !strcmp(v, "off") || !strcmp(v, "both");
            if (!o->fold_on && !o->fold_off)
                die("--fold takes on, off or both, not '%s'", v);
        } else if (!strcmp(a, "--engine")) {
            o->use_shai = !strcmp(v, "all") || !strcmp(v, "shai");
            o->use_hs = !strcmp(v, "all") || !strcmp(v, "hyperscan");
            if (!o->use_shai && !o->use_hs)
                die("--engine takes all, shai or hyperscan, not '%s'", v);
#ifndef SHAI_BENCH_HYPERSCAN
            if (o->use_hs && strcmp(v, "all"))
                die("%s", "built without Hyperscan");
            o->use_hs = 0;
#endif
        } else {
            usage(stderr);
            die("unknown option %s", a);
        }
        i += takes;
    }
    if (!o->lexicon || !o->corpus) {
        usage(stderr);
        exit(2);
    }
}

/* ------------------------------------------------------------------- shai */

static int count_shai_hit(const shai_hit *hit, void *user)
{
    (void)hit;
    ++*(uint64_t *)user;
    return 0;
}

static void shai_fail(const char *what, int rc, const shai_builder *b)
{
    fprintf(stderr, "shai-bench: %s: %s", what, shai_status_message(rc));
    if (b && *shai_builder_error_message(b))
        fprintf(stderr, ": %s", shai_builder_error_message(b));
    fputc('\n', stderr);
    exit(1);
}

/* Build a db from the lexicon file; times of the two steps in ms. */
static shai_db *shai_build(const char *lexicon, int fold, double *parse_ms, double *compile_ms)
{
    shai_builder *b;
    int rc = shai_builder_new(&b);
    if (rc)
        shai_fail("shai_builder_new", rc, NULL);
    if (!fold) {
        if ((rc = shai_builder_set_option(b, SHAI_OPT_FOLD, 0)) ||
            (rc = shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 0)) ||
            (rc = shai_builder_set_option(b, SHAI_OPT_REPEATS, 0)))
            shai_fail("shai_builder_set_option", rc, b);
    }
    double t0 = now_ms();
    rc = shai_builder_add_path(b, lexicon);
    double t1 = now_ms();
    if (rc)
        shai_fail("shai_builder_add_path", rc, b);
    shai_db *db;
    rc = shai_builder_compile(b, &db);
    double t2 = now_ms();
    if (rc)
        shai_fail("shai_builder_compile", rc, b);
    shai_builder_free(b);
    *parse_ms = t1 - t0;
    *compile_ms = t2 - t1;
    return db;
}

static uint64_t shai_scan_lines(const shai_db *db, const corpus *c, size_t first, size_t end)
{
    uint64_t hits = 0;
    for (size_t i = first; i < end; i++) {
        int rc = shai_scan(db, c->buf + c->lines[i].off, c->lines[i].len, SHAI_SCAN_OVERLAPPING,
                           count_shai_hit, &hits);
        if (rc)
            shai_fail("shai_scan", rc, NULL);
    }
    return hits;
}

static uint64_t shai_scan_whole(const shai_db *db, const corpus *c)
{
    uint64_t hits = 0;
    int rc = shai_scan(db, c->buf, c->len, SHAI_SCAN_OVERLAPPING, count_shai_hit, &hits);
    if (rc)
        shai_fail("shai_scan", rc, NULL);
    return hits;
}

/* -------------------------------------------------------------- hyperscan */

#ifdef SHAI_BENCH_HYPERSCAN
/* The lexicon as plain literals, read the way shai reads a word list: one
 * word per line, blank, '#' and '@' lines skipped, attributes after a TAB
 * dropped, spaces around the word trimmed, a leading '\' unescaped. */
typedef struct literals {
    char *data;
    const char **words;
    size_t *lens;
    unsigned *ids, *flags;
    unsigned n;
} literals;

static void load_literals(literals *l, const char *path)
{
    size_t len;
    l->data = read_file(path, &len);
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += l->data[i] == '\n';
    l->words = malloc(cap * sizeof *l->words);
    l->lens = malloc(cap * sizeof *l->lens);
    l->ids = malloc(cap * sizeof *l->ids);
    l->flags = calloc(cap, sizeof *l->flags);
    if (!l->words || !l->lens || !l->ids || !l->flags)
        die("out of memory for %s", "literals");
    l->n = 0;
    size_t start = 0;
    if (len >= 3 && !memcmp(l->data, "\xEF\xBB\xBF", 3))
        start = 3;
    for (size_t i = start; i <= len; i++) {
        if (i < len && l->data[i] != '\n')
            continue;
        size_t s = start, e = i;
        start = i + 1;
        if (e > s && l->data[e - 1] == '\r')
            e--;
        const char *tab = memchr(l->data + s, '\t', e - s);
        size_t lead = s;
        while (lead < e && l->data[lead] == ' ')
            lead++;
        if (lead == e || l->data[lead] == '#' || l->data[lead] == '@')
            continue;
        if (tab)
            e = (size_t)(tab - l->data);
        while (e > s && l->data[e - 1] == ' ')
            e--;
        s = lead;
        if (l->data[s] == '\\')
            s++;
        if (e <= s)
            continue;
        l->words[l->n] = l->data + s;
        l->lens[l->n] = e - s;
        l->ids[l->n] = l->n;
        l->n++;
    }
}

static void free_literals(literals *l)
{
    free(l->data);
    free(l->words);
    free(l->lens);
    free(l->ids);
    free(l->flags);
}

/* Literal mode, flags 0: every match end of every literal is reported. */
static hs_database_t *hs_build(const char *lexicon, unsigned *count, double *parse_ms,
                               double *compile_ms)
{
    double t0 = now_ms();
    literals l;
    load_literals(&l, lexicon);
    double t1 = now_ms();
    hs_database_t *db = NULL;
    hs_compile_error_t *err = NULL;
    if (hs_compile_lit_multi(l.words, l.flags, l.ids, l.lens, l.n, HS_MODE_BLOCK, NULL, &db,
                             &err) != HS_SUCCESS) {
        fprintf(stderr, "shai-bench: hs_compile_lit_multi: literal %d: %s\n", err->expression,
                err->message);
        exit(1);
    }
    double t2 = now_ms();
    *count = l.n;
    free_literals(&l);
    *parse_ms = t1 - t0;
    *compile_ms = t2 - t1;
    return db;
}

static int count_hs_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                        void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    ++*(uint64_t *)ctx;
    return 0;
}

static uint64_t hs_scan_lines(const hs_database_t *db, hs_scratch_t *scratch, const corpus *c,
                              size_t first, size_t end)
{
    uint64_t hits = 0;
    for (size_t i = first; i < end; i++) {
        hs_error_t rc = hs_scan(db, c->buf + c->lines[i].off, (unsigned)c->lines[i].len, 0, scratch,
                                count_hs_hit, &hits);
        if (rc != HS_SUCCESS)
            die("%s", "hs_scan failed");
    }
    return hits;
}

static uint64_t hs_scan_whole(const hs_database_t *db, hs_scratch_t *scratch, const corpus *c)
{
    uint64_t hits = 0;
    if (c->len > 0xFFFFFFFFu)
        die("%s", "corpus too large for one hs_scan call");
    if (hs_scan(db, c->buf, (unsigned)c->len, 0, scratch, count_hs_hit, &hits) != HS_SUCCESS)
        die("%s", "hs_scan failed");
    return hits;
}
#endif

/* ------------------------------------------------------------------ timing */

enum { ENG_SHAI, ENG_HS };

typedef struct job {
    int engine;
    const void *db;
    void *scratch; /* hs_scratch_t * */
    const corpus *c;
    size_t first, end; /* line range */
    uint64_t hits;
    _Atomic size_t *next; /* threads: the next block of lines to take */
} job;

/* Threads take blocks of this many lines in turn, so that a part of the
 * corpus that scans slower does not leave one thread waiting for another. */
#define BLOCK_LINES 512

static void run_job_lines(job *j)
{
    if (j->engine == ENG_SHAI)
        j->hits = shai_scan_lines(j->db, j->c, j->first, j->end);
#ifdef SHAI_BENCH_HYPERSCAN
    else
        j->hits = hs_scan_lines(j->db, j->scratch, j->c, j->first, j->end);
#endif
}

static void run_job_whole(job *j)
{
    if (j->engine == ENG_SHAI)
        j->hits = shai_scan_whole(j->db, j->c);
#ifdef SHAI_BENCH_HYPERSCAN
    else
        j->hits = hs_scan_whole(j->db, j->scratch, j->c);
#endif
}

static void *thread_main(void *arg)
{
    job *j = arg, part = *j;
    uint64_t hits = 0;
    for (;;) {
        size_t first = atomic_fetch_add(j->next, BLOCK_LINES);
        if (first >= j->c->nlines)
            break;
        part.first = first;
        part.end = first + BLOCK_LINES < j->c->nlines ? first + BLOCK_LINES : j->c->nlines;
        run_job_lines(&part);
        hits += part.hits;
    }
    j->hits = hits;
    return NULL;
}

/* One scan of the whole corpus: per line on `threads` threads (blocks of
 * BLOCK_LINES lines, each taken by the next thread free), or whole-buffer in
 * one call. Returns the wall time in ms and the total hits. */
static double scan_once(int engine, const void *db, void **scratch, const corpus *c, int whole,
                        int threads, uint64_t *hits, double *cpu)
{
    job jobs[256];
    pthread_t tid[256];
    _Atomic size_t next = 0;
    for (int t = 0; t < threads; t++)
        jobs[t] = (job){engine, db, scratch ? scratch[t] : NULL, c, 0, c->nlines, 0, &next};
    double c0 = cpu_ms();
    double t0 = now_ms();
    if (whole) {
        run_job_whole(&jobs[0]);
    } else if (threads == 1) {
        run_job_lines(&jobs[0]);
    } else {
        for (int t = 0; t < threads; t++)
            if (pthread_create(&tid[t], NULL, thread_main, &jobs[t]))
                die("%s", "pthread_create failed");
        for (int t = 0; t < threads; t++)
            pthread_join(tid[t], NULL);
    }
    double ms = now_ms() - t0;
    *cpu = cpu_ms() - c0;
    *hits = 0;
    for (int t = 0; t < (whole ? 1 : threads); t++)
        *hits += jobs[t].hits;
    return ms;
}

/* One engine with its db, measured alongside the others. */
typedef struct engine_run {
    int engine;
    const void *db;
    void **scratch;     /* Hyperscan: one per thread */
    result proto;       /* build figures, copied into each row */
    double times[1000]; /* wall ms of the timed runs of one mode */
    double cpus[1000];  /* CPU ms of the same runs */
} engine_run;

/* One warm-up run per engine, then `runs` rounds in which every engine
 * scans once, in turn: a burst of load on the shared cores falls on all
 * engines alike. Fills the throughput fields of rows[e] and the times of
 * each engine; ratios are left to the caller. */
static void measure_rounds(engine_run *e, int ne, result **rows, const corpus *c, int whole,
                           int threads, int runs)
{
    uint64_t hits[8];
    double cpu, cpu_total[8] = {0}, wall_total[8] = {0};
    for (int k = 0; k < ne; k++)
        scan_once(e[k].engine, e[k].db, e[k].scratch, c, whole, threads, &hits[k], &cpu);
    for (int i = 0; i < runs; i++) {
        for (int k = 0; k < ne; k++) {
            uint64_t h;
            e[k].times[i] =
                scan_once(e[k].engine, e[k].db, e[k].scratch, c, whole, threads, &h, &e[k].cpus[i]);
            cpu_total[k] += e[k].cpus[i];
            wall_total[k] += e[k].times[i];
            if (h != hits[k])
                die("%s", "hit count changed between runs");
        }
    }
    for (int k = 0; k < ne; k++) {
        result *r = rows[k];
        double t[1000], u[1000];
        memcpy(t, e[k].times, (size_t)runs * sizeof *t);
        memcpy(u, e[k].cpus, (size_t)runs * sizeof *u);
        r->mode = whole ? "whole" : "line";
        r->threads = threads;
        r->cpu_pct = 100 * cpu_total[k] / (wall_total[k] * threads);
        r->ms = median(t, (size_t)runs);
        r->cpu_mbps = (double)c->len / 1e3 / median(u, (size_t)runs);
        r->mbps = (double)c->len / 1e3 / r->ms;
        r->mcps = (double)c->codepoints / 1e3 / r->ms;
        r->hits = hits[k];
        fprintf(stderr, "  %-9s fold=%-3s %-5s x%d: %8.1f ms  %8.1f MB/s  %llu hits  cpu %.0f%%\n",
                r->engine, r->fold, r->mode, threads, r->ms, r->mbps, (unsigned long long)hits[k],
                r->cpu_pct);
    }
}

/* The median over the rounds of ref's time over e's: how many times faster
 * e ran than ref in the same round. */
static double paired_ratio(const double *ref, const double *e, int runs)
{
    double q[1000];
    for (int i = 0; i < runs; i++)
        q[i] = ref[i] / e[i];
    return median(q, (size_t)runs);
}

/* ------------------------------------------------------------ build memory */

/* Peak RSS (KiB) of a child process that builds the db and nothing else.
 * Called before the corpus is loaded, so the child starts small. */
static long build_rss(int engine, const char *lexicon, int fold)
{
    int fd[2];
    if (pipe(fd))
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        double p, k;
        if (engine == ENG_SHAI) {
            shai_db_free(shai_build(lexicon, fold, &p, &k));
        } else {
#ifdef SHAI_BENCH_HYPERSCAN
            unsigned n;
            hs_free_database(hs_build(lexicon, &n, &p, &k));
#endif
        }
        long kb = peak_rss_kb();
        ssize_t w = write(fd[1], &kb, sizeof kb);
        _exit(w == (ssize_t)sizeof kb ? 0 : 1);
    }
    close(fd[1]);
    long kb = -1;
    if (read(fd[0], &kb, sizeof kb) != (ssize_t)sizeof kb)
        kb = -1;
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return kb;
}

/* ------------------------------------------------------------------ report */

static void fmt_ll(char *out, size_t cap, long long v)
{
    if (v < 0)
        snprintf(out, cap, "n/a");
    else
        snprintf(out, cap, "%lld", v);
}

static void fmt_ms(char *out, size_t cap, double v, int prec)
{
    if (v < 0)
        snprintf(out, cap, "n/a");
    else
        snprintf(out, cap, "%.*f", prec, v);
}

static void fmt_ratio(char *out, size_t cap, double v)
{
    if (v < 0)
        snprintf(out, cap, "n/a");
    else
        snprintf(out, cap, "%.2f", v);
}

static void report(const options *o, const char *label, const corpus *c, long base_rss_kb,
                   const char *load_start)
{
    char load_end[64];
    load_average(load_end, sizeof load_end);
    struct utsname u;
    char cpu[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "model name", 10)) {
                char *p = strchr(line, ':');
                if (p) {
                    p += 1 + (p[1] == ' ');
                    p[strcspn(p, "\n")] = '\0';
                    snprintf(cpu, sizeof cpu, "%s", p);
                }
                break;
            }
        }
        fclose(f);
    }
    if (uname(&u))
        snprintf(u.release, sizeof u.release, "?");
    printf("\n### %s on %s\n\n", label, base_name(c->path));
    printf("corpus %zu bytes, %llu code points, %zu non-empty lines; %d timed runs after a "
           "warm-up, medians; libshai %s; %s (%ld online CPUs), Linux %s\n",
           c->len, (unsigned long long)c->codepoints, c->nlines, o->runs, shai_version_string(),
           cpu, sysconf(_SC_NPROCESSORS_ONLN), u.release);
    printf("process peak RSS %.1f MiB (baseline before building: %.1f MiB); build RSS = peak "
           "RSS of a process that only builds that db; load average %s at start, %s at end; "
           "cpu %% = CPU time / (wall time x threads) of the timed runs (< 95: the runs were "
           "not alone on their cores)\n\n",
           (double)peak_rss_kb() / 1024, (double)base_rss_kb / 1024, load_start, load_end);
    printf(
        "| engine | lexicon | entries | fold | mode | threads | parse ms | compile ms | build ms "
        "| db bytes | open ms | build RSS MiB | MB/s | Mcp/s | hits | vs Hyperscan | cpu %% "
        "| MB/CPU s | vs Hyperscan (CPU) |\n");
    printf("|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
           "---:|\n");
    for (size_t i = 0; i < nresults; i++) {
        const result *r = &results[i];
        char db[32], open[32], rss[32], ratio[32], cratio[32];
        fmt_ll(db, sizeof db, r->db_bytes);
        fmt_ms(open, sizeof open, r->open_ms, 3);
        fmt_ms(rss, sizeof rss, r->build_rss_kb < 0 ? -1 : (double)r->build_rss_kb / 1024, 1);
        fmt_ratio(ratio, sizeof ratio, r->ratio);
        fmt_ratio(cratio, sizeof cratio, r->cpu_ratio);
        printf("| %s | %s | %u | %s | %s | %d | %.1f | %.1f | %.1f | %s | %s | %s | %.1f | %.1f "
               "| %llu | %s | %.0f | %.1f | %s |\n",
               r->engine, label, r->entries, r->fold, r->mode, r->threads, r->parse_ms,
               r->compile_ms, r->total_ms, db, open, rss, r->mbps, r->mcps,
               (unsigned long long)r->hits, ratio, r->cpu_pct, r->cpu_mbps, cratio);
    }
    int any_threads = 0;
    for (size_t i = 0; i < nresults; i++)
        any_threads |= results[i].threads > 1;
    if (any_threads) {
        printf("\n| engine | lexicon | fold | threads | MB/s | MB/s with 1 thread | speedup |\n");
        printf("|---|---|---|---:|---:|---:|---:|\n");
        for (size_t i = 0; i < nresults; i++) {
            const result *r = &results[i];
            if (r->threads <= 1)
                continue;
            char sp[32];
            fmt_ratio(sp, sizeof sp, r->speedup);
            printf("| %s | %s | %s | %d | %.1f | %.1f | %s |\n", r->engine, label, r->fold,
                   r->threads, r->mbps, r->speedup > 0 ? r->mbps / r->speedup : 0.0, sp);
        }
    }
    /* per db: every mode's row has the same open figures */
    for (size_t i = 0; i < nresults; i++) {
        const result *r = &results[i];
        if (r->first_check_us < 0 || strcmp(r->mode, "line") || r->threads != 1)
            continue;
        printf("\n%s fold %s: open %.3f ms; then shai_check of the corpus's first line (%zu "
               "bytes): %.2f us the first time, %.2f us later (%.1fx), %.2f us later with caches "
               "as cold as after the open (first/cold %.2fx); medians of 21 opens\n",
               r->engine, r->fold, r->open_ms, c->nlines ? c->lines[0].len : 0, r->first_check_us,
               r->check_us, r->first_check_us / r->check_us, r->cold_check_us,
               r->first_check_us / r->cold_check_us);
    }
    printf("\n");
    for (size_t i = 0; i < nresults; i++) {
        const result *r = &results[i];
        char db[32], open[32], ratio[32], cratio[32], sp[32], first[32], later[32], cold[32];
        fmt_ll(db, sizeof db, r->db_bytes);
        fmt_ms(open, sizeof open, r->open_ms, 4);
        fmt_ms(first, sizeof first, r->first_check_us, 2);
        fmt_ms(later, sizeof later, r->check_us, 2);
        fmt_ms(cold, sizeof cold, r->cold_check_us, 2);
        fmt_ratio(ratio, sizeof ratio, r->ratio);
        fmt_ratio(cratio, sizeof cratio, r->cpu_ratio);
        fmt_ratio(sp, sizeof sp, r->speedup);
        printf(
            "RESULT engine=%s lexicon=%s corpus=%s fold=%s mode=%s threads=%d entries=%u "
            "parse_ms=%.2f compile_ms=%.2f build_ms=%.2f db_bytes=%s open_ms=%s build_rss_kb=%ld "
            "scan_ms=%.2f mbps=%.2f mcps=%.2f hits=%llu runs=%d ratio_hs=%s speedup=%s "
            "cpu_pct=%.1f cpu_mbps=%.2f ratio_hs_cpu=%s first_check_us=%s check_us=%s "
            "cold_check_us=%s\n",
            r->engine, label, base_name(c->path), r->fold, r->mode, r->threads, r->entries,
            r->parse_ms, r->compile_ms, r->total_ms, db, open, r->build_rss_kb, r->ms, r->mbps,
            r->mcps, (unsigned long long)r->hits, o->runs, ratio, sp, r->cpu_pct, r->cpu_mbps,
            cratio, first, later, cold);
    }
    fflush(stdout);
}

/* -------------------------------------------------------------------- main */

typedef struct shai_variant {
    int fold;
    long rss_kb;
} shai_variant;

/* The time of one shai_check of the corpus's first line, in microseconds. */
static double shai_check_us(const shai_db *db, const corpus *c)
{
    shai_hit hits[64];
    size_t n;
    uint32_t verdict;
    double t0 = now_ms();
    int rc = shai_check(db, c->buf + c->lines[0].off, c->lines[0].len, 0, &verdict, hits,
                        sizeof hits / sizeof *hits, &n);
    double us = (now_ms() - t0) * 1e3;
    if (rc && rc != SHAI_E_BUFFER_TOO_SMALL)
        shai_fail("shai_check", rc, NULL);
    return us;
}

/* Median time of opening a saved db into r->open_ms (-1 when saving or
 * opening is not available), and after each open the time of the first
 * shai_check and the median of the next 20, medians over the opens. Checks
 * that the opened db finds the same hits on a sample. */
static void shai_open(result *r, const shai_db *db, const char *save_path, const corpus *c)
{
    char tmp[] = "/tmp/shai-bench-XXXXXX";
    const char *path = save_path;
    unsigned char *flush = NULL;
    if (!shai_db_save || !shai_db_open)
        return;
    if (!path) {
        int fd = mkstemp(tmp);
        if (fd < 0)
            return;
        close(fd);
        path = tmp;
    }
    int rc = shai_db_save(db, path);
    if (rc) {
        fprintf(stderr, "shai-bench: shai_db_save: %s\n", shai_status_message(rc));
        goto out;
    }
    double times[21], first[21], later[21], cold[21];
    /* written between checks so that a later check finds the caches as an
     * open leaves them (an open reads the whole file to validate it and
     * writes the derived tables: about the memory shai_db_size gives): the
     * first check's extra time is then told apart from work it does that
     * later ones do not */
    size_t flush_len = (size_t)4 << 20;
    if (shai_db_size)
        shai_db_size(db, &flush_len);
    flush = malloc(flush_len);
    size_t n = 0;
    for (; n < sizeof times / sizeof *times; n++) {
        shai_db *opened = NULL;
        double t0 = now_ms();
        rc = shai_db_open(path, &opened);
        times[n] = now_ms() - t0;
        if (rc) {
            fprintf(stderr, "shai-bench: shai_db_open: %s\n", shai_status_message(rc));
            goto out;
        }
        if (n == 0) {
            corpus sample = *c;
            sample.nlines = c->nlines < 2000 ? c->nlines : 2000;
            if (shai_scan_lines(opened, &sample, 0, sample.nlines) !=
                shai_scan_lines(db, &sample, 0, sample.nlines))
                fprintf(stderr, "shai-bench: WARNING: the saved db finds other hits\n");
            shai_db_free(opened);
            if ((rc = shai_db_open(path, &opened)) != SHAI_OK) {
                fprintf(stderr, "shai-bench: shai_db_open: %s\n", shai_status_message(rc));
                goto out;
            }
        }
        if (c->nlines) {
            double next[20];
            first[n] = shai_check_us(opened, c);
            for (size_t i = 0; i < sizeof next / sizeof *next; i++)
                next[i] = shai_check_us(opened, c);
            later[n] = median(next, sizeof next / sizeof *next);
            if (flush) {
                memset(flush, (int)n, flush_len);
                cold[n] = shai_check_us(opened, c);
            }
        }
        shai_db_free(opened);
    }
    r->open_ms = median(times, n);
    if (c->nlines) {
        r->first_check_us = median(first, n);
        r->check_us = median(later, n);
        if (flush)
            r->cold_check_us = median(cold, n);
    }
out:
    free(flush);
    if (!save_path)
        unlink(tmp);
}

int main(int argc, char **argv)
{
    options o;
    parse_args(&o, argc, argv);
    char label[256];
    if (o.label) {
        snprintf(label, sizeof label, "%s", o.label);
    } else {
        snprintf(label, sizeof label, "%s", base_name(o.lexicon));
        size_t n = strlen(label);
        if (n > 4 && !strcmp(label + n - 4, ".txt"))
            label[n - 4] = '\0';
    }

    char load_start[64];
    load_average(load_start, sizeof load_start);

    /* Memory first, in children forked while this process is still small. */
    long base_rss = current_rss_kb();
    shai_variant variants[2];
    int nvariants = 0;
    if (o.use_shai) {
        if (o.fold_on)
            variants[nvariants++] = (shai_variant){1, 0};
        if (o.fold_off)
            variants[nvariants++] = (shai_variant){0, 0};
        for (int v = 0; v < nvariants; v++)
            variants[v].rss_kb = build_rss(ENG_SHAI, o.lexicon, variants[v].fold);
    }
    long hs_rss = o.use_hs ? build_rss(ENG_HS, o.lexicon, 0) : -1;

    corpus c;
    load_corpus(&c, o.corpus);
    fprintf(stderr, "shai-bench: %s: %s, %zu bytes, %zu lines\n", label, base_name(o.corpus), c.len,
            c.nlines);

    /* Every db first; then each mode measures all engines in turn.
     * Hyperscan, when there, is engine 0: the reference of the ratios. */
    static engine_run engines[3];
    int nengines = 0;
#ifdef SHAI_BENCH_HYPERSCAN
    if (o.use_hs) {
        double proto_total_ms;
        double parse[1000], comp[1000], total[1000];
        hs_database_t *db = NULL;
        unsigned n = 0;
        /* Hyperscan compiles large literal sets slowly (seconds): once. */
        int hs_compile_runs = 1;
        for (int i = 0; i < hs_compile_runs; i++) {
            if (db)
                hs_free_database(db);
            db = hs_build(o.lexicon, &n, &parse[i], &comp[i]);
            total[i] = parse[i] + comp[i];
        }
        proto_total_ms = median(total, (size_t)hs_compile_runs);
        result proto;
        memset(&proto, 0, sizeof proto);
        proto.engine = "hyperscan";
        proto.fold = "-";
        proto.entries = n;
        proto.parse_ms = median(parse, (size_t)hs_compile_runs);
        proto.compile_ms = median(comp, (size_t)hs_compile_runs);
        proto.total_ms = proto_total_ms;
        size_t size = 0;
        proto.db_bytes = hs_database_size(db, &size) == HS_SUCCESS ? (long long)size : -1;
        /* "open": deserialize a serialized db (from memory). */
        proto.open_ms = proto.first_check_us = proto.check_us = proto.cold_check_us = -1;
        char *image = NULL;
        size_t image_len = 0;
        if (hs_serialize_database(db, &image, &image_len) == HS_SUCCESS) {
            double times[21];
            for (int i = 0; i < 21; i++) {
                hs_database_t *d2 = NULL;
                double t0 = now_ms();
                hs_error_t rc = hs_deserialize_database(image, image_len, &d2);
                times[i] = now_ms() - t0;
                if (rc != HS_SUCCESS)
                    break;
                hs_free_database(d2);
                if (i == 20)
                    proto.open_ms = median(times, 21);
            }
            free(image);
        }
        proto.build_rss_kb = hs_rss;
        static hs_scratch_t *scratch[256];
        if (hs_alloc_scratch(db, &scratch[0]) != HS_SUCCESS)
            die("%s", "hs_alloc_scratch failed");
        for (int t = 1; t < o.threads; t++)
            if (hs_clone_scratch(scratch[0], &scratch[t]) != HS_SUCCESS)
                die("%s", "hs_clone_scratch failed");
        engines[nengines++] = (engine_run){ENG_HS, db, (void **)scratch, proto, {0}, {0}};
    }
#endif
    (void)hs_rss;

    for (int v = 0; v < nvariants; v++) {
        int fold = variants[v].fold;
        double parse[1000], comp[1000], total[1000];
        shai_db *db = NULL;
        for (int i = 0; i < o.compile_runs; i++) {
            shai_db_free(db);
            db = shai_build(o.lexicon, fold, &parse[i], &comp[i]);
            total[i] = parse[i] + comp[i];
        }
        result proto;
        memset(&proto, 0, sizeof proto);
        proto.engine = "shai";
        proto.fold = fold ? "on" : "off";
        proto.entries = shai_db_entry_count(db);
        proto.parse_ms = median(parse, (size_t)o.compile_runs);
        proto.compile_ms = median(comp, (size_t)o.compile_runs);
        proto.total_ms = median(total, (size_t)o.compile_runs);
        proto.db_bytes = -1;
        size_t size = 0;
        if (shai_db_size && shai_db_size(db, &size) == SHAI_OK)
            proto.db_bytes = (long long)size;
        proto.open_ms = proto.first_check_us = proto.check_us = proto.cold_check_us = -1;
        shai_open(&proto, db, (v == 0) ? o.save_db : NULL, &c);
        proto.build_rss_kb = variants[v].rss_kb;
        engines[nengines++] = (engine_run){ENG_SHAI, db, NULL, proto, {0}, {0}};
    }

    int has_hs = nengines > 0 && engines[0].engine == ENG_HS;
    result *line1[3] = {NULL, NULL, NULL};
    for (int k = 0; k < 3; k++) {
        int whole = k == 1, threads = k == 2 ? o.threads : 1;
        if ((whole && !o.whole) || (k == 2 && o.threads == 1))
            continue;
        result *rows[3];
        for (int e = 0; e < nengines; e++) {
            rows[e] = new_result();
            *rows[e] = engines[e].proto;
            rows[e]->ratio = rows[e]->cpu_ratio = rows[e]->speedup = -1;
        }
        measure_rounds(engines, nengines, rows, &c, whole, threads, o.runs);
        for (int e = 0; e < nengines; e++) {
            if (has_hs) {
                rows[e]->ratio = paired_ratio(engines[0].times, engines[e].times, o.runs);
                rows[e]->cpu_ratio = paired_ratio(engines[0].cpus, engines[e].cpus, o.runs);
            }
            if (k == 0)
                line1[e] = rows[e];
            if (k == 2 && line1[e])
                rows[e]->speedup = rows[e]->mbps / line1[e]->mbps;
        }
    }
    for (int e = 0; e < nengines; e++) {
        if (engines[e].engine == ENG_SHAI)
            shai_db_free((shai_db *)engines[e].db);
#ifdef SHAI_BENCH_HYPERSCAN
        else {
            for (int t = 0; t < o.threads; t++)
                hs_free_scratch((hs_scratch_t *)engines[e].scratch[t]);
            hs_free_database((hs_database_t *)engines[e].db);
        }
#endif
    }

    report(&o, label, &c, base_rss, load_start);
    free(c.buf);
    free(c.lines);
    return 0;
}
