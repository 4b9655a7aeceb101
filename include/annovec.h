/*
 * annovec.h — the engine's public API: a durable store of vector collections, embeddable without HTTP.
 *
 * Ownership and conventions (read once, they hold everywhere below):
 *  - Every function that can fail returns an int status: AV_OK (0) or a negative AV_E* code. When an
 *    av_err* is passed (it may be NULL) it receives the code and a message that says what was wrong and
 *    how to fix it; parse errors also carry the byte position (pos >= 0).
 *  - Strings passed in are borrowed for the duration of the call. Strings and arrays handed out are
 *    owned by the caller unless the comment says "borrowed".
 *  - Field values (scalars, JSON, the dynamic field) are json-c objects: the engine uses json-c as its
 *    in-memory document model. Wire formats are the dialects' business; the engine never parses or
 *    renders a request or response body.
 *  - Row documents handed to a visitor are borrowed and read-only: they stay valid only during the
 *    callback (the collection's read lock is held) and must not be modified, ref-counted
 *    (json_object_get) or serialised in place (json_object_to_json_string caches into the object).
 *    Copy what you keep with json_object_deep_copy().
 *  - Thread safety: an av_store and its collections may be used from any number of threads.
 *    Reads take the collection's read lock; writes commit to SQLite and then apply to memory under the
 *    write lock, so a write that has returned is visible to every later read on every thread.
 *  - Out of memory aborts the process (see util.h): no function returns AV_ENOMEM.
 */
#ifndef ANNOVEC_H
#define ANNOVEC_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define AV_VERSION "0.1.0"

#define AV_ERR_NAME_MAX 256   /* bytes of av_err.name and .scope, NUL included */

/* ---- status codes --------------------------------------------------------------------------- */
enum {
    AV_OK = 0,
    AV_EINVAL = -1,        /* malformed or out-of-range argument                              */
    AV_ENOTFOUND = -2,     /* collection (or database, see AV_ENODB) does not exist           */
    AV_EEXIST = -3,        /* name already taken                                              */
    AV_EIO = -4,           /* storage failure (SQLite, file system)                          */
    AV_EFILTER = -5,       /* filter expression does not parse or does not type-check         */
    AV_ETYPE = -6,         /* a value does not match its field's type                        */
    AV_EDIM = -7,          /* vector of the wrong dimension                                  */
    AV_ELIMIT = -8,        /* a bound was exceeded (batch size, name length, nesting, ...)    */
    AV_ENODB = -9,         /* database does not exist                                        */
    AV_EUNSAFE = -10,      /* refused: e.g. a delete whose filter is empty or always true     */
    AV_EFIELD = -11,       /* unknown field, or a required field is missing                  */
    AV_EPK = -12,          /* primary key missing, duplicated in a batch, or of the wrong type */
    AV_EAUTH = -13,        /* credentials missing or wrong                                   */
};

/* What an error is about (av_err.entity): the dialects choose their wire codes from (code, entity,
 * reason) through their own tables, never from the message text. */
enum {
    AV_ENT_NONE = 0,
    AV_ENT_DATASET, AV_ENT_VERSION, AV_ENT_SAMPLE, AV_ENT_LABEL, AV_ENT_FILE,        /* datasets */
    AV_ENT_PROJECT, AV_ENT_DATABASE, AV_ENT_COLLECTION, AV_ENT_FIELD, AV_ENT_VECTOR,  /* vectors  */
    AV_ENT_PK, AV_ENT_ROW, AV_ENT_INDEX, AV_ENT_FILTER, AV_ENT_RECORD,
    AV_ENT_CREDENTIAL,                                                                /* auth     */
};
/* Why, more precisely than the code (av_err.reason). */
enum {
    AV_R_NONE = 0,
    AV_R_MISSING,          /* required but absent (a row without its vector, no token)        */
    AV_R_UNKNOWN,          /* named but not defined (a field not in the schema)               */
    AV_R_EMPTY,            /* present but empty (an empty row object, an empty list)          */
    AV_R_DUPLICATE,        /* given twice in one request                                      */
    AV_R_CHANGED,          /* the handle was retired by a rename, alter or drop: send again   */
    AV_R_EXPIRED,          /* a credential or URL past its expiry                             */
    AV_R_IN_USE,           /* refused because something still refers to it                    */
};

typedef struct av_err {
    int code;              /* one of AV_E*, AV_OK when nothing went wrong                      */
    int pos;               /* byte offset of a parse error, -1 otherwise                       */
    int entity;            /* what the error is about (AV_ENT_*), 0 if n/a                     */
    int reason;            /* AV_R_*, 0 if the code says it all                                */
    int64_t index;         /* the item of a batch it concerns (row, id, sample), -1 if n/a     */
    char name[AV_ERR_NAME_MAX];   /* the entity's name or id ("" if n/a): a dialect formats it */
    char scope[AV_ERR_NAME_MAX];  /* what contains it (a collection's database), "" if n/a     */
    char msg[512];         /* neutral English: what was wrong and how to fix it                */
} av_err;

const char *av_strerror(int code);   /* short static name of a status code */

/* ---- limits ---------------------------------------------------------------------------------- */
#define AV_NAME_MAX        255     /* collection, database, field names: ^[A-Za-z_][A-Za-z0-9_]{0,254}$ */
#define AV_DIM_MAX         32768
#define AV_FIELDS_MAX      64
#define AV_VARCHAR_MAX     65535
#define AV_BATCH_MAX       10000   /* rows per insert/upsert, ids per get/delete (dialects may be tighter) */
#define AV_TOPK_MAX        16384
#define AV_ARRAY_CAP_MAX   4096

/* ---- schema ---------------------------------------------------------------------------------- */
typedef enum {
    AV_T_NONE = 0,
    AV_T_BOOL, AV_T_INT8, AV_T_INT16, AV_T_INT32, AV_T_INT64,
    AV_T_FLOAT, AV_T_DOUBLE, AV_T_VARCHAR, AV_T_JSON, AV_T_ARRAY,
    AV_T_FLOAT_VECTOR,
} av_type;

typedef enum { AV_METRIC_L2 = 0, AV_METRIC_IP, AV_METRIC_COSINE } av_metric;

typedef struct av_field {
    char name[AV_NAME_MAX + 1];
    av_type type;
    av_type element_type;      /* AV_T_ARRAY only */
    int primary;               /* exactly one field: INT64 or VARCHAR */
    int auto_id;               /* primary INT64 only: the engine assigns ids */
    int max_length;            /* VARCHAR (and ARRAY of VARCHAR elements) */
    int max_capacity;          /* ARRAY */
    int dim;                   /* FLOAT_VECTOR: 1..AV_DIM_MAX */
    int nullable;
    json_object *default_value;/* owned by the schema; NULL when none */
    char description[256];
    char ext_type[24];         /* a dialect's own type name when it differs (VikingDB "text"), or "" */
} av_field;

typedef struct av_schema {
    char name[AV_NAME_MAX + 1];
    char description[256];
    av_field *fields;          /* owned; nfields entries */
    int nfields;
    int dynamic;               /* keys not in the schema are kept (Milvus "$meta") */
    av_metric metric;
    char index_name[AV_NAME_MAX + 1];
    char index_type[32];       /* recorded; "FLAT" means exact search */
    int64_t created_ms;
    int64_t id;                /* assigned by the engine at creation */
} av_schema;

/* Fills *s with an empty schema (dynamic on, metric L2). */
void av_schema_init(av_schema *s);
/* Appends a field (copied); returns a pointer to it inside s. */
av_field *av_schema_add_field(av_schema *s, const char *name, av_type type);
void av_schema_free(av_schema *s);                    /* frees fields and default values */
int  av_schema_copy(av_schema *dst, const av_schema *src);
const av_field *av_schema_pk(const av_schema *s);
const av_field *av_schema_vector(const av_schema *s);
const av_field *av_schema_field(const av_schema *s, const char *name);  /* NULL when absent */
const char *av_type_name(av_type t);                 /* "Int64", "VarChar", "FloatVector", ... */
int av_type_from_name(const char *name, av_type *out);/* case-insensitive Milvus names; AV_EINVAL */
const char *av_metric_name(av_metric m);             /* "L2", "IP", "COSINE" */
int av_metric_from_name(const char *name, av_metric *out);
/* Checks ^[A-Za-z_][A-Za-z0-9_]{0,254}$; AV_EINVAL with a message naming `what` ("collection name"). */
int av_name_check(const char *name, const char *what, av_err *err);

/* ---- primary keys ---------------------------------------------------------------------------- */
typedef struct av_pk {
    int is_str;
    int64_t i;                 /* when !is_str */
    const char *s;             /* when is_str; borrowed (or owned, as the producing call says) */
} av_pk;

/* ---- store ----------------------------------------------------------------------------------- */
typedef struct av_store av_store;

/* Opens (creating when missing) the data directory `dir`: annovec.db (SQLite, WAL, synchronous=FULL,
 * secure_delete, foreign keys; migrations applied) and loads every collection into memory. */
int  av_store_open(const char *dir, av_store **out, av_err *err);
/* What av_store_open_with reports while it loads the collections, from the opening thread: once
 * before each collection (loaded 0) and once after it (loaded 1, rows and seconds set). */
typedef struct av_load_progress {
    int index, total;                  /* this collection is number index (from 1) of total */
    int loaded;
    const char *project, *db, *name;   /* borrowed for the call */
    int64_t rows;                      /* loaded 1: its live rows */
    int64_t rows_so_far;               /* live rows of the collections loaded before it, it included */
    double seconds;                    /* loaded 1: how long it took */
} av_load_progress;
typedef void (*av_load_fn)(void *arg, const av_load_progress *p);
/* av_store_open, calling fn(arg, ...) as each collection is loaded (fn may be NULL). */
int  av_store_open_with(const char *dir, av_load_fn fn, void *arg, av_store **out, av_err *err);
/* Closes cleanly: waits for writers, checkpoints and truncates the WAL, frees everything. */
void av_store_close(av_store *st);
const char *av_store_dir(const av_store *st);        /* borrowed */
/* Checkpoints and truncates the WAL so that deleted bytes leave the files (secure_delete zeroed them
 * in the database pages). Runs automatically after deletes; callable any time. */
int  av_store_purge(av_store *st, av_err *err);

/* Whether the store can acknowledge writes, for readiness checks and metrics. Not ok when the data
 * dir's database file was deleted or moved under the running server (writes then fail for good, until
 * a restart) or the data dir is not writable; reason says which. Lock-free: cheap to call often. */
typedef struct av_store_health {
    int ok;
    char reason[240];
    int64_t free_bytes;        /* free space of the data dir's file system (-1: unknown) */
    int64_t reserve_bytes;     /* space held back so that deletes work on a full disk (0: released) */
    int64_t wal_bytes;         /* size of the write-ahead log */
} av_store_health;
void av_store_health_get(av_store *st, av_store_health *h);

/* Figures for metrics; read-only. collections and entities are every project's collections and their
 * live entities (in-memory counts, one catalog lookup per collection). The purge figures count what
 * deletes left for the purge thread: rows of dropped or emptied collections (at most
 * AV_STATS_SCAN_MAX rows are looked at per call, so rows_waiting and bytes_waiting are lower bounds
 * above it) and source files no longer referenced; bytes_waiting is their content (vectors, documents,
 * file sizes). Takes the store lock for three short queries. */
#define AV_STATS_SCAN_MAX 100000
typedef struct av_store_stats {
    int64_t collections;
    int64_t entities;
    int64_t delete_commits;      /* commits that deleted something, since the store opened */
    int purge_pending;           /* deletes are waiting for the purge thread */
    int64_t purge_rows_waiting;
    int64_t purge_files_waiting;
    int64_t purge_bytes_waiting;
    int64_t last_purge_ms;       /* epoch ms of the end of the last purge pass; 0: none since open */
} av_store_stats;
void av_store_stats_get(av_store *st, av_store_stats *out);
/* The space held back for deletes (default AV_STORE_RESERVE_DEFAULT; 0 turns it off): a file
 * `reserve` in the data dir, given back when a delete, drop or purge finds less free space than its
 * size. At least AV_STORE_RESERVE_MIN: on a full disk the WAL can hold up to ~4 MiB of committed pages
 * that the checkpoint after the first delete must write into the database file. */
#define AV_STORE_RESERVE_DEFAULT (32ll << 20)
#define AV_STORE_RESERVE_MIN (8ll << 20)
void av_store_set_reserve(av_store *st, int64_t bytes);

/* Projects isolate everything. A project is named by a 32-hex id or a name; av_project_resolve maps
 * either to the canonical 32-hex id, creating the project when `create` is set. */
int av_project_resolve(av_store *st, const char *name_or_id, int create, char out_id[33], av_err *err);
/* *out: a new array of every project, oldest first: {"id","name","created_ms"} (read-only; takes the
 * store lock for one query). AV_EIO on a storage error. */
int av_project_list(av_store *st, json_object **out, av_err *err);

/* Databases namespace collections inside a project. "default" always exists. */
int av_db_create(av_store *st, const char *project, const char *db, av_err *err);
int av_db_drop(av_store *st, const char *project, const char *db, av_err *err); /* refuses "default" and non-empty dbs */
int av_db_exists(av_store *st, const char *project, const char *db);
/* *names (caller frees each and the array with free) sorted; *n entries. */
int av_db_list(av_store *st, const char *project, char ***names, size_t *n, av_err *err);

/* ---- collections ----------------------------------------------------------------------------- */
typedef struct av_collection av_collection;

/* Creates from `schema` (validated: one pk, one float vector, names, types, bounds). */
int av_collection_create(av_store *st, const char *project, const char *db, const av_schema *schema, av_err *err);
int av_collection_drop(av_store *st, const char *project, const char *db, const char *name, av_err *err);
int av_collection_rename(av_store *st, const char *project, const char *db, const char *name,
                         const char *new_db, const char *new_name, av_err *err);
/* Changes a collection's description (when not NULL) and appends fields (each nullable or with a
 * default value; no primary key or vector). Rows already stored read the new fields' defaults. The
 * collection is swapped for a new handle with the new schema: handles opened before keep answering
 * AV_ENOTFOUND ("changed ... send the request again"), so no request sees the schema move. */
int av_collection_alter(av_store *st, const char *project, const char *db, const char *name,
                        const char *description, const av_field *add, int nadd, av_err *err);
/* Sets the vector index a collection searches with: its type (schema.index_type: "HNSW",
 * "AUTOINDEX", "FLAT", or another name, recorded and served exactly) and metric. Swaps the handle as
 * av_collection_alter does. A new type or metric builds the index from the rows in the background
 * (searches are exact until it is done; av_collection_index_state tells). */
int av_collection_set_index(av_store *st, const char *project, const char *db, const char *name,
                            const char *index_type, av_metric metric, av_err *err);
int av_collection_list(av_store *st, const char *project, const char *db, char ***names, size_t *n, av_err *err);
/* Returns a counted reference: the collection stays usable (even if dropped meanwhile) until released. */
int av_collection_open(av_store *st, const char *project, const char *db, const char *name,
                       av_collection **out, av_err *err);
/* The same by the collection's numeric id (av_schema.id); AV_ENOTFOUND. */
int av_collection_open_id(av_store *st, const char *project, int64_t id, av_collection **out);
void av_collection_release(av_collection *c);
const av_schema *av_collection_schema(const av_collection *c);   /* borrowed, immutable */
int64_t av_collection_count(av_collection *c);                   /* live entities */
/* Loaded state is recorded for the dialects (collections are always searchable in annovec). */
int av_collection_set_loaded(av_collection *c, int loaded, av_err *err);
int av_collection_loaded(av_collection *c);
/* The vector index a collection searches with, as it is now. */
typedef struct av_index_state {
    const char *type;          /* the implementation: "FLAT", "HNSW", "AUTOINDEX" (static) */
    int exact;                 /* schema.index_type names no implementation: served by FLAT */
    int64_t indexed;           /* live rows the index has built in */
    int64_t pending;           /* live rows it has not yet (searched exactly meanwhile) */
    int maintaining;           /* its background work runs (a build's linking, a repair after deletes) */
} av_index_state;
void av_collection_index_state(av_collection *c, av_index_state *out);

/* ---- rows ------------------------------------------------------------------------------------ */
/* A row to write. `doc` is a JSON object of every field except the primary key and the vector
 * (declared fields and, when the schema is dynamic, extra keys), borrowed. `vec` has dim floats. */
typedef struct av_row {
    av_pk pk;                  /* ignored (assigned) when the pk is auto_id and the op is insert */
    const float *vec;
    json_object *doc;
} av_row;

/* Inserts n rows in one transaction. All rows are validated first; any error changes nothing.
 * Insert fails with AV_EPK when a pk already exists; upsert replaces. out_pks (n entries, may be NULL)
 * receives the pks written; string pks point into the collection and are borrowed only until the
 * next write: copy them before releasing. */
int av_insert(av_collection *c, const av_row *rows, size_t n, int upsert, av_pk *out_pks, av_err *err);
/* The same with an expiry for every row of the batch (epoch ms; 0 = never). From that instant the
 * rows are invisible to every read; the store's purge thread deletes them later. */
int av_insert_ex(av_collection *c, const av_row *rows, size_t n, int upsert, int64_t expire_ms, av_pk *out_pks, av_err *err);
/* Deletes this collection's rows that expired at or before `now` (what the purge thread runs). */
int av_collection_expire(av_collection *c, int64_t now, int64_t *purged, av_err *err);

/* Partial update in one transaction: every row's pk must exist (else AV_ENOTFOUND, nothing changes);
 * the keys of its doc replace the stored ones, the others stay; vec NULL keeps the stored vector.
 * The merged rows are validated like inserts. */
int av_update(av_collection *c, const av_row *rows, size_t n, av_err *err);

/* A compiled filter (see src/core/filter.h). NULL means "every row". */
typedef struct av_filter av_filter;
int  av_filter_compile_milvus(const av_collection *c, const char *expr, av_filter **out, av_err *err);
/* VikingDB's JSON filter DSL ({"op": "must", "field": ..., "conds": [...]}, ...). AV_EFILTER or AV_ELIMIT. */
int  av_filter_compile_viking(const av_collection *c, json_object *dsl, av_filter **out, av_err *err);
void av_filter_free(av_filter *f);

/* Deletes in one transaction; *deleted receives the number of rows actually removed (ids that do not
 * exist are not an error). When it returns, the rows are gone from every read, count and search. */
int av_delete_pks(av_collection *c, const av_pk *pks, size_t n, int64_t *deleted, av_err *err);
/* Refuses (AV_EUNSAFE) a NULL filter or one that is true whatever the row's values: "true",
 * "1 == 1", "id > 0 or true" (constant folding). A filter that happens to match every row
 * ("id != -1", "id >= 0") is not refused: check it first with av_delete_filter_dry. */
int av_delete_filter(av_collection *c, const av_filter *f, int64_t *deleted, av_err *err);
/* The dry run of av_delete_filter: the same refusals; *matched receives the number of rows it would
 * delete now (under the read lock); nothing changes. */
int av_delete_filter_dry(av_collection *c, const av_filter *f, int64_t *matched, av_err *err);
/* Empties the collection (O(1) on the caller's path: the old state is freed in the background). */
int av_delete_all(av_collection *c, int64_t *deleted, av_err *err);

/* A row handed to a visitor: borrowed, valid only during the callback. */
typedef struct av_row_view {
    av_pk pk;
    const float *vec;          /* dim floats */
    const json_object *doc;    /* read-only */
} av_row_view;

/* Return non-zero from a visitor to stop early. */
typedef int (*av_row_visitor)(void *ctx, const av_row_view *row);
typedef int (*av_hit_visitor)(void *ctx, int query, int rank, float distance, const av_row_view *row);

/* Visits the rows with these pks, in request order, skipping pks that do not exist. */
int av_get(av_collection *c, const av_pk *pks, size_t n, av_row_visitor fn, void *ctx, av_err *err);
/* Visits rows matching f (NULL: all) in primary-key order, skipping `offset`, at most `limit`
 * (limit < 0: no limit). */
int av_query(av_collection *c, const av_filter *f, int64_t offset, int64_t limit,
             av_row_visitor fn, void *ctx, av_err *err);
int av_count(av_collection *c, const av_filter *f, int64_t *out, av_err *err);

typedef struct av_search_params {
    const float *queries;      /* nq * dim floats */
    int nq;
    int limit;                 /* hits per query after offset, 1..AV_TOPK_MAX */
    int offset;
    const av_filter *filter;   /* NULL: all rows */
    int has_radius, has_range_filter;
    float radius, range_filter;/* Milvus semantics: L2 keeps range_filter <= d < radius; IP/COSINE keeps
                                  radius < d <= range_filter */
    int use_metric;            /* 0: the collection's metric; 1: `metric` (an index's own) */
    av_metric metric;
    json_object *index_params; /* per-search knobs of the collection's index, e.g. {"ef": 64} for HNSW;
                                  borrowed, may be NULL; FLAT ignores them, an index may refuse bad ones (AV_EINVAL) */
} av_search_params;
/* Exact or indexed top-k search. Distances follow Milvus: squared L2 ascending, IP and COSINE
 * descending. Visits hits query by query, best first. */
int av_search(av_collection *c, const av_search_params *p, av_hit_visitor fn, void *ctx, av_err *err);

/* ---- ordered queries and grouped counts (src/core/vector/collection_query.c) ---------------------
 * Each call does its whole work (filter, field reads, sort or count, every visitor call) under one
 * read lock, so what it reports is one state of the collection: a visited row's score is that row's
 * own value, and a row whose delete has returned never appears. A bad field is reported before the
 * lock is taken and before anything is visited; like every read, a call changes nothing. */

typedef struct av_order {
    const av_filter *filter;   /* NULL: every row */
    const char *field;         /* order by this INT32, INT64, FLOAT or DOUBLE field (not the pk); rows
                                  whose value is missing or null are left out. NULL: random order */
    int ascending;             /* with field: smallest value first; 0: largest first */
    int64_t offset;            /* rows skipped before the first one visited, >= 0 */
    int64_t limit;             /* rows visited at most after offset; < 0: no limit */
} av_order;
/* One row of an ordered query; score is the row's value of the order field (0 in random order). */
typedef int (*av_ordered_visitor)(void *ctx, double score, const av_row_view *row);
/* Visits the rows matching o->filter that hold a value of o->field, ordered by that value read as a
 * double: largest first with equal values by primary key ascending, or (ascending) the exact reverse,
 * equal values by primary key descending. With no field: the matching rows in a uniformly random order,
 * drawn afresh on every call. Then skips o->offset rows and visits at most o->limit; return non-zero
 * from fn to stop. *matched (may be NULL) receives the number of rows ordered, before offset and limit.
 * Errors (nothing visited, *matched 0): AV_EFIELD (reason AV_R_UNKNOWN) for a field not in the schema
 * and AV_ETYPE for the pk or a field of another type, both with entity AV_ENT_FIELD and name the field;
 * AV_EINVAL for a negative offset; AV_ENOTFOUND (reason AV_R_CHANGED) when the handle was dropped or
 * swapped by a rename or alter. */
int av_query_ordered(av_collection *c, const av_order *o, av_ordered_visitor fn, void *ctx, int64_t *matched, av_err *err);

typedef struct av_group_by {
    const av_filter *filter;   /* NULL: every row */
    const char *field;         /* group by this scalar field (not the pk, the vector, a JSON or an Array
                                  field); NULL: no groups, only the count of matching rows */
    int64_t more_than;         /* keep the groups whose count is > more_than (INT64_MIN: every group) */
} av_group_by;
typedef struct av_group {
    json_object *value;        /* the value the group's rows share: a string, integer or boolean */
    int64_t count;
} av_group;
/* Counts the rows matching g->filter into *matched (may be NULL) and groups them by their value of
 * g->field: a row whose value is a string, an integer or a boolean counts in that value's group; a
 * missing, null or floating-point value counts in none (but in *matched). *groups receives a new array
 * of *ngroups groups (NULL when there are none), in the order of each group's first row by primary key;
 * the caller frees it, values included, with av_groups_free. Errors (*groups NULL, *ngroups and
 * *matched 0): AV_EFIELD and AV_ETYPE for the field as in av_query_ordered, AV_ENOTFOUND. */
int av_count_groups(av_collection *c, const av_group_by *g, av_group **groups, size_t *ngroups, int64_t *matched, av_err *err);
void av_groups_free(av_group *groups, size_t ngroups);

/* ---- named indexes ------------------------------------------------------------------------------
 * Index definitions a dialect records on a collection (VikingDB's vector_index / scalar_index), as a
 * JSON object the engine stores and returns but does not interpret; searches name their metric in
 * av_search_params. Dropping the collection drops its indexes. */
int av_index_put(av_collection *c, const char *name, json_object *spec, int create, av_err *err); /* spec borrowed; AV_EEXIST / AV_ENOTFOUND */
int av_index_get(av_collection *c, const char *name, json_object **spec, av_err *err);   /* *spec new; AV_ENOTFOUND */
int av_index_drop(av_collection *c, const char *name, av_err *err);
int av_index_list(av_collection *c, char ***names, size_t *n, av_err *err);

/* ---- records ----------------------------------------------------------------------------------
 * Small JSON documents a dialect keeps per project, by kind and id (VikingDB tasks). Durable. */
int av_record_put(av_store *st, const char *project, const char *kind, const char *id, json_object *doc, av_err *err); /* doc borrowed */
int av_record_get(av_store *st, const char *project, const char *kind, const char *id, json_object **doc, av_err *err);  /* AV_ENOTFOUND */
int av_record_drop(av_store *st, const char *project, const char *kind, const char *id, av_err *err);                  /* AV_ENOTFOUND */
/* *docs: new array of the kind's documents, oldest first. */
int av_record_list(av_store *st, const char *project, const char *kind, json_object **docs, av_err *err);

/* ---- credentials (src/auth) --------------------------------------------------------------------- */
/* Principal resolved from a request: the project (32-hex id) and, for users, the user name. */
typedef struct av_principal {
    char project[33];
    char user[AV_NAME_MAX + 1];
} av_principal;

/* ---- schema comparison (appended) ---------------------------------------------------------------
 * 1 when a and b describe the same collection: name, description, dynamic, metric, index name and
 * type, and every field (in order) with all its settings and default value; created_ms and id are
 * not compared. For idempotent creation: a dialect that gets AV_EEXIST compares the request's schema
 * with the stored one. */
int av_schema_equal(const av_schema *a, const av_schema *b);

/* ---- aliases (appended) -------------------------------------------------------------------------
 * An alias is another name of a collection, in the same database: every call that opens a collection
 * by name (av_collection_open, so every read and write) takes an alias too. Durable (table
 * coll_alias); an alias moves to another collection atomically (av_alias_alter): a request that
 * resolved the old target finishes on it, every later one sees the new one. A collection with aliases
 * cannot be dropped (AV_EINVAL about the collection, reason AV_R_IN_USE) or moved to another
 * database; a collection cannot be created or renamed to an alias's name (AV_EEXIST about the alias),
 * nor dropped by an alias (AV_EINVAL about the alias). Errors about an alias have entity AV_ENT_ALIAS,
 * name the alias, scope its database. */
enum { AV_ENT_ALIAS = 40 };
#define AV_ALIASES_MAX 1024   /* aliases per database */
/* AV_OK also when the alias already names this collection. AV_EEXIST (reason AV_R_IN_USE) when
 * `alias` is a collection's name; AV_EEXIST (AV_R_NONE) when it names another collection;
 * AV_ENOTFOUND about the collection; AV_ENODB; AV_EINVAL for a bad name; AV_ELIMIT. */
int av_alias_create(av_store *st, const char *project, const char *db, const char *alias, const char *collection, av_err *err);
/* Points an existing alias at another collection: the errors of av_alias_create, and AV_ENOTFOUND
 * about the alias when there is none. */
int av_alias_alter(av_store *st, const char *project, const char *db, const char *alias, const char *collection, av_err *err);
/* AV_ENOTFOUND about the alias when there is none (a dialect may call that success); AV_ENODB. */
int av_alias_drop(av_store *st, const char *project, const char *db, const char *alias, av_err *err);
/* *collection (caller frees): the name of the collection the alias names. AV_ENOTFOUND, AV_ENODB. */
int av_alias_describe(av_store *st, const char *project, const char *db, const char *alias, char **collection, av_err *err);
/* The aliases of db (collection NULL) or of one collection, sorted; *names as av_collection_list.
 * AV_ENODB; AV_ENOTFOUND about the collection. */
int av_alias_list(av_store *st, const char *project, const char *db, const char *collection, char ***names, size_t *n, av_err *err);

/* ---- properties (appended) ----------------------------------------------------------------------
 * Key/value strings a dialect keeps on a collection or a database (Milvus's properties): durable
 * (tables coll_prop, db_prop), carried across rename and alter, not read by the engine.
 * At most AV_PROPS_MAX keys of 1..AV_NAME_MAX bytes, values at most AV_PROP_VALUE_MAX bytes:
 * AV_EINVAL / AV_ELIMIT past them, and nothing changes. */
#define AV_PROPS_MAX 64
#define AV_PROP_VALUE_MAX 4096
/* *out: a new object (caller puts it) of the collection's properties. */
int av_collection_properties(av_collection *c, json_object **out);
/* 1 with the value of `key` copied into out (n bytes, cut), 0 when the collection has no such key. */
int av_collection_property(av_collection *c, const char *key, char *out, size_t n);
/* Sets the members of `set` (an object of strings; may be NULL) and removes the keys drop[0..ndrop),
 * in one durable step. `name` may be an alias. AV_ENOTFOUND, AV_EINVAL, AV_ELIMIT, AV_EIO. */
int av_collection_alter_properties(av_store *st, const char *project, const char *db, const char *name,
                                   json_object *set, const char *const *drop, size_t ndrop, av_err *err);
/* A database's numeric id (*id, stable for its life) and its properties (*props, new). AV_ENODB. */
int av_db_properties(av_store *st, const char *project, const char *db, int64_t *id, json_object **props, av_err *err);
/* As av_collection_alter_properties, for a database. AV_ENODB. */
int av_db_alter_properties(av_store *st, const char *project, const char *db, json_object *set, const char *const *drop, size_t ndrop, av_err *err);

#endif
