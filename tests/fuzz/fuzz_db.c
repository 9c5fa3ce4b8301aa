/* A saved db from any bytes: refused with a status or loaded and scanned,
 * never a read out of bounds. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "io/dbfile.h"
#include "shai.h"

/* Recomputes the checksums of an image in place, so that corruptions reach
 * the structural validation behind them. */
static void reseal(void *image, size_t len)
{
    shi_file_header h;
    if (len < sizeof h)
        return;
    memcpy(&h, image, sizeof h);
    if (h.file_size != len)
        return;
    h.data_checksum = shi_db_checksum((const unsigned char *)image + sizeof h, len - sizeof h);
    h.header_checksum = 0;
    h.header_checksum = shi_db_checksum((const unsigned char *)&h, sizeof h);
    memcpy(image, &h, sizeof h);
}

#ifndef SHAI_FUZZING
/* The failure links of an image as (fail, out) pairs. Returns their count,
 * 0 when the header is unusable. */
static size_t image_links(void *image, size_t len, uint32_t **pairs)
{
    shi_file_header h;
    if (len < sizeof h)
        return 0;
    memcpy(&h, image, sizeof h);
    uint64_t o = h.sect[SHI_SEC_LINKS].offset, n = h.sect[SHI_SEC_LINKS].size;
    if (h.nsections != SHI_SEC_COUNT || o > len || n > len - o || (o & 7))
        return 0;
    *pairs = (uint32_t *)(void *)((unsigned char *)image + o);
    return (size_t)(n / sizeof(shi_link));
}
#endif

static int count_hit(const shai_hit *hit, void *user)
{
    (void)hit;
    ++*(size_t *)user;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    shai_db *db = NULL;
#ifdef SHAI_FUZZING
    /* libFuzzer's mutations would almost never keep the checksums right:
     * an input whose second byte has its low bit set (the magic's 'H' has
     * not) gets that 'H' back and is resealed first, so that mutations
     * reach the structural checks. */
    if (size > 1 && (data[1] & 1)) {
        uint8_t *copy = malloc(size);
        if (!copy)
            return 0;
        memcpy(copy, data, size);
        copy[1] = 'H';
        reseal(copy, size);
        int rc = shai_db_from_buffer(copy, size, 0, &db);
        free(copy);
        if (rc != SHAI_OK)
            return 0;
    } else if (shai_db_from_buffer(data, size, 0, &db) != SHAI_OK) {
        return 0;
    }
#else
    if (shai_db_from_buffer(data, size, 0, &db) != SHAI_OK)
        return 0;
#endif
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
    shai_policy *policy = NULL;
    if (shai_policy_new(db, &policy) == SHAI_OK) {
        for (uint32_t s = 0; s < shai_db_scene_count(db); s++) {
            const char *name;
            shai_db_scene_name(db, s, &name);
            shai_policy_set_scene(policy, s);
            shai_check_policy(db, policy, NULL, text, sizeof text - 1, 0, &verdict, NULL, 0, &n);
            shai_mask_policy(db, policy, NULL, text, sizeof text - 1, '*', out, sizeof out,
                             &out_len);
        }
        shai_policy_free(policy);
    }
    for (uint32_t i = 0; i < shai_db_scorer_count(db); i++) {
        const char *name, *category;
        double score, threshold;
        int flagged;
        shai_db_scorer_info(db, i, &name, &category, &threshold, NULL);
        shai_score(db, i, text, sizeof text - 1, &score, &flagged);
    }
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
                                  "VPN\texact\n@allow\n赌博史\n"
                                  "@scene a\ngambling off\n* block\nscore:r review\n@scene b\n"
                                  "@scorer r\n@category hate\n@bias -1\n@threshold 0\n"
                                  "@target 黑人\n2.5\t赌\n-1\t博彩\n@end\n";
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
        size_t nlinks = image_links(p, n, &links), k = 0;
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
        reseal(p, n);
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
        reseal(p, n); /* valid checksums, corrupted content */
#endif
    *out = p;
    *size = n;
    return 1;
}
