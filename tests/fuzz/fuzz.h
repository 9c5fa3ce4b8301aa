/* Fuzz targets: each file defines LLVMFuzzerTestOneInput. Built with
 * -Dfuzzing=true under clang they are libFuzzer binaries; otherwise
 * fuzz_replay.c drives them as ordinary tests over deterministic inputs. */
#ifndef SHAI_FUZZ_H
#define SHAI_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Seeds for the replay driver: fills *out (malloc'ed) with seed `i`, returns
 * 0 when there is no seed i. Defined by each target. */
int fuzz_seed(size_t i, uint8_t **out, size_t *size);

#endif
