/* Any text against a db whose entries take every variant kind: the variant
 * prefilter (lib/variant/filter.c), which decides which lines the matcher
 * reads, never changes a hit. The same hits, field for field, with it and
 * without it (SHI_SCAN_NO_VFILTER), in both orders of hits, the text whole
 * and in two writes cut anywhere (a line in pieces is asked of its folded
 * text). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scan/scanner.h"
#include "shai.h"

typedef struct acc {
    size_t len, n;
    uint64_t sum;
} acc;

static int add_hit(const shai_hit *h, void *user)
{
    acc *a = user;
    if (h->start >= h->end || h->end > a->len)
        abort();
    a->n++;
    a->sum = a->sum * 1000003u + h->start * 31u + h->end * 7u + h->entry * 3u + h->variant;
    return 0;
}

static acc scan(const shai_db *db, const uint8_t *text, size_t size, uint32_t flags, size_t cut)
{
    acc a = {size, 0, 0};
    shi_scanner *sc = malloc(sizeof *sc);
    if (!sc)
        abort();
    shi_scanner_init(sc);
    shi_scanner_start(sc, db, flags, add_hit, &a);
    shi_scanner_feed(sc, text, cut, cut == size);
    if (cut < size)
        shi_scanner_feed(sc, text + cut, size - cut, 1);
    shi_scanner_finish(sc);
    if (shi_scanner_status(sc) != SHAI_OK)
        abort();
    shi_scanner_release(sc);
    free(sc);
    return a;
}

static shai_db *db;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db) {
        /* entries of the variant test set: the standard kinds on each
         * (pinyin, homophones, split, emoji, leet, wildcards, insertions),
         * initials, digits and near homophones on some, Latin and mixed ones,
         * an allow entry */
        static const char src[] = "赌博\n赌场\n网上赌场\n博彩\n@allow\n赌博史\n@deny\n"
                                  "迷奸\n援交\n精液\n射精\tvariants=standard,near\n强奸\n一夜情\n"
                                  "代孕\n代开发票\n翻墙\n法轮功\tvariants=standard,initials\n"
                                  "傻逼\tvariants=standard,initials,near\n"
                                  "你妈了个逼\tvariants=standard,initials\n"
                                  "去死吧\tvariants=standard,digit\n"
                                  "牛逼\tvariants=standard,initials,near\n王八蛋\n混蛋\n草泥马\n"
                                  "ass\nfuck\npussy\nbastard\nA片\nG点\n赌场老板\n";
        shai_builder *b;
        if (shai_builder_new(&b) || shai_builder_add_source(b, "v", src, sizeof src - 1) ||
            shai_builder_compile(b, &db) || !db->vfilter)
            abort();
        shai_builder_free(b);
    }
    size_t cut = size ? (size * 7 + 3) % size : 0;
    for (uint32_t flags = 0; flags <= SHAI_SCAN_OVERLAPPING; flags += SHAI_SCAN_OVERLAPPING) {
        acc ref = scan(db, data, size, flags | SHI_SCAN_NO_VFILTER, size);
        acc whole = scan(db, data, size, flags, size), cutx = scan(db, data, size, flags, cut);
        if (whole.n != ref.n || whole.sum != ref.sum || cutx.n != ref.n || cutx.sum != ref.sum)
            abort();
    }
    return 0;
}

int fuzz_seed(size_t i, uint8_t **out, size_t *size)
{
    /* evasions of each kind, and ordinary text the prefilter drops */
    static const char *const base[] = {
        "网上duchang开户，du chang在哪，dǔ chǎng du3chang3\n",
        "圆交 带孕 迷煎 米青液 弓虽奸 身寸米青 女子足球 上下班\n",
        "a55hole b@stard f**k p*ssy 4k video $100 a+b e-mail n95口罩 win10\n",
        "混X 王八* 贱○ XX公司 X光 138****5678 1920×1080 ****酒店\n",
        "迷z奸 援q交 型号A1 3号楼 有40名学生 748 5201314 sb tmd nmlgb\n",
        "🐮🍺 牛🍺 fa lun gong 法lun功 翻\n墙\n",
        "网上ｄｕｃｈａｎｇ ａ５５ｈｏｌｅ ①房间很干净② ２０１９年 ⑦④⑧ ＳＢ\n",
        "找个g dian，Lucy chang said，the changlao said，赌changlao板，ipad mini\n",
    };
    size_t nb = sizeof base / sizeof base[0];
    if (i >= 120)
        return 0;
    /* the seeds, two of them at a time, repeated into longer texts */
    const char *a = base[i % nb], *b = base[i / nb % nb];
    size_t ka = strlen(a), kb = strlen(b), reps = 1 + i / (nb * nb) % 4;
    uint8_t *p = malloc((ka + kb) * reps);
    if (!p)
        return 0;
    for (size_t r = 0; r < reps; r++) {
        memcpy(p + r * (ka + kb), a, ka);
        memcpy(p + r * (ka + kb) + ka, b, kb);
    }
    *out = p;
    *size = (ka + kb) * reps;
    return 1;
}
