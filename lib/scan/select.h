/* Hit selection, allow coverage and verdicts: what the steps hand over once
 * a unit's outputs are known, and what the horizon makes final (scanner.h,
 * "The horizon" and "Pending outputs"). */
#ifndef SHAI_SCAN_SELECT_H
#define SHAI_SCAN_SELECT_H

#include "scan/scanner.h"

/* The outputs of unit f, now that the character after it is known: a word
 * character or not (bit 0, `next_word`), and SHI_NEXT_REDUP when it doubles
 * the unit's character into a reduplicated word (妈妈), SHI_NEXT_JOIN (core.h)
 * when noise came before the unit and the two make a word. */
#define SHI_NEXT_REDUP 2
void shi_resolve(shi_scanner *sc, uint64_t f, int next_word);

/* Both readings (scanner.h, shi_shadow): a hit of a shadow reading, held
 * until the main reading has reported every hit that sorts before it (and
 * dropped when reported already); the held hits that end before `end`
 * (UINT64_MAX: all), reported. */
void shi_shadow_hit(shi_scanner *sc, uint64_t start, uint64_t end, uint32_t entry);
void shi_held_flush(shi_scanner *sc, uint64_t end);

/* Moves the horizon to unit `horizon` and decides everything before it. */
void shi_advance(shi_scanner *sc, uint64_t horizon);

/* Advances to horizon h if that moves it, for a loop that keeps the unit
 * count u in a register. Returns the scan's status. */
static inline int advance_to(shi_scanner *sc, uint64_t u, uint64_t h)
{
    if (h > sc->horizon) {
        sc->unit = u;
        shi_advance(sc, h);
    }
    return sc->status;
}

/* A regex rule's match that no allow rule covers (shi_seg_hit_fn; user is
 * the scanner): reported, and counted in the verdict of a violation scan. */
int shi_rule_hit(uint64_t start, uint64_t end, uint32_t entry, void *user);

/* A variant hit of kind `kind` under action `action` (shi_variant_action,
 * not off): reported, and counted in the verdict of a violation scan. */
void shi_variant_emit(shi_scanner *sc, uint64_t start, uint64_t end, uint32_t entry, uint32_t kind,
                      uint32_t action);

#endif
