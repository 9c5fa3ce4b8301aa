/* Runs a fuzz target over its deterministic seeds and over any files given
 * on the command line (a saved libFuzzer corpus). With SHAI_FUZZ_SEEDS=DIR
 * it also writes each seed to DIR/seed-N, to start a libFuzzer corpus. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
    size_t n = 0;
    uint8_t *p;
    size_t size;
    const char *dump = getenv("SHAI_FUZZ_SEEDS");
    while (fuzz_seed(n, &p, &size)) {
        if (dump) {
            char path[4096];
            snprintf(path, sizeof path, "%s/seed-%zu", dump, n);
            FILE *f = fopen(path, "wb");
            if (!f || fwrite(p, 1, size, f) != size || fclose(f) != 0) {
                fprintf(stderr, "cannot write %s\n", path);
                return 1;
            }
        }
        LLVMFuzzerTestOneInput(p, size);
        free(p);
        n++;
    }
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "cannot open %s\n", argv[i]);
            return 1;
        }
        static uint8_t buf[1 << 20];
        size = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, size);
        n++;
    }
    printf("%zu passed, 0 failed\n", n);
    return 0;
}
