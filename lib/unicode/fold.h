/* Per-code-point folding from the generated ICU tables (compile time and
 * shai_fold only; the scan loop uses the db's composed map). */
#ifndef SHAI_FOLD_H
#define SHAI_FOLD_H

#include <stdint.h>

#define SHI_FOLD_MAX 64

/* Classes (same values as the generated table). */
enum {
    SHI_CLS_LETTER = 0,
    SHI_CLS_NOISE = 1,
    SHI_CLS_IGNORE = 2,
    SHI_CLS_BREAK = 3,
    SHI_CLS_MARK = 4
};

/* Class of a code point before folding. */
uint8_t shi_fold_class(uint32_t cp);

/* Folds one code point through the stages in `stages` (SHAI_FOLD_*).
 * Writes up to SHI_FOLD_MAX code points to out and returns how many; 0 when
 * the code point folds away. */
uint32_t shi_fold_cp(uint32_t stages, uint32_t cp, uint32_t *out);

/* Calls fn for every range of code points of one class other than
 * SHI_CLS_LETTER, in order. */
void shi_fold_each_class_range(void (*fn)(uint32_t first, uint32_t last, uint8_t cls, void *user),
                               void *user);

/* Calls fn(cp) for every code point that some stage changes. */
void shi_fold_each_mapped(void (*fn)(uint32_t cp, void *user), void *user);

#endif
