/* What a builder tells about what it read: its scenes and declared
 * categories, where each entry came from, every addition as written, the
 * paths read, the lines skipped, and its last error. */

#include "build/builder.h"

uint32_t shai_builder_scene_count(const shai_builder *b)
{
    return b ? b->nscenes : 0;
}

int shai_builder_scene(const shai_builder *b, uint32_t index, const char **name, const char **file,
                       uint32_t *line, uint32_t *ncategories)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    if (index >= b->nscenes)
        return SHAI_E_OUT_OF_RANGE;
    const shi_bscene *s = &b->scenes[index];
    if (name)
        *name = s->name;
    if (file)
        *file = b->files[s->file];
    if (line)
        *line = s->line;
    if (ncategories)
        *ncategories = s->n;
    return SHAI_OK;
}

int shai_builder_scene_category(const shai_builder *b, uint32_t scene, uint32_t index,
                                const char **category, uint32_t *action, uint32_t *line)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    if (scene >= b->nscenes || index >= b->scenes[scene].n)
        return SHAI_E_OUT_OF_RANGE;
    const shi_bscene *s = &b->scenes[scene];
    if (category)
        *category = s->categories[index];
    if (action)
        *action = s->actions[index];
    if (line)
        *line = s->lines[index];
    return SHAI_OK;
}

uint32_t shai_builder_declared_category_count(const shai_builder *b)
{
    return b ? b->ndecls : 0;
}

int shai_builder_declared_category(const shai_builder *b, uint32_t index, const char **name,
                                   const char **file, uint32_t *line)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    if (index >= b->ndecls)
        return SHAI_E_OUT_OF_RANGE;
    if (name)
        *name = b->decls[index].name;
    if (file)
        *file = b->files[b->decls[index].file];
    if (line)
        *line = b->decls[index].line;
    return SHAI_OK;
}

int shai_builder_scene_scorer(const shai_builder *b, uint32_t scene, uint32_t index,
                              const char **scorer, uint32_t *action, uint32_t *line)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    if (scene >= b->nscenes || index >= b->scenes[scene].nscores)
        return SHAI_E_OUT_OF_RANGE;
    const shi_bscene *s = &b->scenes[scene];
    if (scorer)
        *scorer = s->scores[index];
    if (action)
        *action = s->score_actions[index];
    if (line)
        *line = s->score_lines[index];
    return SHAI_OK;
}

uint32_t shai_builder_scorer_count(const shai_builder *b)
{
    return b ? b->nscorers : 0;
}

int shai_builder_scorer(const shai_builder *b, uint32_t index, const char **name, const char **file,
                        uint32_t *line)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    if (index >= b->nscorers)
        return SHAI_E_OUT_OF_RANGE;
    if (name)
        *name = b->scorers[index].name;
    if (file)
        *file = b->files[b->scorers[index].file];
    if (line)
        *line = b->scorers[index].line;
    return SHAI_OK;
}

uint32_t shai_builder_entry_count(const shai_builder *b)
{
    return b ? b->nentries : 0;
}

int shai_builder_entry_source(const shai_builder *b, uint32_t index, const char **file,
                              uint32_t *line)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    if (index >= b->nentries)
        return SHAI_E_OUT_OF_RANGE;
    return shai_builder_addition(b, b->entries[index].addition, NULL, file, line, NULL, NULL);
}

uint32_t shai_builder_addition_count(const shai_builder *b)
{
    return b ? b->nadditions : 0;
}

int shai_builder_addition(const shai_builder *b, uint32_t index, uint32_t *entry, const char **file,
                          uint32_t *line, const char **category, uint32_t *action)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    if (index >= b->nadditions)
        return SHAI_E_OUT_OF_RANGE;
    const shi_addition *a = &b->additions[index];
    if (entry)
        *entry = a->entry;
    if (file)
        *file = a->file == SHI_NO_SOURCE ? NULL : b->files[a->file];
    if (line)
        *line = a->file == SHI_NO_SOURCE ? 0 : a->line;
    if (category)
        *category = (a->in_names ? b->names : b->pool) + a->category;
    if (action)
        *action = a->action;
    return SHAI_OK;
}

uint32_t shai_builder_path_count(const shai_builder *b)
{
    return b ? b->npaths : 0;
}

int shai_builder_path(const shai_builder *b, uint32_t index, const char **path, uint32_t *kind)
{
    if (!b || !path)
        return SHAI_E_INVALID_ARG;
    if (index >= b->npaths)
        return SHAI_E_OUT_OF_RANGE;
    *path = b->paths[index].name;
    if (kind)
        *kind = b->paths[index].kind;
    return SHAI_OK;
}

const char *shai_builder_error_message(const shai_builder *b)
{
    return b ? b->error_message : "";
}

const char *shai_builder_error_file(const shai_builder *b)
{
    return b ? b->error_file : "";
}

uint32_t shai_builder_error_line(const shai_builder *b)
{
    return b ? b->error_line : 0;
}

uint32_t shai_builder_error_column(const shai_builder *b)
{
    return b ? b->error_column : 0;
}

int32_t shai_builder_error_errno(const shai_builder *b)
{
    return b ? b->error_os : 0;
}

uint32_t shai_builder_skipped_count(const shai_builder *b)
{
    return b ? b->nskipped : 0;
}

int shai_builder_skipped(const shai_builder *b, uint32_t index, const char **file, uint32_t *line,
                         uint32_t *column, const char **message)
{
    if (!b)
        return SHAI_E_INVALID_ARG;
    if (index >= b->nskipped)
        return SHAI_E_OUT_OF_RANGE;
    const shi_skip *s = &b->skipped[index];
    if (file)
        *file = b->files[s->file];
    if (line)
        *line = s->line;
    if (column)
        *column = s->column;
    if (message)
        *message = s->message;
    return SHAI_OK;
}
