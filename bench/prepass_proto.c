/* prepass-proto: a measured sketch of the design the scan-speed targets of
 * bench/README.md need, not part of the library.
 *
 *   prepass-proto LEXICON CORPUS [RUNS]
 *
 * An AVX-512 pass decodes 64 bytes at a time (ASCII and 3-byte sequences;
 * a window with anything else is counted as left to the scalar loop), looks
 * every character up in the db's fold map with gathers, drops noise, and
 * tests each pair of consecutive symbols against a Bloom filter of the
 * lexicon's first pairs (two bits in one 32-bit word). A character is a
 * candidate when its pair may start an entry, when it is an entry by itself,
 * when it is noise that starts an entry, or when it is invisible or expands
 * (the scalar loop attaches those). Everything else needs no automaton step:
 * the scanner would be in the root or a child of the root there and could
 * resume at the next candidate.
 *
 * It prints the pass's throughput per line (one call per line, as the
 * bench's "line" mode) and over the whole buffer, the share of characters
 * that are candidates, and shai_scan's throughput over the same lines in
 * the same run. The scanner itself does not use this pass (see
 * bench/README.md, "What the targets need").
 *
 * Built only on x86-64 by a compiler that takes the AVX-512 flags; runs only
 * on a CPU with AVX-512 F, BW, VL and VBMI2. */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/db.h"
#include "shai.h"

/* Only the pass uses AVX-512: main() runs anywhere and checks the CPU. */
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2")))

typedef struct filter {
    uint32_t *bloom;  /* 32-bit words, two bits per pair */
    uint32_t shift;   /* hash >> shift: the word */
    uint8_t *special; /* per symbol: 1 an entry by itself, 2 starts an entry */
} filter;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "prepass-proto: %s\n", what);
    exit(2);
}

static inline uint32_t pair_hash(uint32_t a, uint32_t b)
{
    uint32_t h = (a * 0x9E3779B1u) ^ (b * 0x85EBCA6Bu);
    h ^= h >> 15;
    return h * 0x2C1B3C6Du;
}

/* The filter from the automaton: a state of depth 2 is a first pair. */
static void build_filter(const shai_db *db, filter *f)
{
    uint32_t root_base = db->slots[SHI_ROOT].base & SHI_SLOT_BASE;
    uint32_t npairs = 0;
    for (uint32_t t = 0; t < db->nslots; t++)
        npairs += db->depth[t] == 2;
    uint32_t bits = 10; /* 16 bits per pair */
    while (bits < 26 && (1u << bits) < npairs * 16u)
        bits++;
    f->bloom = calloc((size_t)1 << (bits - 5), sizeof *f->bloom);
    f->special = calloc((size_t)db->nsym + 4, 1); /* gathers read 4 bytes */
    if (!f->bloom || !f->special)
        die("out of memory");
    f->shift = 32 - (bits - 5);
    for (uint32_t t = 0; t < db->nslots; t++) {
        if (db->depth[t] != 2)
            continue;
        uint32_t parent = db->slots[t].check;
        uint32_t h = pair_hash(parent - root_base, t - (db->slots[parent].base & SHI_SLOT_BASE));
        f->bloom[h >> f->shift] |= (1u << (h & 31)) | (1u << ((h >> 5) & 31));
    }
    for (uint32_t sym = 1; sym < db->nsym; sym++) {
        uint32_t t = root_base + sym;
        if (t != SHI_ROOT && db->slots[t].check == SHI_ROOT)
            f->special[sym] = (db->slots[t].base & SHI_SLOT_OUT) ? 3 : 2;
    }
}

typedef struct counts {
    uint64_t chars, candidates, scalar_bytes;
} counts;

/* Up to 64 bytes at p (fewer at the end: masked loads read nothing
 * beyond). */
AVX512 static inline __m512i load_upto(const unsigned char *p, size_t left)
{
    __mmask64 m = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
    return _mm512_maskz_loadu_epi8(m, p);
}

/* 16 compressed character starts (first, second, third bytes in dwords)
 * into map values. */
AVX512 static inline __m512i map16(const shai_db *db, __m128i x0, __m128i x1, __m128i x2,
                                   __mmask16 live)
{
    __m512i d0 = _mm512_cvtepu8_epi32(x0), d1 = _mm512_cvtepu8_epi32(x1),
            d2 = _mm512_cvtepu8_epi32(x2);
    __mmask16 ascii = _mm512_cmplt_epu32_mask(d0, _mm512_set1_epi32(0x80));
    __m512i cp3 = _mm512_or_si512(
        _mm512_or_si512(_mm512_slli_epi32(_mm512_and_si512(d0, _mm512_set1_epi32(0x0F)), 12),
                        _mm512_slli_epi32(_mm512_and_si512(d1, _mm512_set1_epi32(0x3F)), 6)),
        _mm512_and_si512(d2, _mm512_set1_epi32(0x3F)));
    __m512i cp = _mm512_mask_blend_epi32(ascii, cp3, d0);
    __m512i blk =
        _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), live,
                                    _mm512_srli_epi32(cp, SHI_MAP_BLOCK_SHIFT), db->map_stage1, 2);
    blk = _mm512_and_si512(blk, _mm512_set1_epi32(0xFFFF));
    __m512i idx = _mm512_or_si512(_mm512_slli_epi32(blk, SHI_MAP_BLOCK_SHIFT),
                                  _mm512_and_si512(cp, _mm512_set1_epi32(SHI_MAP_BLOCK_SIZE - 1)));
    return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), live, idx, db->map_stage2, 4);
}

AVX512 static __m128i lane128(__m512i v, int k)
{
    switch (k) {
    case 0:
        return _mm512_extracti32x4_epi32(v, 0);
    case 1:
        return _mm512_extracti32x4_epi32(v, 1);
    case 2:
        return _mm512_extracti32x4_epi32(v, 2);
    default:
        return _mm512_extracti32x4_epi32(v, 3);
    }
}

/* One call: a line, or the whole buffer. */
AVX512 static void prepass(const shai_db *db, const filter *f, const unsigned char *p, size_t n,
                           counts *c)
{
    uint32_t buf[80]; /* the window's symbols without noise, buf[0] the last before */
    uint32_t prev = 0;
    size_t pos = 0;
    const __m512i c80 = _mm512_set1_epi8((char)0x80), cC0 = _mm512_set1_epi8((char)0xC0),
                  cF0 = _mm512_set1_epi8((char)0xF0), cE0 = _mm512_set1_epi8((char)0xE0);
    while (pos < n) {
        size_t left = n - pos;
        __m512i b0 = load_upto(p + pos, left);
        __m512i b1 = load_upto(p + pos + 1, left - 1);
        __m512i b2 = left >= 2 ? load_upto(p + pos + 2, left - 2) : _mm512_setzero_si512();
        __mmask64 in = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
        __mmask64 high = _mm512_movepi8_mask(b0) & in;
        __mmask64 cont = _mm512_cmpeq_epi8_mask(_mm512_and_si512(b0, cC0), c80) & in;
        __mmask64 lead3 = _mm512_cmpeq_epi8_mask(_mm512_and_si512(b0, cF0), cE0) & in;
        /* a 3-byte character cut by the end of the input is not one (the
         * continuation bytes of one at 62 or 63 are read but, in this
         * sketch, not checked) */
        if (left < 66)
            lead3 &= ((__mmask64)1 << (left >= 2 ? left - 2 : 0)) - 1;
        if ((high & ~cont & ~lead3) || cont != (((lead3 << 1) | (lead3 << 2)) & in)) {
            /* 2- or 4-byte sequences, bad bytes: the scalar loop takes up to
             * the next ASCII byte */
            size_t k = pos + 1;
            while (k < n && (p[k] & 0x80))
                k++;
            c->scalar_bytes += k - pos;
            pos = k;
            prev = 0;
            continue;
        }
        __mmask64 starts = (~high & in) | lead3;
        __m512i s0 = _mm512_maskz_compress_epi8(starts, b0);
        __m512i s1 = _mm512_maskz_compress_epi8(starts, b1);
        __m512i s2 = _mm512_maskz_compress_epi8(starts, b2);
        int k = __builtin_popcountll(starts), m = 0;
        buf[m++] = prev;
        for (int q = 0; q * 16 < k; q++) {
            int rest = k - q * 16;
            __mmask16 live = rest >= 16 ? 0xFFFF : (__mmask16)((1u << rest) - 1);
            __m512i v = map16(db, lane128(s0, q), lane128(s1, q), lane128(s2, q), live);
            __mmask16 brk = _mm512_mask_test_epi32_mask(live, v, _mm512_set1_epi32(SHI_MAP_BREAK));
            __mmask16 odd = _mm512_mask_test_epi32_mask(
                live, v, _mm512_set1_epi32(SHI_MAP_IGNORE | SHI_MAP_EXPAND));
            __mmask16 noise =
                _mm512_mask_test_epi32_mask(live, v, _mm512_set1_epi32(SHI_MAP_NOISE));
            __m512i sym =
                _mm512_maskz_and_epi32((__mmask16)~brk, v, _mm512_set1_epi32(SHI_MAP_SYM_MASK));
            /* an entry by itself; noise that starts an entry */
            __m512i sp = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), live & ~odd, sym,
                                                     f->special, 1);
            __mmask16 solo = _mm512_test_epi32_mask(sp, _mm512_set1_epi32(1));
            __mmask16 starter = _mm512_test_epi32_mask(sp, _mm512_set1_epi32(2));
            c->candidates += (uint64_t)__builtin_popcount(odd | solo | (noise & starter));
            __mmask16 keep = live & ~noise & ~odd;
            _mm512_mask_compressstoreu_epi32(buf + m, keep, sym);
            m += __builtin_popcount(keep);
        }
        c->chars += (uint64_t)k;
        for (int i = 1; i < m; i += 16) {
            __mmask16 live = (m - i) >= 16 ? 0xFFFF : (__mmask16)((1u << (m - i)) - 1);
            __m512i a = _mm512_maskz_loadu_epi32(live, buf + i - 1);
            __m512i b = _mm512_maskz_loadu_epi32(live, buf + i);
            __m512i h =
                _mm512_xor_si512(_mm512_mullo_epi32(a, _mm512_set1_epi32((int)0x9E3779B1u)),
                                 _mm512_mullo_epi32(b, _mm512_set1_epi32((int)0x85EBCA6Bu)));
            h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 15));
            h = _mm512_mullo_epi32(h, _mm512_set1_epi32(0x2C1B3C6D));
            __m512i w = _mm512_mask_i32gather_epi32(
                _mm512_setzero_si512(), live,
                _mm512_srlv_epi32(h, _mm512_set1_epi32((int)f->shift)), f->bloom, 4);
            __m512i one = _mm512_set1_epi32(1), m31 = _mm512_set1_epi32(31);
            __m512i bits = _mm512_or_si512(
                _mm512_sllv_epi32(one, _mm512_and_si512(h, m31)),
                _mm512_sllv_epi32(one, _mm512_and_si512(_mm512_srli_epi32(h, 5), m31)));
            __mmask16 hit = _mm512_mask_cmpeq_epi32_mask(live, _mm512_and_si512(w, bits), bits);
            hit &= _mm512_test_epi32_mask(a, a) & _mm512_test_epi32_mask(b, b);
            c->candidates += (uint64_t)__builtin_popcount(hit);
        }
        prev = buf[m - 1];
        pos += left >= 64 ? 64 : left;
        while (pos < n && (p[pos] & 0xC0) == 0x80) /* the rest of a character at 62, 63 */
            pos++;
    }
}

/* What the scalar loop would still step, measured with the automaton
 * itself (untimed, one pass over the lines): over each line's symbols
 * without noise, as the pre-pass sees them, the characters whose state is
 * deeper than 1 (inside a match of two or more) plus, for every
 * candidate pair, its two characters. A scanner that resumes at each
 * candidate steps about this many characters. Returns that count. */
static uint64_t scalar_steps(const shai_db *db, const filter *f, const unsigned char *p, size_t n)
{
    uint64_t steps = 0;
    uint32_t state = SHI_ROOT, prev = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = p[i];
        size_t len = 1;
        if (cp >= 0x80) {
            if ((cp & 0xF0) != 0xE0 || i + 3 > n) { /* the pre-pass's fallback */
                state = SHI_ROOT;
                prev = 0;
                i++;
                continue;
            }
            cp = ((cp & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
            len = 3;
        }
        i += len;
        uint32_t v = shi_map(db, cp);
        if (v & SHI_MAP_BREAK) {
            state = SHI_ROOT;
            prev = 0;
            continue;
        }
        if (v & (SHI_MAP_NOISE | SHI_MAP_IGNORE | SHI_MAP_EXPAND))
            continue;
        uint32_t sym = v & SHI_MAP_SYM_MASK;
        /* the Aho-Corasick step */
        uint32_t s = state;
        for (;;) {
            uint32_t t = sym ? (db->slots[s].base & SHI_SLOT_BASE) + sym : 0;
            if (sym && db->slots[t].check == s) {
                s = t;
                break;
            }
            if (s == SHI_ROOT || !sym) {
                s = SHI_ROOT;
                break;
            }
            s = db->links[s].fail;
        }
        state = s;
        uint32_t h = pair_hash(prev, sym);
        uint32_t bits = (1u << (h & 31)) | (1u << ((h >> 5) & 31));
        int cand = prev && sym && (f->bloom[h >> f->shift] & bits) == bits;
        /* this character if it is deep or ends a candidate pair, and the
         * pair's first character */
        steps += (uint64_t)((db->depth[state] > 1) | cand) + (uint64_t)cand;
        prev = sym;
    }
    return steps;
}

static int count_hit(const shai_hit *hit, void *user)
{
    (void)hit;
    ++*(uint64_t *)user;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: prepass-proto LEXICON CORPUS [RUNS]\n");
        return 2;
    }
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512vbmi2"))
        die("this CPU lacks AVX-512 F/BW/VL/VBMI2");
    int runs = argc == 4 ? atoi(argv[3]) : 5;
    if (runs < 1 || runs > 100)
        die("RUNS must be 1..100");
    shai_builder *b;
    shai_db *db;
    if (shai_builder_new(&b) || shai_builder_add_path(b, argv[1]) || shai_builder_compile(b, &db))
        die("cannot build the lexicon");
    shai_builder_free(b);
    filter f;
    double tf = now();
    build_filter(db, &f);
    tf = now() - tf;

    FILE *in = fopen(argv[2], "rb");
    if (!in || fseek(in, 0, SEEK_END) != 0)
        die("cannot read the corpus");
    long len = ftell(in);
    if (len < 0 || fseek(in, 0, SEEK_SET) != 0)
        die("cannot read the corpus");
    size_t n = (size_t)len;
    unsigned char *text = malloc(n + 1);
    if (!text || fread(text, 1, n, in) != n)
        die("cannot read the corpus");
    fclose(in);

    /* per line (the newline not included), then the whole buffer, then
     * shai_scan per line; engines in turn, medians */
    double *t_line = calloc((size_t)runs, sizeof(double)),
           *t_whole = calloc((size_t)runs, sizeof(double)),
           *t_scan = calloc((size_t)runs, sizeof(double));
    counts line = {0, 0, 0}, whole = {0, 0, 0};
    uint64_t hits = 0;
    for (int r = -1; r < runs; r++) {
        counts cl = {0, 0, 0}, cw = {0, 0, 0};
        double t0 = now();
        for (size_t at = 0; at < n;) {
            const unsigned char *nl = memchr(text + at, '\n', n - at);
            size_t end = nl ? (size_t)(nl - text) : n;
            prepass(db, &f, text + at, end - at, &cl);
            at = end + 1;
        }
        double t1 = now();
        prepass(db, &f, text, n, &cw);
        double t2 = now();
        uint64_t h = 0;
        for (size_t at = 0; at < n;) {
            const unsigned char *nl = memchr(text + at, '\n', n - at);
            size_t end = nl ? (size_t)(nl - text) : n;
            shai_scan(db, (const char *)text + at, end - at, SHAI_SCAN_OVERLAPPING, count_hit, &h);
            at = end + 1;
        }
        double t3 = now();
        if (r >= 0) {
            t_line[r] = t1 - t0;
            t_whole[r] = t2 - t1;
            t_scan[r] = t3 - t2;
        }
        line = cl;
        whole = cw;
        hits = h;
    }
    uint64_t steps = 0;
    for (size_t at = 0; at < n;) {
        const unsigned char *nl = memchr(text + at, '\n', n - at);
        size_t end = nl ? (size_t)(nl - text) : n;
        steps += scalar_steps(db, &f, text + at, end - at);
        at = end + 1;
    }
    qsort(t_line, (size_t)runs, sizeof(double), cmp_double);
    qsort(t_whole, (size_t)runs, sizeof(double), cmp_double);
    qsort(t_scan, (size_t)runs, sizeof(double), cmp_double);
    double mb = (double)n / 1e6;
    printf(
        "%s: pre-pass %.1f MB/s per line, %.1f MB/s whole; shai_scan %.1f MB/s per line "
        "(%llu hits); candidates %.2f%% of %llu characters per line (%.2f%% whole); "
        "%.2f%% of bytes left to the scalar loop; about %.1f%% of characters still stepped by it; "
        "filter derived in %.3f ms; %d runs, medians\n",
        argv[1], mb / t_line[runs / 2], mb / t_whole[runs / 2], mb / t_scan[runs / 2],
        (unsigned long long)hits, 100.0 * (double)line.candidates / (double)line.chars,
        (unsigned long long)line.chars, 100.0 * (double)whole.candidates / (double)whole.chars,
        100.0 * (double)line.scalar_bytes / (double)n, 100.0 * (double)steps / (double)line.chars,
        tf * 1e3, runs);
    free(t_line);
    free(t_whole);
    free(t_scan);
    free(text);
    free(f.bloom);
    free(f.special);
    shai_db_free(db);
    return 0;
}
