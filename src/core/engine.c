/*
 * engine.c — opens and closes the whole engine behind one av_store handle: the store (data dir,
 * database), then the vector part (catalog) and the dataset part (objects), each registering its
 * purge hooks, then the purge thread. The only file of src/core/ that sees every part; so it also
 * sums the figures of av_store_stats_get (the store's purge figures, the catalog's collections).
 */
#include "core/store/store.h"
#include "core/vector/catalog.h"
#include "core/dataset/objects.h"

#include <stdlib.h>

int av_store_open(const char *dir, av_store **out, av_err *err)
{
    return av_store_open_with(dir, NULL, NULL, out, err);
}

int av_store_open_with(const char *dir, av_load_fn fn, void *arg, av_store **out, av_err *err)
{
    av_store *st = NULL;
    int rc = store_open(dir, &st, err);
    if (rc) return rc;
    rc = catalog_open(st, fn, arg, err);
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
    store_wait_lazy(st);      /* index maintenance jobs stop at their next step */
    catalog_close(st);
    store_wait_lazy(st);      /* background frees of dropped or emptied collections */
    av_store_purge(st, NULL);
    store_close(st);
}

/* The store's purge figures, then every project's collections and their live entities. */
void av_store_stats_get(av_store *st, av_store_stats *out)
{
    store_stats_purge(st, out);
    av_err e;
    size_t np = 0;
    char **projects = store_project_ids(st, &np);
    for (size_t p = 0; p < np; p++) {
        char **dbs = NULL;
        size_t ndb = 0;
        if (av_db_list(st, projects[p], &dbs, &ndb, &e) == AV_OK) {
            for (size_t d = 0; d < ndb; d++) {
                char **names = NULL;
                size_t nc = 0;
                if (av_collection_list(st, projects[p], dbs[d], &names, &nc, &e) == AV_OK) {
                    for (size_t c = 0; c < nc; c++) {
                        av_collection *coll;
                        if (av_collection_open(st, projects[p], dbs[d], names[c], &coll, &e) == AV_OK) {
                            out->collections++;
                            out->entities += av_collection_count(coll);
                            av_collection_release(coll);
                        }
                        free(names[c]);
                    }
                    free(names);
                }
                free(dbs[d]);
            }
            free(dbs);
        }
        free(projects[p]);
    }
    free(projects);
}
