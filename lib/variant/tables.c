/* lib/variant/tables.c: lookups in the variant layer's generated tables (tables_data.h). */
#include "variant/tables.h"

#include <string.h>

#include "tables_data.h"

const unsigned shi_py_nsyl = SHI_PY_NSYL;
const char shi_variant_tables_version[] = SHI_VARIANT_TABLES_VERSION;

unsigned shi_py_readings(uint32_t cp, shi_reading out[SHI_READINGS_MAX])
{
    uint32_t page = cp >> SHI_PY_PAGE_BITS;
    if (page >= SHI_PY_NPAGES)
        return 0;
    const uint16_t *set = shi_py_sets[shi_py_blocks[shi_py_pages[page]][cp & (SHI_PY_PAGE - 1)]];
    unsigned n = 0;
    while (n < SHI_READINGS_MAX && set[n]) {
        out[n] = set[n];
        n++;
    }
    return n;
}

const char *shi_py_syllable(unsigned syl)
{
    return syl < SHI_PY_NSYL ? shi_py_syl_names[syl] : "";
}

unsigned shi_py_lookup(const char *s, size_t n)
{
    if (n == 0 || n > SHI_PY_SYL_MAX)
        return 0;
    /* Binary search over ids 1..SHI_PY_NSYL-1 (id 0 is the empty name). */
    unsigned lo = 1, hi = SHI_PY_NSYL;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const char *name = shi_py_syl_names[mid];
        int c = strncmp(name, s, n);
        if (c == 0 && name[n] != '\0')
            c = 1; /* name is longer than s: it sorts after */
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* The bits set in x, without a call into libgcc (the library is not built
 * for a CPU with a popcount instruction). */
static inline unsigned bits_set(uint32_t x)
{
    x -= (x >> 1) & 0x55555555u;
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return (x * 0x01010101u) >> 24;
}

/* The syllables that are prefixes of s[0..n), by length: by_len[k] is the id of s[0..k) or 0.
 * One step down the trie per byte. */
static void prefixes_by_length(const char *s, size_t n, unsigned by_len[SHI_PY_SYL_MAX + 1])
{
    unsigned node = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned c = (unsigned)(unsigned char)s[k] - 'a';
        uint32_t mask = shi_py_trie[node].mask;
        if (c >= 26 || !(mask >> c & 1u))
            return;
        node = shi_py_trie[node].base + bits_set(mask & ((1u << c) - 1u));
        by_len[k + 1] = shi_py_trie[node].syl;
    }
}

unsigned shi_py_prefixes(const char *s, size_t n, uint16_t out[8], uint8_t len[8])
{
    unsigned plain[SHI_PY_SYL_MAX + 1] = {0}, umlaut[SHI_PY_SYL_MAX + 1] = {0};
    size_t max = n < SHI_PY_SYL_MAX ? n : SHI_PY_SYL_MAX;
    unsigned count = 0;
    prefixes_by_length(s, max, plain);
    /* "lu", "nue": u after l or n may spell ü, written v in the table. */
    if (max >= 2 && (s[0] == 'l' || s[0] == 'n') && s[1] == 'u') {
        char buf[SHI_PY_SYL_MAX];
        memcpy(buf, s, max);
        buf[1] = 'v';
        prefixes_by_length(buf, max, umlaut);
    }
    for (size_t k = 1; k <= max; k++) {
        if (plain[k] && count < 8) {
            out[count] = (uint16_t)plain[k];
            len[count++] = (uint8_t)k;
        }
        if (k >= 2 && umlaut[k] && count < 8) { /* shorter ones are plain's */
            out[count] = (uint16_t)umlaut[k];
            len[count++] = (uint8_t)k;
        }
    }
    return count;
}

unsigned shi_py_near(unsigned syl)
{
    return syl < SHI_PY_NSYL ? shi_py_near_class[syl] : 0;
}

uint32_t shi_split_compose(uint32_t a, uint32_t b)
{
    size_t lo = 0, hi = SHI_SPLIT_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const shi_split_row *r = &shi_split_rows[mid];
        if (r->a == a && r->b == b)
            return r->c;
        if (r->a < a || (r->a == a && r->b < b))
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

size_t shi_split_row_at(size_t i, uint32_t *a, uint32_t *b, uint32_t *c)
{
    if (i < SHI_SPLIT_COUNT) {
        *a = shi_split_rows[i].a;
        *b = shi_split_rows[i].b;
        *c = shi_split_rows[i].c;
    }
    return SHI_SPLIT_COUNT;
}

size_t shi_emoji_row_at(size_t i, uint32_t *cp)
{
    if (i < SHI_EMOJI_COUNT)
        *cp = shi_emoji_rows[i].cp;
    return SHI_EMOJI_COUNT;
}

unsigned shi_emoji_chars(uint32_t cp, uint32_t out[4])
{
    size_t lo = 0, hi = SHI_EMOJI_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const shi_emoji_row *r = &shi_emoji_rows[mid];
        if (r->cp == cp) {
            unsigned n = 0;
            while (n < 4 && r->chars[n]) {
                out[n] = r->chars[n];
                n++;
            }
            return n;
        }
        if (r->cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

const char *shi_leet_letters(uint32_t cp)
{
    for (size_t i = 0; i < SHI_LEET_COUNT && shi_leet_rows[i].cp <= cp; i++)
        if (shi_leet_rows[i].cp == cp)
            return shi_leet_rows[i].letters;
    return NULL;
}

unsigned shi_digit_syllables(unsigned digit, uint16_t out[4])
{
    if (digit > 9)
        return 0;
    unsigned n = 0;
    while (n < 4 && shi_digit_syls[digit][n]) {
        out[n] = shi_digit_syls[digit][n];
        n++;
    }
    return n;
}

int shi_is_wildcard(uint32_t cp)
{
    size_t lo = 0, hi = SHI_WILDCARD_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (shi_wildcards[mid] == cp)
            return 1;
        if (shi_wildcards[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Whether filter holds the pair (a, b) on side (0 or 1), by the probes of
 * tools/gen_variant/gen_variant.py's word_probes. */
static int word_filter_has(const uint64_t *filter, uint32_t a, uint32_t b, uint32_t side)
{
    uint64_t x = ((uint64_t)side << 42) | ((uint64_t)a << 21) | b;
    x *= 0x9E3779B97F4A7C15u;
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9u;
    x ^= x >> 32;
    const uint64_t m = ((uint64_t)1 << SHI_WORD_BITS) - 1;
    const uint64_t k[3] = {x & m, (x >> 20) & m, (x >> 40) & m};
    for (int i = 0; i < 3; i++)
        if (!((filter[k[i] >> 6] >> (k[i] & 63)) & 1))
            return 0;
    return 1;
}

int shi_word_pair(uint32_t a, uint32_t b)
{
    return word_filter_has(shi_word_filter, a, b, 0);
}

int shi_word_part(uint32_t a, uint32_t b, int end)
{
    return word_filter_has(shi_word_part_filter, a, b, end != 0);
}
