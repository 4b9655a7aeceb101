/*
 * test_catalog.c — the catalog under concurrency (src/core/vector/catalog.c) and the lock order that
 * keeps it deadlock-free (src/lib/lockorder.h).
 *
 *  writers_against_catalog_changes: four threads insert 4,000-row batches into a collection while
 *    other threads rename it back and forth, alter it, empty it, drop and re-create a second one the
 *    writers also use, and search it. Before the fix, rename took the store mutex before the
 *    collection lock (inserts take them the other way round) and this hung; now the lock-order check
 *    would abort on the first such call, and a watchdog turns any remaining hang into a failure.
 *  reads_go_on_during_a_write: while a writer waits inside its SQLite transaction (the test holds the
 *    store mutex, as a slow fsync would), a get, a count and a search of the same collection finish
 *    and see the last committed state. Before the writer mutex, the writer held the collection lock
 *    across its transaction and every reader queued behind the commit.
 *  lock_order_violation_aborts: a child process that takes the store mutex and then a collection
 *    lock is killed by SIGABRT (debug builds), so the order cannot silently regress.
 */
#include "annovec.h"
#include "core/vector/collection.h"
#include "core/store/store.h"
#include "lib/lockorder.h"
#include "test.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIM 8
#define WRITERS 4
#define BATCHES 6          /* batches each writer writes at least ...                        */
#define MAX_BATCHES 300    /* ... and at most, while the other threads have not all run MIN_OPS  */
#define MIN_OPS 3
#define BATCH 4000
#define WATCHDOG_S 240

static const char *P = "0123456789abcdef0123456789abcdef";
static av_store *st;
/* Rename and alter take turns (the alterer must name the collection it alters; without this a busy
 * renamer could win every race for it). Both still run against the writers, clears, drops and searches. */
static pthread_mutex_t name_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int unexpected;   /* failures inside the threads, checked once at the end */
static atomic_int writers_left, rows_moving, rows_meant, retries, renames, alters, clears, drops, searches;

static void make_schema(av_schema *s, const char *name)
{
    av_schema_init(s);
    snprintf(s->name, sizeof s->name, "%s", name);
    av_field *f = av_schema_add_field(s, "id", AV_T_INT64);
    f->primary = 1;
    av_schema_add_field(s, "vector", AV_T_FLOAT_VECTOR)->dim = DIM;
}

static void create(const char *name)
{
    av_schema s;
    make_schema(&s, name);
    av_err e;
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
}

/* Opens the renamed-back-and-forth collection under whichever name it has right now. */
static av_collection *open_moving(void)
{
    av_collection *c = NULL;
    av_err e;
    for (;;) {
        if (av_collection_open(st, P, "default", "moving_a", &c, &e) == AV_OK) return c;
        if (av_collection_open(st, P, "default", "moving_b", &c, &e) == AV_OK) return c;
        atomic_fetch_add(&retries, 1);
    }
}

/* Inserts one batch, retrying while the handle it used was swapped by a rename or alter. */
static void insert_batch(const char *fixed_name, const av_row *rows)
{
    for (;;) {
        av_collection *c = NULL;
        av_err e;
        if (fixed_name) {
            if (av_collection_open(st, P, "default", fixed_name, &c, &e) != AV_OK) return;   /* dropped */
        } else c = open_moving();
        int rc = av_insert(c, rows, BATCH, 1, NULL, &e);
        av_collection_release(c);
        if (rc == AV_OK) { if (!fixed_name) atomic_fetch_add(&rows_moving, BATCH); return; }
        if (rc != AV_ENOTFOUND) { atomic_fetch_add(&unexpected, 1); return; }   /* only "changed ... send again" is expected */
        atomic_fetch_add(&retries, 1);
    }
}

/* Each kind of change has run MIN_OPS times alongside the writers (so that a fast machine cannot finish
 * the writes before the others start). */
static int every_change_ran(void)
{
    return atomic_load(&renames) >= MIN_OPS && atomic_load(&alters) >= MIN_OPS && atomic_load(&clears) >= MIN_OPS &&
           atomic_load(&drops) >= MIN_OPS && atomic_load(&searches) >= MIN_OPS;
}

static void *writer(void *arg)
{
    int w = (int)(intptr_t)arg;
    av_row *rows = calloc(BATCH, sizeof *rows);
    float *vecs = calloc((size_t)BATCH * DIM, sizeof *vecs);
    json_object *doc = json_object_new_object();
    for (int b = 0; b < MAX_BATCHES && (b < BATCHES || !every_change_ran()); b++) {
        for (int i = 0; i < BATCH; i++) {
            int64_t id = ((int64_t)w * MAX_BATCHES + b) * BATCH + i;
            for (int d = 0; d < DIM; d++) vecs[(size_t)i * DIM + d] = (float)((id * 31 + d) % 97);
            rows[i] = (av_row){ { 0, id, NULL }, vecs + (size_t)i * DIM, doc };
        }
        if (b % 3 != 2) atomic_fetch_add(&rows_meant, BATCH);
        insert_batch(b % 3 == 2 ? "dropped_often" : NULL, rows);
    }
    json_object_put(doc);
    free(vecs);
    free(rows);
    if (av_lock_held(AV_LOCK_CATALOG) + av_lock_held(AV_LOCK_COLL_WRITER) + av_lock_held(AV_LOCK_COLLECTION) +
        av_lock_held(AV_LOCK_STORE))
        atomic_fetch_add(&unexpected, 1);   /* a path returned with a lock still held */
    atomic_fetch_sub(&writers_left, 1);
    return NULL;
}

static void *renamer(void *arg)
{
    (void)arg;
    int at_a = 1;
    while (atomic_load(&writers_left) > 0) {
        av_err e;
        pthread_mutex_lock(&name_mu);
        int rc = av_collection_rename(st, P, "default", at_a ? "moving_a" : "moving_b", "default", at_a ? "moving_b" : "moving_a", &e);
        pthread_mutex_unlock(&name_mu);
        if (rc) { atomic_fetch_add(&unexpected, 1); break; }
        at_a = !at_a;
        atomic_fetch_add(&renames, 1);
    }
    return NULL;
}

static void *alterer(void *arg)
{
    (void)arg;
    for (int i = 0; atomic_load(&writers_left) > 0 && i < AV_FIELDS_MAX - 4; i++) {
        av_field f = { .type = AV_T_INT32, .nullable = 1 };
        snprintf(f.name, sizeof f.name, "extra_%d", i);
        av_err e;
        pthread_mutex_lock(&name_mu);
        av_collection *c = open_moving();
        char name[AV_NAME_MAX + 1];
        snprintf(name, sizeof name, "%s", av_collection_schema(c)->name);
        av_collection_release(c);
        int rc = av_collection_alter(st, P, "default", name, NULL, &f, 1, &e);
        pthread_mutex_unlock(&name_mu);
        if (rc == AV_OK) atomic_fetch_add(&alters, 1);
        else atomic_fetch_add(&unexpected, 1);
    }
    return NULL;
}

static void *clearer(void *arg)
{
    (void)arg;
    while (atomic_load(&writers_left) > 0) {
        av_collection *c = open_moving();
        int64_t n;
        av_err e;
        int rc = av_delete_all(c, &n, &e);
        av_collection_release(c);
        if (rc == AV_OK) atomic_fetch_add(&clears, 1);
        else if (rc != AV_ENOTFOUND) atomic_fetch_add(&unexpected, 1);
    }
    return NULL;
}

static void *dropper(void *arg)
{
    (void)arg;
    while (atomic_load(&writers_left) > 0) {
        av_err e;
        if (av_collection_drop(st, P, "default", "dropped_often", &e) != AV_OK) atomic_fetch_add(&unexpected, 1);
        create("dropped_often");
        atomic_fetch_add(&drops, 1);
    }
    return NULL;
}

static int count_hit(void *ctx, int q, int rank, float d, const av_row_view *row)
{
    (void)q; (void)rank; (void)d; (void)row;
    (*(int *)ctx)++;
    return 0;
}

static void *searcher(void *arg)
{
    (void)arg;
    float q[DIM] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    while (atomic_load(&writers_left) > 0) {
        av_collection *c = open_moving();
        av_search_params p = { .queries = q, .nq = 1, .limit = 10 };
        int hits = 0;
        av_err e;
        int rc = av_search(c, &p, count_hit, &hits, &e);
        av_collection_release(c);
        if (rc == AV_OK && hits <= 10) atomic_fetch_add(&searches, 1);
        else if (rc != AV_ENOTFOUND) atomic_fetch_add(&unexpected, 1);
    }
    return NULL;
}

static void on_watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "FAIL writers_against_catalog_changes: no progress for the watchdog's time (deadlock?)\n";
    if (write(2, msg, sizeof msg - 1) < 0) _exit(3);
    _exit(3);
}

static void writers_against_catalog_changes(void)
{
    char dir[128];
    test_tmpdir(dir, sizeof dir, "catalog");
    av_err e;
    CHECK_INT(av_store_open(dir, &st, &e), AV_OK);
    char id[33];
    av_project_resolve(st, P, 1, id, &e);
    create("moving_a");
    create("dropped_often");
    signal(SIGALRM, on_watchdog);
    alarm(WATCHDOG_S);
    atomic_store(&writers_left, WRITERS);
    pthread_t t[WRITERS + 5];
    for (int i = 0; i < WRITERS; i++) pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i);
    void *(*others[])(void *) = { renamer, alterer, clearer, dropper, searcher };
    for (int i = 0; i < 5; i++) pthread_create(&t[WRITERS + i], NULL, others[i], NULL);
    for (int i = 0; i < WRITERS + 5; i++) pthread_join(t[i], NULL);
    alarm(0);
    /* every kind of change really ran alongside the writers */
    CHECK_INT(atomic_load(&unexpected), 0);
    /* every batch meant for the moving collection landed (retried across renames and alters) */
    CHECK_INT(atomic_load(&rows_moving), atomic_load(&rows_meant));
    CHECK(atomic_load(&rows_meant) >= WRITERS * (BATCHES - BATCHES / 3) * BATCH);
    CHECK(every_change_ran());
    /* the moving collection is consistent: its count is what the rows say, and it survives reopening */
    av_collection *c = open_moving();
    int64_t n = -1;
    CHECK_INT(av_count(c, NULL, &n, &e), AV_OK);
    CHECK_INT(n, av_collection_count(c));
    char name[AV_NAME_MAX + 1];
    snprintf(name, sizeof name, "%s", av_collection_schema(c)->name);
    CHECK_INT(av_collection_schema(c)->nfields, 2 + atomic_load(&alters));
    av_collection_release(c);
    av_store_close(st);
    CHECK_INT(av_store_open(dir, &st, &e), AV_OK);
    CHECK_INT(av_collection_open(st, P, "default", name, &c, &e), AV_OK);
    CHECK_INT(av_collection_count(c), n);
    av_collection_release(c);
    av_store_close(st);
    test_rmdir(dir);
}

/* reads_go_on_during_a_write: one writer, blocked in its transaction; readers must not wait for it. */
static av_collection *rw_coll;
static atomic_int rw_writer_tid, rw_writer_done, rw_reader_done;
static int64_t rw_got_new, rw_count;
static int rw_hits;

static void *blocked_writer(void *arg)
{
    atomic_store(&rw_writer_tid, (int)gettid());
    av_err e;
    if (av_insert(rw_coll, arg, 1, 0, NULL, &e) != AV_OK) atomic_fetch_add(&unexpected, 1);
    atomic_store(&rw_writer_done, 1);
    return NULL;
}

static int count_row(void *ctx, const av_row_view *row) { (void)row; (*(int64_t *)ctx)++; return 0; }

static void *reader(void *arg)
{
    (void)arg;
    av_err e;
    av_pk pk = { 0, 2, NULL };
    if (av_get(rw_coll, &pk, 1, count_row, &rw_got_new, &e) != AV_OK) atomic_fetch_add(&unexpected, 1);
    if (av_count(rw_coll, NULL, &rw_count, &e) != AV_OK) atomic_fetch_add(&unexpected, 1);
    float q[DIM] = { 0 };
    av_search_params p = { .queries = q, .nq = 1, .limit = 10 };
    if (av_search(rw_coll, &p, count_hit, &rw_hits, &e) != AV_OK) atomic_fetch_add(&unexpected, 1);
    atomic_store(&rw_reader_done, 1);
    return NULL;
}

/* The thread's state letter from /proc (R running, S sleeping ...), or 0. */
static char thread_state(int tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' ? close_paren[2] : 0;
}

/* Polls cond for up to `seconds`; returns whether it became true. */
static int wait_until(int (*cond)(void), int seconds)
{
    for (int i = 0; i < seconds * 1000; i++) {
        if (cond()) return 1;
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
    return cond();
}

static int writer_sleeps(void) { int t = atomic_load(&rw_writer_tid); return t && thread_state(t) == 'S'; }
static int reader_done(void) { return atomic_load(&rw_reader_done); }

static void reads_go_on_during_a_write(void)
{
    char dir[128];
    test_tmpdir(dir, sizeof dir, "readwrite");
    av_err e;
    CHECK_INT(av_store_open(dir, &st, &e), AV_OK);
    char id[33];
    av_project_resolve(st, P, 1, id, &e);
    create("rw");
    CHECK_INT(av_collection_open(st, P, "default", "rw", &rw_coll, &e), AV_OK);
    float v1[DIM] = { 1 }, v2[DIM] = { 2 };
    json_object *doc = json_object_new_object();
    av_row first = { { 0, 1, NULL }, v1, doc }, second = { { 0, 2, NULL }, v2, doc };
    CHECK_INT(av_insert(rw_coll, &first, 1, 0, NULL, &e), AV_OK);

    av_store_lock(st);                       /* the writer's commit cannot finish until we let go */
    pthread_t w, r;
    pthread_create(&w, NULL, blocked_writer, &second);
    CHECK(wait_until(writer_sleeps, 10));    /* it is waiting for the store inside av_insert */
    pthread_create(&r, NULL, reader, NULL);
    int read_in_time = wait_until(reader_done, 10);
    int writer_still_waiting = !atomic_load(&rw_writer_done);
    av_store_unlock(st);
    pthread_join(r, NULL);
    pthread_join(w, NULL);

    CHECK(read_in_time);                     /* the reads did not queue behind the write */
    CHECK(writer_still_waiting);
    CHECK_INT(rw_got_new, 0);                /* ... and saw the last committed state */
    CHECK_INT(rw_count, 1);
    CHECK_INT(rw_hits, 1);
    CHECK_INT(atomic_load(&unexpected), 0);
    int64_t after = 0;
    CHECK_INT(av_count(rw_coll, NULL, &after, &e), AV_OK);
    CHECK_INT(after, 2);                     /* the write went through once released */
    json_object_put(doc);
    av_collection_release(rw_coll);
    av_store_close(st);
    test_rmdir(dir);
}

static void lock_order_violation_aborts(void)
{
    char dir[128];
    test_tmpdir(dir, sizeof dir, "lockorder");
    av_err e;
    CHECK_INT(av_store_open(dir, &st, &e), AV_OK);
    char id[33];
    av_project_resolve(st, P, 1, id, &e);
    create("locked");
    av_collection *c = NULL;
    CHECK_INT(av_collection_open(st, P, "default", "locked", &c, &e), AV_OK);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(2);                 /* the checker's message is expected; keep the log clean */
        av_store_lock(st);
        coll_wrlock(c);           /* store (4) then collection writer (2): out of order */
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    /* the right order passes */
    coll_wrlock(c);
    av_store_lock(st);
    CHECK_INT(av_lock_held(AV_LOCK_STORE), 1);
    av_store_unlock(st);
    coll_wrunlock(c);
    CHECK_INT(av_lock_held(AV_LOCK_COLLECTION), 0);
    CHECK_INT(av_lock_held(AV_LOCK_COLL_WRITER), 0);
    av_collection_release(c);
    av_store_close(st);
    test_rmdir(dir);
}

TEST_MAIN(TEST_CASE(writers_against_catalog_changes), TEST_CASE(reads_go_on_during_a_write),
          TEST_CASE(lock_order_violation_aborts))
