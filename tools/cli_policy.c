/* The policy options of the commands that check text: --scene,
 * --category, --exclude-category (cli.h, "policy"). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static bool find_category(const char *cmd, const shai_db *db, const char *name, uint32_t *id)
{
    uint32_t n = shai_db_category_count(db);
    for (uint32_t i = 0; i < n; i++) {
        const char *c = NULL;
        if (shai_db_category_name(db, i, &c) == SHAI_OK && c && strcmp(c, name) == 0) {
            *id = i;
            return true;
        }
    }
    cli_usage_error(cmd, "no category '%s' in the db", name);
    return false;
}

int cli_make_policy(const char *cmd, const shai_db *db, const struct cli_policy_options *o,
                    shai_policy **out)
{
    shai_policy *p = NULL;
    uint32_t id;
    int rc;

    *out = NULL;
    if (!o->scene && !o->n_only && !o->n_exclude)
        return CLI_EXIT_CLEAN;
    rc = shai_policy_new(db, &p);
    if (rc != SHAI_OK) {
        cli_error("%s", shai_status_message(rc));
        return CLI_EXIT_ERROR;
    }
    if (o->scene) {
        rc = shai_db_scene(db, o->scene, strlen(o->scene), &id);
        if (rc == SHAI_OK)
            rc = shai_policy_set_scene(p, id);
        if (rc != SHAI_OK) {
            char list[1024] = "";
            size_t at = 0;
            uint32_t n = shai_db_scene_count(db);
            for (uint32_t i = 0; i < n && at < sizeof list; i++) {
                const char *name = NULL;
                if (shai_db_scene_name(db, i, &name) == SHAI_OK)
                    at +=
                        (size_t)snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", name);
            }
            cli_usage_error(cmd, "no scene '%s' in the db (%s%s)", o->scene,
                            n ? "scenes: " : "it has no scenes", list);
            shai_policy_free(p);
            return CLI_EXIT_ERROR;
        }
    }
    if (o->n_only) {
        /* only these, each as the scene (or its entries) says */
        uint32_t ncat = shai_db_category_count(db);
        unsigned char *keep = calloc((size_t)ncat + 1, 1);
        if (!keep) {
            cli_error("out of memory");
            shai_policy_free(p);
            return CLI_EXIT_ERROR;
        }
        for (size_t i = 0; i < o->n_only; i++) {
            if (!find_category(cmd, db, o->only[i], &id)) {
                free(keep);
                shai_policy_free(p);
                return CLI_EXIT_ERROR;
            }
            keep[id] = 1;
        }
        for (uint32_t c = 0; c < ncat; c++) {
            uint32_t action = SHAI_SCENE_KEEP;
            shai_policy_category(p, c, &action);
            if (!keep[c])
                shai_policy_set_category(p, c, SHAI_SCENE_OFF);
            else if (action == SHAI_SCENE_OFF) /* named: it counts, even if the scene drops it */
                shai_policy_set_category(p, c, SHAI_SCENE_KEEP);
        }
        free(keep);
    }
    for (size_t i = 0; i < o->n_exclude; i++) {
        if (!find_category(cmd, db, o->exclude[i], &id)) {
            shai_policy_free(p);
            return CLI_EXIT_ERROR;
        }
        shai_policy_set_category(p, id, SHAI_SCENE_OFF);
    }
    *out = p;
    return CLI_EXIT_CLEAN;
}
