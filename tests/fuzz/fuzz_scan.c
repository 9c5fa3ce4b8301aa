/* Any text against a folding db with words and regex rules: hits inside
 * the text, the same through a stream split anywhere and through one
 * written a byte at a time (where each line's rule segment is written as
 * the line goes, not at its end). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "shai.h"

typedef struct acc {
    size_t len, n;
    uint64_t sum;
} acc;

static int check_hit(const shai_hit *h, void *user)
{
    acc *a = user;
    if (h->start >= h->end || h->end > a->len)
        abort();
    a->n++;
    a->sum = a->sum * 31 + h->start * 7 + h->end + h->entry;
    return 0;
}

static shai_db *db;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db) {
        shai_builder *b;
        /* words, and rules: gated on Chinese first characters (tried where
         * they stand), behind a lookbehind, on ASCII, and an allow rule */
        static const char src[] = "赌博\n博彩\nass\nfuck you\n爸爸\n法轮功\n100%\nvpn\n最好\t"
                                  "action=review\nabc\tallow\nab\nbc\n"
                                  "re:(?:加|扣扣)\\s*\\d{2,}\n"
                                  "re:(?<![0-9])1\\d{2}(?![0-9])\n"
                                  "re:b[a-z]+c\n"
                                  "re:扣\\d+\tallow\n"
                                  "@allow\n赌博史\n";
        if (shai_builder_new(&b) || shai_builder_add_source(b, "s", src, sizeof src - 1) ||
            shai_builder_compile(b, &db))
            abort();
        shai_builder_free(b);
    }
    const char *text = (const char *)data;
    for (uint32_t flags = 0; flags < 4; flags++) {
        acc one = {size, 0, 0}, two = {size, 0, 0}, three = {size, 0, 0};
        if (shai_scan(db, text, size, flags, check_hit, &one) != SHAI_OK)
            abort();
        shai_stream *s;
        if (shai_stream_open(db, flags, check_hit, &two, &s))
            abort();
        size_t cut = size ? (size * 7 + 3) % size : 0;
        shai_stream_write(s, text, cut);
        shai_stream_write(s, text + cut, size - cut);
        if (shai_stream_close(s) != SHAI_OK || one.n != two.n || one.sum != two.sum)
            abort();
        if (shai_stream_open(db, flags, check_hit, &three, &s))
            abort();
        for (size_t i = 0; i < size; i++)
            shai_stream_write(s, text + i, 1);
        if (shai_stream_close(s) != SHAI_OK || one.n != three.n || one.sum != three.sum)
            abort();
    }
    return 0;
}

int fuzz_seed(size_t i, uint8_t **out, size_t *size)
{
    static const char alphabet[][5] = {"赌", "博", "彩",           "史", "a",    "s",  "b",  "c",
                                       " ",  "*",  "\xe2\x80\x8b", "😀",  "\xff", "\n", "爸", "Ａ",
                                       "賭", "%",  "加",           "扣", "1",    "2",  "0"};
    size_t na = sizeof alphabet / sizeof alphabet[0];
    if (i >= 3000)
        return 0;
    uint64_t x = 0x9E3779B97F4A7C15ull * (i + 1);
    size_t n = i % 60;
    uint8_t *p = malloc(n * 4 + 1);
    if (!p)
        return 0;
    size_t len = 0;
    for (size_t k = 0; k < n; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const char *c = alphabet[x % na];
        size_t cl = strlen(c);
        memcpy(p + len, c, cl);
        len += cl;
    }
    *out = p;
    *size = len;
    return 1;
}
