/* Policies (shai.h, "scenes"): what each category of a db does in a check,
 * a scan or a mask, as the scanner reads it (shi_scanner.scene). */
#ifndef SHAI_POLICY_H
#define SHAI_POLICY_H

#include "common/db.h"

struct shai_policy {
    const shai_db *db;    /* the db it was made for */
    uint32_t ncategories; /* of that db */
    uint32_t keeps_all;   /* every category SHAI_SCENE_KEEP: the same as no policy */
    /* per category, then per variant kind (SHI_VKINDS, shi_variant_action):
     * SHAI_SCENE_OFF, SHAI_ACTION_*, SHAI_SCENE_KEEP */
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

#endif
