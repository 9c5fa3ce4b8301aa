/*
 * lib/unicode/fold_data.h against ICU. For every code point (surrogates aside)
 * the class table and each stage map must say what ICU says, derived here from
 * the definitions independently of tools/gen_fold; then real evasions are run
 * through the whole chain of stages. The data files gen_fold reads besides ICU
 * (OpenCC's table, Unicode's radicals, the curated variants) are read here too:
 * the test's one argument is their directory, tools/gen_fold/data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fold_data.h"
#include "icu_reference.h"

_Static_assert(REF_LETTER == SHI_CLASS_LETTER && REF_NOISE == SHI_CLASS_NOISE &&
                   REF_IGNORE == SHI_CLASS_IGNORE && REF_BREAK == SHI_CLASS_BREAK &&
                   REF_MARK == SHI_CLASS_MARK,
               "reference classes");

#define LAST_CP 0x10FFFF
#define CAP 64            /* UTF-16 units: enough for what one code point becomes */
#define SHOW_MISMATCHES 8 /* per table, so a broken table does not flood the log */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *data_dir = "tools/gen_fold/data";

/* From data_dir, by code point (0 = none): OpenCC's default candidate (its
 * first) followed to the end, the radicals' ideographs, the variants' targets. */
static UChar32 *opencc_first, *radical_of, *variant_of;

static void ok(UErrorCode err, const char *what)
{
    if (U_FAILURE(err)) {
        print_error("%s: %s\n", what, u_errorName(err));
        fail();
    }
}

/* ------------------------------------------------- the definitions, again */

/* Each derivation writes what `c` (UTF-16 in s[0..n)) becomes and returns its
 * length, or -1 when the stage does not apply to `c`. */

static int32_t nfkc_if(UChar32 c, const UChar *s, int32_t n, UChar *out, int width)
{
    UErrorCode err = U_ZERO_ERROR;
    int32_t r;
    switch (u_getIntPropertyValue(c, UCHAR_DECOMPOSITION_TYPE)) {
    case U_DT_WIDE:
    case U_DT_NARROW:
        if (!width)
            return -1;
        break;
    case U_DT_CIRCLE:
    case U_DT_FONT:
    case U_DT_SUPER:
    case U_DT_SUB:
    case U_DT_SQUARE:
    case U_DT_FRACTION:
    case U_DT_COMPAT:
    case U_DT_SMALL:
    case U_DT_VERTICAL:
    case U_DT_NOBREAK:
    case U_DT_INITIAL:
    case U_DT_MEDIAL:
    case U_DT_FINAL:
    case U_DT_ISOLATED:
        if (width)
            return -1;
        break;
    default:
        return -1;
    }
    r = unorm2_normalize(nfkc, s, n, out, CAP, &err);
    ok(err, "NFKC");
    return r;
}

static int32_t derive_width(UChar32 c, const UChar *s, int32_t n, UChar *out)
{
    return nfkc_if(c, s, n, out, 1);
}

/* X when c's name is PREFIX + "X" with X one capital letter, else 0. */
static UChar named_letter(UChar32 c, const char *prefix)
{
    char name[200];
    UErrorCode err = U_ZERO_ERROR;
    size_t k = strlen(prefix);
    u_charName(c, U_UNICODE_CHAR_NAME, name, (int32_t)sizeof name, &err);
    ok(err, "u_charName");
    if (strncmp(name, prefix, k) == 0 && strlen(name) == k + 1 && name[k] >= 'A' && name[k] <= 'Z')
        return (UChar)name[k];
    return 0;
}

static int32_t derive_compat(UChar32 c, const UChar *s, int32_t n, UChar *out)
{
    static const char *const styled[] = {"NEGATIVE CIRCLED LATIN CAPITAL LETTER ",
                                         "NEGATIVE SQUARED LATIN CAPITAL LETTER ",
                                         "REGIONAL INDICATOR SYMBOL LETTER "};
    int32_t r = nfkc_if(c, s, n, out, 0);
    if (r >= 3 && out[0] == '(' && out[r - 1] == ')') { /* parenthesised: ⒦ -> k */
        for (int32_t i = 1; i < r - 1; i++)
            out[i - 1] = out[i];
        return r - 2;
    }
    if (r >= 0)
        return r;
    for (size_t i = 0; i < ARRAY_LEN(styled); i++) {
        if ((out[0] = named_letter(c, styled[i])) != 0)
            return 1;
    }
    if (u_getIntPropertyValue(c, UCHAR_BLOCK) == UBLOCK_CJK_RADICALS_SUPPLEMENT ||
        u_getIntPropertyValue(c, UCHAR_BLOCK) == UBLOCK_KANGXI_RADICALS) {
        if (radical_of[c]) {
            r = 0;
            U16_APPEND_UNSAFE(out, r, radical_of[c]);
            return r;
        }
    }
    return -1;
}

static int32_t derive_case(UChar32 c, const UChar *s, int32_t n, UChar *out)
{
    UChar folded[CAP];
    UErrorCode err = U_ZERO_ERROR;
    int32_t r = u_strFoldCase(folded, CAP, s, n, U_FOLD_CASE_DEFAULT, &err);
    (void)c;
    r = unorm2_normalize(nfc, folded, r, out, CAP, &err);
    ok(err, "case fold + NFC");
    return r;
}

static int32_t derive_diacritics(UChar32 c, const UChar *s, int32_t n, UChar *out)
{
    /* The letters gen_fold strips although they do not decompose. */
    static const UChar32 stroke[][2] = {
        {0xF8, 'o'},  {0x111, 'd'}, {0x127, 'h'}, {0x142, 'l'}, {0x188, 'c'}, {0x192, 'f'},
        {0x199, 'k'}, {0x1A5, 'p'}, {0x1AD, 't'}, {0x1B4, 'y'}, {0x225, 'z'}, {0x253, 'b'},
        {0x257, 'd'}, {0x260, 'g'}, {0x266, 'h'}, {0x271, 'm'}, {0x272, 'n'}, {0x282, 's'},
        {0x28B, 'v'}, {0x2A0, 'q'}, {0x2C73, 'w'}};
    UChar32 cps[CAP];
    UChar d[CAP];
    UErrorCode err = U_ZERO_ERROR;
    int32_t nd, ncps, kept = 0, r;
    for (size_t i = 0; i < ARRAY_LEN(stroke); i++) {
        if (c == stroke[i][0]) {
            out[0] = (UChar)stroke[i][1];
            return 1;
        }
    }
    if (uscript_getScript(c, &err) != USCRIPT_LATIN)
        return -1;
    nd = unorm2_normalize(nfd, s, n, d, CAP, &err);
    u_strToUTF32(cps, CAP, &ncps, d, nd, &err);
    ok(err, "NFD");
    for (int32_t i = 0; i < ncps; i++) {
        if (u_charType(cps[i]) != U_NON_SPACING_MARK)
            cps[kept++] = cps[i];
    }
    if (kept == ncps)
        return -1;
    u_strFromUTF32(out, CAP, &r, cps, kept, &err);
    ok(err, "u_strFromUTF32");
    return r;
}

/* The case-folded skeleton of s when it is ASCII lowercase only, else -1. */
static int32_t lowercase_skeleton(const UChar *s, int32_t n, UChar *out)
{
    UChar skeleton[CAP];
    UErrorCode err = U_ZERO_ERROR;
    int32_t r = uspoof_getSkeleton(spoof, 0, s, n, skeleton, CAP, &err);
    r = u_strFoldCase(out, CAP, skeleton, r, U_FOLD_CASE_DEFAULT, &err);
    ok(err, "skeleton");
    if (r == 0)
        return -1;
    for (int32_t i = 0; i < r; i++) {
        if (!(out[i] >= 'a' && out[i] <= 'z'))
            return -1;
    }
    return r;
}

static int32_t derive_confusables(UChar32 c, const UChar *s, int32_t n, UChar *out)
{
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(c, &err);
    UChar32 upper = u_toupper(c);
    int32_t r;
    if (c < 0x80 ||
        !(script == USCRIPT_LATIN || script == USCRIPT_GREEK || script == USCRIPT_CYRILLIC))
        return -1;
    if (c == 0x03B2) { /* β is b, not the "ss" of its prototype ß */
        out[0] = 'b';
        return 1;
    }
    if ((out[0] = named_letter(c, "LATIN LETTER SMALL CAPITAL ")) != 0) {
        out[0] = (UChar)u_tolower(out[0]);
        return 1;
    }
    r = lowercase_skeleton(s, n, out);
    if (r < 0 && script == USCRIPT_CYRILLIC && upper != c) {
        /* a capital that looks like a Latin one: ТЕХТ, after case folding */
        UChar u[2];
        int32_t un = 0;
        U16_APPEND_UNSAFE(u, un, upper);
        r = lowercase_skeleton(u, un, out);
        if (r != 1)
            r = -1;
    }
    return r;
}

static int32_t derive_t2s(UChar32 c, const UChar *s, int32_t n, UChar *out)
{
    UErrorCode err = U_ZERO_ERROR;
    UChar32 t = opencc_first[c] ? opencc_first[c] : variant_of[c];
    int32_t r = 0;
    (void)s;
    (void)n;
    if (uscript_getScript(c, &err) != USCRIPT_HAN || t == 0)
        return -1;
    U16_APPEND_UNSAFE(out, r, t);
    return r;
}

/* ------------------------------------------------------------ data files */

static FILE *open_data(const char *name)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    f = fopen(path, "r");
    if (!f)
        print_error("cannot open %s\n", path);
    return f;
}

/* "KEY<TAB>FIRST[ MORE...][<TAB># note]" lines: map[KEY] = FIRST, not KEY itself. */
static int read_pairs(const char *name, UChar32 *map)
{
    char line[4096];
    FILE *f = open_data(name);
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        UChar32 key, tab, first;
        int32_t i = 0, len = (int32_t)strcspn(line, "\n");
        if (len == 0 || line[0] == '#')
            continue;
        U8_NEXT(line, i, len, key);
        U8_NEXT(line, i, len, tab);
        U8_NEXT(line, i, len, first);
        if (key < 0 || tab != '\t' || first <= 0) {
            print_error("%s: bad line %s", name, line);
            fclose(f);
            return -1;
        }
        map[key] = first == key ? 0 : first;
    }
    fclose(f);
    return 0;
}

static int read_data(void **state)
{
    char line[512];
    FILE *f;
    if (open_icu(state) != 0)
        return -1;
    opencc_first = calloc(LAST_CP + 1, sizeof *opencc_first);
    radical_of = calloc(LAST_CP + 1, sizeof *radical_of);
    variant_of = calloc(LAST_CP + 1, sizeof *variant_of);
    if (!opencc_first || !radical_of || !variant_of ||
        read_pairs("opencc_TSCharacters.txt", opencc_first) != 0 ||
        read_pairs("variants.txt", variant_of) != 0)
        return -1;
    /* a candidate that is a key itself goes on to its own candidate */
    for (UChar32 c = 0; c <= LAST_CP; c++) {
        for (int k = 0; k < 8 && opencc_first[c] && opencc_first[opencc_first[c]]; k++)
            opencc_first[c] = opencc_first[opencc_first[c]];
        for (int k = 0; k < 8 && variant_of[c] && opencc_first[variant_of[c]]; k++)
            variant_of[c] = opencc_first[variant_of[c]];
    }
    if (!(f = open_data("EquivalentUnifiedIdeograph.txt")))
        return -1;
    while (fgets(line, sizeof line, f)) {
        unsigned lo, hi, to;
        if (sscanf(line, "%x..%x ; %x", &lo, &hi, &to) == 3) {
        } else if (sscanf(line, "%x ; %x", &lo, &to) == 2) {
            hi = lo;
        } else {
            continue; /* comments and blank lines */
        }
        for (unsigned c = lo; c <= hi && c <= LAST_CP; c++)
            radical_of[c] = (UChar32)to;
    }
    fclose(f);
    return 0;
}

static int free_data(void **state)
{
    free(opencc_first);
    free(radical_of);
    free(variant_of);
    return close_icu(state);
}

/* ------------------------------------------------------ the per-cp checks */

static void check_map(const char *name, const shi_fold_map *map, size_t count,
                      int32_t (*derive)(UChar32, const UChar *, int32_t, UChar *))
{
    size_t next = 0, bad = 0, pool_len = ARRAY_LEN(shi_fold_seq);

    for (size_t i = 0; i < count; i++) {
        uint32_t off = map[i].seq >> 5, len = map[i].seq & 31;
        if ((i > 0 && map[i].cp <= map[i - 1].cp) || off + len > pool_len ||
            off + len > SHI_FOLD_SEQ_COUNT) {
            print_error("shi_fold_%s[%zu] (U+%04X): unsorted or outside the pool\n", name, i,
                        (unsigned)map[i].cp);
            fail();
        }
    }

    for (UChar32 c = 0; c <= LAST_CP; c++) {
        UChar s[2], want[CAP], have[CAP];
        int32_t n = 0, want_len, have_len = -1;
        if (U_IS_SURROGATE(c)) {
            if (next < count && map[next].cp == (uint32_t)c) {
                print_error("shi_fold_%s maps surrogate U+%04X\n", name, (unsigned)c);
                next++;
                bad++;
            }
            continue;
        }
        U16_APPEND_UNSAFE(s, n, c);
        want_len = derive(c, s, n, want);
        if (want_len == n && u_memcmp(want, s, n) == 0)
            want_len = -1; /* the stage leaves c as it is: it must not be listed */

        if (next < count && map[next].cp == (uint32_t)c) {
            UErrorCode err = U_ZERO_ERROR;
            const uint32_t *seq = shi_fold_seq + (map[next].seq >> 5);
            u_strFromUTF32(have, CAP, &have_len, (const UChar32 *)seq,
                           (int32_t)(map[next].seq & 31), &err);
            ok(err, "table sequence");
            next++;
        }
        if (want_len != have_len || (want_len > 0 && u_memcmp(want, have, want_len) != 0)) {
            if (++bad <= SHOW_MISMATCHES) {
                char w[CAP * 3], h[CAP * 3];
                UErrorCode err = U_ZERO_ERROR;
                u_strToUTF8(w, sizeof w, NULL, want, want_len < 0 ? 0 : want_len, &err);
                u_strToUTF8(h, sizeof h, NULL, have, have_len < 0 ? 0 : have_len, &err);
                print_error("shi_fold_%s: U+%04X is %s \"%s\" in the table, ICU says %s \"%s\"\n",
                            name, (unsigned)c, have_len < 0 ? "unlisted" : "mapped to", h,
                            want_len < 0 ? "unchanged" : "maps to", w);
            }
        }
    }
    if (next != count) {
        print_error("shi_fold_%s: entries from #%zu on were never reached\n", name, next);
        bad++;
    }
    if (bad) {
        print_error("shi_fold_%s: %zu mismatches with ICU\n", name, bad);
        fail();
    }
}

static void test_class_table(void **state)
{
    const shi_class_range *r = shi_class_ranges;
    size_t next = 0, bad = 0;
    (void)state;
    assert_int_equal(SHI_CLASS_RANGES_COUNT, ARRAY_LEN(shi_class_ranges));
    for (size_t i = 0; i < SHI_CLASS_RANGES_COUNT; i++) {
        assert_true(r[i].first <= r[i].last);
        assert_true(r[i].cls != SHI_CLASS_LETTER && r[i].cls <= SHI_CLASS_MARK);
        if (i > 0) {
            assert_true(r[i - 1].last < r[i].first);
            /* touching ranges of one class should have been merged */
            assert_false(r[i - 1].last + 1 == r[i].first && r[i - 1].cls == r[i].cls);
        }
    }
    for (UChar32 c = 0; c <= LAST_CP; c++) {
        int have = SHI_CLASS_LETTER, want;
        while (next < SHI_CLASS_RANGES_COUNT && r[next].last < (uint32_t)c)
            next++;
        if (next < SHI_CLASS_RANGES_COUNT && r[next].first <= (uint32_t)c)
            have = r[next].cls;
        if (U_IS_SURROGATE(c))
            continue;
        want = icu_class(c);
        if (have != want && ++bad <= SHOW_MISMATCHES)
            print_error("class of U+%04X: table %d, ICU %d\n", (unsigned)c, have, want);
    }
    if (bad) {
        print_error("class table: %zu mismatches with ICU\n", bad);
        fail();
    }
}

#define MAP_TEST(stage, COUNT)                                                                     \
    static void test_##stage##_map(void **state)                                                   \
    {                                                                                              \
        (void)state;                                                                               \
        assert_true(COUNT <= ARRAY_LEN(shi_fold_##stage));                                         \
        check_map(#stage, shi_fold_##stage, COUNT, derive_##stage);                                \
    }

MAP_TEST(width, SHI_FOLD_WIDTH_COUNT)
MAP_TEST(compat, SHI_FOLD_COMPAT_COUNT)
MAP_TEST(case, SHI_FOLD_CASE_COUNT)
MAP_TEST(diacritics, SHI_FOLD_DIACRITICS_COUNT)
MAP_TEST(confusables, SHI_FOLD_CONFUSABLES_COUNT)
MAP_TEST(t2s, SHI_FOLD_T2S_COUNT)

/* ----------------------------------------------- evasions through the chain */

static int class_of(uint32_t cp)
{
    size_t lo = 0, hi = SHI_CLASS_RANGES_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (shi_class_ranges[mid].last < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < SHI_CLASS_RANGES_COUNT && shi_class_ranges[lo].first <= cp)
        return shi_class_ranges[lo].cls;
    return SHI_CLASS_LETTER;
}

/* Applies one stage to cps[0..n) in place; returns the new length. */
static size_t apply(const shi_fold_map *map, size_t count, uint32_t *cps, size_t n, size_t cap)
{
    uint32_t out[256];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = count;
        assert_true(o + 31 <= ARRAY_LEN(out));
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (map[mid].cp < cps[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < count && map[lo].cp == cps[i]) {
            for (uint32_t k = 0; k < (map[lo].seq & 31); k++)
                out[o++] = shi_fold_seq[(map[lo].seq >> 5) + k];
        } else {
            out[o++] = cps[i];
        }
    }
    assert_true(o <= cap);
    memcpy(cps, out, o * sizeof *out);
    return o;
}

static void assert_folds_to(const char *text, const char *want)
{
    UChar u[256];
    uint32_t cps[256];
    char got[1024];
    int32_t n16, n32, nout;
    size_t n;
    UErrorCode err = U_ZERO_ERROR;
    u_strFromUTF8(u, ARRAY_LEN(u), &n16, text, -1, &err);
    u_strToUTF32((UChar32 *)cps, ARRAY_LEN(cps), &n32, u, n16, &err);
    ok(err, "decode");
    n = (size_t)n32;
    n = apply(shi_fold_width, SHI_FOLD_WIDTH_COUNT, cps, n, ARRAY_LEN(cps));
    n = apply(shi_fold_compat, SHI_FOLD_COMPAT_COUNT, cps, n, ARRAY_LEN(cps));
    n = apply(shi_fold_case, SHI_FOLD_CASE_COUNT, cps, n, ARRAY_LEN(cps));
    n = apply(shi_fold_diacritics, SHI_FOLD_DIACRITICS_COUNT, cps, n, ARRAY_LEN(cps));
    n = apply(shi_fold_confusables, SHI_FOLD_CONFUSABLES_COUNT, cps, n, ARRAY_LEN(cps));
    n = apply(shi_fold_t2s, SHI_FOLD_T2S_COUNT, cps, n, ARRAY_LEN(cps));
    u_strFromUTF32(u, ARRAY_LEN(u), &n16, (const UChar32 *)cps, (int32_t)n, &err);
    u_strToUTF8(got, sizeof got, &nout, u, n16, &err);
    ok(err, "encode");
    if (strcmp(got, want) != 0)
        print_error("\"%s\" folds to \"%s\", expected \"%s\"\n", text, got, want);
    assert_string_equal(got, want);
}

static void test_evasions_fold_away(void **state)
{
    (void)state;
    assert_folds_to("ＶＰＮ", "vpn");
    assert_folds_to("Ｄｕ", "du");
    assert_folds_to("賭博", "赌博");
    assert_folds_to("ⓓⓤ", "du");
    assert_folds_to("𝐝𝐮", "du");
    assert_folds_to("①", "1");
    assert_folds_to("fu\xD1\x81k", "fuck"); /* Cyrillic es */
    assert_folds_to("p\xC3\xB3rn", "porn"); /* precomposed o-acute */
    assert_folds_to("ẞ", "ss");
    assert_folds_to("髮後", "发后");
    assert_folds_to("ＣＡＳＩＮＯ", "casino");
    assert_folds_to("Ł\xC3\x98", "lo");                   /* stroke letters, upper case */
    assert_folds_to("Ƒ\xC9\xA6\xC9\x93\xCA\x82", "fhbs"); /* hook letters: Ƒ ɦ ɓ ʂ */
    assert_folds_to("\xCE\xBF\xD0\xBE", "oo");            /* Greek omicron, Cyrillic o */
    assert_folds_to("赌博 vpn 1", "赌博 vpn 1");          /* already folded text stays put */
}

/* #15 item 3: OpenCC's Traditional->Simplified, and standard Simplified stays. */
static void test_t2s_follows_opencc(void **state)
{
    (void)state;
    assert_folds_to("諮詢", "咨询");
    assert_folds_to("滙豐娛樂城", "汇丰娱乐城");
    assert_folds_to("淩辱", "凌辱");
    assert_folds_to("鉅額鐮刀犛牛計劃淩晨嶽父抵觸硃砂脩長", "巨额镰刀牦牛计划凌晨岳父抵触朱砂修长");
    assert_folds_to("著作", "著作"); /* not 着 */
    assert_folds_to("俱樂部", "俱乐部");
    assert_folds_to("大阪", "大阪");
    assert_folds_to("藉口", "藉口");
    /* OpenCC's default (first) candidate keeps 甦 and 彷; its phrase table,
     * which a per-character fold cannot use, is what makes 复苏 and 仿佛 */
    assert_folds_to("復甦彷彿", "复甦彷佛");
}

/* #15 item 4: styled and variant forms. */
static void test_styled_and_variant_forms(void **state)
{
    (void)state;
    assert_folds_to("🅵🆄🅲🅺", "fuck");     /* negative squared */
    assert_folds_to("🅕🅤🅒🅚", "fuck");     /* negative circled */
    assert_folds_to("🇫🇺🇨🇰", "fuck");     /* regional indicators */
    assert_folds_to("⒡⒰⒞⒦ ⑸", "fuck 5"); /* parenthesised */
    assert_folds_to(
        "ꜰᴜᴄᴋ ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡxʏᴢ",
        "fuck abcdefghijklmnopqrstuvwxyz");
    assert_folds_to("ТЕХТ ВОНК", "text bohk"); /* Cyrillic capitals */
    assert_folds_to("⻩⻢⼤", "黄马大");       /* CJK radicals */
    assert_folds_to("儍愽氷発婬伱沵", "傻博冰发淫你你");
}

/* #15 item 10: β is b, not ss. */
static void test_beta_is_b(void **state)
{
    (void)state;
    assert_folds_to("α＋β", "a+b");
    assert_folds_to("Β", "b");
    assert_folds_to("ß", "ss"); /* German sharp s still is ss */
}

static void test_classes(void **state)
{
    static const struct {
        uint32_t cp;
        int cls;
    } cases[] = {
        {0x200B, SHI_CLASS_IGNORE}, {0xFE0F, SHI_CLASS_IGNORE}, {0x00AD, SHI_CLASS_IGNORE},
        {0x200D, SHI_CLASS_IGNORE}, {0xFEFF, SHI_CLASS_IGNORE}, {0xE0100, SHI_CLASS_IGNORE},
        {'*', SHI_CLASS_NOISE},     {' ', SHI_CLASS_NOISE},     {0xFF0C, SHI_CLASS_NOISE},
        {0x1F600, SHI_CLASS_NOISE}, {0xE627, SHI_CLASS_NOISE},  {'\t', SHI_CLASS_NOISE},
        {0x3000, SHI_CLASS_NOISE},  {'\n', SHI_CLASS_BREAK},    {'\r', SHI_CLASS_BREAK},
        {0x2028, SHI_CLASS_BREAK},  {0x0332, SHI_CLASS_MARK},   {0x0301, SHI_CLASS_MARK},
        {0x0489, SHI_CLASS_MARK},   {0x0483, SHI_CLASS_MARK},   {0x8D4C, SHI_CLASS_LETTER},
        {'a', SHI_CLASS_LETTER},    {'1', SHI_CLASS_LETTER},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        if (class_of(cases[i].cp) != cases[i].cls)
            print_error("U+%04X: class %d, expected %d\n", (unsigned)cases[i].cp,
                        class_of(cases[i].cp), cases[i].cls);
        assert_int_equal(class_of(cases[i].cp), cases[i].cls);
    }
}

int main(int argc, char **argv)
{
    if (other_icu(SHI_FOLD_TABLE_VERSION))
        return 77;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_table),
        cmocka_unit_test(test_width_map),
        cmocka_unit_test(test_compat_map),
        cmocka_unit_test(test_case_map),
        cmocka_unit_test(test_diacritics_map),
        cmocka_unit_test(test_confusables_map),
        cmocka_unit_test(test_t2s_map),
        cmocka_unit_test(test_evasions_fold_away),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_t2s_follows_opencc),
        cmocka_unit_test(test_styled_and_variant_forms),
        cmocka_unit_test(test_beta_is_b),
    };
    if (argc > 1)
        data_dir = argv[1];
    return cmocka_run_group_tests(tests, read_data, free_data);
}
