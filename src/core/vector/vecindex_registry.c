/*
 * vecindex_registry.c — index type -> implementation (see vecindex.h). The built-in implementations
 * are listed in `builtin`; an HNSW index adds itself there (or calls av_vecindex_register, as the
 * unit tests' recording index does).
 *
 * Locking: `mu` guards the registered list. It is a leaf lock, held only inside the two functions
 * below (which take no other lock), so it needs no rank in lib/lockorder.h: av_vecindex_for runs in
 * coll_new, under the catalog lock.
 */
#include "core/vector/vecindex.h"
#include "lib/util.h"

#include <pthread.h>
#include <strings.h>

static const av_vecindex_ops *const builtin[] = { &av_flat_index, &av_hnsw_index, &av_autoindex_index };
#define NBUILTIN (sizeof builtin / sizeof *builtin)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const av_vecindex_ops *registered[AV_VECINDEX_MAX - NBUILTIN];
static size_t nregistered;

/* The implementation named `type`, or NULL. Caller holds mu. */
static const av_vecindex_ops *find(const char *type)
{
    for (size_t i = 0; i < NBUILTIN; i++)
        if (strcasecmp(builtin[i]->name, type) == 0) return builtin[i];
    for (size_t i = 0; i < nregistered; i++)
        if (strcasecmp(registered[i]->name, type) == 0) return registered[i];
    return NULL;
}

const av_vecindex_ops *av_vecindex_for(const char *type, int *fallback)
{
    if (!type || !*type) type = av_flat_index.name;
    pthread_mutex_lock(&mu);
    const av_vecindex_ops *ops = find(type);
    pthread_mutex_unlock(&mu);
    if (fallback) *fallback = ops == NULL;
    return ops ? ops : &av_flat_index;
}

int av_vecindex_register(const av_vecindex_ops *ops, av_err *err)
{
    int rc = AV_OK;
    pthread_mutex_lock(&mu);
    if (find(ops->name))
        rc = av_fail(err, AV_EEXIST, "an index type named \"%s\" is already registered", ops->name);
    else if (nregistered == sizeof registered / sizeof *registered)
        rc = av_fail(err, AV_ELIMIT, "%d index types are registered already; that is the limit", AV_VECINDEX_MAX);
    else
        registered[nregistered++] = ops;
    pthread_mutex_unlock(&mu);
    return rc;
}
