/* hnswlib_peer.h — the C face of hnswlib_peer.cpp (the peer index of bench_ann.c). */
#ifndef AV_BENCH_HNSWLIB_PEER_H
#define AV_BENCH_HNSWLIB_PEER_H

#include <stddef.h>
#include <stdint.h>

typedef struct peer peer;
peer *peer_new(size_t dim, size_t max_elements, int M, int efc);
void peer_add(peer *p, const float *v, uint64_t label);
void peer_delete(peer *p, uint64_t label);                 /* markDelete: hnswlib's only delete */
int peer_search(peer *p, const float *q, int k, int ef, uint64_t *out);   /* labels, best first */
size_t peer_bytes_per_element(peer *p);
int peer_save_load(peer *p, const char *path, double *load_seconds, double (*now)(void));
void peer_free(peer *p);

#endif
