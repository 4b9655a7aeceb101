/*
 * lockorder.h — the engine's lock order, checked at run time in debug builds (any build without
 * NDEBUG, which includes every build the tests use).
 *
 * Order (a thread may only take a lock of a higher rank than every lock it holds):
 *     catalog rwlock (1) -> collection writer mutex (2) -> collection rwlock (3) -> store writer mutex (4)
 * Each lock wrapper calls av_lock_acquire(rank) before it blocks and av_lock_release(rank) after it
 * unlocks; a thread that takes a lock out of order aborts with a message naming both ranks, so a
 * deadlock-prone path fails the first time it runs instead of hanging one run in a thousand.
 * Per-thread state only (a thread-local count per rank): no locking of its own.
 */
#ifndef AV_LOCKORDER_H
#define AV_LOCKORDER_H

enum { AV_LOCK_CATALOG = 1, AV_LOCK_COLL_WRITER = 2, AV_LOCK_COLLECTION = 3, AV_LOCK_STORE = 4, AV_LOCK_RANKS = 5 };

#ifndef NDEBUG
void av_lock_acquire(int rank);
void av_lock_release(int rank);
/* Number of locks of `rank` the calling thread holds (for tests and assertions). */
int  av_lock_held(int rank);
#else
static inline void av_lock_acquire(int rank) { (void)rank; }
static inline void av_lock_release(int rank) { (void)rank; }
static inline int  av_lock_held(int rank) { (void)rank; return 0; }
#endif

#endif
