/* Strict UTF-8 decoding shared by the lexicon reader and the scanner. */
#ifndef SHAI_UTF8_H
#define SHAI_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The four bytes at s as one little-endian word (the fast loops decode a
 * character from one load: s[0] in the low byte). */
static inline uint32_t shi_load_le32(const unsigned char *s)
{
    uint32_t w;
    memcpy(&w, s, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap32(w);
#else
    return w;
#endif
}

/* Marks an invalid byte: decoded as a code point no table maps. */
#define SHI_INVALID_CP 0xFFFFFFFFu

/* Decode one code point from s[0..n), n >= 1. Returns the number of bytes
 * consumed (1..4) and stores the code point, or SHI_INVALID_CP with a length
 * of 1 for an invalid or truncated sequence. Rejects overlongs, surrogates and
 * values above U+10FFFF. `*need` receives, for a sequence that is valid so far
 * but truncated by n, its full length (so a stream can wait for more bytes);
 * otherwise 0. */
static inline size_t shi_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp, size_t *need)
{
    *need = 0;
    uint32_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        *cp = SHI_INVALID_CP;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if (i >= n) {
            *need = len;
            *cp = SHI_INVALID_CP;
            return 1;
        }
        uint32_t t = s[i];
        if ((t & 0xC0) != 0x80) {
            *cp = SHI_INVALID_CP;
            return 1;
        }
        c = (c << 6) | (t & 0x3F);
        /* Reject overlongs and out-of-range values as early as the second
         * byte so a truncated bad prefix is not mistaken for a valid one. */
        if (i == 1) {
            uint32_t lead = s[0];
            if ((lead == 0xE0 && t < 0xA0) || (lead == 0xED && t > 0x9F) ||
                (lead == 0xF0 && t < 0x90) || (lead == 0xF4 && t > 0x8F)) {
                *cp = SHI_INVALID_CP;
                return 1;
            }
        }
    }
    if (c < min) {
        *cp = SHI_INVALID_CP;
        return 1;
    }
    *cp = c;
    return len;
}

/* Decode one code point of text known to be well-formed UTF-8 (validated
 * before, or written by the library itself), without checks: faster than
 * shi_utf8_decode where the loop is hot. Returns its length (1..4). */
static inline size_t shi_utf8_decode_valid(const unsigned char *c, uint32_t *cp)
{
    if (c[0] < 0x80) {
        *cp = c[0];
        return 1;
    }
    if (c[0] < 0xE0) {
        *cp = ((c[0] & 0x1Fu) << 6) | (c[1] & 0x3Fu);
        return 2;
    }
    if (c[0] < 0xF0) {
        *cp = ((c[0] & 0x0Fu) << 12) | ((c[1] & 0x3Fu) << 6) | (c[2] & 0x3Fu);
        return 3;
    }
    *cp = ((c[0] & 0x07u) << 18) | ((c[1] & 0x3Fu) << 12) | ((c[2] & 0x3Fu) << 6) | (c[3] & 0x3Fu);
    return 4;
}

/* Append the UTF-8 encoding of a scalar value to out (4 bytes of room).
 * Returns the number of bytes written. */
static inline size_t shi_utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static inline int shi_is_scalar(uint32_t cp)
{
    return cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
}

#endif
