/*
 * gen_fold: writes lib/unicode/fold_data.h, the Unicode tables shai's normalizer
 * folds text with, by asking ICU what every code point becomes.
 *
 *   gen_fold DATA_DIR OUTPUT.h            write the header
 *   gen_fold --check DATA_DIR EXISTING.h  exit 1 if EXISTING.h is not what would be written now;
 *                                         exit 77 (meson's "skipped") if EXISTING.h was made
 *                                         with another ICU or Unicode version, which cannot be
 *                                         compared
 *
 * DATA_DIR is tools/gen_fold/data: OpenCC's Traditional->Simplified table, Unicode's
 * radical->ideograph table and the curated variant table (data/README.md names their
 * sources and licenses). ICU and these files are consulted here, never at scan time.
 * The output depends only on them (no dates, no paths), so a committed header can be
 * checked for staleness.
 *
 * The stages, each mapping one code point to a sequence; the library applies them
 * in this order, each to the output of the previous one:
 *   width        <wide>/<narrow> decompositions: NFKC of the code point.
 *   compat       every other compatibility decomposition: NFKC of the code point,
 *                without the parentheses of a parenthesised form (⒦ -> k, ⑸ -> 5,
 *                ㈱ -> 株). Plus styled letters that do not decompose, by their
 *                Unicode name: NEGATIVE CIRCLED / NEGATIVE SQUARED LATIN CAPITAL
 *                LETTER X and REGIONAL INDICATOR SYMBOL LETTER X give X (🅵 🆏 🇫 -> F);
 *                and CJK radicals (U+2E80-2FDF) without a decomposition give their
 *                unified ideograph from data/EquivalentUnifiedIdeograph.txt (⻩ -> 黄).
 *   case         default case folding, then NFC; so the canonical singletons
 *                (CJK compatibility ideographs, U+212B ANGSTROM SIGN, ...) are here too.
 *   diacritics   Latin-script code points: NFD without its nonspacing marks, plus
 *                the few letters in stroke_letters below.
 *   confusables  Cyrillic, Greek and non-ASCII Latin code points whose UTS #39
 *                skeleton, case-folded, is made of ASCII lowercase letters only
 *                (no digits: 0/O and 1/l stay apart). Skeletons go to UTS #39's
 *                prototypes, not always the letter one would guess: capital I's
 *                is "l" (so Greek Ι gives "l"), m's is "rn". Three additions:
 *                Greek beta gives "b", not its prototype ß's "ss" (α+β is not "ass");
 *                a Cyrillic letter whose capital's skeleton is one ASCII letter gives
 *                that letter (ТЕХТ, which case folding made техт, gives "text");
 *                and every LATIN LETTER SMALL CAPITAL X gives x (ꜰᴋ -> fk).
 *   t2s          Han code points. A key of OpenCC's character table
 *                (data/opencc_TSCharacters.txt) gives OpenCC's first candidate, its
 *                default: 諮 -> 咨, 滙 -> 汇, and 俱 (俱 具) stays 俱. A character OpenCC
 *                does not convert (著, 阪) is standard Simplified and stays. Otherwise
 *                a character of data/variants.txt gives its target (儍 -> 傻, 発 -> 发).
 * Each map lists only the code points its stage changes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>
#include <unicode/uversion.h>

#define MAX_CP 0x10FFFF
#define MAX_SEQ_LEN 31 /* a sequence's length lives in the low 5 bits */
#define BUF_CAP 64     /* UTF-16 units; no single code point folds to more */

enum { CLASS_LETTER, CLASS_NOISE, CLASS_IGNORE, CLASS_BREAK, CLASS_MARK };

enum { ST_WIDTH, ST_COMPAT, ST_CASE, ST_DIACRITICS, ST_CONFUSABLES, ST_T2S, N_STAGES };

static const char *const stage_names[N_STAGES] = {"width",      "compat",      "case",
                                                  "diacritics", "confusables", "t2s"};
static const char *const stage_macros[N_STAGES] = {"WIDTH",      "COMPAT",      "CASE",
                                                   "DIACRITICS", "CONFUSABLES", "T2S"};

/* Latin letters with a stroke, bar or hook and no decomposition, which
 * readers take for the plain letter (the hooks are the letters of "fancy
 * text" generators: ƒυ¢к). Lowercase only: the case stage runs first. */
static const uint32_t stroke_letters[][2] = {
    {0x00F8, 'o'}, /* ø */
    {0x0111, 'd'}, /* đ */
    {0x0127, 'h'}, /* ħ */
    {0x0142, 'l'}, /* ł */
    {0x0188, 'c'}, /* ƈ */
    {0x0192, 'f'}, /* ƒ */
    {0x0199, 'k'}, /* ƙ */
    {0x01A5, 'p'}, /* ƥ */
    {0x01AD, 't'}, /* ƭ */
    {0x01B4, 'y'}, /* ƴ */
    {0x0225, 'z'}, /* ȥ */
    {0x0253, 'b'}, /* ɓ */
    {0x0257, 'd'}, /* ɗ */
    {0x0260, 'g'}, /* ɠ */
    {0x0266, 'h'}, /* ɦ */
    {0x0271, 'm'}, /* ɱ */
    {0x0272, 'n'}, /* ɲ */
    {0x0282, 's'}, /* ʂ */
    {0x028B, 'v'}, /* ʋ */
    {0x02A0, 'q'}, /* ʠ */
    {0x2C73, 'w'}, /* ⱳ */
};

/* Greek beta: UTS #39 makes it ß, whose skeleton is "ss"; readers take it for b. */
static const uint32_t confusable_overrides[][2] = {
    {0x03B2, 'b'}, /* β */
};

/* Styled letters that do not decompose, by the prefix of their Unicode name. */
static const char *const styled_letter_prefixes[] = {
    "NEGATIVE CIRCLED LATIN CAPITAL LETTER ", /* U+1F150-1F169 */
    "NEGATIVE SQUARED LATIN CAPITAL LETTER ", /* U+1F170-1F189 */
    "REGIONAL INDICATOR SYMBOL LETTER ",      /* U+1F1E6-1F1FF */
};
#define SMALL_CAPITAL_PREFIX "LATIN LETTER SMALL CAPITAL "

#define RADICALS_FIRST 0x2E80 /* CJK Radicals Supplement and Kangxi Radicals */
#define RADICALS_LAST 0x2FDF

/* What the files in DATA_DIR say, by code point; 0 = nothing. */
typedef struct han_data {
    uint32_t *opencc;  /* OpenCC's first candidate for a key */
    uint32_t *radical; /* unified ideograph for a radical */
    uint32_t *variant; /* Simplified target of a variant character */
} han_data;

typedef struct icu {
    const UNormalizer2 *nfc, *nfd, *nfkc;
    USpoofChecker *spoof;
    const han_data *data;
} icu;

typedef struct fold_map {
    uint32_t *cp, *seq;
    size_t n, cap;
} fold_map;

/* Code point pool with exact-sequence deduplication (open addressing). */
typedef struct pool {
    uint32_t *cps;
    size_t n, cap;
    uint32_t *slots; /* packed seq + 1; 0 = empty */
    size_t nslots, used;
} pool;

static void die(const char *msg, const char *detail)
{
    fprintf(stderr, "gen_fold: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static void check_icu(UErrorCode err, const char *what)
{
    if (U_FAILURE(err))
        die(what, u_errorName(err));
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p)
        die("out of memory", NULL);
    return p;
}

/* ------------------------------------------------------------------ classes */

static int in_diacritic_block(UChar32 c)
{
    /* and the combining Cyrillic marks, whose enclosing ones decorate
     * Latin text (f҉u҉c҉k҉) */
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x0483 && c <= 0x0489) ||
           (c >= 0x1AB0 && c <= 0x1AFF) || (c >= 0x1DC0 && c <= 0x1DFF) ||
           (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE20 && c <= 0xFE2F);
}

static int classify(UChar32 c)
{
    int8_t gc = u_charType(c);
    if ((c >= 0x0A && c <= 0x0D) || c == 0x85 || c == 0x2028 || c == 0x2029)
        return CLASS_BREAK;
    if (gc == U_CONTROL_CHAR && c != 0x09)
        return CLASS_BREAK;
    if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) || gc == U_FORMAT_CHAR)
        return CLASS_IGNORE;
    if ((gc == U_NON_SPACING_MARK || gc == U_ENCLOSING_MARK) && in_diacritic_block(c))
        return CLASS_MARK;
    if (c == 0x09 || (U_MASK(gc) & (U_GC_P_MASK | U_GC_S_MASK | U_GC_Z_MASK | U_GC_CO_MASK)) ||
        u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC))
        return CLASS_NOISE;
    return CLASS_LETTER;
}

/* ------------------------------------------------------------------- stages */

/* Each stage writes what `c` becomes into out (UTF-16) and returns its length,
 * or -1 when the stage leaves `c` alone. */

static int32_t normalize(const UNormalizer2 *n, const UChar *src, int32_t len, UChar *out)
{
    UErrorCode err = U_ZERO_ERROR;
    int32_t r = unorm2_normalize(n, src, len, out, BUF_CAP, &err);
    check_icu(err, "unorm2_normalize");
    return r;
}

static int is_width_type(int32_t dt)
{
    return dt == U_DT_WIDE || dt == U_DT_NARROW;
}

static int is_compat_type(int32_t dt)
{
    return dt != U_DT_NONE && dt != U_DT_CANONICAL && !is_width_type(dt);
}

static int32_t stage_width(const icu *x, UChar32 c, const UChar *s, int32_t len, UChar *out)
{
    if (!is_width_type(u_getIntPropertyValue(c, UCHAR_DECOMPOSITION_TYPE)))
        return -1;
    return normalize(x->nfkc, s, len, out);
}

/* The letter a styled letter's name ends in (A-Z), or 0. */
static UChar styled_letter(UChar32 c, const char *const *prefixes, size_t nprefixes)
{
    char name[128];
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = u_charName(c, U_UNICODE_CHAR_NAME, name, sizeof name, &err);
    check_icu(err, "u_charName");
    for (size_t i = 0; i < nprefixes; i++) {
        size_t k = strlen(prefixes[i]);
        if ((size_t)n == k + 1 && strncmp(name, prefixes[i], k) == 0 && name[k] >= 'A' &&
            name[k] <= 'Z')
            return (UChar)name[k];
    }
    return 0;
}

static int32_t stage_compat(const icu *x, UChar32 c, const UChar *s, int32_t len, UChar *out)
{
    UChar letter;
    if (is_compat_type(u_getIntPropertyValue(c, UCHAR_DECOMPOSITION_TYPE))) {
        int32_t n = normalize(x->nfkc, s, len, out);
        if (n > 2 && out[0] == '(' && out[n - 1] == ')') {
            memmove(out, out + 1, (size_t)(n - 2) * sizeof *out);
            n -= 2;
        }
        return n;
    }
    letter = styled_letter(c, styled_letter_prefixes,
                           sizeof styled_letter_prefixes / sizeof styled_letter_prefixes[0]);
    if (letter) {
        out[0] = letter;
        return 1;
    }
    if (c >= RADICALS_FIRST && c <= RADICALS_LAST && x->data->radical[c]) {
        int32_t n = 0;
        U16_APPEND_UNSAFE(out, n, x->data->radical[c]);
        return n;
    }
    return -1;
}

static int32_t stage_case(const icu *x, UChar32 c, const UChar *s, int32_t len, UChar *out)
{
    UChar folded[BUF_CAP];
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = u_strFoldCase(folded, BUF_CAP, s, len, U_FOLD_CASE_DEFAULT, &err);
    check_icu(err, "u_strFoldCase");
    (void)c;
    return normalize(x->nfc, folded, n, out);
}

static int32_t stage_diacritics(const icu *x, UChar32 c, const UChar *s, int32_t len, UChar *out)
{
    UChar nfd[BUF_CAP];
    UErrorCode err = U_ZERO_ERROR;
    int32_t n, i = 0, o = 0, stripped = 0;
    for (size_t k = 0; k < sizeof stroke_letters / sizeof stroke_letters[0]; k++) {
        if ((uint32_t)c == stroke_letters[k][0]) {
            out[0] = (UChar)stroke_letters[k][1];
            return 1;
        }
    }
    if (uscript_getScript(c, &err) != USCRIPT_LATIN)
        return -1;
    n = normalize(x->nfd, s, len, nfd);
    while (i < n) {
        int32_t start = i;
        UChar32 d;
        U16_NEXT(nfd, i, n, d);
        if (u_charType(d) == U_NON_SPACING_MARK) {
            stripped = 1;
            continue;
        }
        while (start < i)
            out[o++] = nfd[start++];
    }
    return stripped ? o : -1;
}

/* The UTS #39 skeleton of s, case-folded, when it is ASCII lowercase letters
 * only; else -1. */
static int32_t ascii_skeleton(const icu *x, const UChar *s, int32_t len, UChar *out)
{
    UChar skel[BUF_CAP];
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = uspoof_getSkeleton(x->spoof, 0, s, len, skel, BUF_CAP, &err);
    check_icu(err, "uspoof_getSkeleton");
    n = u_strFoldCase(out, BUF_CAP, skel, n, U_FOLD_CASE_DEFAULT, &err);
    check_icu(err, "u_strFoldCase");
    if (n == 0)
        return -1;
    for (int32_t i = 0; i < n; i++) {
        if (out[i] < 'a' || out[i] > 'z')
            return -1;
    }
    return n;
}

static int32_t stage_confusables(const icu *x, UChar32 c, const UChar *s, int32_t len, UChar *out)
{
    static const char *const small_capital[] = {SMALL_CAPITAL_PREFIX};
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &err);
    UChar letter;
    int32_t n;
    check_icu(err, "uscript_getScript");
    if (c < 0x80 || (sc != USCRIPT_CYRILLIC && sc != USCRIPT_GREEK && sc != USCRIPT_LATIN))
        return -1;
    for (size_t k = 0; k < sizeof confusable_overrides / sizeof confusable_overrides[0]; k++) {
        if ((uint32_t)c == confusable_overrides[k][0]) {
            out[0] = (UChar)confusable_overrides[k][1];
            return 1;
        }
    }
    letter = styled_letter(c, small_capital, 1);
    if (letter) {
        out[0] = (UChar)(letter - 'A' + 'a');
        return 1;
    }
    n = ascii_skeleton(x, s, len, out);
    if (n < 0 && sc == USCRIPT_CYRILLIC && u_toupper(c) != c) {
        UChar up[2];
        int32_t m = 0;
        U16_APPEND_UNSAFE(up, m, u_toupper(c));
        n = ascii_skeleton(x, up, m, out);
        if (n != 1)
            n = -1;
    }
    return n;
}

static int32_t stage_t2s(const icu *x, UChar32 c, const UChar *s, int32_t len, UChar *out)
{
    UErrorCode err = U_ZERO_ERROR;
    uint32_t t = x->data->opencc[c] ? x->data->opencc[c] : x->data->variant[c];
    int32_t n = 0;
    (void)s;
    (void)len;
    if (uscript_getScript(c, &err) != USCRIPT_HAN || !t)
        return -1;
    U16_APPEND_UNSAFE(out, n, t);
    return n;
}

typedef int32_t (*stage_fn)(const icu *, UChar32, const UChar *, int32_t, UChar *);

static const stage_fn stages[N_STAGES] = {stage_width,      stage_compat,      stage_case,
                                          stage_diacritics, stage_confusables, stage_t2s};

/* --------------------------------------------------------------------- pool */

static uint32_t hash_seq(const uint32_t *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

static void pool_grow_slots(pool *p)
{
    size_t nslots = p->nslots ? p->nslots * 2 : 4096;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        die("out of memory", NULL);
    for (size_t i = 0; i < p->nslots; i++) {
        uint32_t packed = p->slots[i];
        if (packed) {
            const uint32_t *s = p->cps + ((packed - 1) >> 5);
            size_t j = hash_seq(s, (packed - 1) & 31) & (nslots - 1);
            while (slots[j])
                j = (j + 1) & (nslots - 1);
            slots[j] = packed;
        }
    }
    free(p->slots);
    p->slots = slots;
    p->nslots = nslots;
}

/* Returns the packed (offset << 5) | length of `s` in the pool, adding it if new. */
static uint32_t pool_add(pool *p, const uint32_t *s, size_t n)
{
    size_t j;
    if (n == 0)
        return 0;
    if (2 * (p->used + 1) > p->nslots)
        pool_grow_slots(p);
    for (j = hash_seq(s, n) & (p->nslots - 1); p->slots[j]; j = (j + 1) & (p->nslots - 1)) {
        uint32_t packed = p->slots[j] - 1;
        if ((packed & 31) == n && memcmp(p->cps + (packed >> 5), s, n * sizeof *s) == 0)
            return packed;
    }
    if (p->n + n > p->cap) {
        p->cap = p->cap ? p->cap * 2 : 4096;
        p->cps = xrealloc(p->cps, p->cap * sizeof *p->cps);
    }
    memcpy(p->cps + p->n, s, n * sizeof *s);
    p->slots[j] = (uint32_t)(p->n << 5 | n) + 1;
    p->used++;
    p->n += n;
    return p->slots[j] - 1;
}

static void map_add(fold_map *m, uint32_t cp, uint32_t seq)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->cp = xrealloc(m->cp, m->cap * sizeof *m->cp);
        m->seq = xrealloc(m->seq, m->cap * sizeof *m->seq);
    }
    m->cp[m->n] = cp;
    m->seq[m->n++] = seq;
}

/* ------------------------------------------------------------------- output */

typedef struct text {
    char *s; /* NUL-terminated */
    size_t n, cap;
} text;

__attribute__((format(printf, 2, 3))) static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("vsnprintf failed", NULL);
    if (!t->s || t->n + (size_t)n >= t->cap) {
        while (t->cap <= t->n + (size_t)n)
            t->cap = t->cap ? t->cap * 2 : 1 << 16;
        t->s = xrealloc(t->s, t->cap);
        va_start(ap, fmt);
        vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
    }
    t->n += (size_t)n;
}

typedef struct class_range {
    uint32_t first, last;
    int cls;
} class_range;

typedef struct tables {
    class_range *ranges;
    size_t nranges;
    fold_map maps[N_STAGES];
    pool pool;
    size_t max_len;
} tables;

static void build(const icu *x, tables *t)
{
    size_t cap = 0;
    memset(t, 0, sizeof *t);
    for (UChar32 c = 0; c <= MAX_CP; c++) {
        UChar s[2], out[BUF_CAP];
        int32_t len = 0;
        int cls = classify(c);
        if (cls != CLASS_LETTER) {
            class_range *last = t->nranges ? &t->ranges[t->nranges - 1] : NULL;
            if (last && last->cls == cls && last->last + 1 == (uint32_t)c) {
                last->last = (uint32_t)c;
            } else {
                if (t->nranges == cap) {
                    cap = cap ? cap * 2 : 1024;
                    t->ranges = xrealloc(t->ranges, cap * sizeof *t->ranges);
                }
                t->ranges[t->nranges++] = (class_range){(uint32_t)c, (uint32_t)c, cls};
            }
        }
        if (U_IS_SURROGATE(c))
            continue;
        U16_APPEND_UNSAFE(s, len, c);
        for (int st = 0; st < N_STAGES; st++) {
            uint32_t cps[MAX_SEQ_LEN];
            size_t n = 0;
            int32_t olen = stages[st](x, c, s, len, out);
            if (olen < 0 || (olen == len && memcmp(out, s, (size_t)len * sizeof *s) == 0))
                continue;
            for (int32_t i = 0; i < olen;) {
                UChar32 d;
                U16_NEXT(out, i, olen, d);
                if (n == MAX_SEQ_LEN) {
                    fprintf(stderr, "gen_fold: U+%04X folds to more than %d code points in %s\n",
                            (unsigned)c, MAX_SEQ_LEN, stage_names[st]);
                    exit(2);
                }
                cps[n++] = (uint32_t)d;
            }
            if (n > t->max_len)
                t->max_len = n;
            map_add(&t->maps[st], (uint32_t)c, pool_add(&t->pool, cps, n));
        }
    }
}

static void free_tables(tables *t)
{
    for (int st = 0; st < N_STAGES; st++) {
        free(t->maps[st].cp);
        free(t->maps[st].seq);
    }
    free(t->pool.cps);
    free(t->pool.slots);
    free(t->ranges);
}

static void emit(text *out, const tables *t)
{
    static const char *const class_names[] = {"LETTER", "NOISE", "IGNORE", "BREAK", "MARK"};
    UVersionInfo icu_v, uni_v;
    u_getVersion(icu_v);
    u_getUnicodeVersion(uni_v);

    put(out, "/* clang-format off */\n"
             "/*\n"
             " * fold_data.h: Unicode fold tables for shai's normalizer.\n"
             " *\n"
             " * GENERATED, DO NOT EDIT. Written by tools/gen_fold/gen_fold.c, run as\n"
             " *     gen_fold tools/gen_fold/data lib/unicode/fold_data.h\n"
             " * from the source root (or: meson compile -C <builddir> update-fold-data),\n");
    put(out,
        " * with ICU %d.%d, Unicode %d.%d, and the data in tools/gen_fold/data: OpenCC's\n"
        " * TSCharacters.txt (Apache-2.0), Unicode's EquivalentUnifiedIdeograph.txt and\n"
        " * variants.txt, curated from Unihan (Unicode License); see data/README.md and\n"
        " * wordlists/SOURCES.md. The test fold-table-fresh fails when this file\n"
        " * differs from what gen_fold writes. The stages are defined in gen_fold.c.\n"
        " *\n"
        " * Include from exactly one .c file: every array is static.\n"
        " */\n"
        "#ifndef SHAI_FOLD_DATA_H\n"
        "#define SHAI_FOLD_DATA_H\n\n"
        "#include <stdint.h>\n\n",
        icu_v[0], icu_v[1], uni_v[0], uni_v[1]);
    put(out, "#define SHI_FOLD_TABLE_VERSION \"shai-fold-3 unicode %d.%d icu %d.%d\"\n\n", uni_v[0],
        uni_v[1], icu_v[0], icu_v[1]);

    put(out, "/* Classes. A code point in no range of shi_class_ranges is a LETTER. */\n");
    for (int i = 0; i < 5; i++)
        put(out, "#define SHI_CLASS_%s %d\n", class_names[i], i);
    put(out, "\ntypedef struct shi_class_range { uint32_t first, last; uint8_t cls; } "
             "shi_class_range;\n\n"
             "/* Sorted, non-overlapping; adjacent ranges of one class are merged. */\n"
             "static const shi_class_range shi_class_ranges[] = {\n");
    for (size_t i = 0; i < t->nranges; i++) {
        put(out, "%s{0x%04X, 0x%04X, %d},", i % 4 ? " " : "    ", (unsigned)t->ranges[i].first,
            (unsigned)t->ranges[i].last, t->ranges[i].cls);
        if (i % 4 == 3 || i + 1 == t->nranges)
            put(out, "\n");
    }
    put(out, "};\n#define SHI_CLASS_RANGES_COUNT %zu\n\n", t->nranges);

    put(out,
        "/* seq: (offset into shi_fold_seq << 5) | length (1..31; 0 = maps to nothing). */\n"
        "typedef struct shi_fold_map { uint32_t cp; uint32_t seq; } shi_fold_map;\n"
        "#define SHI_FOLD_SEQ_OFFSET(seq) ((seq) >> 5)\n"
        "#define SHI_FOLD_SEQ_LEN(seq) ((seq) & 31u)\n"
        "#define SHI_FOLD_MAX_SEQ_LEN %zu /* longest sequence in any map */\n\n",
        t->max_len);

    put(out,
        "/* Code point pool the maps point into. */\nstatic const uint32_t shi_fold_seq[] = {\n");
    for (size_t i = 0; i < t->pool.n; i++) {
        put(out, "%s0x%04X,", i % 10 ? " " : "    ", (unsigned)t->pool.cps[i]);
        if (i % 10 == 9 || i + 1 == t->pool.n)
            put(out, "\n");
    }
    if (t->pool.n == 0)
        put(out, "    0,\n");
    put(out, "};\n#define SHI_FOLD_SEQ_COUNT %zu\n", t->pool.n);

    for (int st = 0; st < N_STAGES; st++) {
        const fold_map *m = &t->maps[st];
        put(out,
            "\n/* Stage %d: %s. Sorted by cp. */\nstatic const shi_fold_map shi_fold_%s[] = {\n",
            st + 1, stage_names[st], stage_names[st]);
        for (size_t i = 0; i < m->n; i++) {
            put(out, "%s{0x%04X, 0x%X},", i % 6 ? " " : "    ", (unsigned)m->cp[i],
                (unsigned)m->seq[i]);
            if (i % 6 == 5 || i + 1 == m->n)
                put(out, "\n");
        }
        if (m->n == 0)
            put(out, "    {0, 0}, /* placeholder: the map is empty */\n");
        put(out, "};\n#define SHI_FOLD_%s_COUNT %zu\n", stage_macros[st], m->n);
    }
    put(out, "\n#endif\n/* clang-format on */\n");
}

/* --------------------------------------------------------------------- main */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, r;
    if (!f)
        return NULL;
    do {
        if (n + 1 >= cap) {
            cap = cap ? cap * 2 : 1 << 20;
            buf = xrealloc(buf, cap);
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Says at which line `old` stops matching `new`, and which versions each names. */
static void explain_stale(const char *path, const char *old, size_t old_len, const char *new)
{
    const char *tag = "#define SHI_FOLD_TABLE_VERSION ";
    const char *ov = strstr(old, tag); /* old is NUL-terminated */
    const char *nv = strstr(new, tag);
    size_t line = 1, i = 0;
    while (i < old_len && new[i] && old[i] == new[i])
        line += old[i++] == '\n';
    fprintf(
        stderr,
        "gen_fold: %s is stale: it differs from what gen_fold writes now (first at line %zu).\n",
        path, line);
    if (ov && nv) {
        int on = (int)strcspn(ov + strlen(tag), "\n"), nn = (int)strcspn(nv + strlen(tag), "\n");
        if (on != nn || memcmp(ov, nv, strlen(tag) + (size_t)on) != 0)
            fprintf(stderr, "gen_fold: the file was made for %.*s; this ICU gives %.*s.\n", on,
                    ov + strlen(tag), nn, nv + strlen(tag));
    }
    fprintf(stderr, "gen_fold: regenerate it with: meson compile -C <builddir> update-fold-data\n"
                    "          (or, from the source root: <builddir>/tools/gen_fold/gen_fold "
                    "tools/gen_fold/data lib/unicode/fold_data.h)\n");
}

/* --------------------------------------------------------------- data files */

/* The next code point of a line, or -1 at its end (or at bad UTF-8). */
static UChar32 next_cp(const char *line, int32_t len, int32_t *i)
{
    UChar32 c;
    if (*i >= len)
        return -1;
    U8_NEXT(line, *i, len, c);
    return c;
}

static FILE *open_data(const char *dir, const char *name)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    if (!f)
        die("cannot open", path);
    return f;
}

/* Lines "KEY<TAB>VALUE[ VALUE...]" (OpenCC's format; variants.txt too, whose
 * comment after a second tab is ignored): map[KEY] = the first VALUE, unless
 * that is KEY itself. '#' lines are comments. */
static void load_pairs(const char *dir, const char *name, uint32_t *map)
{
    char line[4096];
    FILE *f = open_data(dir, name);
    while (fgets(line, sizeof line, f)) {
        int32_t len = (int32_t)strcspn(line, "\r\n"), i = 0;
        UChar32 key, tab, value;
        if (len == 0 || line[0] == '#')
            continue;
        key = next_cp(line, len, &i);
        tab = next_cp(line, len, &i);
        value = next_cp(line, len, &i);
        if (key <= 0 || tab != '\t' || value <= 0)
            die("bad line in", name);
        if (value != key)
            map[key] = (uint32_t)value;
    }
    fclose(f);
}

/* Lines "XXXX[..YYYY] ; ZZZZ # ..." (UCD format): map[XXXX..YYYY] = ZZZZ. */
static void load_ucd_map(const char *dir, const char *name, uint32_t *map)
{
    char line[4096];
    FILE *f = open_data(dir, name);
    while (fgets(line, sizeof line, f)) {
        unsigned first, last, value;
        if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
            continue;
        if (sscanf(line, "%x..%x ; %x", &first, &last, &value) == 3) {
        } else if (sscanf(line, "%x ; %x", &first, &value) == 2) {
            last = first;
        } else {
            die("bad line in", name);
        }
        if (last > MAX_CP || first > last || value > MAX_CP)
            die("bad range in", name);
        for (unsigned c = first; c <= last; c++)
            map[c] = value;
    }
    fclose(f);
}

static void load_data(const char *dir, han_data *d)
{
    d->opencc = calloc(MAX_CP + 1, sizeof *d->opencc);
    d->radical = calloc(MAX_CP + 1, sizeof *d->radical);
    d->variant = calloc(MAX_CP + 1, sizeof *d->variant);
    if (!d->opencc || !d->radical || !d->variant)
        die("out of memory", NULL);
    load_pairs(dir, "opencc_TSCharacters.txt", d->opencc);
    load_ucd_map(dir, "EquivalentUnifiedIdeograph.txt", d->radical);
    load_pairs(dir, "variants.txt", d->variant);
    /* A fold is final: a candidate that is itself a key goes on to its own. */
    for (uint32_t c = 0; c <= MAX_CP; c++) {
        uint32_t *maps[] = {&d->opencc[c], &d->variant[c]};
        for (size_t k = 0; k < 2; k++) {
            for (int steps = 0; *maps[k] && d->opencc[*maps[k]] && steps < 8; steps++)
                *maps[k] = d->opencc[*maps[k]];
            if (*maps[k] && d->opencc[*maps[k]])
                die("a cycle in", "opencc_TSCharacters.txt");
        }
    }
}

static void free_data(han_data *d)
{
    free(d->opencc);
    free(d->radical);
    free(d->variant);
}

/* Entry counts, for the summary gen_fold prints. */
typedef struct summary {
    size_t maps[N_STAGES], ranges, pool;
} summary;

/* Asks ICU about every code point; returns the header's text (malloc'ed). */
static char *generate(const char *data_dir, size_t *len, summary *sum)
{
    UErrorCode err = U_ZERO_ERROR;
    text out = {NULL, 0, 0};
    han_data data;
    icu x;
    tables t;

    load_data(data_dir, &data);
    x.data = &data;
    x.nfc = unorm2_getNFCInstance(&err);
    x.nfd = unorm2_getNFDInstance(&err);
    x.nfkc = unorm2_getNFKCInstance(&err);
    check_icu(err, "unorm2_get*Instance");
    x.spoof = uspoof_open(&err);
    check_icu(err, "uspoof_open");

    build(&x, &t);
    emit(&out, &t);
    *len = out.n;

    for (int st = 0; st < N_STAGES; st++)
        sum->maps[st] = t.maps[st].n;
    sum->ranges = t.nranges;
    sum->pool = t.pool.n;
    free_tables(&t);
    uspoof_close(x.spoof);
    free_data(&data);
    return out.s;
}

/* Whether the header `old` names the ICU and Unicode versions linked here; when
 * not, says which versions each names. A header from another ICU cannot be
 * told stale or fresh by this one. */
static int same_icu(const char *path, const char *old)
{
    const char *tag = "#define SHI_FOLD_TABLE_VERSION ";
    const char *ov = strstr(old, tag);
    UVersionInfo icu_v, uni_v;
    char now[96];
    int on;
    u_getVersion(icu_v);
    u_getUnicodeVersion(uni_v);
    /* the versions after the table's own number ("shai-fold-N") */
    snprintf(now, sizeof now, " unicode %d.%d icu %d.%d\"", uni_v[0], uni_v[1], icu_v[0], icu_v[1]);
    if (!ov)
        return 1; /* not a fold table: the comparison will say so */
    ov += strlen(tag);
    on = (int)strcspn(ov, "\n");
    const char *versions = memchr(ov, ' ', (size_t)on);
    if (versions && (size_t)(ov + on - versions) == strlen(now) &&
        memcmp(versions, now, strlen(now)) == 0)
        return 1;
    fprintf(stderr,
            "gen_fold: %s was made for %.*s; this ICU gives%.*s.\n"
            "gen_fold: skipped: only the same ICU version can tell whether it is stale.\n",
            path, on, ov, (int)strlen(now) - 1, now);
    return 0;
}

int main(int argc, char **argv)
{
    int checking = argc == 4 && strcmp(argv[1], "--check") == 0;
    const char *data_dir = checking ? argv[2] : argv[1];
    const char *path = checking ? argv[3] : argv[2];
    size_t text_len, old_len = 0;
    char *text, *old;
    summary sum;
    int status = 0;

    if (!(checking || (argc == 3 && argv[1][0] != '-'))) {
        fprintf(stderr,
                "usage: gen_fold DATA_DIR OUTPUT.h\n       gen_fold --check DATA_DIR EXISTING.h\n");
        return 2;
    }
    old = checking ? read_file(path, &old_len) : NULL;
    if (checking && !old) {
        perror(path);
        return 2;
    }
    if (checking && !same_icu(path, old)) {
        free(old);
        return 77;
    }
    text = generate(data_dir, &text_len, &sum);

    if (checking) {
        if (old_len != text_len || memcmp(old, text, text_len) != 0) {
            explain_stale(path, old, old_len, text);
            status = 1;
        } else {
            printf("gen_fold: %s is up to date\n", path);
        }
        free(old);
    } else {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(text, 1, text_len, f) != text_len || fclose(f) != 0) {
            perror(path);
            status = 2;
        } else {
            printf("gen_fold: wrote %s (%zu bytes)\n", path, text_len);
            for (int st = 0; st < N_STAGES; st++)
                printf("  %-12s %zu\n", stage_names[st], sum.maps[st]);
            printf("  class ranges %zu, pool %zu code points\n", sum.ranges, sum.pool);
        }
    }
    free(text);
    return status;
}
