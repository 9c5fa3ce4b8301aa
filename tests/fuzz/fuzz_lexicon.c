/* Lexicon sources from any bytes: an error naming file:line:col or a db. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "shai.h"

/* The same source, leniently (SHAI_OPT_LENIENT): it loads unless out of
 * memory; its first skipped line is where the strict parse failed, with the
 * same message; without a strict failure nothing is skipped and the same
 * entries load. */
static void check_lenient(const uint8_t *data, size_t size, int strict_rc,
                          const shai_builder *strict)
{
    shai_builder *b;
    if (shai_builder_new(&b))
        return;
    if (shai_builder_set_option(b, SHAI_OPT_LENIENT, 1) != SHAI_OK)
        abort();
    int rc = shai_builder_add_source(b, "fuzz.txt", (const char *)data, size);
    if (rc != SHAI_OK) {
        if (rc != SHAI_E_NOMEM && rc != SHAI_E_TOO_LARGE)
            abort(); /* a line error must be skipped, not fail the source */
        shai_builder_free(b);
        return;
    }
    uint32_t n = shai_builder_skipped_count(b);
    for (uint32_t i = 0; i < n; i++) {
        const char *file, *message;
        uint32_t line, col;
        if (shai_builder_skipped(b, i, &file, &line, &col, &message) != SHAI_OK ||
            strcmp(file, "fuzz.txt") != 0 || line == 0 || !message[0])
            abort();
    }
    if (strict_rc == SHAI_OK) {
        if (n != 0 || shai_builder_entry_count(b) != shai_builder_entry_count(strict))
            abort();
    } else if (shai_builder_error_line(strict) != 0 && strict_rc != SHAI_E_NOMEM) {
        const char *message;
        uint32_t line, col;
        char full[1100];
        if (n == 0 || shai_builder_skipped(b, 0, NULL, &line, &col, &message) != SHAI_OK ||
            line != shai_builder_error_line(strict) || col != shai_builder_error_column(strict))
            abort();
        snprintf(full, sizeof full, "fuzz.txt:%u:%u: %s", line, col, message);
        if (strcmp(full, shai_builder_error_message(strict)) != 0)
            abort();
    }
    shai_builder_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    shai_builder *b;
    if (shai_builder_new(&b))
        return 0;
    int rc = shai_builder_add_source(b, "fuzz.txt", (const char *)data, size);
    if (rc != SHAI_OK && shai_builder_error_message(b)[0] == '\0')
        abort(); /* every error must say what went wrong */
    check_lenient(data, size, rc, b);
    shai_db *db;
#ifdef SHAI_FUZZING
    /* a compile costs milliseconds, mostly the fold map of every code
     * point, whatever the lexicon: libFuzzer parses every input and
     * compiles one in eight (chosen by its bytes), so that the parser gets
     * most of the executions */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    if (rc != SHAI_OK || (h & 7) != 0) {
        shai_builder_free(b);
        return 0;
    }
#endif
    if (shai_builder_compile(b, &db) == SHAI_OK) {
        size_t n;
        shai_scan_hits(db, (const char *)data, size, SHAI_SCAN_OVERLAPPING, NULL, 0, &n);
        shai_db_free(db);
    }
    shai_builder_free(b);
    return 0;
}

int fuzz_seed(size_t i, uint8_t **out, size_t *size)
{
    static const char *const base[] = {
        "赌博\n博彩\n",
        "@category x\n@action review\nword\tcategory=y tag=t\n",
        "@allow\n赌博史\n@deny\n\\#tag\n\\@me\n",
        "a\tb=\n",
        "@colour red\n",
        "\xff\xfe\n",
        "\xef\xbb\xbf赌博\r\nfoo bar \n",
        "  \t  \n#c\n@tag\n@suggestion s\nx\texact\n",
        "@categories x y\n@scene s\nx off\n*\tblock\n@end\nword\tcategory=x\n",
        "ok\n\026bad\nre:a(b\n\xff\n@colour\nfine\n",
    };
    size_t nb = sizeof base / sizeof base[0];
    if (i >= 800) /* each input compiles a db: a few ms each */
        return 0;
    const char *s = base[i % nb];
    size_t n = strlen(s);
    uint8_t *p = malloc(n + 8);
    if (!p)
        return 0;
    memcpy(p, s, n);
    uint64_t x = 0x2545F4914F6CDD1Dull * (i + 1);
    for (size_t k = 0; i >= nb && k < 1 + i % 3; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        switch (x % 3) {
        case 0:
            p[x % n] ^= (uint8_t)(x >> 32);
            break;
        case 1:
            p[x % n] = "\t\n@#\\= \x80\xe4"[(x >> 20) % 10];
            break;
        default:
            n = n > 1 ? n - 1 : n;
        }
    }
    *out = p;
    *size = n;
    return 1;
}
