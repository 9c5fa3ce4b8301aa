/* ICU as the reference for the fold tests: the transforms they derive the
 * expected folds from, and the character classes, written from the
 * definitions in tools/gen_fold independently of the generator. Included by
 * each fold test after cmocka.h. */
#ifndef SHAI_ICU_REFERENCE_H
#define SHAI_ICU_REFERENCE_H

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>
#include <unicode/uversion.h>

/* Classes, with the values of the generated table's SHI_CLASS_*. */
enum { REF_LETTER = 0, REF_NOISE = 1, REF_IGNORE = 2, REF_BREAK = 3, REF_MARK = 4 };

static const UNormalizer2 *nfc, *nfd, *nfkc;
static USpoofChecker *spoof;
static UTransliterator *t2s;

/* The version string gen_fold gives fold tables made with the ICU linked here. */
static void icu_table_version(char *out, size_t size)
{
    UVersionInfo icu, uni;
    u_getVersion(icu);
    u_getUnicodeVersion(uni);
    snprintf(out, size, "unicode %d.%d icu %d.%d", uni[0], uni[1], icu[0], icu[1]);
}

/* Whether the fold tables named `table_version` were made with another ICU
 * (or Unicode) version than the one linked here, and if so says so. Another
 * ICU folds some code points differently, so comparing against it says
 * nothing about the tables: the fold tests then exit 77, meson's "skipped". */
static int other_icu(const char *table_version)
{
    char here[64];
    icu_table_version(here, sizeof here);
    /* "shai-fold-N unicode X icu Y": only the versions after the table's
     * own number say which ICU made it */
    const char *versions = strstr(table_version, " unicode ");
    if (versions && strcmp(versions + 1, here) == 0)
        return 0;
    fprintf(stderr, "skipped: the fold tables were made for \"%s\"; this ICU is \"%s\"\n",
            table_version, here);
    return 1;
}

static int open_icu(void **state)
{
    UErrorCode err = U_ZERO_ERROR;
    UChar id[] = {'T', 'r', 'a', 'd', 'i', 't', 'i', 'o', 'n', 'a', 'l', '-',
                  'S', 'i', 'm', 'p', 'l', 'i', 'f', 'i', 'e', 'd', 0};
    (void)state;
    nfc = unorm2_getNFCInstance(&err);
    nfd = unorm2_getNFDInstance(&err);
    nfkc = unorm2_getNFKCInstance(&err);
    spoof = uspoof_open(&err);
    t2s = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &err);
    return U_FAILURE(err) ? -1 : 0;
}

static int close_icu(void **state)
{
    (void)state;
    uspoof_close(spoof);
    utrans_close(t2s);
    return 0;
}

/* The class of a code point before folding. */
static int icu_class(UChar32 c)
{
    int32_t gc = u_getIntPropertyValue(c, UCHAR_GENERAL_CATEGORY);
    int32_t block = u_getIntPropertyValue(c, UCHAR_BLOCK);
    uint32_t gc_mask = U_GET_GC_MASK(c);

    if (c == '\t')
        return REF_NOISE;
    if ((c >= 0x0A && c <= 0x0D) || c == 0x85 || c == 0x2028 || c == 0x2029 || gc == U_CONTROL_CHAR)
        return REF_BREAK;
    if (gc == U_FORMAT_CHAR || u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
        return REF_IGNORE;
    if ((gc == U_NON_SPACING_MARK || gc == U_ENCLOSING_MARK) &&
        (block == UBLOCK_COMBINING_DIACRITICAL_MARKS ||
         block == UBLOCK_COMBINING_DIACRITICAL_MARKS_EXTENDED ||
         block == UBLOCK_COMBINING_DIACRITICAL_MARKS_SUPPLEMENT ||
         block == UBLOCK_COMBINING_MARKS_FOR_SYMBOLS || block == UBLOCK_COMBINING_HALF_MARKS ||
         (c >= 0x0483 && c <= 0x0489)))
        return REF_MARK;
    if ((gc_mask & (U_GC_P_MASK | U_GC_S_MASK | U_GC_Z_MASK)) || gc == U_PRIVATE_USE_CHAR ||
        u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC))
        return REF_NOISE;
    return REF_LETTER;
}

#endif
