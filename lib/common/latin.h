/* The rule for noise inside a Latin word (docs/lexicon-format.md), which
 * the scan and the variant matcher both apply. */
#ifndef SHAI_COMMON_LATIN_H
#define SHAI_COMMON_LATIN_H

#include <stdint.h>

#include "common/db.h"
#include "unicode/utf8.h"

/* Noise inside a Latin word (lib/scan: select.c, latin_word_ok, and the
 * shadows of step.c; lib/variant: match.c, a match as itself): whether a hit of entry e whose units
 * i skipped noise before them (bit i of `skips`, i >= 1) reads as the entry: every skipped gap
 * between two Latin letters is one where the entry has noise of its own, or every gap between two
 * of its Latin letters is skipped. An entry that is not one unit per character (an expansion, an
 * ignorable character) passes. */
static inline int shi_latin_gaps_ok(const shai_db *db, const shi_entry *e, uint64_t skips)
{
    const unsigned char *t = (const unsigned char *)db->strings + e->text;
    uint32_t i = 0, pairs = 0, skipped = 0, foreign = 0;
    int prev_latin = 0, own = 0;
    if (e->units > 64)
        return 1;
    for (size_t k = 0; k < e->text_len;) {
        uint32_t cp;
        size_t need;
        k += shi_utf8_decode(t + k, e->text_len - k, &cp, &need);
        uint32_t v = shi_map(db, cp);
        if (v & (SHI_MAP_EXPAND | SHI_MAP_IGNORE | SHI_MAP_BREAK))
            return 1;
        if ((v & SHI_MAP_NOISE) && (!(v & SHI_MAP_SEP) || prev_latin) && i > 0) {
            own = 1; /* the entry's own, dropped when it was compiled */
            continue;
        }
        if (i >= e->units)
            return 1;
        int latin = (v & (SHI_MAP_LATIN | SHI_MAP_NOISE)) == SHI_MAP_LATIN;
        if (latin && prev_latin) {
            pairs++;
            if ((skips >> i) & 1) {
                skipped++;
                foreign += !own;
            }
        }
        prev_latin = latin;
        own = 0;
        i++;
    }
    return i != e->units || !foreign || skipped == pairs;
}

#endif
