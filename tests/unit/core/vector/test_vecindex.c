/*
 * test_vecindex.c — the vector-index interface (src/core/vector/vecindex.h), its registry, and what a
 * collection tells its index (collection.c), checked with a recording index.
 *
 * The recording index ("RECORD") keeps its own copy of every slot it was told about and checks,
 * at every call, that this view matches the collection's slots (same live slots, same vectors);
 * its search is an exact scan over its own copies, so a wrong notification shows up as a wrong
 * result as well as a counted inconsistency. "RECORD_REBUILD" is the same without remap, save and
 * load: compaction must rebuild it.
 *
 *  registry_picks_flat_for_flat_and_unknown_types: FLAT, "", NULL -> FLAT; HNSW and AUTOINDEX -> the
 *    HNSW index; IVF_FLAT -> FLAT, flagged as a fallback; registered types found in any case; a name
 *    registers once.
 *  collection_takes_its_index_from_the_schema: FLAT, HNSW, IVF_FLAT (falls back, the schema keeps
 *    "IVF_FLAT"), RECORD, "record".
 *  compaction_tells_the_index_with_one_remap (int and string pks): deleting two rows in three
 *    compacts; the index gets one remap, its view stays right, search stays exact (brute force).
 *  compaction_without_remap_rebuilds: an index without remap is rebuilt instead.
 *  rename_and_alter_move_every_row: the rows and the very index move to the new handle.
 *  delete_all_frees_rows_and_index_lazily: the old index is destroyed on the lazy-free thread, the
 *    collection gets a fresh empty one and keeps working (check-asan finds leaks).
 *  search_params_reach_the_index: av_search_params.index_params reaches search; check_params
 *    refuses bad ones before the search; FLAT ignores them.
 *  snapshot_survives_a_clean_restart: close saves the index, open loads it and remaps it to the
 *    reloaded slots (rows come back in rowid order, not slot order), nothing is rebuilt, the file is
 *    gone after the open (int and string pks).
 *  stale_or_damaged_snapshot_is_rebuilt: a snapshot that does not match the rows (a row deleted
 *    behind the engine's back) or is damaged is not used: the index is built, the file erased.
 *  nothing_to_save_leaves_no_file: FLAT (reports nothing to save) and an index without save leave
 *    no file in the data dir.
 */
#include "annovec.h"
#include "core/vector/collection.h"
#include "core/vector/vecindex.h"
#include "core/store/store.h"
#include "lib/util.h"
#include "test.h"

#include <dirent.h>
#include <math.h>
#include <sqlite3.h>
#include <unistd.h>

#define DIM 8
#define N 3000

static const char *P = "0123456789abcdef0123456789abcdef";

/* ---- the recording index ---------------------------------------------------------------------- */

typedef struct rec_index {
    int dim;
    uint32_t cap;              /* slots the view covers */
    uint8_t *has;              /* the index holds this slot */
    float *copy;               /* cap * dim: the vector it was told */
} rec_index;

static struct {
    int create, destroy, add, remove, build, remap, search, check, save, load;
    int inconsistent;          /* calls at which the view did not match the collection */
    int last_ef;               /* "ef" of the last search's params, -1 when absent */
} calls;

static void rec_fit(rec_index *x, uint32_t n)
{
    if (n <= x->cap) return;
    x->has = xrealloc(x->has, n);
    memset(x->has + x->cap, 0, n - x->cap);
    x->copy = xrealloc(x->copy, sizeof(float) * (size_t)x->dim * n);
    x->cap = n;
}

static const float *vec_at(const av_vecdata *vd, uint32_t s) { return vd->vecs + (size_t)s * (size_t)vd->dim; }

/* The view matches vd: same live slots (but `except`), same vectors. */
static int rec_matches(const rec_index *x, const av_vecdata *vd, uint32_t except)
{
    uint32_t n = x->cap > vd->nslots ? x->cap : vd->nslots;
    for (uint32_t s = 0; s < n; s++) {
        if (s == except) continue;
        int held = s < x->cap && x->has[s], live = s < vd->nslots && vd->alive[s];
        if (held != live) return 0;
        if (held && memcmp(x->copy + (size_t)s * (size_t)x->dim, vec_at(vd, s), sizeof(float) * (size_t)x->dim)) return 0;
    }
    return 1;
}

static void rec_check(const rec_index *x, const av_vecdata *vd, uint32_t except)
{
    if (!rec_matches(x, vd, except)) calls.inconsistent++;
}

static void rec_hold(rec_index *x, const av_vecdata *vd, uint32_t s)
{
    rec_fit(x, s + 1);
    x->has[s] = 1;
    memcpy(x->copy + (size_t)s * (size_t)x->dim, vec_at(vd, s), sizeof(float) * (size_t)x->dim);
}

static void *rec_create(const av_vecdata *vd)
{
    calls.create++;
    rec_index *x = xcalloc(1, sizeof *x);
    x->dim = vd->dim;
    rec_check(x, vd, AV_SLOT_NONE);   /* a new index starts over empty rows */
    return x;
}

static void rec_destroy(void *self)
{
    calls.destroy++;
    rec_index *x = self;
    free(x->has);
    free(x->copy);
    free(x);
}

static void rec_add(void *self, const av_vecdata *vd, uint32_t slot)
{
    calls.add++;
    rec_index *x = self;
    if (slot < x->cap && x->has[slot]) calls.inconsistent++;   /* told twice */
    rec_hold(x, vd, slot);
    rec_check(x, vd, AV_SLOT_NONE);
}

static void rec_remove(void *self, const av_vecdata *vd, uint32_t slot)
{
    calls.remove++;
    rec_index *x = self;
    /* told before the scrub: the slot is still live with the vector the index holds */
    rec_check(x, vd, AV_SLOT_NONE);
    if (slot >= x->cap || !x->has[slot]) calls.inconsistent++;
    else x->has[slot] = 0;
}

static void rec_build(void *self, const av_vecdata *vd)
{
    calls.build++;
    rec_index *x = self;
    if (x->cap) memset(x->has, 0, x->cap);
    for (uint32_t s = 0; s < vd->nslots; s++)
        if (vd->alive[s]) rec_hold(x, vd, s);
    rec_check(x, vd, AV_SLOT_NONE);
}

static void rec_remap(void *self, const av_vecdata *vd, const uint32_t *old_to_new, uint32_t old_nslots)
{
    calls.remap++;
    rec_index *x = self;
    rec_index moved = { x->dim, 0, NULL, NULL };
    for (uint32_t s = 0; s < old_nslots; s++) {
        int held = s < x->cap && x->has[s];
        if (held != (old_to_new[s] != AV_SLOT_NONE)) { calls.inconsistent++; continue; }
        if (!held) continue;
        rec_fit(&moved, old_to_new[s] + 1);
        moved.has[old_to_new[s]] = 1;
        memcpy(moved.copy + (size_t)old_to_new[s] * (size_t)x->dim, x->copy + (size_t)s * (size_t)x->dim, sizeof(float) * (size_t)x->dim);
    }
    free(x->has);
    free(x->copy);
    *x = moved;
    rec_check(x, vd, AV_SLOT_NONE);
}

static int rec_check_params(json_object *params, int k, av_err *err)
{
    calls.check++;
    json_object *ef;
    if (!params || !json_object_object_get_ex(params, "ef", &ef)) return AV_OK;
    if (!json_object_is_type(ef, json_type_int) || json_object_get_int(ef) < k)
        return av_fail(err, AV_EINVAL, "ef must be an integer >= %d", k);
    return AV_OK;
}

/* Exact search over the index's own copies: what it was told is what it answers. */
static int rec_search(void *self, const av_vecdata *vd, const float *q, const av_index_query *iq, av_scored *out)
{
    calls.search++;
    rec_index *x = self;
    rec_check(x, vd, AV_SLOT_NONE);
    json_object *ef;
    calls.last_ef = iq->params && json_object_object_get_ex(iq->params, "ef", &ef) ? json_object_get_int(ef) : -1;
    av_vecdata own = { x->copy, vd->norms, x->has, x->cap < vd->nslots ? x->cap : vd->nslots, x->dim, vd->metric };
    return av_flat_index.search(NULL, &own, q, iq, out);
}

/* Payload: cap (u32), then has[cap] and copy[cap * dim], in the saved slot numbering. */
static int rec_save(void *self, const av_vecdata *vd, int fd)
{
    calls.save++;
    rec_index *x = self;
    rec_check(x, vd, AV_SLOT_NONE);
    size_t vbytes = sizeof(float) * (size_t)x->dim * x->cap;
    int ok = write(fd, &x->cap, sizeof x->cap) == (ssize_t)sizeof x->cap &&
             (!x->cap || write(fd, x->has, x->cap) == (ssize_t)x->cap) &&
             (!x->cap || write(fd, x->copy, vbytes) == (ssize_t)vbytes);
    return ok ? AV_OK : AV_EIO;
}

static int rec_load(void *self, const av_vecdata *vd, int fd)
{
    calls.load++;
    (void)vd;   /* numbered anew: not to be read by saved slot */
    rec_index *x = self;
    uint32_t cap = 0;
    if (x->cap || read(fd, &cap, sizeof cap) != (ssize_t)sizeof cap) return AV_EIO;   /* loads into an empty index */
    rec_fit(x, cap);
    size_t vbytes = sizeof(float) * (size_t)x->dim * cap;
    if (cap && (read(fd, x->has, cap) != (ssize_t)cap || read(fd, x->copy, vbytes) != (ssize_t)vbytes)) return AV_EIO;
    return AV_OK;
}

static const av_vecindex_ops rec_ops = {
    .name = "RECORD", .create = rec_create, .destroy = rec_destroy, .add = rec_add, .remove = rec_remove,
    .build = rec_build, .remap = rec_remap, .check_params = rec_check_params, .search = rec_search,
    .save = rec_save, .load = rec_load,
};
static const av_vecindex_ops rebuild_ops = {
    .name = "RECORD_REBUILD", .create = rec_create, .destroy = rec_destroy, .add = rec_add, .remove = rec_remove,
    .build = rec_build, .search = rec_search,
};

/* ---- helpers ---------------------------------------------------------------------------------- */

static void register_once(void)
{
    static int done;
    if (done) return;
    done = 1;
    av_err e;
    CHECK_INT(av_vecindex_register(&rec_ops, &e), AV_OK);
    CHECK_INT(av_vecindex_register(&rebuild_ops, &e), AV_OK);
}

static av_store *open_store(char *dir, size_t n)
{
    register_once();
    test_tmpdir(dir, n, "vecindex");
    av_store *st = NULL;
    av_err e;
    if (av_store_open(dir, &st, &e)) { fprintf(stderr, "open: %s\n", e.msg); exit(2); }
    char id[33];
    av_project_resolve(st, P, 1, id, &e);
    return st;
}

static void close_store(av_store *st, const char *dir)
{
    av_store_close(st);
    test_rmdir(dir);
}

static av_store *reopen_store(const char *dir)
{
    av_store *st = NULL;
    av_err e;
    if (av_store_open(dir, &st, &e)) { fprintf(stderr, "reopen: %s\n", e.msg); exit(2); }
    return st;
}

/* Files of the data dir whose name starts with "vecindex-". */
static int snapshot_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *de; d && (de = readdir(d));) n += strncmp(de->d_name, "vecindex-", 9) == 0;
    if (d) closedir(d);
    return n;
}

/* Runs SQL on the closed store's database, behind the engine's back. */
static void sql_behind(const char *dir, const char *sql)
{
    char path[256];
    snprintf(path, sizeof path, "%s/annovec.db", dir);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static av_collection *create(av_store *st, const char *name, const char *type, int str_pk)
{
    av_schema s;
    av_schema_init(&s);
    snprintf(s.name, sizeof s.name, "%s", name);
    snprintf(s.index_type, sizeof s.index_type, "%s", type);
    av_field *f = av_schema_add_field(&s, "id", str_pk ? AV_T_VARCHAR : AV_T_INT64);
    f->primary = 1;
    f->max_length = 32;
    av_schema_add_field(&s, "vector", AV_T_FLOAT_VECTOR)->dim = DIM;
    av_err e;
    int rc = av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *c = NULL;
    if (rc == AV_OK) rc = av_collection_open(st, P, "default", name, &c, &e);
    if (rc) { fprintf(stderr, "create %s: %s\n", name, e.msg); exit(2); }
    return c;
}

static av_collection *reopen(av_store *st, const char *name)
{
    av_collection *c = NULL;
    av_err e;
    if (av_collection_open(st, P, "default", name, &c, &e)) { fprintf(stderr, "open %s: %s\n", name, e.msg); exit(2); }
    return c;
}

/* Row i's vector: distinct, so that nearest neighbours have no ties. */
static void vec_of(int i, float *v)
{
    for (int k = 0; k < DIM; k++) v[k] = (float)sin(i * 0.37 + k * 1.91) * 10.0f + (float)(i % 17) * 0.01f;
}

static char keys[N][16];

static av_pk pk_of(int str_pk, int i)
{
    snprintf(keys[i], sizeof keys[i], "k%05d", i);
    return str_pk ? (av_pk){ 1, 0, keys[i] } : (av_pk){ 0, i, NULL };
}

static int id_of(const av_pk *pk)
{
    return pk->is_str ? atoi(pk->s + 1) : (int)pk->i;
}

/* Inserts rows [from, to). */
static void insert_range(av_collection *c, int str_pk, int from, int to)
{
    int n = to - from;
    av_row *rows = xcalloc((size_t)n, sizeof *rows);
    float *vs = xmalloc(sizeof(float) * DIM * (size_t)n);
    for (int i = 0; i < n; i++) {
        vec_of(from + i, vs + (size_t)i * DIM);
        rows[i] = (av_row){ pk_of(str_pk, from + i), vs + (size_t)i * DIM, NULL };
    }
    av_err e;
    int rc = av_insert(c, rows, (size_t)n, 1, NULL, &e);
    if (rc) fprintf(stderr, "insert: %s\n", e.msg);
    CHECK_INT(rc, AV_OK);
    free(rows);
    free(vs);
}

/* Deletes every row i in [0, n) with keep(i) false. */
static void delete_unless(av_collection *c, int str_pk, int n, int (*keep)(int))
{
    av_pk *del = xcalloc((size_t)n, sizeof *del);
    size_t m = 0;
    for (int i = 0; i < n; i++) if (!keep(i)) del[m++] = pk_of(str_pk, i);
    int64_t deleted = 0;
    av_err e;
    CHECK_INT(av_delete_pks(c, del, m, &deleted, &e), AV_OK);
    CHECK_INT(deleted, (int64_t)m);
    free(del);
}

static int every_third(int i) { return i % 3 == 0; }
static int every_third_and_one(int i) { return i % 3 == 0 || i == 1; }

typedef struct hits { int n; int id[10]; float d[10]; } hits;

static int hit_cb(void *ctx, int q, int rank, float d, const av_row_view *row)
{
    (void)q;
    hits *h = ctx;
    if (rank < 10) { h->id[rank] = id_of(&row->pk); h->d[rank] = d; h->n = rank + 1; }
    return 0;
}

/* Searches query row qi for 10 hits and compares with brute force over the rows keep() keeps. */
static int search_is_exact(av_collection *c, int qi, int n, int (*keep)(int))
{
    float q[DIM], v[DIM];
    vec_of(qi, q);
    hits h = { 0 };
    av_search_params p = { .queries = q, .nq = 1, .limit = 10 };
    av_err e;
    if (av_search(c, &p, hit_cb, &h, &e) != AV_OK) return 0;
    /* brute force: the 10 smallest squared L2 distances */
    int best[10];
    float bd[10];
    int nb = 0;
    for (int i = 0; i < n; i++) {
        if (!keep(i)) continue;
        vec_of(i, v);
        float d = 0;
        for (int k = 0; k < DIM; k++) d += (q[k] - v[k]) * (q[k] - v[k]);
        int at = nb < 10 ? nb++ : 10;
        while (at > 0 && bd[at - 1] > d) { if (at < 10) { bd[at] = bd[at - 1]; best[at] = best[at - 1]; } at--; }
        if (at < 10) { bd[at] = d; best[at] = i; }
    }
    if (h.n != nb) return 0;
    for (int r = 0; r < nb; r++)
        if (h.id[r] != best[r] || fabsf(h.d[r] - bd[r]) > 1e-3f * (1 + bd[r])) return 0;
    return 1;
}

static int keep_all(int i) { (void)i; return 1; }

static int exact_over(av_collection *c, int n, int (*keep)(int))
{
    int ok = 1;
    for (int qi = 0; qi < n; qi += 97) ok &= search_is_exact(c, qi, n, keep);
    return ok;
}

/* ---- cases ------------------------------------------------------------------------------------ */

static void registry_picks_flat_for_flat_and_unknown_types(void)
{
    register_once();
    int fb = -1;
    CHECK(av_vecindex_for("FLAT", &fb) == &av_flat_index);
    CHECK_INT(fb, 0);
    CHECK(av_vecindex_for("flat", &fb) == &av_flat_index);
    CHECK_INT(fb, 0);
    CHECK(av_vecindex_for("", &fb) == &av_flat_index);
    CHECK_INT(fb, 0);
    CHECK(av_vecindex_for(NULL, &fb) == &av_flat_index);
    CHECK_INT(fb, 0);
    CHECK(av_vecindex_for("HNSW", &fb) == &av_hnsw_index);
    CHECK_INT(fb, 0);
    CHECK(av_vecindex_for("hnsw", &fb) == &av_hnsw_index);
    CHECK(av_vecindex_for("AUTOINDEX", &fb) == &av_autoindex_index);
    CHECK_INT(fb, 0);
    CHECK(av_vecindex_for("IVF_FLAT", &fb) == &av_flat_index);
    CHECK_INT(fb, 1);
    CHECK(av_vecindex_for("RECORD", &fb) == &rec_ops);
    CHECK_INT(fb, 0);
    CHECK(av_vecindex_for("record", NULL) == &rec_ops);
    CHECK(av_vecindex_for("RECORD_REBUILD", NULL) == &rebuild_ops);
    av_err e;
    CHECK_INT(av_vecindex_register(&rec_ops, &e), AV_EEXIST);
    CHECK_INT(av_vecindex_register(&av_flat_index, &e), AV_EEXIST);
    /* FLAT answers "nothing to save", which is not an error */
    CHECK_INT(av_flat_index.save(NULL, NULL, -1), AV_VECINDEX_NOTHING_TO_SAVE);
}

static void collection_takes_its_index_from_the_schema(void)
{
    char dir[128];
    av_store *st = open_store(dir, sizeof dir);
    av_collection *flat = create(st, "flat", "FLAT", 0), *hnsw = create(st, "hnsw", "HNSW", 0);
    av_collection *ivf = create(st, "ivf", "IVF_FLAT", 0);
    av_collection *rec = create(st, "rec", "RECORD", 0), *lower = create(st, "lower", "record", 0);
    CHECK(flat->iops == &av_flat_index);
    CHECK(hnsw->iops == &av_hnsw_index);
    CHECK(ivf->iops == &av_flat_index);
    CHECK_STR(av_collection_schema(ivf)->index_type, "IVF_FLAT");   /* recorded as asked */
    CHECK(rec->iops == &rec_ops);
    CHECK(lower->iops == &rec_ops);
    insert_range(ivf, 0, 0, 200);
    CHECK(exact_over(ivf, 200, keep_all));   /* the fallback is exact */
    insert_range(hnsw, 0, 0, 200);
    CHECK(exact_over(hnsw, 200, keep_all));   /* a small HNSW collection is searched exactly */
    av_collection_release(flat); av_collection_release(hnsw); av_collection_release(ivf);
    av_collection_release(rec); av_collection_release(lower);
    close_store(st, dir);
}

static void compaction_case(int str_pk)
{
    char dir[128];
    av_store *st = open_store(dir, sizeof dir);
    av_collection *rec = create(st, "rec", "RECORD", str_pk), *flat = create(st, "flat", "FLAT", str_pk);
    insert_range(rec, str_pk, 0, N);
    insert_range(flat, str_pk, 0, N);
    memset(&calls, 0, sizeof calls);
    delete_unless(rec, str_pk, N, every_third);
    delete_unless(flat, str_pk, N, every_third);
    CHECK_INT(calls.remap, 1);                    /* one call for the whole renumbering */
    CHECK_INT(calls.build, 0);
    CHECK_INT(calls.remove, N - N / 3);
    CHECK_INT(rec->rows.nslots, N / 3);           /* compacted */
    CHECK_INT(flat->rows.nslots, N / 3);
    CHECK(exact_over(rec, N, every_third));
    CHECK(exact_over(flat, N, every_third));
    insert_range(rec, str_pk, 1, 2);              /* a deleted row comes back */
    CHECK(exact_over(rec, N, every_third_and_one));
    CHECK_INT(calls.inconsistent, 0);
    av_collection_release(rec);
    av_collection_release(flat);
    close_store(st, dir);
}

static void compaction_tells_the_index_with_one_remap(void) { compaction_case(0); }
static void compaction_tells_the_index_with_one_remap_string_pks(void) { compaction_case(1); }

static void compaction_without_remap_rebuilds(void)
{
    char dir[128];
    av_store *st = open_store(dir, sizeof dir);
    av_collection *c = create(st, "rebuild", "RECORD_REBUILD", 0);
    insert_range(c, 0, 0, N);
    memset(&calls, 0, sizeof calls);
    delete_unless(c, 0, N, every_third);
    CHECK_INT(calls.remap, 0);
    CHECK_INT(calls.build, 1);
    CHECK(exact_over(c, N, every_third));
    CHECK_INT(calls.inconsistent, 0);
    av_collection_release(c);
    close_store(st, dir);
}

static int count_cb(void *ctx, const av_row_view *row)
{
    (void)row;
    (*(int *)ctx)++;
    return 0;
}

/* Every row [0, n) is there to get. */
static int all_rows_there(av_collection *c, int n)
{
    av_pk *pks = xcalloc((size_t)n, sizeof *pks);
    for (int i = 0; i < n; i++) pks[i] = pk_of(0, i);
    int got = 0;
    av_err e;
    av_get(c, pks, (size_t)n, count_cb, &got, &e);
    free(pks);
    return got == n;
}

static void rename_and_alter_move_every_row(void)
{
    char dir[128];
    av_store *st = open_store(dir, sizeof dir);
    av_collection *old = create(st, "before", "RECORD", 0);
    insert_range(old, 0, 0, 500);
    memset(&calls, 0, sizeof calls);
    void *index = old->index;
    av_err e;
    CHECK_INT(av_collection_rename(st, P, "default", "before", "default", "after", &e), AV_OK);
    av_collection *renamed = reopen(st, "after");
    CHECK(renamed->index == index);               /* the very index moved, nothing rebuilt */
    CHECK(old->index != index);
    CHECK_INT(old->rows.live, 0);
    CHECK_INT(renamed->rows.live, 500);
    CHECK(all_rows_there(renamed, 500));
    CHECK(exact_over(renamed, 500, keep_all));
    av_field f = { .name = "extra", .type = AV_T_INT32, .nullable = 1 };
    CHECK_INT(av_collection_alter(st, P, "default", "after", "altered", &f, 1, &e), AV_OK);
    av_collection *altered = reopen(st, "after");
    CHECK(altered->index == index);
    CHECK_INT(renamed->rows.live, 0);
    CHECK(all_rows_there(altered, 500));
    CHECK(exact_over(altered, 500, keep_all));
    CHECK_INT(calls.build + calls.add + calls.remove + calls.remap, 0);
    CHECK_INT(calls.inconsistent, 0);
    av_collection_release(old);
    av_collection_release(renamed);
    av_collection_release(altered);
    close_store(st, dir);
}

static void delete_all_frees_rows_and_index_lazily(void)
{
    char dir[128];
    av_store *st = open_store(dir, sizeof dir);
    av_collection *c = create(st, "clear", "RECORD", 1);
    insert_range(c, 1, 0, 1000);
    memset(&calls, 0, sizeof calls);
    void *index = c->index;
    int64_t deleted = 0;
    av_err e;
    CHECK_INT(av_delete_all(c, &deleted, &e), AV_OK);
    CHECK_INT(deleted, 1000);
    CHECK(c->index != index);
    CHECK_INT(calls.create, 1);                   /* a fresh, empty index right away */
    CHECK_INT(c->rows.live, 0);
    CHECK_INT(c->rows.nslots, 0);
    store_wait_lazy(st);
    CHECK_INT(calls.destroy, 1);                  /* the old one went on the lazy-free thread */
    insert_range(c, 1, 0, 300);
    CHECK(exact_over(c, 300, keep_all));
    CHECK_INT(calls.inconsistent, 0);
    av_collection_release(c);
    close_store(st, dir);
}

static int search_with(av_collection *c, json_object *params, av_err *e)
{
    float q[DIM];
    vec_of(5, q);
    hits h = { 0 };
    av_search_params p = { .queries = q, .nq = 1, .limit = 10, .index_params = params };
    return av_search(c, &p, hit_cb, &h, e);
}

static void search_params_reach_the_index(void)
{
    char dir[128];
    av_store *st = open_store(dir, sizeof dir);
    av_collection *rec = create(st, "rec", "RECORD", 0), *flat = create(st, "flat", "FLAT", 0);
    insert_range(rec, 0, 0, 100);
    insert_range(flat, 0, 0, 100);
    json_object *good = json_tokener_parse("{\"ef\": 50}"), *bad = json_tokener_parse("{\"ef\": 3}");
    json_object *junk = json_tokener_parse("{\"ef\": \"many\", \"nprobe\": []}");
    av_err e;
    memset(&calls, 0, sizeof calls);
    CHECK_INT(search_with(rec, good, &e), AV_OK);
    CHECK_INT(calls.last_ef, 50);
    CHECK_INT(search_with(rec, NULL, &e), AV_OK);
    CHECK_INT(calls.last_ef, -1);
    int searches = calls.search;
    CHECK_INT(search_with(rec, bad, &e), AV_EINVAL);   /* ef < limit: refused before searching */
    CHECK_CONTAINS(e.msg, "ef must be");
    CHECK_INT(calls.search, searches);
    CHECK_INT(calls.check, 3);
    CHECK_INT(search_with(flat, junk, &e), AV_OK);   /* FLAT ignores them */
    CHECK_INT(calls.inconsistent, 0);
    json_object_put(good); json_object_put(bad); json_object_put(junk);
    av_collection_release(rec);
    av_collection_release(flat);
    close_store(st, dir);
}

/* The rows fill_with_holes leaves. */
static int kept_by_fill(int i) { return i % 5 != 0 || (i >= N - 300 && i < N - 250) || i >= N - 200; }
#define KEPT_BY_FILL (N - (N - 200) / 5 + 10)

/* Rows [0, N-200), every fifth deleted, then rows [N-200, N) inserted and [N-300, N-250) upserted
 * (replaced in place, or back for the deleted ones): slots freed early are reused by rows written
 * last, so the slot order is not the rowid order a reload follows, and holes remain. */
static void fill_with_holes(av_collection *c, int str_pk)
{
    insert_range(c, str_pk, 0, N - 200);
    av_pk *del = xcalloc(N, sizeof *del);
    size_t m = 0;
    for (int i = 0; i < N - 200; i++) if (i % 5 == 0) del[m++] = pk_of(str_pk, i);
    int64_t deleted = 0;
    av_err e;
    CHECK_INT(av_delete_pks(c, del, m, &deleted, &e), AV_OK);
    free(del);
    insert_range(c, str_pk, N - 200, N);
    insert_range(c, str_pk, N - 300, N - 250);
}

static void snapshot_case(int str_pk)
{
    char dir[128];
    av_store *st = open_store(dir, sizeof dir);
    av_collection *c = create(st, "snap", "RECORD", str_pk);
    fill_with_holes(c, str_pk);
    CHECK_INT(c->rows.live, KEPT_BY_FILL);
    CHECK(c->rows.nfree > 0);                     /* holes: a reload numbers the slots anew */
    av_collection_release(c);
    memset(&calls, 0, sizeof calls);
    av_store_close(st);
    CHECK_INT(calls.save, 1);
    CHECK_INT(snapshot_files(dir), 1);
    st = reopen_store(dir);
    CHECK_INT(calls.load, 1);
    CHECK_INT(calls.remap, 1);                    /* saved slot numbers -> reloaded ones */
    CHECK_INT(calls.build, 0);
    CHECK_INT(snapshot_files(dir), 0);            /* used once */
    c = reopen(st, "snap");
    CHECK(exact_over(c, N, kept_by_fill));
    CHECK_INT(calls.inconsistent, 0);
    av_collection_release(c);
    close_store(st, dir);
}

static void snapshot_survives_a_clean_restart(void) { snapshot_case(0); }
static void snapshot_survives_a_clean_restart_string_pks(void) { snapshot_case(1); }

static void stale_or_damaged_snapshot_is_rebuilt(void)
{
    char dir[128];
    av_store *st = open_store(dir, sizeof dir);
    av_collection *c = create(st, "stale", "RECORD", 0);
    fill_with_holes(c, 0);
    av_collection_release(c);
    av_store_close(st);
    sql_behind(dir, "DELETE FROM entity WHERE rowid = (SELECT max(rowid) FROM entity)");
    memset(&calls, 0, sizeof calls);
    st = reopen_store(dir);
    CHECK_INT(calls.load, 0);                     /* one row fewer than saved: not used */
    CHECK_INT(calls.build, 1);
    CHECK_INT(snapshot_files(dir), 0);
    c = reopen(st, "stale");
    CHECK_INT(c->rows.live, KEPT_BY_FILL - 1);
    av_collection_release(c);
    av_store_close(st);
    /* a damaged file: the magic at its end overwritten */
    CHECK_INT(snapshot_files(dir), 1);
    DIR *d = opendir(dir);
    char path[512] = "";
    for (struct dirent *de; d && (de = readdir(d));)
        if (strncmp(de->d_name, "vecindex-", 9) == 0) snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (d) closedir(d);
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) { fseek(f, -4, SEEK_END); fputs("XXXX", f); fclose(f); }
    memset(&calls, 0, sizeof calls);
    st = reopen_store(dir);
    CHECK_INT(calls.load, 0);
    CHECK_INT(calls.build, 1);
    CHECK_INT(snapshot_files(dir), 0);
    c = reopen(st, "stale");
    float q[DIM];
    vec_of(1, q);
    hits h = { 0 };
    av_search_params p = { .queries = q, .nq = 1, .limit = 10 };
    av_err e;
    CHECK_INT(av_search(c, &p, hit_cb, &h, &e), AV_OK);
    CHECK_INT(h.id[0], 1);
    CHECK_INT(calls.inconsistent, 0);
    av_collection_release(c);
    close_store(st, dir);
}

static void nothing_to_save_leaves_no_file(void)
{
    char dir[128];
    av_store *st = open_store(dir, sizeof dir);
    av_collection *flat = create(st, "flat", "FLAT", 0), *rebuild = create(st, "rebuild", "RECORD_REBUILD", 0);
    insert_range(flat, 0, 0, 300);
    insert_range(rebuild, 0, 0, 300);
    av_collection_release(flat);
    av_collection_release(rebuild);
    memset(&calls, 0, sizeof calls);
    av_store_close(st);
    CHECK_INT(calls.save, 0);
    CHECK_INT(snapshot_files(dir), 0);
    st = reopen_store(dir);
    CHECK_INT(calls.build, 1);                    /* RECORD_REBUILD, from the rows */
    rebuild = reopen(st, "rebuild");
    flat = reopen(st, "flat");
    CHECK(exact_over(rebuild, 300, keep_all));
    CHECK(exact_over(flat, 300, keep_all));
    CHECK_INT(calls.inconsistent, 0);
    av_collection_release(flat);
    av_collection_release(rebuild);
    close_store(st, dir);
}

TEST_MAIN(TEST_CASE(registry_picks_flat_for_flat_and_unknown_types),
          TEST_CASE(collection_takes_its_index_from_the_schema),
          TEST_CASE(compaction_tells_the_index_with_one_remap),
          TEST_CASE(compaction_tells_the_index_with_one_remap_string_pks),
          TEST_CASE(compaction_without_remap_rebuilds),
          TEST_CASE(rename_and_alter_move_every_row),
          TEST_CASE(delete_all_frees_rows_and_index_lazily),
          TEST_CASE(search_params_reach_the_index),
          TEST_CASE(snapshot_survives_a_clean_restart),
          TEST_CASE(snapshot_survives_a_clean_restart_string_pks),
          TEST_CASE(stale_or_damaged_snapshot_is_rebuilt),
          TEST_CASE(nothing_to_save_leaves_no_file))
