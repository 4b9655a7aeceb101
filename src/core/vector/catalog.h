/*
 * catalog.h — the catalog's life cycle (catalog.c), driven by core/engine.c. Not part of the public API.
 */
#ifndef AV_CATALOG_H
#define AV_CATALOG_H

#include "annovec.h"

typedef struct av_catalog av_catalog;

/* Loads every collection into memory and registers the vector part's purge hooks. */
int  catalog_open(av_store *st, av_load_fn fn, void *arg, av_err *err);   /* fn: see av_store_open_with */
/* Releases every collection (after the purge thread stopped). */
void catalog_close(av_store *st);

#endif
