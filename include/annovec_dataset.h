/*
 * annovec_dataset.h — the engine's datasets: samples (files or text lines) with labels, immutable
 * versions, and the per-project file namespace they come from. The conventions of annovec.h hold
 * (status codes, borrowed inputs, caller-owned outputs, json-c as the document model). Inputs are
 * plain structs; output documents are json-c objects with the engine's own key names (a dialect
 * renames them for its wire). The engine knows no wire protocol: a dialect keeps its own fields in
 * the `extra` object of a dataset or version and in a sample's metadata, which the engine stores as
 * given and never reads.
 *
 * Model:
 *  - A project owns a file namespace of OBS-like paths ("/bucket/dir/file.jpg"). A path names an
 *    object of the content-addressed store (identical bytes are stored once).
 *  - A dataset (19-char id) owns labels, samples (32-hex ids) and versions (19-char ids). A file
 *    sample refers to a path; a text sample carries its line.
 *  - References to a path are counted from samples of every dataset of the project and from versions
 *    (their frozen samples and their manifest). Deleting a sample with delete_source removes the path
 *    (and, when no other path holds the same bytes, erases the object) only when nothing else refers
 *    to it; otherwise the path is marked and removed when its last reference goes.
 *  - Every write is one SQLite transaction under the store lock: it is all or nothing and visible
 *    to every read once it returns.
 *
 * Failures say what they are about (annovec.h): err->entity (AV_ENT_DATASET, _VERSION, _SAMPLE,
 * _LABEL, _FILE), err->reason where the code is not enough (AV_R_DUPLICATE: a sample of that path is
 * already in the dataset; AV_R_IN_USE: other bytes at a path something refers to; AV_R_MISSING: a
 * required input is absent), err->name (the id, name or path concerned), err->scope (the dataset id,
 * or the project for a dataset) and err->index (the item of a batch). A dialect picks its wire code
 * from (code, entity, reason) and words the message from name; err->msg is neutral English.
 */
#ifndef ANNOVEC_DATASET_H
#define ANNOVEC_DATASET_H

#include "annovec.h"

#define AV_DS_NAME_MAX       100          /* dataset names: [A-Za-z0-9_-]{1,100} */
#define AV_DS_VERSION_NAME_MAX 32         /* version names: [A-Za-z0-9_-]{1,32} */
#define AV_DS_DESC_MAX       256          /* descriptions of datasets and versions */
#define AV_DS_PATH_MAX       1024         /* file paths */
#define AV_DS_SEP_MAX        7            /* bytes of a text dataset's separators */
#define AV_DS_LABEL_MAX      1024         /* labels of one call; label names up to 1024 bytes */
#define AV_DS_SAMPLE_BYTES   12582912     /* one sample's bytes */
#define AV_DS_FILE_BYTES     (64u << 20)  /* one file of the namespace (a version's manifest may be large) */
#define AV_DS_BATCH_MAX      1000         /* samples in one add/update/delete */
#define AV_DS_LINES_MAX      100000       /* text samples made from one imported file */

/* Dataset types the engine acts on: 100-102 are text datasets (samples are the lines of .txt and
 * .csv files: "text<sample_sep>label<label_sep>label"); every other type holds file samples. */
#define AV_DS_TEXT_FIRST     100
#define AV_DS_TEXT_LAST      102

/* A label as given to the engine: a dataset's label definition, or a label on a sample. */
typedef struct av_label_def {
    const char *name;          /* 1 to AV_DS_LABEL_MAX bytes */
    int type;                  /* < 0: the dataset's default (creating), unchanged (updating) */
    json_object *property;     /* a JSON object, or NULL: {} (creating), unchanged (updating) */
    int has_score;             /* on a sample: a confidence score comes with it */
    double score;
} av_label_def;

/* ---- datasets --------------------------------------------------------------------------------- */
typedef struct av_dataset_spec {
    const char *name;          /* [A-Za-z0-9_-]{1,AV_DS_NAME_MAX}, unique in the project */
    int type;                  /* 0 or more; see AV_DS_TEXT_FIRST */
    const char *description;   /* up to AV_DS_DESC_MAX bytes; NULL: "" */
    const char *data_path;     /* input directory "/bucket/dir/" whose files are imported, or NULL */
    const char *work_path;     /* output directory, not the input one nor inside it, or NULL */
    const char *label_sep;     /* text datasets: 1 to AV_DS_SEP_MAX bytes; NULL: "," (each byte separates) */
    const char *sample_sep;    /* text datasets: 1 to AV_DS_SEP_MAX bytes; NULL: "\t" */
    const av_label_def *labels;
    int nlabels;
    json_object *extra;        /* a JSON object stored as given and returned as "extra", or NULL */
} av_dataset_spec;

/* Creates a dataset and imports the files already under data_path as samples (text datasets: the
 * .txt and .csv files, line by line). */
int av_dataset_create(av_store *st, const char *project, const av_dataset_spec *spec, char id_out[20], av_err *err);
/* The dataset document: id, name, type, description, data_path, work_path ("" when none), label_sep,
 * sample_sep, extra, created_ms, updated_ms, labels[], sample counts (total, annotated, unannotated,
 * auto, deleted), versions (version_count, current_version_id/_name, next_version_num). */
int av_dataset_get(av_store *st, const char *project, const char *id, json_object **out, av_err *err);
/* Datasets of a project, newest first unless by_name; search matches names containing it; type < 0
 * for any. Fills *out with [offset, offset+limit) and *total with the count before paging. */
int av_dataset_list(av_store *st, const char *project, const char *search, int type, int by_name, int ascending,
                    int offset, int limit, json_object **out, int64_t *total, av_err *err);

/* What av_dataset_update changes, in this order, all in one transaction. NULL/0 members change nothing. */
typedef struct av_dataset_patch {
    const char *name;
    const char *description;
    const char *current_version;            /* a version id of the dataset */
    const av_label_def *add_labels;         /* as av_labels_add */
    int nadd;
    const av_label_def *update_labels;      /* as av_labels_update */
    int nupdate;
    const char *const *delete_labels;       /* names, as av_labels_delete with AV_LABEL_DELETE_ONLY */
    int ndelete;
} av_dataset_patch;
int av_dataset_update(av_store *st, const char *project, const char *id, const av_dataset_patch *patch, av_err *err);
/* Deletes the dataset, its samples, labels and versions; files stay in the namespace (paths marked for
 * deletion whose last reference this was are removed). */
int av_dataset_delete(av_store *st, const char *project, const char *id, av_err *err);
/* {labels:[{name,type,property,count,sample_count}], total, annotated, unannotated, auto, deleted} */
int av_dataset_stats(av_store *st, const char *project, const char *id, json_object **out, av_err *err);

/* ---- labels ----------------------------------------------------------------------------------- */
/* Labels of a dataset ([{name,type,property}]), or of a version when version_id is not NULL. */
int av_labels_list(av_store *st, const char *project, const char *ds, const char *version_id, json_object **out, av_err *err);
/* Adds labels; AV_EEXIST (entity LABEL, index) when a name is taken. All or nothing. */
int av_labels_add(av_store *st, const char *project, const char *ds, const av_label_def *labels, int n, av_err *err);
/* Sets the type and/or property of existing labels (AV_ENOTFOUND entity LABEL for an unknown name). */
int av_labels_update(av_store *st, const char *project, const char *ds, const av_label_def *labels, int n, av_err *err);
/* What deleting a label does to the samples that carry it. */
enum {
    AV_LABEL_DELETE_ONLY = 0,     /* the label only (removed from its samples too) */
    AV_LABEL_DELETE_SAMPLES = 1,  /* also the samples that carry no other label */
    AV_LABEL_DELETE_SOURCES = 2,  /* as 1, and those samples' source files (reference rule as in av_samples_delete) */
};
int av_labels_delete(av_store *st, const char *project, const char *ds, const char *const *names, int n, int policy, av_err *err);

/* ---- samples ---------------------------------------------------------------------------------- */
typedef struct av_sample_in {
    const char *name;          /* file name (data) or NULL (source) */
    int type;                  /* -1: from the extension */
    const void *data;          /* bytes to store at <data_path><name>, or NULL */
    size_t len;
    const char *source;        /* a path already in the namespace, or NULL */
    const av_label_def *labels;
    int nlabels;
    json_object *metadata;     /* a JSON object or NULL: the caller's, stored as given */
} av_sample_in;

/* What happened to one sample of a batch (av_samples_add, av_samples_delete). */
typedef struct av_sample_result {
    int ok;                    /* 1: done; 0: see err (this item only; the others went on) */
    av_err err;
    char *path;                /* add: the path the sample uses (NULL when refused before it was known);
                                * delete: the source path when it had to stay (kept = 1) */
    char id[33];               /* add: the new sample's id; "" for a text file (see count) */
    int64_t count;             /* add: samples made (1, or the lines of a text file) */
    int kept;                  /* delete: the source stays, used by kept_samples samples and kept_versions versions */
    int64_t kept_samples, kept_versions;
} av_sample_result;
/* Frees what results[0..n) hold (not the array). */
void av_sample_results_free(av_sample_result *results, int n);

/* Adds samples, each independently (a failure of one does not stop the others); results has n
 * entries, filled in order. final = 0 marks labels as to-be-confirmed (auto). */
int av_samples_add(av_store *st, const char *project, const char *ds, const av_sample_in *in, int n, int final,
                   av_sample_result *results, av_err *err);

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

/* Where a sample came from (its document's "origin"). */
enum {
    AV_ORIGIN_ADDED = 0,       /* added by a caller (av_samples_add), or stored before origins were kept */
    AV_ORIGIN_IMPORTED = 1,    /* a file the dataset imported from its input path when it was created */
    AV_ORIGIN_TEXT_LINE = 2,   /* a line of a text file (text datasets) */
};

/* Sample documents: {id, name, dir, path, type, size, text?, labels:[{name,type,property,score?,
 * annotated_by ("human"|"auto")}], metadata, status (0 none, 1 manual, 2 auto), usage, origin,
 * created_ms, updated_ms}. */
int av_samples_list(av_store *st, const char *project, const char *ds, const av_sample_query *q,
                    json_object **out, int64_t *total, av_err *err);
int av_sample_get(av_store *st, const char *project, const char *ds, const char *id, json_object **out, av_err *err);

typedef struct av_sample_update {
    const char *id;
    const av_label_def *labels;   /* the sample's labels from now on; none (0) clears them */
    int nlabels;
    json_object *metadata;        /* a JSON object replacing the metadata, or NULL: unchanged */
    const char *usage;            /* TRAIN, EVAL, TEST or INFERENCE, or NULL: unchanged */
} av_sample_update;
/* Updates 1 to AV_DS_BATCH_MAX samples, all or nothing: an unknown id fails the batch (entity SAMPLE,
 * index). */
int av_samples_update(av_store *st, const char *project, const char *ds, const av_sample_update *u, int n, av_err *err);
/* Deletes samples in one transaction; results has n entries, in order. An unknown or repeated id
 * fails alone (AV_ENOTFOUND, entity SAMPLE). delete_source (file samples only): the source path is
 * removed when no other sample of any dataset and no version refers to it; otherwise it is marked,
 * kept, and the result says what still refers to it. *ok is 1 when every id succeeded. */
int av_samples_delete(av_store *st, const char *project, const char *ds, const char *const *ids, int n,
                      int delete_source, av_sample_result *results, int *ok, av_err *err);

/* ---- versions --------------------------------------------------------------------------------- */
typedef struct av_version_spec {
    const char *name;          /* [A-Za-z0-9_-]{1,AV_DS_VERSION_NAME_MAX}; NULL: "V" and its number (V001) */
    const char *description;   /* up to AV_DS_DESC_MAX bytes, or NULL */
    json_object *extra;        /* a JSON object stored as given and returned as "extra", or NULL */
} av_version_spec;
/* Publishes a version: freezes the samples and labels; it becomes the current version. A dialect that
 * writes a manifest renders it from av_version_samples, stores it (av_file_put) and attaches it with
 * av_version_set_manifest. */
int av_version_create(av_store *st, const char *project, const char *ds, const av_version_spec *spec, char id_out[20], av_err *err);
/* Calls fn(arg, doc) for each frozen sample document of a version, in sample order, until fn returns
 * non-zero (returned). fn runs under the store lock: it must not call the engine. */
typedef int (*av_doc_fn)(void *arg, json_object *doc);
int av_version_samples(av_store *st, const char *project, const char *ds, const char *id, av_doc_fn fn, void *arg, av_err *err);
/* Makes the file at path (which must exist) the version's manifest: it counts as a reference while
 * the version exists and goes with the version. A previous manifest of the version is released. */
int av_version_set_manifest(av_store *st, const char *project, const char *ds, const char *id, const char *path, av_err *err);
/* Version document: id, name, num, description, extra, created_ms, previous_version_id, manifest_path
 * ("" until set), total, annotated, added, modified, deleted, labels[], is_current. */
int av_version_get(av_store *st, const char *project, const char *ds, const char *id, json_object **out, av_err *err);
int av_version_list(av_store *st, const char *project, const char *ds, json_object **out, av_err *err);
int av_version_delete(av_store *st, const char *project, const char *ds, const char *id, av_err *err);

/* ---- files ------------------------------------------------------------------------------------ */
/* Reads the file at path (caller frees *data). AV_ENOTFOUND (entity FILE) when absent. */
int av_file_read(av_store *st, const char *project, const char *path, void **data, size_t *n, av_err *err);
/* Puts up to AV_DS_FILE_BYTES at path (creating or, when nothing refers to it, replacing the file). */
int av_file_put(av_store *st, const char *project, const char *path, const void *data, size_t n, av_err *err);
/* Lists the files whose path starts with prefix (any string; "/" lists them all), in path order,
 * after the path `after` (NULL or "": from the start), at most limit (1..AV_DS_LIST_MAX) of them.
 * *out: a new array of {"path", "size", "created_ms", "sample_refs", "version_refs", "doomed"}
 * (refs: samples of any dataset and versions that refer to the path; doomed: it goes with its last
 * reference); *more = 1 when files are left after the last one listed. AV_EINVAL for a prefix that
 * does not start with '/' or holds control characters. */
#define AV_DS_LIST_MAX 1000
int av_file_list(av_store *st, const char *project, const char *prefix, const char *after, int limit,
                 json_object **out, int *more, av_err *err);
/* What av_file_delete did or found. */
typedef struct av_file_refs {
    int removed;               /* 1: the path is gone now (its object erased when nothing else holds it) */
    int64_t sample_refs;       /* samples of any dataset that refer to the path */
    int64_t version_refs;      /* versions (frozen samples, manifests) that refer to it */
} av_file_refs;
/* Deletes the file at path in one transaction. When nothing refers to it the path is removed at
 * once (removed = 1) and its bytes are erased by the purge thread once no other path holds them.
 * When samples or versions refer to it: with when_unused = 0 nothing changes and the call fails with
 * AV_EUNSAFE (entity FILE, reason AV_R_IN_USE, refs filled in); with when_unused = 1 the path is
 * marked and removed with its last reference (removed = 0). AV_EINVAL (entity FILE) for a malformed
 * path, AV_ENOTFOUND (entity FILE) when there is no file there. refs may be NULL. */
int av_file_delete(av_store *st, const char *project, const char *path, int when_unused, av_file_refs *refs, av_err *err);
/* Whether a path is well formed: "/bucket/..." without "..", "//", control characters; dir = 1
 * requires a trailing '/'. */
int av_path_ok(const char *path, int dir);
/* The store's 32-byte secret for signing URLs (created on first use). */
int av_store_secret(av_store *st, unsigned char key[32], av_err *err);

/* ---- annotation jobs -------------------------------------------------------------------------- */
/* A job is a labeling workspace over the image samples of one dataset (job.c): its images ARE the
 * dataset's samples and their tags ARE the samples' labels, never copies. A job either owns its
 * dataset (created with the job over a directory of the file namespace, and deleted with it) or uses
 * an existing one. A job has a 36-character UUID id and a number (num, >= 1, never reused) by which
 * its images are addressed. Failures about a job: entity AV_ENT_JOB, name the id or number. */
#define AV_ENT_JOB           (AV_ENT_CREDENTIAL + 1)   /* av_err.entity: an annotation job */
#define AV_JOB_NAME_MAX      100          /* job names: 1 to 100 bytes, no control characters */

enum {
    AV_JOB_CLASSIFY = 0,       /* image classification: a job over a dataset of type 0 */
    AV_JOB_DETECT = 1,         /* object detection: a job over a dataset of type 1 */
};

typedef struct av_job_spec {
    const char *name;          /* 1 to AV_JOB_NAME_MAX bytes */
    const char *description;   /* up to AV_DS_DESC_MAX bytes; NULL: "" */
    int kind;                  /* AV_JOB_* */
    const char *path;          /* a directory "/bucket/dir/": a new dataset over its files, owned by the job */
    const char *dataset_id;    /* or an existing dataset of the project, of type kind (exactly one of the two) */
} av_job_spec;
/* Creates a job (and, with path, its dataset importing the files under path) in one transaction.
 * AV_EINVAL for a bad spec (entity JOB; entity FILE for a malformed path; reason AV_R_MISSING when
 * neither or both of path and dataset_id are given), AV_ENOTFOUND (entity DATASET) for an unknown
 * dataset_id, AV_EINVAL (entity DATASET) for a dataset of another type, AV_EEXIST (entity JOB) when
 * the dataset already has a job. id_out gets the UUID, *num_out the number (may be NULL). */
int av_job_create(av_store *st, const char *project, const av_job_spec *spec, char id_out[37], int64_t *num_out, av_err *err);
/* The job document: id, num, name, description, kind, dataset_id, owns_dataset, path, pass_rate (null
 * until saved), sync_status (0 never, 1 done, 2 failed), synced_ms, created_ms, updated_ms, and the
 * image counts total, annotated (with a label), unannotated. By id when id is not NULL, else by num.
 * AV_ENOTFOUND (entity JOB) when the project has no such job. */
int av_job_get(av_store *st, const char *project, const char *id, int64_t num, json_object **out, av_err *err);
/* av_job_get without the image counts (no scan of the samples): what a call on the job's images needs. */
int av_job_head(av_store *st, const char *project, const char *id, int64_t num, json_object **out, av_err *err);
/* Jobs of a project, newest first unless by_name; search matches names containing it. Fills *out
 * with [offset, offset+limit) and *total with the count before paging. */
int av_job_list(av_store *st, const char *project, const char *search, int by_name, int ascending, int offset, int limit,
                json_object **out, int64_t *total, av_err *err);
/* Renames a job and, when description is not NULL, sets its description. */
int av_job_update(av_store *st, const char *project, const char *id, const char *name, const char *description, av_err *err);
/* Saves the job's validation pass rate (0 to 1). */
int av_job_set_pass_rate(av_store *st, const char *project, const char *id, double pass_rate, av_err *err);
/* Deletes a job in one transaction: the job and, when it owns its dataset, the dataset with its
 * samples (their labels: the annotation state), labels and versions; the samples' source files follow
 * the reference rule of av_samples_delete with delete_source (a file another dataset or a version
 * outside the job still uses stays, marked). A job over an existing dataset leaves the dataset as it is. */
int av_job_delete(av_store *st, const char *project, const char *id, av_err *err);

typedef struct av_job_sync_result { int64_t added, removed; } av_job_sync_result;
/* Brings the job's dataset in line with its path, in one transaction: files under the path that no
 * sample uses become samples; samples of files under the path that are gone or marked for deletion
 * are deleted (and the marked files with their last reference). Records the outcome in sync_status.
 * AV_EINVAL (entity JOB) for a job whose dataset has no input path. */
int av_job_sync(av_store *st, const char *project, int64_t num, av_job_sync_result *out, av_err *err);
/* Deletes 1 to AV_DS_BATCH_MAX images (sample ids) of a job, all or nothing: every id is checked
 * first, and an empty (AV_EINVAL, reason AV_R_MISSING), repeated (AV_EINVAL, reason AV_R_DUPLICATE)
 * or unknown id (AV_ENOTFOUND, entity SAMPLE) fails the whole call with err->name the id and
 * err->index its position; nothing changes. Otherwise one transaction deletes them as
 * av_samples_delete with delete_source does (the reference rule for their files). */
int av_job_images_delete(av_store *st, const char *project, int64_t num, const char *const *ids, int n, av_err *err);
/* ---- team labeling tasks (workforce.c) --------------------------------------------------------- */
/* A task hands a dataset's samples to teams of workers (given by e-mail, each with a role). It lives
 * in its dataset (and goes with it); creating, starting, updating or deleting one never changes a
 * sample. Failures about a task carry entity AV_ENT_TASK (name: the task id or name, scope: the
 * dataset); a malformed worker or team is AV_EINVAL about the task with err->index the team. */
#define AV_ENT_TASK           40           /* beyond annovec.h's AV_ENT_* (which stay below 32) */
#define AV_TASK_NAME_MAX      64           /* task names: [A-Za-z0-9_-]{1,64}, unique in the dataset */
#define AV_TASK_REPETITION_MAX 100         /* how many workers label each sample */
#define AV_TASK_TEAMS_MAX     100
#define AV_TASK_WORKERS_MAX   1000         /* workers of one team */
#define AV_TASK_EMAIL_MAX     254
#define AV_TASK_LIST_MAX      1000

enum { AV_TASK_CREATED = 0, AV_TASK_RUNNING = 1 };               /* a task's state */
enum { AV_ROLE_LABELER = 0, AV_ROLE_REVIEWER = 1, AV_ROLE_ADMIN = 2, AV_ROLE_OWNER = 3 };

typedef struct av_task_worker {
    const char *email;         /* local@domain, at most AV_TASK_EMAIL_MAX bytes, unique in its team (case-insensitive) */
    int role;                  /* AV_ROLE_* */
} av_task_worker;

typedef struct av_task_team {
    const char *id;            /* the team's id: 1 to 64 of [A-Za-z0-9_-], unique in the task */
    const av_task_worker *workers;
    int nworkers;              /* 1 to AV_TASK_WORKERS_MAX */
} av_task_team;

typedef struct av_task_spec {
    const char *name;          /* required on create; NULL: unchanged (update) */
    const char *description;   /* up to AV_DS_DESC_MAX bytes; NULL: "" (create), unchanged (update) */
    int repetition;            /* 1..AV_TASK_REPETITION_MAX; 0: 1 (create), unchanged (update) */
    const av_task_team *teams; /* 1 to AV_TASK_TEAMS_MAX teams (required on create) */
    int nteams;                /* < 0 or teams NULL: unchanged (update, start) */
    json_object *extra;        /* a JSON object stored as given (update: its members replace the stored ones), or NULL */
} av_task_spec;

/* Creates a task (state AV_TASK_CREATED) on the dataset's samples; records the dataset's current
 * version. AV_EEXIST (entity TASK) for a name taken in the dataset. */
int av_task_create(av_store *st, const char *project, const char *ds, const av_task_spec *spec, char id_out[20], av_err *err);
/* Task document: id, dataset_id, name, description, status (AV_TASK_*), repetition, teams [{id, workers:
 * [{email, role}]}], extra, version_id (null when the dataset had none), created_ms, updated_ms,
 * started_ms (null until started), team_count, worker counts by role (labelers, reviewers, admins,
 * owners), samples {total, unannotated, annotated, auto, deleted} of the dataset now. AV_ENOTFOUND
 * (entity TASK) for an id not in the dataset. */
int av_task_get(av_store *st, const char *project, const char *ds, const char *id, json_object **out, av_err *err);
/* Tasks of a dataset, oldest first: [offset, offset+limit) into *out, the count into *total. */
int av_task_list(av_store *st, const char *project, const char *ds, int offset, int limit, json_object **out, int64_t *total, av_err *err);
/* Changes what spec gives (see av_task_spec); AV_EINVAL when it gives nothing. */
int av_task_update(av_store *st, const char *project, const char *ds, const char *id, const av_task_spec *spec, av_err *err);
/* Starts the task (state AV_TASK_RUNNING), first replacing its teams when nteams >= 0 and teams is
 * not NULL. Starting a running task changes only its teams. */
int av_task_start(av_store *st, const char *project, const char *ds, const char *id, const av_task_team *teams, int nteams, av_err *err);
/* Deletes the task (its samples stay as they are). */
int av_task_delete(av_store *st, const char *project, const char *ds, const char *id, av_err *err);

#endif
