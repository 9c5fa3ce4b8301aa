/* shai_check over many texts in one call (for bindings: one crossing of
 * the foreign-function boundary per batch). Each text is an ordinary
 * shai_check (or shai_check_with) into what is left of the caller's hit
 * array. */
#include "policy/policy.h"

static int batch(const shai_db *db, const shai_policy *policy, shai_scratch *scratch,
                 const char *const *texts, const size_t *lens, size_t n, uint32_t flags,
                 uint32_t *verdicts, int32_t *statuses, shai_hit *hits, size_t hits_cap,
                 size_t *hit_offsets)
{
    const uint8_t *scene;
    if (!db || (n && (!texts || !lens || !verdicts)) || !hit_offsets || (!hits && hits_cap) ||
        (flags & ~(uint32_t)(SHAI_SCAN_OVERLAPPING | SHAI_SCAN_VIOLATIONS)) ||
        !shi_policy_scene(db, policy, &scene))
        return SHAI_E_INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if (!texts[i] && lens[i])
            return SHAI_E_INVALID_ARG;
    int first_error = SHAI_OK;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t room = total < hits_cap ? hits_cap - total : 0, count = 0;
        hit_offsets[i] = total;
        const char *text = texts[i] ? texts[i] : "";
        shai_hit *at = room ? hits + total : NULL;
        int rc = shai_check_policy(db, policy, scratch, text, lens[i], flags, &verdicts[i], at,
                                   room, &count);
        if (rc == SHAI_E_STATE && scratch)
            return rc; /* the scratch is in use: nothing was checked */
        if (rc == SHAI_E_BUFFER_TOO_SMALL)
            rc = SHAI_OK; /* the batch reports it, for all texts at once */
        if (statuses)
            statuses[i] = rc;
        if (rc != SHAI_OK && first_error == SHAI_OK)
            first_error = rc;
        total += count;
    }
    hit_offsets[n] = total;
    if (first_error != SHAI_OK)
        return first_error;
    return total > hits_cap ? SHAI_E_BUFFER_TOO_SMALL : SHAI_OK;
}

int shai_check_batch(const shai_db *db, const char *const *texts, const size_t *lens, size_t n,
                     uint32_t flags, uint32_t *verdicts, int32_t *statuses, shai_hit *hits,
                     size_t hits_cap, size_t *hit_offsets)
{
    return batch(db, NULL, NULL, texts, lens, n, flags, verdicts, statuses, hits, hits_cap,
                 hit_offsets);
}

int shai_check_batch_with(const shai_db *db, shai_scratch *scratch, const char *const *texts,
                          const size_t *lens, size_t n, uint32_t flags, uint32_t *verdicts,
                          int32_t *statuses, shai_hit *hits, size_t hits_cap, size_t *hit_offsets)
{
    if (!scratch)
        return SHAI_E_INVALID_ARG;
    return batch(db, NULL, scratch, texts, lens, n, flags, verdicts, statuses, hits, hits_cap,
                 hit_offsets);
}

int shai_check_batch_policy(const shai_db *db, const shai_policy *policy, shai_scratch *scratch,
                            const char *const *texts, const size_t *lens, size_t n, uint32_t flags,
                            uint32_t *verdicts, int32_t *statuses, shai_hit *hits, size_t hits_cap,
                            size_t *hit_offsets)
{
    return batch(db, policy, scratch, texts, lens, n, flags, verdicts, statuses, hits, hits_cap,
                 hit_offsets);
}
