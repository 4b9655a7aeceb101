/*
 * sample.h — what sample.c offers the files above it (dsversion.c, dataset.c): inserting a sample row,
 * importing a file of the namespace, deleting one sample under the source rule, and a sample row's
 * document. Uses dsrow.h, file.h, label.h. Caller holds the store lock inside a transaction.
 */
#ifndef AV_DS_SAMPLE_H
#define AV_DS_SAMPLE_H

#include "core/dataset/dsrow.h"

/* One sample row to insert; labels are already normalised (label_normalize's form). */
typedef struct sample_row {
    const char *name, *dir;
    int type;
    const char *path;          /* file samples, else NULL */
    int64_t size;
    const char *text;          /* text samples, else NULL */
    json_object *labels;       /* or NULL */
    json_object *metadata;     /* or NULL */
    int origin;                /* AV_ORIGIN_* */
} sample_row;
/* Inserts one sample; AV_EEXIST (entity SAMPLE, reason DUPLICATE) when the dataset already has a
 * sample of that path. id_out may be NULL. */
int sample_insert(av_store *st, const char *project, const ds_row *ds, const sample_row *row, char id_out[33], av_err *err);
/* Imports a file of the namespace as samples (text datasets: one per line, .txt and .csv only).
 * origin is that of file samples (AV_ORIGIN_ADDED or _IMPORTED). *count = samples added. */
int sample_import_file(av_store *st, const char *project, const ds_row *ds, const char *path, int origin,
                       int64_t *count, av_err *err);
/* Deletes one sample row (counted in dataset.deleted_samples); with delete_source, applies the source
 * rule and sets *kept (caller frees; kept may be NULL) to the path when the source had to stay.
 * AV_ENOTFOUND (entity SAMPLE). */
int sample_delete_one(av_store *st, const char *project, const ds_row *ds, const char *id, int delete_source,
                      char **kept, av_err *err);
/* Sample row (SELECT of SAMPLE_COLUMNS) to document. */
#define SAMPLE_COLUMNS "id, name, dir, path, type, size, text, labels, metadata, status, usage, created_ms, updated_ms, origin"
#define SAMPLE_NCOLUMNS 14
json_object *sample_doc(sqlite3_stmt *q);

#endif
