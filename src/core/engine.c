/*
 * engine.c — opens and closes the whole engine behind one av_store handle: the store (data dir,
 * database), then the vector part (catalog) and the dataset part (objects), each registering its
 * purge hooks, then the purge thread. The only file of src/core/ that sees every part.
 */
#include "core/store/store.h"
#include "core/vector/catalog.h"
#include "core/dataset/objects.h"

int av_store_open(const char *dir, av_store **out, av_err *err)
{
    av_store *st = NULL;
    int rc = store_open(dir, &st, err);
    if (rc) return rc;
    rc = catalog_open(st, err);
    if (rc) {
        store_close(st);
        return rc;
    }
    objects_attach(st);
    store_start(st);
    *out = st;
    return AV_OK;
}

void av_store_close(av_store *st)
{
    if (!st) return;
    store_stop(st);
    catalog_close(st);
    store_wait_lazy(st);      /* background frees of dropped or emptied collections */
    av_store_purge(st, NULL);
    store_close(st);
}
