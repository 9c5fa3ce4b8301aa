/* The fast loops: the common case of a scan in registers (scanner.h, "Three
 * step implementations"). */
#ifndef SHAI_SCAN_FAST_H
#define SHAI_SCAN_FAST_H

#include "scan/scanner.h"

/* Scans p[i..n) from the scanner's state, exactly as the general step
 * would, up to the end or to a character the general step must take.
 * Returns where it stopped; the scanner's position is there. */
size_t shi_fast_run(shi_scanner *sc, const unsigned char *p, size_t i, size_t n);

#endif
