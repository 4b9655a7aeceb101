/*
 * dsrow.h — the base of the dataset part (dsrow.c): SQL helpers on the writer connection, random
 * ids, names, a dataset's row (ds_load) and the one-transaction wrapper (ds_in_txn). Depends on no
 * other file of src/core/dataset/. The files above it: file.c -> label.c -> sample.c -> dsversion.c
 * -> dataset.c (each may use the ones before it, never after). Every function here runs with the
 * store lock held, on the writer connection; functions that write need an open transaction.
 */
#ifndef AV_DSROW_H
#define AV_DSROW_H

#include <sqlite3.h>
#include "annovec_dataset.h"
#include "core/store/store.h"
#include "lib/util.h"

/* A prepared statement on the writer connection, with ?1.. bound to the given strings (NULL binds
 * NULL). Returns NULL after setting err when SQL fails. */
sqlite3_stmt *ds_query(av_store *st, av_err *err, const char *sql, int n, ...);
/* Runs sqlite3_mprintf-formatted SQL that returns no rows. */
int ds_exec(av_store *st, av_err *err, const char *fmt, ...);
/* First column of the first row as int64 (0 when there is none). */
int64_t ds_scalar(av_store *st, const char *sql, int n, ...);
/* o[k] = v as a JSON integer. */
void ds_add_int(json_object *o, const char *k, int64_t v);
/* A JSON value as compact text for a TEXT column ("{}" for NULL); json-c's buffer, valid while o is
 * unchanged. */
const char *ds_json_text(json_object *o);
/* Sets err->index (the batch item a failure is about) and returns rc. */
int ds_at(av_err *err, int64_t index, int rc);

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
    char label_sep[AV_DS_SEP_MAX + 1], sample_sep[AV_DS_SEP_MAX + 1];   /* text datasets */
} ds_row;

/* Loads a dataset of the project: AV_ENOTFOUND (entity DATASET) when absent. */
int ds_load(av_store *st, const char *project, const char *id, ds_row *out, av_err *err);
/* 1 when the dataset has a version of that id. */
int ds_has_version(av_store *st, const char *ds, const char *version);
/* AV_ENOTFOUND (entity VERSION, name version, scope ds). */
int ds_no_version(av_err *err, const char *ds, const char *version);
/* Runs fn(st, project, ds, arg, err) inside one transaction under the store lock, on a loaded dataset
 * (its updated_ms bumped). When fn may delete (deletes = 1) the purge thread is woken after the commit. */
typedef int (*ds_txn_fn)(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err);
int ds_in_txn(av_store *st, const char *project, const char *id, ds_txn_fn fn, void *arg, int deletes, av_err *err);
int ds_is_text(int dataset_type);
/* sample_type for a file name's extension (0 image, 1 text, 2 audio, 6 video, 9 other). */
int ds_sample_type(const char *name);

#endif
