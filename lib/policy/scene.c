/* Scenes of a db and policies made from them (shai.h, "scenes"). A policy
 * is a byte per category that the scanner consults for each deny hit
 * (shi_scene_action): off hits are dropped where they are found, before
 * leftmost-longest selection, so that they hide nothing. */
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "scan/scanner.h"

uint32_t shai_db_scene_count(const shai_db *db)
{
    return db ? db->nscenes : 0;
}

int shai_db_scene_name(const shai_db *db, uint32_t id, const char **name)
{
    if (!db || !name)
        return SHAI_E_INVALID_ARG;
    if (id >= db->nscenes)
        return SHAI_E_OUT_OF_RANGE;
    *name = db->strings + db->scenes[id];
    return SHAI_OK;
}

int shai_db_scene(const shai_db *db, const char *name, size_t len, uint32_t *id)
{
    if (!db || !id || (!name && len))
        return SHAI_E_INVALID_ARG;
    for (uint32_t i = 0; i < db->nscenes; i++) {
        const char *s = db->strings + db->scenes[i];
        if (strlen(s) == len && (len == 0 || memcmp(s, name, len) == 0)) {
            *id = i;
            return SHAI_OK;
        }
    }
    return SHAI_E_NOT_FOUND;
}

int shai_db_scene_action(const shai_db *db, uint32_t scene, uint32_t category, uint32_t *action)
{
    if (!db || !action)
        return SHAI_E_INVALID_ARG;
    if (scene >= db->nscenes || category >= db->ncategories)
        return SHAI_E_OUT_OF_RANGE;
    *action = db->scene_actions[(size_t)scene * db->ncategories + category];
    return SHAI_OK;
}

/* What variant kinds do without a scene: a variant hit is review (a person
 * looks: 再见 written zaijian is not 再奸), a vertical one keeps. */
static void default_variants(uint8_t *v)
{
    memset(v, SHAI_ACTION_REVIEW, SHI_VKINDS);
    v[SHAI_VARIANT_NONE] = SHAI_SCENE_KEEP;
    v[SHAI_VARIANT_VERTICAL] = SHAI_SCENE_KEEP;
}

static void update_keeps_all(shai_policy *p)
{
    p->keeps_all = 1;
    for (uint32_t i = 0; i < p->ncategories; i++)
        if (p->actions[i] != SHAI_SCENE_KEEP)
            p->keeps_all = 0;
    uint8_t v[SHI_VKINDS];
    default_variants(v);
    if (memcmp(v, p->actions + p->ncategories, SHI_VKINDS) != 0)
        p->keeps_all = 0;
}

int shai_policy_new(const shai_db *db, shai_policy **out)
{
    if (out)
        *out = NULL;
    if (!db || !out)
        return SHAI_E_INVALID_ARG;
    shai_policy *p = malloc(sizeof *p + db->ncategories + SHI_VKINDS + db->nscorers);
    if (!p)
        return SHAI_E_NOMEM;
    p->db = db;
    p->ncategories = db->ncategories;
    p->nscorers = db->nscorers;
    memset(p->actions, SHAI_SCENE_KEEP, db->ncategories);
    default_variants(p->actions + db->ncategories);
    memset(p->actions + db->ncategories + SHI_VKINDS, SHAI_SCENE_OFF, db->nscorers);
    p->keeps_all = 1;
    *out = p;
    return SHAI_OK;
}

void shai_policy_free(shai_policy *policy)
{
    free(policy);
}

int shai_policy_set_scene(shai_policy *policy, uint32_t scene)
{
    if (!policy)
        return SHAI_E_INVALID_ARG;
    const shai_db *db = policy->db;
    if (scene >= db->nscenes)
        return SHAI_E_OUT_OF_RANGE;
    if (policy->ncategories)
        memcpy(policy->actions, db->scene_actions + (size_t)scene * db->ncategories,
               policy->ncategories);
    memcpy(policy->actions + policy->ncategories, db->scene_variants + (size_t)scene * SHI_VKINDS,
           SHI_VKINDS);
    if (policy->nscorers)
        memcpy(policy->actions + policy->ncategories + SHI_VKINDS,
               db->scene_scores + (size_t)scene * policy->nscorers, policy->nscorers);
    update_keeps_all(policy);
    return SHAI_OK;
}

int shai_policy_set_category(shai_policy *policy, uint32_t category, uint32_t action)
{
    if (!policy || action > SHAI_SCENE_KEEP)
        return SHAI_E_INVALID_ARG;
    if (category == SHAI_ALL_CATEGORIES) {
        memset(policy->actions, (int)action, policy->ncategories);
    } else {
        if (category >= policy->ncategories)
            return SHAI_E_OUT_OF_RANGE;
        policy->actions[category] = (uint8_t)action;
    }
    update_keeps_all(policy);
    return SHAI_OK;
}

int shai_policy_set_variant(shai_policy *policy, uint32_t kind, uint32_t action)
{
    if (!policy || action > SHAI_SCENE_KEEP)
        return SHAI_E_INVALID_ARG;
    if (kind < 1 || kind > SHAI_VARIANT_MAX)
        return SHAI_E_OUT_OF_RANGE;
    policy->actions[policy->ncategories + kind] = (uint8_t)action;
    update_keeps_all(policy);
    return SHAI_OK;
}

int shai_policy_set_scorer(shai_policy *policy, uint32_t scorer, uint32_t action)
{
    if (!policy || action > SHAI_ACTION_BLOCK)
        return SHAI_E_INVALID_ARG;
    if (scorer >= policy->nscorers)
        return SHAI_E_OUT_OF_RANGE;
    policy->actions[policy->ncategories + SHI_VKINDS + scorer] = (uint8_t)action;
    return SHAI_OK;
}

int shai_policy_scorer(const shai_policy *policy, uint32_t scorer, uint32_t *action)
{
    if (!policy || !action)
        return SHAI_E_INVALID_ARG;
    if (scorer >= policy->nscorers)
        return SHAI_E_OUT_OF_RANGE;
    *action = shi_policy_scorers(policy)[scorer];
    return SHAI_OK;
}

uint32_t shi_policy_score_verdict(const shai_policy *policy, const char *text, size_t len)
{
    uint32_t verdict = SHAI_ACTION_PASS;
    const uint8_t *acts = shi_policy_scorers(policy);
    for (uint32_t i = 0; i < policy->nscorers; i++) {
        int flagged = 0;
        if (acts[i] > verdict && shai_score(policy->db, i, text, len, NULL, &flagged) == SHAI_OK &&
            flagged)
            verdict = acts[i];
    }
    return verdict;
}

int shai_policy_category(const shai_policy *policy, uint32_t category, uint32_t *action)
{
    if (!policy || !action)
        return SHAI_E_INVALID_ARG;
    if (category >= policy->ncategories)
        return SHAI_E_OUT_OF_RANGE;
    *action = policy->actions[category];
    return SHAI_OK;
}

int shai_scan_policy(const shai_db *db, const shai_policy *policy, shai_scratch *scratch,
                     const char *text, size_t len, uint32_t flags, shai_hit_fn fn, void *user)
{
    const uint8_t *scene;
    if (!db || !fn || (!text && len) || (flags & ~SHI_SCAN_FLAGS) ||
        !shi_policy_scene(db, policy, &scene))
        return SHAI_E_INVALID_ARG;
    shi_scanner local, *sc = &local;
    if (scratch) {
        if (!(sc = shi_scratch_take(scratch)))
            return SHAI_E_STATE;
    } else {
        shi_scanner_init(sc);
    }
    shi_scanner_start(sc, db, flags, fn, user);
    sc->scene = scene;
    shi_scanner_feed(sc, (const unsigned char *)text, len, 1);
    shi_scanner_finish(sc);
    int rc = shi_scanner_status(sc);
    if (scratch)
        shi_scratch_put(scratch);
    else
        shi_scanner_release(sc);
    return rc;
}

int shai_stream_open_policy(const shai_db *db, const shai_policy *policy, uint32_t flags,
                            shai_hit_fn fn, void *user, shai_stream **out)
{
    const uint8_t *scene;
    if (out)
        *out = NULL;
    if (!db || !fn || !out || (flags & ~SHI_SCAN_FLAGS) || !shi_policy_scene(db, policy, &scene))
        return SHAI_E_INVALID_ARG;
    return shi_stream_open(db, scene, flags, fn, user, out);
}
