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

#endif
