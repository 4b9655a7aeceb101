/*
 * dataset_internal.h — what the files of the dataset part share: dsrow.c (SQL helpers, the dataset
 * row), label.c (labels), dataset.c (datasets, stats), sample.c (samples), dsversion.c (versions) and
 * file.c (the per-project file namespace). Dependencies point one way: dataset -> version -> sample
 * -> label -> file -> dsrow. Every function here runs with the
 * store lock held, on the writer connection; functions that write need an open transaction.
 */
#ifndef AV_DATASET_INTERNAL_H
#define AV_DATASET_INTERNAL_H

#include <sqlite3.h>
#include "annovec_dataset.h"
#include "core/store/store.h"
#include "lib/util.h"

/* av_fail plus the entity (AV_ENT_*) that was missing, taken or too large. */
int ds_fail(av_err *err, int code, int entity, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A prepared statement on the writer connection, with ?1.. bound to the given strings (NULL binds
 * NULL). Returns NULL after setting err when SQL fails. */
sqlite3_stmt *ds_query(av_store *st, av_err *err, const char *sql, int n, ...);
/* Runs sqlite3_mprintf-formatted SQL that returns no rows. */
int ds_exec(av_store *st, av_err *err, const char *fmt, ...);
/* First column of the first row as int64 (0 when there is none). */
int64_t ds_scalar(av_store *st, const char *sql, int n, ...);

/* A string member of o, or NULL when absent or not a string (o may be NULL). */
const char *ds_str(json_object *o, const char *key);
/* o[k] = v as a JSON integer. */
void ds_add_int(json_object *o, const char *k, int64_t v);

/* 1 when s is 1 to max characters of [A-Za-z0-9_-] (dataset and version names). */
int ds_name_ok(const char *s, size_t max);

/* Random ids: 19 letters and digits (datasets, versions), 32 hex (samples). */
void ds_id19(char out[20]);
void ds_id32(char out[33]);

typedef struct ds_row {
    char id[20];
    char name[AV_DS_NAME_MAX + 1];
    int type;
    char data_path[AV_DS_PATH_MAX + 1];   /* input directory, ends in '/' ("" when none) */
    char work_path[AV_DS_PATH_MAX + 1];
    char label_sep[8], sample_sep[8];     /* text datasets */
} ds_row;

/* Loads a dataset of the project: AV_ENOTFOUND (entity DATASET) when absent. */
int ds_load(av_store *st, const char *project, const char *id, ds_row *out, av_err *err);
/* Runs fn(st, project, ds, arg, err) inside one transaction under the store lock, on a loaded dataset
 * (its updated_ms bumped). When fn may delete (deletes = 1) the purge thread is woken after the commit. */
typedef int (*ds_txn_fn)(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err);
int ds_in_txn(av_store *st, const char *project, const char *id, ds_txn_fn fn, void *arg, int deletes, av_err *err);
int ds_is_text(int dataset_type);
/* sample_type for a file name's extension (0 image, 1 text, 2 audio, 6 video, 9 other). */
int ds_sample_type(const char *name);
/* Makes sure each label named in labels ([{name,type?,property?}]) exists in the dataset. */
int ds_labels_ensure(av_store *st, const ds_row *ds, json_object *labels, av_err *err);
/* ---- labels (label.c) ------------------------------------------------------------------------- */
/* Checks a list of label definitions [{name, type?, property?}] without writing. */
int label_check_list(const ds_row *ds, json_object *labels, av_err *err);
/* Creates the labels of a list (already checked), ignoring names that exist. */
int label_create_list(av_store *st, const ds_row *ds, json_object *labels, av_err *err);
/* The bodies of av_labels_add / _update / _delete, inside the caller's transaction (ds_txn_fn). */
typedef struct labels_del { const char *const *names; int n, policy; } labels_del;
int label_add_txn(av_store *st, const char *project, const ds_row *ds, void *labels, av_err *err);
int label_update_txn(av_store *st, const char *project, const ds_row *ds, void *labels, av_err *err);
int label_delete_txn(av_store *st, const char *project, const ds_row *ds, void *del, av_err *err);
/* The dataset's labels as a new array [{name, type, property}] in creation order (label.c). */
json_object *ds_labels_of(av_store *st, const char *ds);
/* Validates and normalises a list of sample labels into a new array [{name,type,property,annotated_by}]. */
int ds_labels_normalize(const ds_row *ds, json_object *labels, int final, json_object **out, av_err *err);

/* ---- file namespace (file.c) ------------------------------------------------------------------ */
/* Looks up a path: 1 found (sha, size set), 0 absent, <0 error. */
int file_lookup(av_store *st, const char *project, const char *path, char sha[65], int64_t *size);
/* Binds path to the stored object sha (written by objects_write), taking one object reference.
 * A path that exists with other bytes is replaced only when nothing refers to it. */
int file_bind(av_store *st, const char *project, const char *path, const char *sha, int64_t size, av_err *err);
/* Samples (of any dataset) and versions that refer to path, not counting sample `except`. */
int64_t file_sample_refs(av_store *st, const char *project, const char *path, const char *except);
int64_t file_version_refs(av_store *st, const char *project, const char *path);
/* Removes path now if nothing refers to it (1), else marks it to go with its last reference (0). */
int file_delete_or_doom(av_store *st, const char *project, const char *path, av_err *err);
/* Removes every doomed path of the project that nothing refers to any more. */
int file_collect(av_store *st, const char *project, av_err *err);
/* Writes bytes as an object (its hash into sha) and binds them to path; erases the object if the
 * bind fails and nothing else holds it. After rolling back a transaction that stored files, call
 * objects_discard() on their hashes. */
int file_store(av_store *st, const char *project, const char *path, const void *data, size_t n, char sha[65], av_err *err);
/* Paths under a directory prefix (recursive), in path order: a new array of strings. */
json_object *file_list_under(av_store *st, const char *project, const char *dir);

/* ---- samples (sample.c) ----------------------------------------------------------------------- */
/* Inserts one sample row; labels already normalised. Returns AV_EEXIST (entity SAMPLE) when the
 * dataset already has a sample of that path. id_out may be NULL. */
int sample_insert(av_store *st, const char *project, const ds_row *ds, const char *name, const char *dir,
                  int type, const char *path, int64_t size, const char *text, json_object *labels,
                  json_object *metadata, char id_out[33], av_err *err);
/* Imports a file of the namespace as samples (text datasets: one per line). *count = samples added. */
int sample_import_file(av_store *st, const char *project, const ds_row *ds, const char *path, int64_t *count, av_err *err);
/* Deletes one sample row (counted in dataset.deleted_samples); with delete_source, applies the source
 * rule and sets *kept (caller frees; kept may be NULL) to the path when the source had to stay.
 * AV_ENOTFOUND (entity SAMPLE). */
int sample_delete_one(av_store *st, const char *project, const ds_row *ds, const char *id, int delete_source,
                      char **kept, av_err *err);
/* Sample row (SELECT of sample_columns) to document. */
#define SAMPLE_COLUMNS "id, name, dir, path, type, size, text, labels, metadata, status, usage, created_ms, updated_ms"
json_object *sample_doc(sqlite3_stmt *q);

#endif
