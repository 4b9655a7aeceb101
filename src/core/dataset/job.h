/*
 * job.h — annotation jobs (job.c; public API in annovec_dataset.h): a job's row and its loader, for
 * the code of job.c and its unit tests' reading. job.c sits on top of the dataset part: it uses
 * dataset.h (creating a dataset inside its transaction), sample.h (deleting samples under the source
 * rule, importing files) and file.h (the reference rule); nothing below uses it. Caller holds the
 * store lock.
 */
#ifndef AV_DS_JOB_H
#define AV_DS_JOB_H

#include "core/dataset/dsrow.h"

typedef struct job_row {
    int64_t num;
    char id[37];
    char dataset[20];
    int owns_dataset, kind;
    char path[AV_DS_PATH_MAX + 1];
} job_row;

/* Loads a job of the project by id (when id is not NULL) or by num: AV_ENOTFOUND (entity JOB). */
int job_load(av_store *st, const char *project, const char *id, int64_t num, job_row *out, av_err *err);

#endif
