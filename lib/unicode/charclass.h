/* Character classes the matcher needs at compile time. */
#ifndef SHAI_CHARCLASS_H
#define SHAI_CHARCLASS_H

#include <stdint.h>

/* Every word character is below this: the compiler composes the character
 * map one code point at a time only there and where the tables say (build_map). */
#define SHI_WORD_CHAR_LIMIT 0x10000u

/* A "word character" for the Latin boundary rule: an entry that begins (ends)
 * with one only matches where the code point before (after) is not one. */
static inline int shi_is_word_char(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
    if (cp >= SHI_WORD_CHAR_LIMIT)
        return 0;
    if (cp >= 0xC0 && cp <= 0x24F)
        return cp != 0xD7 && cp != 0xF7;
    if (cp >= 0x1E00 && cp <= 0x1EFF)
        return 1;
    return (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
           (cp >= 0xFF41 && cp <= 0xFF5A);
}

/* Decimal digits among the word characters (ASCII and fullwidth). */
static inline int shi_is_digit(uint32_t cp)
{
    return cp - '0' < 10u || cp - 0xFF10u < 10u;
}

/* Characters an entry may not contain. */
static inline int shi_is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Marks the scanner treats as boundaries inside a match, in some positions
 * (scan/step.c): a Weibo topic `#` (SHI_MARK_TOPIC), the `@` of the repost
 * mark `//@` (SHI_MARK_AT) and the slash before it (SHI_MARK_SLASH), and
 * paired brackets, title marks and quotes (SHI_MARK_PAIR). Before and after
 * folding (＃ is #). */
enum { SHI_MARK_NONE, SHI_MARK_TOPIC, SHI_MARK_AT, SHI_MARK_SLASH, SHI_MARK_PAIR };
static inline int shi_mark_kind(uint32_t cp)
{
    switch (cp) {
    case '#':
    case 0xFF03:
        return SHI_MARK_TOPIC;
    case '@':
    case 0xFF20:
        return SHI_MARK_AT;
    case '/':
    case 0xFF0F:
        return SHI_MARK_SLASH;
    case '(':
    case ')':
    case '[':
    case ']':
    case '"':
    case 0x201C:
    case 0x201D: /* “ ” */
    case 0x300A:
    case 0x300B: /* 《 》 */
    case 0x3008:
    case 0x3009: /* 〈 〉 */
    case 0x300C:
    case 0x300D: /* 「 」 */
    case 0x300E:
    case 0x300F: /* 『 』 */
    case 0x3010:
    case 0x3011: /* 【 】 */
    case 0x3014:
    case 0x3015: /* 〔 〕 */
    case 0x3016:
    case 0x3017: /* 〖 〗 */
    case 0xFF08:
    case 0xFF09: /* （ ） */
    case 0xFF3B:
    case 0xFF3D: /* ［ ］ */
    case 0xFF02: /* ＂ */
        return SHI_MARK_PAIR;
    default:
        return SHI_MARK_NONE;
    }
}

#endif
