/* Any text through a stream fed in random pieces (the first two bytes of
 * the input choose them): the same hits, in the same order, as shai_scan
 * of the whole text, in every mode, for a db whose rules all begin with
 * known characters (line segments written lazily) and one with a rule
 * that may begin anywhere (written as the text is read). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "shai.h"

#define MAX_HITS 4096

typedef struct hits {
    shai_hit v[MAX_HITS];
    size_t n, len;
} hits;

static int keep_hit(const shai_hit *h, void *user)
{
    hits *a = user;
    if (h->start >= h->end || h->end > a->len)
        abort();
    if (a->n < MAX_HITS)
        a->v[a->n] = *h;
    a->n++;
    return 0;
}

static shai_db *dbs[2];

static shai_db *compile(const char *src)
{
    shai_builder *b;
    shai_db *db;
    if (shai_builder_new(&b) || shai_builder_add_source(b, "s", src, strlen(src)) ||
        shai_builder_compile(b, &db))
        abort();
    shai_builder_free(b);
    return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dbs[0]) {
        static const char words[] = "赌博\n博彩\nass\nfuck you\n法轮功\nvpn\n最好\taction=review\n"
                                    "ab\nbc\n@allow\n赌博史\nabc\n";
        char src[512];
        strcpy(src, words);
        strcat(src, "@deny\nre:(?:加|扣扣)\\s*\\d{2,}\nre:www\\.[a-z]+\\.cn\n"
                    "re:(?:www\\.)?ok\\.cn\tallow\n");
        dbs[0] = compile(src);
        strcat(src, "re:\\w*号\n");
        dbs[1] = compile(src);
    }
    if (size < 2)
        return 0;
    unsigned seed = (unsigned)data[0] << 8 | data[1];
    const char *text = (const char *)data + 2;
    size_t len = size - 2;
    static hits whole, streamed;
    for (int d = 0; d < 2; d++)
        for (uint32_t flags = 0; flags < 4; flags++) {
            whole.n = streamed.n = 0;
            whole.len = streamed.len = len;
            if (shai_scan(dbs[d], text, len, flags, keep_hit, &whole) != SHAI_OK)
                abort();
            shai_stream *s;
            if (shai_stream_open(dbs[d], flags, keep_hit, &streamed, &s))
                abort();
            for (size_t at = 0; at < len;) {
                seed = seed * 1103515245u + 12345u;
                size_t piece = 1 + (seed >> 16) % (seed & 0x100 ? 4 : 97);
                if (piece > len - at)
                    piece = len - at;
                if (shai_stream_write(s, text + at, piece) != SHAI_OK)
                    abort();
                at += piece;
            }
            if (shai_stream_close(s) != SHAI_OK || whole.n != streamed.n)
                abort();
            size_t n = whole.n < MAX_HITS ? whole.n : MAX_HITS;
            if (memcmp(whole.v, streamed.v, n * sizeof *whole.v))
                abort();
        }
    return 0;
}

int fuzz_seed(size_t i, uint8_t **out, size_t *size)
{
    static const char *const base[] = {
        "赌博 www.abc.cn 加 12 扣扣345\n",
        "ok.cn www.ok.cn 赌博史 abc ab bc 微信号\n",
        "法.轮.功 ＶＰＮ f u c k  y o u 最好\r\n\xff\xfe",
        "a\nb\n\n赌\n博",
    };
    size_t nb = sizeof base / sizeof base[0];
    if (i >= 200)
        return 0;
    /* the seeds, repeated into longer texts, with varied piece seeds */
    const char *b = base[i % nb];
    size_t k = strlen(b), reps = 1 + i / nb % 40;
    uint8_t *p = malloc(2 + k * reps);
    if (!p)
        return 0;
    p[0] = (uint8_t)(i * 37);
    p[1] = (uint8_t)(i * 11 + 5);
    for (size_t r = 0; r < reps; r++)
        memcpy(p + 2 + r * k, b, k);
    *out = p;
    *size = 2 + k * reps;
    return 1;
}
