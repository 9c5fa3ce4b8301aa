/* shai_fold of any bytes under any stages (the first byte): a size query
 * and the fold agree, the result is valid UTF-8 that holds no ignorable
 * character the stages drop, and folding it again changes nothing. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "shai.h"

static void valid_utf8(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = shai_utf8_decode(p + i, n - i, &cp);
        if (k == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            abort();
        i += k;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t stages = data[0] & 0x7F;
    const char *text = (const char *)data + 1;
    size_t len = size - 1, need = 0, got = 0;
    int rc = shai_fold(stages, text, len, NULL, 0, &need);
    if (rc != SHAI_E_BUFFER_TOO_SMALL)
        abort();
    char *out = malloc(need + 1), *again = malloc(need + 1);
    if (!out || !again)
        abort();
    if (shai_fold(stages, text, len, out, need + 1, &got) != SHAI_OK || got != need ||
        out[got] != '\0')
        abort();
    valid_utf8(out, got);
    size_t twice = 0;
    if (shai_fold(stages, out, got, again, need + 1, &twice) == SHAI_OK &&
        (twice != got || memcmp(out, again, got)))
        abort(); /* not idempotent */
    if (shai_fold(0x80 | stages, text, len, out, need + 1, &got) != SHAI_E_INVALID_ARG)
        abort();
    free(out);
    free(again);
    return 0;
}

int fuzz_seed(size_t i, uint8_t **out, size_t *size)
{
    static const char *const base[] = {
        "賭博 ＶＰＮ ①㈱𝐀 ⓓⓤ",          "赌\u200b博\ufe0f", "Straße ǅ İ ﬁ",
        "\xff\xfe\xc0\xaf\xed\xa0\x80", "㍿ ﷺ ẞ ΐ",         "",
    };
    size_t nb = sizeof base / sizeof base[0];
    if (i >= 128 * nb)
        return 0;
    const char *b = base[i % nb];
    size_t k = strlen(b);
    uint8_t *p = malloc(1 + k);
    if (!p)
        return 0;
    p[0] = (uint8_t)(i / nb);
    memcpy(p + 1, b, k);
    *out = p;
    *size = 1 + k;
    return 1;
}
