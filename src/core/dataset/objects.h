/*
 * objects.h — engine-internal content-addressed object store: source files (images, text) kept in
 * DATA/objects/<2 hex>/<64 hex sha256>, stored once however many samples or versions use them, with a
 * reference count in SQLite (table `object`).
 *
 * Invariants:
 *  - a file is complete before any row points at it: written to DATA/objects/tmp, fsynced, renamed
 *    into place, directory fsynced (an object is never half-written);
 *  - reference changes happen inside the caller's transaction (the caller holds the store lock and an
 *    open transaction), so a sample and its reference change together or not at all;
 *  - when a count reaches 0 the object is queued in `object_trash` in that same transaction; the
 *    purge thread (objects_purge) zero-fills and unlinks queued files only after the commit, so a crash
 *    never leaves a committed reference to a missing file, and erased bytes are overwritten.
 */
#ifndef AV_OBJECTS_H
#define AV_OBJECTS_H

#include <stddef.h>
#include <stdint.h>
#include "annovec.h"

#define AV_OBJECT_MAX (64u << 20)   /* bytes in one object */

/* Writes data as an object (if it is not there yet) and returns its sha256 hex. Needs no lock: the
 * file is content-addressed, so concurrent writers of the same bytes produce the same file. */
int objects_write(av_store *st, const void *data, size_t n, char sha[65], av_err *err);
/* Adds delta (+1 or -1) to an object's count, creating its row on the first reference; a count that
 * reaches 0 queues the file for erasure. Caller holds the store lock inside a transaction. */
int objects_ref(av_store *st, const char *sha, int64_t size, int delta, av_err *err);
/* Current reference count (0 when unknown). */
int64_t objects_refs(av_store *st, const char *sha);
/* Reads an object whole (caller frees *data). AV_ENOTFOUND when absent. */
int objects_read(av_store *st, const char *sha, void **data, size_t *n, av_err *err);
/* Erases an object file that no row refers to (after a failed or rolled-back write; caller holds
 * the store lock). */
void objects_discard(av_store *st, const char *sha);
/* Erases the files queued in object_trash whose count is still 0 (zero-fill, fsync, unlink). */
void objects_purge(av_store *st);
/* Registers the object store's purge hooks with the store (erasure; leftovers of a crash). */
void objects_attach(av_store *st);

#endif
