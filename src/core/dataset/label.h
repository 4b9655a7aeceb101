/*
 * label.h — a dataset's labels (label.c): checking definitions, creating, updating, listing, and
 * normalising the labels put on a sample. Uses dsrow.h. Caller holds the store lock; functions that
 * write need an open transaction. (Deleting labels is in dataset.c: a policy may delete samples.)
 */
#ifndef AV_DS_LABEL_H
#define AV_DS_LABEL_H

#include "core/dataset/dsrow.h"

/* Checks label definitions without writing: AV_ELIMIT past AV_DS_LABEL_MAX, AV_EINVAL for a missing
 * or too long name, AV_ETYPE for a property that is not an object (entity LABEL, index). */
int label_check_list(const av_label_def *labels, int n, av_err *err);
/* Creates the labels of a list (already checked), ignoring names that exist. */
int label_create_list(av_store *st, const ds_row *ds, const av_label_def *labels, int n, av_err *err);
/* av_labels_add / av_labels_update inside the caller's transaction. */
int label_add_list(av_store *st, const ds_row *ds, const av_label_def *labels, int n, av_err *err);
int label_update_list(av_store *st, const ds_row *ds, const av_label_def *labels, int n, av_err *err);
/* 1 when the dataset has a label of that name. */
int label_exists(av_store *st, const ds_row *ds, const char *name);
/* The dataset's labels as a new array [{name, type, property}] in creation order. */
json_object *label_list_of(av_store *st, const char *ds);
/* A sample's labels as stored: a new array [{name,type,property,score?,annotated_by}] (checked). */
int label_normalize(const ds_row *ds, const av_label_def *labels, int n, int final, json_object **out, av_err *err);
/* Makes sure each label named in a stored array (label_normalize's form) exists in the dataset. */
int label_ensure(av_store *st, const ds_row *ds, json_object *labels, av_err *err);

#endif
