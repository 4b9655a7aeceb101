/*
 * file.h — a project's file namespace (file.c): OBS-like paths bound to objects of the
 * content-addressed store, and the reference rule (a path is removed only when no sample of any
 * dataset and no version refers to it). Uses dsrow.h and objects.h. Caller holds the store lock;
 * functions that write need an open transaction.
 */
#ifndef AV_DS_FILE_H
#define AV_DS_FILE_H

#include "core/dataset/dsrow.h"

/* Looks up a path: 1 found (sha, size set; size may be NULL), 0 absent, <0 error. */
int file_lookup(av_store *st, const char *project, const char *path, char sha[65], int64_t *size);
/* Binds path to the stored object sha (written by objects_write), taking one object reference.
 * A path that exists with other bytes is replaced only when nothing refers to it. */
int file_bind(av_store *st, const char *project, const char *path, const char *sha, int64_t size, av_err *err);
/* Samples (of any dataset) and versions that refer to path, not counting sample `except`. */
int64_t file_sample_refs(av_store *st, const char *project, const char *path, const char *except);
int64_t file_version_refs(av_store *st, const char *project, const char *path);
/* Removes path now if nothing refers to it (1), else marks it to go with its last reference (0). */
int file_delete_or_doom(av_store *st, const char *project, const char *path, av_err *err);
/* Marks a path to go with its last reference (no error when it does not exist). */
int file_doom(av_store *st, const char *project, const char *path, av_err *err);
/* Removes every doomed path of the project that nothing refers to any more. */
int file_collect(av_store *st, const char *project, av_err *err);
/* Writes bytes as an object (its hash into sha) and binds them to path; erases the object if the
 * bind fails and nothing else holds it. After rolling back a transaction that stored files, call
 * objects_discard() on their hashes. */
int file_store(av_store *st, const char *project, const char *path, const void *data, size_t n, char sha[65], av_err *err);
/* Paths under a directory prefix (recursive), in path order: a new array of strings. */
json_object *file_list_under(av_store *st, const char *project, const char *dir);

#endif
