/*
 * purge.c — the purge thread and the background frees (see store.h).
 *
 * Deletes call store_note_delete(); the thread then runs every registered hook's `purge` (the parts
 * above erase what their deletes left: orphaned rows, unreferenced files), returns free pages to the
 * file system (auto_vacuum=INCREMENTAL, so the file shrinks) and checkpoints with TRUNCATE, so the
 * pages secure_delete zeroed replace the old bytes in annovec.db and the WAL (which still holds the
 * inserted bytes) is emptied. The file shrinks VACUUM_STEP pages at a time, each step checkpointed:
 * the WAL never holds more than a step (so a full disk, once the reserve is given back, has room for
 * it) and a writer waits at most one step. It waits for a quiet moment (no delete for PURGE_QUIET_MS) but never
 * longer than PURGE_MAX_DELAY_MS after the first pending delete. Each wake also runs the hooks'
 * `tick` (TTL expiry); while one asks for it, the thread wakes every PURGE_TICK_MS.
 *
 * Locking: purge_mu guards the schedule and lazy_running; it is never held while a hook runs, and
 * hooks take the engine's own locks in the documented order.
 */
#include "core/store/store_internal.h"
#include "lib/util.h"

#include <time.h>

#define PURGE_QUIET_MS 200
#define PURGE_MAX_DELAY_MS 2000
#define PURGE_TICK_MS 1000   /* how often `tick` runs while a hook asks for it (expired rows) */
#define VACUUM_STEP 256      /* pages (1 MiB) returned to the file system per transaction */
#define VACUUM_SQL "PRAGMA incremental_vacuum(256); PRAGMA wal_checkpoint(TRUNCATE)"

typedef struct lazy_job { av_store *st; void (*fn)(void *); void *arg; } lazy_job;

static void *lazy_main(void *p)
{
    lazy_job *j = p;
    j->fn(j->arg);
    pthread_mutex_lock(&j->st->purge_mu);
    j->st->lazy_running--;
    pthread_cond_broadcast(&j->st->purge_cv);
    pthread_mutex_unlock(&j->st->purge_mu);
    free(j);
    return NULL;
}

void store_lazy_free(av_store *st, void (*fn)(void *), void *arg)
{
    lazy_job *j = xmalloc(sizeof *j);
    *j = (lazy_job){ st, fn, arg };
    pthread_mutex_lock(&st->purge_mu);
    st->lazy_running++;
    pthread_mutex_unlock(&st->purge_mu);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, lazy_main, j) != 0) lazy_main(j);
    pthread_attr_destroy(&attr);
}

void store_note_delete(av_store *st)
{
    pthread_mutex_lock(&st->purge_mu);
    int64_t now = av_now_ms();
    if (!st->purge_pending) st->purge_first_ms = now;
    st->purge_pending = 1;
    st->purge_last_ms = now;
    st->delete_commits++;
    pthread_cond_signal(&st->purge_cv);
    pthread_mutex_unlock(&st->purge_mu);
}

int av_store_purge(av_store *st, av_err *err)
{
    av_store_make_room(st);
    for (int i = 0; i < st->nhooks; i++)
        if (st->hooks[i].purge) st->hooks[i].purge(st, st->hooks[i].arg);
    int rc, left;
    do {
        av_store_lock(st);
        left = store_count(st->db, "PRAGMA freelist_count", NULL, NULL) - VACUUM_STEP;
        rc = store_db_exec(st->db, VACUUM_SQL, err);
        av_store_unlock(st);
    } while (rc == AV_OK && left > 0);
    store_space_restore(st);
    pthread_mutex_lock(&st->purge_mu);
    st->purge_done_ms = av_now_ms();
    pthread_mutex_unlock(&st->purge_mu);
    return rc;
}

/* Runs every hook's tick; returns 1 when one wants to run again soon. Ticks delete (expired rows). */
static int tick_all(av_store *st)
{
    int again = 0;
    av_store_make_room(st);
    for (int i = 0; i < st->nhooks; i++)
        if (st->hooks[i].tick) again |= st->hooks[i].tick(st, st->hooks[i].arg);
    return again;
}

static void wait_ms(av_store *st, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + ms * 1000000LL;
    ts.tv_sec += ns / 1000000000LL;
    ts.tv_nsec = ns % 1000000000LL;
    pthread_cond_timedwait(&st->purge_cv, &st->purge_mu, &ts);
}

static void *purge_main(void *arg)
{
    av_store *st = arg;
    pthread_mutex_lock(&st->purge_mu);
    while (!st->purge_stop) {
        pthread_mutex_unlock(&st->purge_mu);
        int again = tick_all(st);
        pthread_mutex_lock(&st->purge_mu);
        if (st->purge_stop) break;
        if (!st->purge_pending) {
            if (again) wait_ms(st, PURGE_TICK_MS);
            else pthread_cond_wait(&st->purge_cv, &st->purge_mu);
            continue;
        }
        int64_t now = av_now_ms();
        int64_t due = st->purge_last_ms + PURGE_QUIET_MS;
        if (due > st->purge_first_ms + PURGE_MAX_DELAY_MS) due = st->purge_first_ms + PURGE_MAX_DELAY_MS;
        if (now < due) {
            wait_ms(st, due - now);
            continue;
        }
        st->purge_pending = 0;
        pthread_mutex_unlock(&st->purge_mu);
        av_store_purge(st, NULL);
        pthread_mutex_lock(&st->purge_mu);
    }
    pthread_mutex_unlock(&st->purge_mu);
    return NULL;
}

void store_start(av_store *st)
{
    int leftover = 0;
    for (int i = 0; i < st->nhooks; i++)
        if (st->hooks[i].leftover) leftover |= st->hooks[i].leftover(st, st->hooks[i].arg);
    st->purger_started = pthread_create(&st->purger, NULL, purge_main, st) == 0;
    if (!st->purger_started) abort();
    if (leftover) store_note_delete(st);   /* work a crash left: orphaned rows, files to erase */
}

void store_stop(av_store *st)
{
    if (!st->purger_started) return;
    pthread_mutex_lock(&st->purge_mu);
    st->purge_stop = 1;
    pthread_cond_broadcast(&st->purge_cv);
    pthread_mutex_unlock(&st->purge_mu);
    pthread_join(st->purger, NULL);
    st->purger_started = 0;
}

int store_stopping(av_store *st)
{
    pthread_mutex_lock(&st->purge_mu);
    int stop = st->purge_stop;
    pthread_mutex_unlock(&st->purge_mu);
    return stop;
}

void store_wait_lazy(av_store *st)
{
    pthread_mutex_lock(&st->purge_mu);
    while (st->lazy_running) pthread_cond_wait(&st->purge_cv, &st->purge_mu);
    pthread_mutex_unlock(&st->purge_mu);
}
