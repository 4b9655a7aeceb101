/*
 * workforce.h — team labeling tasks (workforce.c; public API in annovec_dataset.h): the checks of a
 * task's teams, shared by create, update and start, and exposed for unit tests' reading. workforce.c
 * sits on dsrow.c only (the dataset row, SQL helpers): it reads sample counts with its own queries and
 * writes no table but workforce_task. Caller holds nothing; each call takes the store lock.
 */
#ifndef AV_DS_WORKFORCE_H
#define AV_DS_WORKFORCE_H

#include "core/dataset/dsrow.h"

/* Checks teams[0..n) (ids, e-mails, roles, limits, duplicates) and renders them as the stored JSON
 * list [{"id","workers":[{"email","role"}]}] into *out (a new array). AV_EINVAL about the task. */
int wf_teams_json(const av_task_team *teams, int n, const char *task, json_object **out, av_err *err);

#endif
