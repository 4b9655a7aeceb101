/*
 * annovec_dataset.h — the engine's datasets: samples (files or text lines) with labels, immutable
 * versions, and the per-project file namespace they come from. The conventions of annovec.h hold
 * (status codes, borrowed inputs, caller-owned outputs, json-c as the document model).
 *
 * Model:
 *  - A project owns a file namespace of OBS-like paths ("/bucket/dir/file.jpg"). A path names an
 *    object of the content-addressed store (identical bytes are stored once).
 *  - A dataset (19-char id) owns labels, samples (32-hex ids) and versions (19-char ids). A file
 *    sample refers to a path; a text sample carries its line.
 *  - References to a path are counted from samples of every dataset of the project and from versions.
 *    Deleting a sample with delete_source removes the path (and, when no other path holds the same
 *    bytes, erases the object) only when nothing else refers to it; otherwise the path is marked and
 *    removed when its last reference goes.
 *  - Every write is one SQLite transaction under the store lock: it is all or nothing and visible
 *    to every read once it returns.
 *
 * Failures set err->entity (AV_ENT_*, annovec.h) to say which thing was missing, existing or too
 * large, so a dialect can pick its error code.
 */
#ifndef ANNOVEC_DATASET_H
#define ANNOVEC_DATASET_H

#include "annovec.h"

#define AV_DS_NAME_MAX       100          /* dataset names: [A-Za-z0-9_-]{1,100} */
#define AV_DS_DESC_MAX       256
#define AV_DS_PATH_MAX       1024         /* file paths */
#define AV_DS_LABEL_MAX      1024         /* labels of one request; label names up to 1024 bytes */
#define AV_DS_SAMPLE_BYTES   12582912     /* one sample's bytes */
#define AV_DS_BATCH_MAX      1000         /* samples in one add/update/delete */
#define AV_DS_LINES_MAX      100000       /* text samples made from one imported file */

/* ---- datasets --------------------------------------------------------------------------------- */
/* spec: {dataset_name, dataset_type, description, data_path, work_path, labels:[{name,type,property}],
 *        label_format:{text_label_separator, text_sample_separator}, extra:{...kept as given}}.
 * Files already under data_path are imported as samples (text files line by line for text types). */
int av_dataset_create(av_store *st, const char *project, json_object *spec, char id_out[20], av_err *err);
/* The dataset document: id, name, type, description, data_path, work_path, label_format, extra,
 * created_ms, updated_ms, labels[], sample counts (total, annotated, unannotated, auto, deleted),
 * versions (count, current_version_id/name, next_version_num). */
int av_dataset_get(av_store *st, const char *project, const char *id, json_object **out, av_err *err);
/* Datasets of a project, newest first unless by_name; search matches names containing it; type < 0
 * for any. Fills *out with [offset, offset+limit) and *total with the count before paging. */
int av_dataset_list(av_store *st, const char *project, const char *search, int type, int by_name, int ascending,
                    int offset, int limit, json_object **out, int64_t *total, av_err *err);
/* patch: {dataset_name?, description?, current_version_id?, add_labels?, update_labels?, delete_labels?} */
int av_dataset_update(av_store *st, const char *project, const char *id, json_object *patch, av_err *err);
/* Deletes the dataset, its samples, labels and versions; files stay in the namespace (paths marked for
 * deletion whose last reference this was are removed). */
int av_dataset_delete(av_store *st, const char *project, const char *id, av_err *err);
/* {labels:[{name,type,property,count,sample_count}], total, annotated, unannotated, auto, deleted} */
int av_dataset_stats(av_store *st, const char *project, const char *id, json_object **out, av_err *err);

/* ---- labels ----------------------------------------------------------------------------------- */
/* Labels of a dataset ([{name,type,property}]), or of a version when version_id is not NULL. */
int av_labels_list(av_store *st, const char *project, const char *ds, const char *version_id, json_object **out, av_err *err);
/* Adds labels; AV_EEXIST (entity LABEL) when a name is taken. labels: [{name,type?,property?}] */
int av_labels_add(av_store *st, const char *project, const char *ds, json_object *labels, av_err *err);
/* Replaces type/property of existing labels (AV_ENOTFOUND entity LABEL for an unknown name). */
int av_labels_update(av_store *st, const char *project, const char *ds, json_object *labels, av_err *err);
/* Deletes labels by name. policy 0: the label only (removed from samples too); 1: also the samples
 * that carry no other label; 2: as 1, and those samples' source files (reference rule as in
 * av_samples_delete). */
int av_labels_delete(av_store *st, const char *project, const char *ds, const char *const *names, int n, int policy, av_err *err);

/* ---- samples ---------------------------------------------------------------------------------- */
typedef struct av_sample_in {
    const char *name;          /* file name (data) or NULL (source) */
    int type;                  /* -1: from the extension */
    const void *data;          /* bytes to store at <data_path><name>, or NULL */
    size_t len;
    const char *source;        /* a path already in the namespace, or NULL */
    json_object *labels;       /* [{name,type?,property?}] or NULL */
    json_object *metadata;     /* object or NULL */
} av_sample_in;

/* Adds samples, each independently (a failure of one does not stop the others). results receives one
 * {success, name, info|error:{entity,code,msg}} per input; info is the new sample id, or for a text
 * file "N samples". final = 0 marks labels as to-be-confirmed (auto). */
int av_samples_add(av_store *st, const char *project, const char *ds, const av_sample_in *in, int n, int final,
                   json_object **results, av_err *err);

typedef struct av_sample_query {
    int offset, limit;
    int state;                 /* -1 any, 0 unlabeled, 1 labeled (manual), 2 to be confirmed (auto), 3 labeled (any), 4 none match */
    int type;                  /* -1 any */
    const char *label_name;    /* NULL: any */
    const char *name;          /* sample name contains (NULL: any) */
    const char *dir;           /* sample dir equals (NULL: any) */
    const char *const *labels; /* label_list names */
    int nlabels, labels_all;   /* labels_all: every label (AND) rather than any (OR) */
    const char *version_id;    /* list a version's frozen samples instead */
} av_sample_query;

/* Sample documents: {id, name, dir, path, type, size, text?, labels, metadata, status (0 none,
 * 1 manual, 2 auto), usage, created_ms, updated_ms}. */
int av_samples_list(av_store *st, const char *project, const char *ds, const av_sample_query *q,
                    json_object **out, int64_t *total, av_err *err);
int av_sample_get(av_store *st, const char *project, const char *ds, const char *id, json_object **out, av_err *err);
/* updates: [{sample_id, labels?, metadata?, sample_usage?}]; absent or empty labels clear them. All or
 * nothing: an unknown id fails the batch (entity SAMPLE). */
int av_samples_update(av_store *st, const char *project, const char *ds, json_object *updates, av_err *err);
/* Deletes samples in one transaction. results: one {success, error?:{entity,code,msg}, info?} per id
 * in order; an unknown or repeated id fails alone. delete_source (file samples only): the source path
 * is removed when no other sample of any dataset and no version refers to it; otherwise it is marked,
 * kept, and info says what still refers to it. *ok is 1 when every id succeeded. */
int av_samples_delete(av_store *st, const char *project, const char *ds, const char *const *ids, int n,
                      int delete_source, json_object **results, int *ok, av_err *err);

/* ---- versions --------------------------------------------------------------------------------- */
/* spec: {version_name?, description?, version_format?, train_evaluate_sample_ratio?}. Freezes the
 * samples and labels and writes a manifest (JSON lines) at
 * <work_path><dataset_name>-<id>/annotation/<version>/<version>.manifest. */
int av_version_create(av_store *st, const char *project, const char *ds, json_object *spec, char id_out[20], av_err *err);
/* Version document: id, name, description, format, ratio, created_ms, previous_version_id,
 * manifest_path, total, annotated, added, modified, deleted, labels[], is_current. */
int av_version_get(av_store *st, const char *project, const char *ds, const char *id, json_object **out, av_err *err);
int av_version_list(av_store *st, const char *project, const char *ds, json_object **out, av_err *err);
int av_version_delete(av_store *st, const char *project, const char *ds, const char *id, av_err *err);

/* ---- files ------------------------------------------------------------------------------------ */
/* Reads the file at path (caller frees *data). AV_ENOTFOUND (entity FILE) when absent. */
int av_file_read(av_store *st, const char *project, const char *path, void **data, size_t *n, av_err *err);
/* Puts bytes at path (creating or, when nothing refers to it, replacing the file). */
int av_file_put(av_store *st, const char *project, const char *path, const void *data, size_t n, av_err *err);
/* Whether a path is well formed: "/bucket/..." without "..", "//", control characters; dir = 1
 * requires a trailing '/'. */
int av_path_ok(const char *path, int dir);
/* The store's 32-byte secret for signing URLs (created on first use). */
int av_store_secret(av_store *st, unsigned char key[32], av_err *err);

#endif
