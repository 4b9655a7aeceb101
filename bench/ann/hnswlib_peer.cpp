// hnswlib_peer.cpp — the peer for bench_ann: hnswlib (Debian's libhnswlib-dev, header-only C++)
// behind a tiny C interface, so that bench_ann.c runs both indexes on the same data, in the same
// process, with the same parameters and threads. L2 only (what the benchmark measures).
#include <hnswlib/hnswlib.h>

#include <cstdint>
#include <cstdio>

extern "C" {
#include "hnswlib_peer.h"
}

struct peer { hnswlib::L2Space *space; hnswlib::HierarchicalNSW<float> *index; size_t dim; };

extern "C" peer *peer_new(size_t dim, size_t max_elements, int M, int efc)
{
    peer *p = new peer;
    p->dim = dim;
    p->space = new hnswlib::L2Space(dim);
    p->index = new hnswlib::HierarchicalNSW<float>(p->space, max_elements, (size_t)M, (size_t)efc, 100);
    return p;
}

extern "C" void peer_add(peer *p, const float *v, uint64_t label) { p->index->addPoint(v, (hnswlib::labeltype)label); }

extern "C" void peer_delete(peer *p, uint64_t label) { p->index->markDelete((hnswlib::labeltype)label); }

extern "C" int peer_search(peer *p, const float *q, int k, int ef, uint64_t *out)
{
    p->index->setEf((size_t)ef);
    auto r = p->index->searchKnn(q, (size_t)k);
    int n = (int)r.size();
    for (int i = n - 1; i >= 0; i--) { out[i] = r.top().second; r.pop(); }
    return n;
}

extern "C" size_t peer_bytes_per_element(peer *p)
{
    // what hnswlib allocates per element: level-0 block (links, vector, label) plus upper links on average
    return p->index->size_data_per_element_ + sizeof(void *);
}

extern "C" int peer_save_load(peer *p, const char *path, double *load_seconds, double (*now)(void))
{
    p->index->saveIndex(path);
    double t0 = now();
    auto *again = new hnswlib::HierarchicalNSW<float>(p->space, path);
    *load_seconds = now() - t0;
    delete again;
    std::remove(path);
    return 0;
}

extern "C" void peer_free(peer *p)
{
    delete p->index;
    delete p->space;
    delete p;
}
