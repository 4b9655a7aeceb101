/*
 * routes.c — registers every dialect's routes with the HTTP router, in one place for the server, the
 * route fuzzer and the dialect tests. No state of its own (the router keeps the table).
 */
#include "api/app.h"
#include "api/modelarts.h"

void api_register_routes(void)
{
    milvus_v1_register();
    milvus_v2_register();
    vikingdb_v1_register();
    vikingdb_v2_register();
    vikingdb_task_register();
    modelarts_register();
    modelarts_v1_register();
    modelarts_tasks_register();
    annovec_v1_register();
}
