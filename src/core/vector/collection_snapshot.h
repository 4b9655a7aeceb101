/*
 * collection_snapshot.h — a collection's vector index across a restart: saved at av_store_close when
 * the index has state worth keeping (an ANN graph; FLAT has none), read back at av_store_open when it
 * still matches the rows reloaded from SQLite, else rebuilt from them (vecindex.h: save, load, remap,
 * build).
 *
 * File: DATA/vecindex-<sid>.snap (sid: the collection's storage id), written as .tmp, fsynced and
 * renamed into place. Layout, native byte order (a snapshot is for the machine that wrote it):
 *     [index payload: what ops->save wrote, from offset 0]
 *     [trailer: "AVSN", version, index name, dim, metric, pk type, nslots, live, then per slot
 *      alive (u8) and, when alive, its pk (i64, or u32 length + bytes)]
 *     [u64 offset of the trailer]["AVSNAP01"]
 * The index writes first, so when it has nothing to save the file stays empty and is removed: no
 * pk ever reaches the disk for FLAT. The trailer's pks map saved slots to reloaded slots (rows are
 * reloaded in rowid order, not slot order), which the index then gets as one remap.
 *
 * A snapshot is used once: opening erases it (zero-filled, unlinked) whether it was used or not, so
 * a crash after the open can never bring back a stale one; only a clean close writes one.
 * Locking: coll_index_save takes the collection's read lock, coll_index_open its write lock.
 */
#ifndef AV_COLLECTION_SNAPSHOT_H
#define AV_COLLECTION_SNAPSHOT_H

#include "core/vector/collection.h"

/* At store open, after coll_load: fills c's index from its snapshot when there is one that matches
 * the reloaded rows, else builds it from the rows. Erases the snapshot either way. Returns 1 when the
 * snapshot was used, 0 when the index was built. */
int coll_index_open(av_collection *c);
/* At store close: writes c's snapshot when its index has something to save. AV_OK also when there
 * was nothing to save; AV_EIO when it could not be written (nothing is left behind, and the next open
 * builds the index). */
int coll_index_save(av_collection *c, av_err *err);

#endif
