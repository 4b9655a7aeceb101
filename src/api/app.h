/*
 * app.h — what every dialect's handlers share: the store, the credential checker, and the route
 * registration functions of each dialect.
 */
#ifndef AV_APP_H
#define AV_APP_H

#include "annovec.h"

typedef struct av_app {
    av_store *store;
    struct av_auth *auth;    /* NULL without --auth */
} av_app;

/* Registers the routes of each dialect (call once, before av_http_start). */
void milvus_v1_register(void);
void milvus_v2_register(void);
void vikingdb_v1_register(void);
void vikingdb_v2_register(void);
void vikingdb_task_register(void);
void modelarts_register(void);
void modelarts_v1_register(void);
void annovec_v1_register(void);   /* annovec's own read-only endpoints (annovec_v1.c) */
/* All of the above (routes.c). */
void api_register_routes(void);

#endif
