/*
 * dataset.h — what dataset.c offers the files above it (job.c): creating a dataset inside the
 * caller's transaction, so that a dataset and what is made with it (an annotation job) commit
 * together. Uses dsrow.h. Caller holds the store lock inside a transaction.
 */
#ifndef AV_DS_DATASET_H
#define AV_DS_DATASET_H

#include "core/dataset/dsrow.h"

/* av_dataset_create without the lock and the transaction: checks the spec, refuses a taken name
 * (AV_EEXIST, entity DATASET), inserts the dataset and imports the files under its input path. */
int dataset_create_in(av_store *st, const char *project, const av_dataset_spec *spec, char id_out[20], av_err *err);

#endif
