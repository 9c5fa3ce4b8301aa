/* A saved db from any bytes: refused with a status or loaded and scanned,
 * never a read out of bounds. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "shai.h"

#ifndef SHAI_FUZZING
/* internal: recompute checksums so corruptions reach the structural checks */
void shi_db_reseal(void *image, size_t len);
/* internal: the (fail, out) pairs of an image */
size_t shi_db_image_links(void *image, size_t len, uint32_t **pairs);
#endif

static int count_hit(const shai_hit *hit, void *user)
{
    (void)hit;
    ++*(size_t *)user;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* aligned private copy: shai_db_from_buffer copies anyway, BORROW too */
    shai_db *db = NULL;
    if (shai_db_from_buffer(data, size, 0, &db) != SHAI_OK)
        return 0;
    static const char text[] =
        "我爱赌博，賭*博 ＶＰＮ fuck you 法法轮轮功功 最好的 100% \xff\xfe end";
    size_t hits = 0;
    for (uint32_t flags = 0; flags < 4; flags++)
        shai_scan(db, text, sizeof text - 1, flags, count_hit, &hits);
    uint32_t verdict;
    size_t n;
    shai_check(db, text, sizeof text - 1, 0, &verdict, NULL, 0, &n);
    char out[512];
    size_t out_len;
    shai_mask(db, text, sizeof text - 1, '*', out, sizeof out, &out_len);
    for (uint32_t i = 0; i < shai_db_entry_count(db); i++) {
        const char *t;
        size_t len;
        uint32_t cat;
        shai_db_entry_text(db, i, &t, &len);
        shai_db_entry_info(db, i, &cat, NULL, NULL, NULL, NULL);
        const char *name;
        shai_db_category_name(db, cat, &name);
    }
    shai_db_free(db);
    return 0;
}

/* Seed 0 is a valid image; the rest are deterministic corruptions of it. */
int fuzz_seed(size_t i, uint8_t **out, size_t *size)
{
    static uint8_t *image;
    static size_t image_len;
    if (!image) {
        shai_builder *b;
        shai_db *db;
        static const char src[] = "@category gambling\n赌博\n博彩\taction=review\nfuck you\n"
                                  "VPN\texact\n@allow\n赌博史\n";
        if (shai_builder_new(&b) || shai_builder_add_source(b, "seed", src, sizeof src - 1) ||
            shai_builder_compile(b, &db))
            return 0;
        shai_builder_free(b);
        shai_db_serialize(db, NULL, 0, &image_len);
        image = malloc(image_len);
        if (!image || shai_db_serialize(db, image, image_len, &image_len))
            return 0;
        shai_db_free(db);
    }
    if (i >= 2003) {
        free(image);
        image = NULL;
        return 0;
    }
    uint8_t *p = malloc(image_len);
    if (!p)
        return 0;
    memcpy(p, image, image_len);
    size_t n = image_len;
#ifndef SHAI_FUZZING
    if (i >= 2000) {
        /* failure links that never reach the root, with valid checksums:
         * every state its own failure (2000), every state failing to the
         * next (2001), states failing in pairs (2002). Scanning must end. */
        uint32_t *links;
        size_t nlinks = shi_db_image_links(p, n, &links), k = 0;
        uint32_t *deep = malloc((nlinks + 1) * sizeof *deep);
        if (!deep) {
            free(p);
            return 0;
        }
        for (size_t s = 1; s < nlinks; s++)
            if (links[2 * s]) /* a state whose failure is not the root */
                deep[k++] = (uint32_t)s;
        for (size_t j = 0; j < k; j++) {
            size_t to = i == 2000 ? j : i == 2001 ? (j + 1) % k : (j ^ 1) < k ? (j ^ 1) : j;
            links[2 * deep[j]] = deep[to];
        }
        free(deep);
        shi_db_reseal(p, n);
        *out = p;
        *size = n;
        return 1;
    }
#endif
    uint64_t x = 0x9E3779B97F4A7C15ull * (i + 1);
    for (size_t k = 0; i && k < 1 + i % 4; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t at = (i % 3 == 0) ? (size_t)(x % 512) % n : (size_t)(x % n); /* favour the header */
        p[at] ^= (uint8_t)(1u << (x >> 60) % 8);
    }
    if (i % 7 == 3)
        n = (size_t)(x % n); /* truncated */
#ifndef SHAI_FUZZING
    else if (i % 2)
        shi_db_reseal(p, n); /* valid checksums, corrupted content */
#endif
    *out = p;
    *size = n;
    return 1;
}
