#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "shai.h"
#include "unicode/fold.h"
#include "unicode/fold_data.h"
#include "unicode/utf8.h"

_Static_assert(SHI_CLASS_NOISE == SHI_CLS_NOISE && SHI_CLASS_IGNORE == SHI_CLS_IGNORE &&
                   SHI_CLASS_BREAK == SHI_CLS_BREAK && SHI_CLASS_MARK == SHI_CLS_MARK,
               "class values differ from the generated table");

const char *shai_fold_table_version(void)
{
    return SHI_FOLD_TABLE_VERSION;
}

uint8_t shi_fold_class(uint32_t cp)
{
    size_t lo = 0, hi = SHI_CLASS_RANGES_COUNT;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < shi_class_ranges[mid].first)
            hi = mid;
        else if (cp > shi_class_ranges[mid].last)
            lo = mid + 1;
        else
            return shi_class_ranges[mid].cls;
    }
    return SHI_CLS_LETTER;
}

typedef struct stage {
    uint32_t bit;
    const shi_fold_map *map;
    size_t count;
} stage;

static const stage stages_in_order[] = {
    {SHAI_FOLD_WIDTH, shi_fold_width, SHI_FOLD_WIDTH_COUNT},
    {SHAI_FOLD_COMPAT, shi_fold_compat, SHI_FOLD_COMPAT_COUNT},
    {SHAI_FOLD_CASE, shi_fold_case, SHI_FOLD_CASE_COUNT},
    {SHAI_FOLD_DIACRITICS, shi_fold_diacritics, SHI_FOLD_DIACRITICS_COUNT},
    {SHAI_FOLD_CONFUSABLES, shi_fold_confusables, SHI_FOLD_CONFUSABLES_COUNT},
    {SHAI_FOLD_T2S, shi_fold_t2s, SHI_FOLD_T2S_COUNT},
};

static const shi_fold_map *lookup(const stage *st, uint32_t cp)
{
    /* most code points lie outside a stage's span: no search for them */
    if (st->count == 0 || cp < st->map[0].cp || cp > st->map[st->count - 1].cp)
        return NULL;
    size_t lo = 0, hi = st->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (st->map[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < st->count && st->map[lo].cp == cp) ? &st->map[lo] : NULL;
}

/* The stages in order over in[0..n), once, into out; returns the length. */
static uint32_t fold_pass(uint32_t stages, const uint32_t *in, uint32_t n, uint32_t *out)
{
    uint32_t buf[2][SHI_FOLD_MAX];
    uint32_t cur = 0;
    memcpy(buf[0], in, n * sizeof *in);
    for (size_t k = 0; k < sizeof stages_in_order / sizeof stages_in_order[0]; k++) {
        const stage *st = &stages_in_order[k];
        if (!(stages & st->bit))
            continue;
        uint32_t m = 0;
        uint32_t *src = buf[cur], *dst = buf[cur ^ 1];
        for (uint32_t i = 0; i < n; i++) {
            const shi_fold_map *e = lookup(st, src[i]);
            if (!e) {
                if (m < SHI_FOLD_MAX)
                    dst[m++] = src[i];
                continue;
            }
            uint32_t len = e->seq & 31, off = e->seq >> 5;
            for (uint32_t j = 0; j < len && m < SHI_FOLD_MAX; j++)
                dst[m++] = shi_fold_seq[off + j];
        }
        n = m;
        cur ^= 1;
    }
    /* combining marks left by earlier stages fold away with the diacritics */
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = buf[cur][i];
        uint8_t cls = shi_fold_class(c);
        if ((stages & SHAI_FOLD_DIACRITICS) && cls == SHI_CLS_MARK)
            continue;
        if ((stages & SHAI_FOLD_IGNORABLES) && cls == SHI_CLS_IGNORE)
            continue;
        out[m++] = c;
    }
    return m;
}

uint32_t shi_fold_cp(uint32_t stages, uint32_t cp, uint32_t *out)
{
    /* again until nothing changes: a stage may leave what an earlier one
     * folds (Ǿ: case to ǿ, diacritics to ø, which only the diacritics
     * stage folds on to o), and a folded text must fold to itself */
    uint32_t buf[SHI_FOLD_MAX];
    uint32_t n = fold_pass(stages, &cp, 1, out);
    for (int round = 0; round < 4; round++) {
        uint32_t m = fold_pass(stages, out, n, buf);
        if (m == n && memcmp(buf, out, n * sizeof *out) == 0)
            break;
        memcpy(out, buf, m * sizeof *buf);
        n = m;
    }
    return n;
}

void shi_fold_each_class_range(void (*fn)(uint32_t first, uint32_t last, uint8_t cls, void *user),
                               void *user)
{
    for (size_t r = 0; r < SHI_CLASS_RANGES_COUNT; r++)
        fn(shi_class_ranges[r].first, shi_class_ranges[r].last, shi_class_ranges[r].cls, user);
}

void shi_fold_each_mapped(void (*fn)(uint32_t cp, void *user), void *user)
{
    for (size_t k = 0; k < sizeof stages_in_order / sizeof stages_in_order[0]; k++)
        for (size_t i = 0; i < stages_in_order[k].count; i++)
            fn(stages_in_order[k].map[i].cp, user);
}

static void put(char *out, size_t cap, size_t *n, uint32_t cp)
{
    char tmp[4];
    size_t k = shi_utf8_encode(cp, tmp);
    if (out && *n + k <= cap)
        memcpy(out + *n, tmp, k);
    *n += k;
}

int shai_fold(uint32_t fold, const char *text, size_t len, char *out, size_t out_cap,
              size_t *out_len)
{
    if (out_len)
        *out_len = 0;
    if ((!text && len) || !out_len || (!out && out_cap) || (fold & ~SHAI_FOLD_ALL))
        return SHAI_E_INVALID_ARG;
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        uint32_t cp, seq[SHI_FOLD_MAX];
        size_t need;
        i += shi_utf8_decode(s + i, len - i, &cp, &need);
        if (cp == SHI_INVALID_CP) {
            put(out, out_cap, &n, 0xFFFD);
            continue;
        }
        uint8_t cls = shi_fold_class(cp);
        if (cls == SHI_CLS_IGNORE && (fold & SHAI_FOLD_IGNORABLES))
            continue;
        if (cls == SHI_CLS_BREAK) {
            put(out, out_cap, &n, cp);
            continue;
        }
        uint32_t k = shi_fold_cp(fold, cp, seq);
        for (uint32_t j = 0; j < k; j++)
            put(out, out_cap, &n, seq[j]);
    }
    *out_len = n;
    if (n + 1 > out_cap)
        return SHAI_E_BUFFER_TOO_SMALL;
    out[n] = '\0';
    return SHAI_OK;
}
