/* Runs a fuzz target over its deterministic seeds and over any files given
 * on the command line (a saved libFuzzer corpus). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
    size_t n = 0;
    uint8_t *p;
    size_t size;
    while (fuzz_seed(n, &p, &size)) {
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
