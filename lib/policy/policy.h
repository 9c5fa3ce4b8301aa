/* Policies (shai.h, "scenes"): what each category of a db does in a check,
 * a scan or a mask, as the scanner reads it (shi_scanner.scene). */
#ifndef SHAI_POLICY_H
#define SHAI_POLICY_H

#include "common/db.h"

struct shai_policy {
    const shai_db *db;    /* the db it was made for */
    uint32_t ncategories; /* of that db */
    uint32_t keeps_all;   /* every category SHAI_SCENE_KEEP: the scan is as without a policy */
    uint32_t nscorers;    /* of that db */
    /* per category, then per variant kind (SHI_VKINDS, shi_variant_action):
     * SHAI_SCENE_OFF, SHAI_ACTION_*, SHAI_SCENE_KEEP; then per scorer
     * (shi_policy_scorers): SHAI_SCENE_OFF or SHAI_ACTION_* */
    uint8_t actions[];
};

/* Whether `policy` (NULL: none) may be used with db; *scene receives what
 * the scanner reads: NULL when the policy changes nothing. */
static inline int shi_policy_scene(const shai_db *db, const shai_policy *policy,
                                   const uint8_t **scene)
{
    *scene = NULL;
    if (!policy)
        return 1;
    if (policy->db != db)
        return 0;
    if (!policy->keeps_all)
        *scene = policy->actions;
    return 1;
}

/* The policy's action per scorer (nscorers of them). */
static inline const uint8_t *shi_policy_scorers(const shai_policy *policy)
{
    return policy->actions + policy->ncategories + SHI_VKINDS;
}

/* The verdict a check of text[0..len) gets from the scorers the policy
 * turns on (SHAI_ACTION_PASS with none). */
uint32_t shi_policy_score_verdict(const shai_policy *policy, const char *text, size_t len);

#endif
