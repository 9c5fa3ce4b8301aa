/*
 * Folding end to end: the library's scan with every fold stage on (noise
 * skipping and repeats off) against a slow reference that folds text and
 * entries with ICU directly, matches naively in folded space and maps hits
 * back to the original bytes. Random lexicons and texts built from characters
 * that exercise every stage, expansions, invisible characters, line breaks
 * and invalid UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "icu_reference.h"
#include "shai.h"

#define CAP 64
#define MAXU 4096

/* ---------------------------------------------------- reference folding */

enum {
    LETTER = REF_LETTER,
    NOISE = REF_NOISE,
    IGNORE = REF_IGNORE,
    BREAK = REF_BREAK,
    MARK = REF_MARK
};

static int klass(UChar32 c)
{
    int k = icu_class(c);
    return k == NOISE ? LETTER : k; /* noise is an ordinary character with the gap at 0 */
}

/* One ICU stage applied to one code point; -1 when it does not apply. */
static int32_t stage(int k, UChar32 c, UChar32 *out)
{
    UChar s[4], buf[CAP], tmp[CAP];
    int32_t n = 0, r = -1;
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(c, &err);
    U16_APPEND_UNSAFE(s, n, c);
    int32_t dt = u_getIntPropertyValue(c, UCHAR_DECOMPOSITION_TYPE);
    int wide = dt == U_DT_WIDE || dt == U_DT_NARROW;
    int compat = dt != U_DT_NONE && dt != U_DT_CANONICAL && !wide;
    switch (k) {
    case 0: /* width */
    case 1: /* compatibility */
        if ((k == 0 && wide) || (k == 1 && compat))
            r = unorm2_normalize(nfkc, s, n, buf, CAP, &err);
        if (k == 1 && r > 2 && buf[0] == '(' && buf[r - 1] == ')') { /* ⒜ -> a */
            u_memmove(buf, buf + 1, r - 2);
            r -= 2;
        }
        break;
    case 2: /* case fold + NFC */
        r = u_strFoldCase(tmp, CAP, s, n, U_FOLD_CASE_DEFAULT, &err);
        r = unorm2_normalize(nfc, tmp, r, buf, CAP, &err);
        break;
    case 3: { /* Latin diacritics */
        static const UChar32 stroke[][2] = {
            {0xF8, 'o'},  {0x111, 'd'}, {0x127, 'h'}, {0x142, 'l'}, {0x188, 'c'}, {0x192, 'f'},
            {0x199, 'k'}, {0x1A5, 'p'}, {0x1AD, 't'}, {0x1B4, 'y'}, {0x225, 'z'}, {0x253, 'b'},
            {0x257, 'd'}, {0x260, 'g'}, {0x266, 'h'}, {0x271, 'm'}, {0x272, 'n'}, {0x282, 's'},
            {0x28B, 'v'}, {0x2A0, 'q'}, {0x2C73, 'w'}};
        for (size_t i = 0; i < 4; i++)
            if (c == stroke[i][0]) {
                out[0] = stroke[i][1];
                return 1;
            }
        if (script != USCRIPT_LATIN)
            break;
        int32_t nd = unorm2_normalize(nfd, s, n, tmp, CAP, &err), kept = 0;
        UChar32 cps[CAP];
        int32_t ncps;
        u_strToUTF32(cps, CAP, &ncps, tmp, nd, &err);
        for (int32_t i = 0; i < ncps; i++)
            if (u_charType(cps[i]) != U_NON_SPACING_MARK)
                out[kept++] = cps[i];
        return kept == ncps ? -1 : kept;
    }
    case 4: /* lookalikes */
        if (c < 0x80 ||
            !(script == USCRIPT_LATIN || script == USCRIPT_GREEK || script == USCRIPT_CYRILLIC))
            break;
        r = uspoof_getSkeleton(spoof, 0, s, n, tmp, CAP, &err);
        r = u_strFoldCase(buf, CAP, tmp, r, U_FOLD_CASE_DEFAULT, &err);
        for (int32_t i = 0; i < r; i++)
            if (!(buf[i] >= 'a' && buf[i] <= 'z'))
                return -1;
        if (r == 0)
            return -1;
        break;
    case 5: { /* Traditional -> Simplified: the pool's Traditional characters are
               * ones ICU and OpenCC's table (the fold's source) agree on */
        if (script != USCRIPT_HAN)
            break;
        int32_t len = n, limit = n;
        u_memcpy(buf, s, n);
        utrans_transUChars(t2s, buf, &len, CAP, 0, &limit, &err);
        r = len;
        break;
    }
    }
    if (r < 0 || U_FAILURE(err))
        return -1;
    int32_t m;
    u_strToUTF32(out, CAP, &m, buf, r, &err);
    return m;
}

/* The folded code points of c (0 when it folds away); -1 for a line break. */
static int fold(UChar32 c, UChar32 *out)
{
    int k = klass(c);
    if (k == BREAK)
        return -1;
    if (k == IGNORE || k == MARK)
        return 0;
    UChar32 seq[CAP], next[CAP], one[CAP];
    int n = 1;
    seq[0] = c;
    for (int st = 0; st < 6; st++) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            int32_t r = stage(st, seq[i], one);
            if (r < 0)
                next[m++] = seq[i];
            for (int32_t j = 0; j < r && m < CAP; j++)
                next[m++] = one[j];
        }
        memcpy(seq, next, (size_t)m * sizeof *seq);
        n = m;
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (klass(seq[i]) != MARK && klass(seq[i]) != IGNORE)
            out[m++] = seq[i];
    return m;
}

static int word(UChar32 c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (c >= 0xC0 && c <= 0x24F)
        return c != 0xD7 && c != 0xF7;
    return (c >= 0x1E00 && c <= 0x1EFF) || (c >= 0xFF10 && c <= 0xFF19) ||
           (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A);
}

typedef struct unit {
    UChar32 cp; /* -1: a break, never matches */
    size_t start, end;
} unit;

/* Text -> folded units with original spans. */
static size_t units_of(const char *t, size_t len, unit *u)
{
    size_t n = 0;
    int last_unit = 0; /* the last visible thing was a unit */
    for (size_t i = 0; i < len;) {
        UChar32 c;
        size_t at = i;
        U8_NEXT(t, i, len, c); /* invalid: negative; maybe several bytes */
        if (c < 0) {
            i = at + 1; /* the library takes an invalid byte at a time */
            u[n++] = (unit){-1, at, i};
            last_unit = 0;
            continue;
        }
        UChar32 f[CAP];
        int m = fold(c, f);
        if (m < 0) {
            u[n++] = (unit){-1, at, i};
            last_unit = 0;
        } else if (m == 0) {
            if (last_unit)
                u[n - 1].end = i; /* invisible: joins the unit before it */
        } else {
            for (int k = 0; k < m; k++)
                u[n++] = (unit){f[k], at, i};
            last_unit = 1;
        }
    }
    return n;
}

typedef struct hit {
    size_t start, end;
    uint32_t entry;
} hit;

static int cmp_hit(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static int collect(const shai_hit *h, void *user)
{
    hit **p = user;
    **p = (hit){(size_t)h->start, (size_t)h->end, h->entry};
    (*p)++;
    return 0;
}

/* ------------------------------------------------------------ the test */

static const char *const pool[] = {
    "赌",
    "賭",
    "博",
    "ＤＵ",
    "du",
    "Ｄ",
    "d",
    "D",
    "ⓓ",
    "𝐝",
    "①",
    "1",
    "\xd1\x81",
    "c",
    "é",
    "e",
    "\xcc\xb2",
    "\xe2\x80\x8b",
    "ß",
    "ss",
    "ﬁ",
    "fi",
    "İ",
    "i",
    " ",
    "*",
    "😀",
    "\n",
    "\xff",
    "髮",
    "发",
    "Σ",
    "σ",
    "ς",
    "⒜",
    "a",
    "½",
    "㈱",
    "株",
    "ǅ",
    "dž",
    "\xef\xb8\x8f",
    "Å",
    "Ａ",
    "ｶ",
    "カ",
    "\xe2\x80\x8d",
};
#define NPOOL (sizeof pool / sizeof pool[0])

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

static size_t random_text(char *out, size_t max_pieces, int entry)
{
    size_t len = 0, n = 1 + next_rand() % max_pieces;
    for (size_t k = 0; k < n; k++) {
        const char *p = pool[next_rand() % NPOOL];
        if (entry && (p[0] == '\n' || (unsigned char)p[0] == 0xff || p[0] == ' '))
            continue; /* entries: no breaks, invalid bytes or edge spaces */
        size_t pl = strlen(p);
        memcpy(out + len, p, pl);
        len += pl;
    }
    out[len] = '\0';
    return len;
}

static void test_scan_agrees_with_icu_reference(void **state)
{
    (void)state;
    static unit tu[MAXU], eu[64];
    static hit got[MAXU], want[MAXU];
    int cases = 0;
    size_t total = 0;
    for (int round = 0; round < 300; round++) {
        char entries[8][128];
        size_t nent = 1 + next_rand() % 6;
        shai_builder *b;
        assert_int_equal(shai_builder_new(&b), SHAI_OK);
        assert_int_equal(shai_builder_set_option(b, SHAI_OPT_MAX_GAP, 0), SHAI_OK);
        assert_int_equal(shai_builder_set_option(b, SHAI_OPT_REPEATS, 0), SHAI_OK);
        size_t kept = 0;
        for (size_t e = 0; e < nent; e++) {
            size_t len = random_text(entries[kept], 3, 1);
            int dup = 0;
            for (size_t d = 0; d < kept; d++)
                dup |= strcmp(entries[d], entries[kept]) == 0;
            if (!len || dup)
                continue; /* duplicates would merge into one entry */
            if (shai_builder_add_entry(b, entries[kept], len, NULL, SHAI_ACTION_BLOCK, 0, NULL,
                                       NULL) == SHAI_OK)
                kept++;
        }
        shai_db *db;
        assert_int_equal(shai_builder_compile(b, &db), SHAI_OK);
        assert_int_equal(shai_db_entry_count(db), kept);
        shai_builder_free(b);
        for (int t = 0; t < 20; t++, cases++) {
            char text[1024];
            size_t len = random_text(text, 40, 0);
            /* reference */
            size_t nu = units_of(text, len, tu), nw = 0;
            for (uint32_t e = 0; e < kept; e++) {
                size_t ne = units_of(entries[e], strlen(entries[e]), eu);
                if (!ne)
                    continue;
                for (size_t i = 0; i + ne <= nu; i++) {
                    size_t k = 0;
                    while (k < ne && tu[i + k].cp >= 0 && tu[i + k].cp == eu[k].cp)
                        k++;
                    if (k < ne)
                        continue;
                    if (word(eu[0].cp) && i > 0 && tu[i - 1].cp >= 0 && word(tu[i - 1].cp))
                        continue;
                    if (word(eu[ne - 1].cp) && i + ne < nu && tu[i + ne].cp >= 0 &&
                        word(tu[i + ne].cp))
                        continue;
                    want[nw++] = (hit){tu[i].start, tu[i + ne - 1].end, e};
                }
            }
            hit *p = got;
            assert_int_equal(shai_scan(db, text, len, SHAI_SCAN_OVERLAPPING | SHAI_SCAN_NO_VARIANTS,
                                       collect, &p),
                             SHAI_OK); /* the fold alone */
            size_t ng = (size_t)(p - got);
            qsort(want, nw, sizeof *want, cmp_hit);
            qsort(got, ng, sizeof *got, cmp_hit);
            int same = ng == nw && memcmp(got, want, nw * sizeof *got) == 0;
            if (!same) {
                print_error("round %d text \"%s\"\n", round, text);
                for (uint32_t e = 0; e < kept; e++)
                    print_error("  entry %u \"%s\"\n", e, entries[e]);
                for (size_t i = 0; i < nw; i++)
                    print_error("  want %zu-%zu entry %u\n", want[i].start, want[i].end,
                                want[i].entry);
                for (size_t i = 0; i < ng; i++)
                    print_error("  got  %zu-%zu entry %u\n", got[i].start, got[i].end,
                                got[i].entry);
            }
            assert_true(same);
            total += nw;
        }
        shai_db_free(db);
    }
    print_message("%d texts, %zu hits agreed with the ICU reference\n", cases, total);
    assert_true(total > 1000); /* the inputs do exercise matching */
}

int main(void)
{
    if (other_icu(shai_fold_table_version()))
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_agrees_with_icu_reference),
    };
    return cmocka_run_group_tests(tests, open_icu, close_icu);
}
