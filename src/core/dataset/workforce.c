/*
 * workforce.c — team labeling tasks (annovec_dataset.h, workforce.h): a task of a dataset, its teams
 * of workers (e-mail and role) as one JSON list, its state (created, running) and the dialect's own
 * fields (extra, stored as given). Tasks never write samples: their sample counts are read from the
 * dataset at query time. Locking: each call holds the store lock; writes are one transaction.
 */
#include "core/dataset/workforce.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TASK_COLUMNS "id, dataset, name, description, status, repetition, teams, extra, version, created_ms, updated_ms, started_ms"

static int bad(av_err *err, const char *task, int index, const char *fmt, const char *arg)
{
    int rc = av_fail_on(err, AV_EINVAL, AV_ENT_TASK, AV_R_NONE, task, NULL, fmt, arg ? arg : "");
    return ds_at(err, index, rc);
}

/* local@domain.tld-ish: one '@' with text on both sides, a '.' in the domain, no spaces or controls. */
static int email_ok(const char *e)
{
    size_t n = e ? strlen(e) : 0;
    const char *at = n ? strchr(e, '@') : NULL;
    if (!at || at == e || strchr(at + 1, '@') || n > AV_TASK_EMAIL_MAX) return 0;
    const char *dot = strchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == 0 || e[n - 1] == '.') return 0;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == ',' || *p == ';' || *p == '<' || *p == '>' || *p == '"') return 0;
    return 1;
}

int wf_teams_json(const av_task_team *teams, int n, const char *task, json_object **out, av_err *err)
{
    *out = NULL;
    if (!teams || n < 1) return bad(err, task, -1, "a task needs at least one team of workers%s", NULL);
    if (n > AV_TASK_TEAMS_MAX) return bad(err, task, -1, "a task has at most 100 teams%s", NULL);
    json_object *arr = json_object_new_array();
    for (int i = 0; i < n; i++) {
        const av_task_team *t = &teams[i];
        if (!ds_name_ok(t->id, 64)) { json_object_put(arr); return bad(err, task, i, "a team id must be 1 to 64 letters, digits, '_' or '-' (got \"%.64s\")", t->id); }
        for (int k = 0; k < i; k++)
            if (strcmp(teams[k].id, t->id) == 0) { json_object_put(arr); return bad(err, task, i, "team %.64s is given twice", t->id); }
        if (!t->workers || t->nworkers < 1) { json_object_put(arr); return bad(err, task, i, "team %.64s needs at least one worker", t->id); }
        if (t->nworkers > AV_TASK_WORKERS_MAX) { json_object_put(arr); return bad(err, task, i, "team %.64s has more than 1000 workers", t->id); }
        json_object *team = json_object_new_object(), *workers = json_object_new_array();
        json_object_object_add(team, "id", json_object_new_string(t->id));
        json_object_object_add(team, "workers", workers);
        json_object_array_add(arr, team);
        for (int w = 0; w < t->nworkers; w++) {
            const av_task_worker *wk = &t->workers[w];
            if (!email_ok(wk->email)) { json_object_put(arr); return bad(err, task, i, "a worker's email must look like name@example.com (got \"%.100s\")", wk->email); }
            if (wk->role < AV_ROLE_LABELER || wk->role > AV_ROLE_OWNER) { json_object_put(arr); return bad(err, task, i, "a worker's role must be 0 (labeler), 1 (reviewer), 2 (team admin) or 3 (dataset owner) (worker %.100s)", wk->email); }
            for (int k = 0; k < w; k++)
                if (strcasecmp(t->workers[k].email, wk->email) == 0) { json_object_put(arr); return bad(err, task, i, "worker %.100s is given twice in one team", wk->email); }
            json_object *o = json_object_new_object();
            json_object_object_add(o, "email", json_object_new_string(wk->email));
            json_object_object_add(o, "role", json_object_new_int(wk->role));
            json_object_array_add(workers, o);
        }
    }
    *out = arr;
    return AV_OK;
}

/* Checks what a spec sets (creating: the name and teams are required). *teams gets the rendered teams
 * (NULL when unchanged). */
static int spec_check(const av_task_spec *s, int creating, const char *task, json_object **teams, av_err *err)
{
    *teams = NULL;
    if (creating && !s->name) return av_fail_on(err, AV_EINVAL, AV_ENT_TASK, AV_R_MISSING, NULL, NULL, "a task needs a name");
    if (s->name && !ds_name_ok(s->name, AV_TASK_NAME_MAX))
        return av_fail_on(err, AV_EINVAL, AV_ENT_TASK, AV_R_NONE, s->name, NULL, "a task name must be 1 to %d letters, digits, '_' or '-'", AV_TASK_NAME_MAX);
    if (s->description && strlen(s->description) > AV_DS_DESC_MAX)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_TASK, AV_R_NONE, task, NULL, "a task description has at most %d bytes", AV_DS_DESC_MAX);
    if (s->repetition < 0 || s->repetition > AV_TASK_REPETITION_MAX)
        return av_fail_on(err, AV_EINVAL, AV_ENT_TASK, AV_R_NONE, task, NULL, "repetition (workers per sample) must be 1 to %d", AV_TASK_REPETITION_MAX);
    if (s->extra && !json_object_is_type(s->extra, json_type_object))
        return av_fail_on(err, AV_ETYPE, AV_ENT_TASK, AV_R_NONE, task, NULL, "a task's extra fields must be a JSON object");
    if (creating && (!s->teams || s->nteams < 0)) return wf_teams_json(NULL, 0, task, teams, err);
    if (s->teams && s->nteams >= 0) return wf_teams_json(s->teams, s->nteams, task, teams, err);
    return AV_OK;
}

static int no_task(av_err *err, const char *ds, const char *id)
{
    return av_fail_on(err, AV_ENOTFOUND, AV_ENT_TASK, AV_R_NONE, id, ds, "team labeling task %.64s does not exist in dataset %s", id, ds);
}

static int has_task(av_store *st, const char *ds, const char *id)
{
    return ds_scalar(st, "SELECT count(*) FROM workforce_task WHERE dataset = ?1 AND id = ?2", 2, ds, id) > 0;
}

static int name_taken(av_store *st, const char *ds, const char *name, const char *except, av_err *err)
{
    if (ds_scalar(st, "SELECT count(*) FROM workforce_task WHERE dataset = ?1 AND name = ?2 AND id <> coalesce(?3, '')", 3, ds, name, except))
        return av_fail_on(err, AV_EEXIST, AV_ENT_TASK, AV_R_NONE, name, ds, "a team labeling task named %s already exists in dataset %s", name, ds);
    return AV_OK;
}

int av_task_create(av_store *st, const char *project, const char *ds, const av_task_spec *spec, char id_out[20], av_err *err)
{
    json_object *teams;
    int rc = spec_check(spec, 1, spec->name, &teams, err);
    if (rc) return rc;
    char id[20];
    ds_id19(id);
    ds_row d;
    av_store_lock(st);
    rc = ds_load(st, project, ds, &d, err);
    if (!rc) rc = name_taken(st, d.id, spec->name, NULL, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        int64_t now = av_now_ms();
        rc = ds_exec(st, err, "INSERT INTO workforce_task(" TASK_COLUMNS ", seq) VALUES (%Q, %Q, %Q, %Q, %d, %d, %Q, %Q, "
                     "(SELECT current_version FROM dataset WHERE id = %Q), %lld, %lld, NULL, "
                     "(SELECT coalesce(max(seq), 0) + 1 FROM workforce_task WHERE dataset = %Q))",
                     id, d.id, spec->name, spec->description ? spec->description : "", AV_TASK_CREATED,
                     spec->repetition ? spec->repetition : 1, ds_json_text(teams), spec->extra ? ds_json_text(spec->extra) : "{}",
                     d.id, (long long)now, (long long)now, d.id);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    }
    av_store_unlock(st);
    json_object_put(teams);
    if (!rc) snprintf(id_out, 20, "%s", id);
    return rc;
}

static json_object *text_json(sqlite3_stmt *q, int col)
{
    const unsigned char *v = sqlite3_column_text(q, col);
    return v ? json_object_new_string((const char *)v) : NULL;
}

static json_object *parsed(sqlite3_stmt *q, int col)
{
    const unsigned char *v = sqlite3_column_text(q, col);
    json_object *o = v ? json_tokener_parse((const char *)v) : NULL;
    return o ? o : json_object_new_object();
}

/* The document of the row q is on, with the dataset's sample counts (samples) and worker counts. */
static json_object *task_doc(av_store *st, sqlite3_stmt *q, json_object *samples)
{
    json_object *o = json_object_new_object(), *teams = parsed(q, 6);
    json_object_object_add(o, "id", text_json(q, 0));
    json_object_object_add(o, "dataset_id", text_json(q, 1));
    json_object_object_add(o, "name", text_json(q, 2));
    json_object_object_add(o, "description", text_json(q, 3));
    ds_add_int(o, "status", sqlite3_column_int(q, 4));
    ds_add_int(o, "repetition", sqlite3_column_int(q, 5));
    int64_t roles[4] = { 0 };
    for (size_t i = 0; json_object_is_type(teams, json_type_array) && i < json_object_array_length(teams); i++) {
        json_object *w = NULL;
        json_object_object_get_ex(json_object_array_get_idx(teams, i), "workers", &w);
        for (size_t k = 0; w && k < json_object_array_length(w); k++) {
            json_object *r = NULL;
            json_object_object_get_ex(json_object_array_get_idx(w, k), "role", &r);
            int role = json_object_get_int(r);
            if (role >= 0 && role < 4) roles[role]++;
        }
    }
    ds_add_int(o, "team_count", json_object_is_type(teams, json_type_array) ? (int64_t)json_object_array_length(teams) : 0);
    ds_add_int(o, "labelers", roles[AV_ROLE_LABELER]);
    ds_add_int(o, "reviewers", roles[AV_ROLE_REVIEWER]);
    ds_add_int(o, "admins", roles[AV_ROLE_ADMIN]);
    ds_add_int(o, "owners", roles[AV_ROLE_OWNER]);
    json_object_object_add(o, "teams", teams);
    json_object_object_add(o, "extra", parsed(q, 7));
    json_object_object_add(o, "version_id", text_json(q, 8));
    ds_add_int(o, "created_ms", sqlite3_column_int64(q, 9));
    ds_add_int(o, "updated_ms", sqlite3_column_int64(q, 10));
    json_object_object_add(o, "started_ms", sqlite3_column_type(q, 11) == SQLITE_NULL ? NULL : json_object_new_int64(sqlite3_column_int64(q, 11)));
    json_object_object_add(o, "samples", json_object_get(samples));
    (void)st;
    return o;
}

/* {total, unannotated, annotated, auto, deleted} of the dataset's samples now. */
static json_object *sample_counts(av_store *st, const char *ds)
{
    json_object *o = json_object_new_object();
    sqlite3_stmt *q = ds_query(st, NULL, "SELECT count(*), coalesce(sum(status = 0), 0), coalesce(sum(status = 1), 0), "
                                         "coalesce(sum(status = 2), 0) FROM sample WHERE dataset = ?1", 1, ds);
    int row = q && sqlite3_step(q) == SQLITE_ROW;
    ds_add_int(o, "total", row ? sqlite3_column_int64(q, 0) : 0);
    ds_add_int(o, "unannotated", row ? sqlite3_column_int64(q, 1) : 0);
    ds_add_int(o, "annotated", row ? sqlite3_column_int64(q, 2) : 0);
    ds_add_int(o, "auto", row ? sqlite3_column_int64(q, 3) : 0);
    sqlite3_finalize(q);
    ds_add_int(o, "deleted", ds_scalar(st, "SELECT deleted_samples FROM dataset WHERE id = ?1", 1, ds));
    return o;
}

int av_task_get(av_store *st, const char *project, const char *ds, const char *id, json_object **out, av_err *err)
{
    *out = NULL;
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    sqlite3_stmt *q = rc ? NULL : ds_query(st, err, "SELECT " TASK_COLUMNS " FROM workforce_task WHERE dataset = ?1 AND id = ?2", 2, d.id, id);
    if (!rc && !q) rc = err ? err->code : AV_EIO;
    if (!rc) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            json_object *samples = sample_counts(st, d.id);
            *out = task_doc(st, q, samples);
            json_object_put(samples);
        } else rc = no_task(err, d.id, id);
    }
    sqlite3_finalize(q);
    av_store_unlock(st);
    return rc;
}

int av_task_list(av_store *st, const char *project, const char *ds, int offset, int limit, json_object **out, int64_t *total, av_err *err)
{
    *out = NULL;
    *total = 0;
    if (offset < 0 || limit < 1 || limit > AV_TASK_LIST_MAX)
        return av_fail_on(err, AV_EINVAL, AV_ENT_TASK, AV_R_NONE, NULL, ds, "offset must be 0 or more and limit 1 to %d", AV_TASK_LIST_MAX);
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) {
        char lim[24], off[24];
        snprintf(lim, sizeof lim, "%d", limit);
        snprintf(off, sizeof off, "%d", offset);
        sqlite3_stmt *q = ds_query(st, err, "SELECT " TASK_COLUMNS " FROM workforce_task WHERE dataset = ?1 ORDER BY seq LIMIT ?2 OFFSET ?3",
                                   3, d.id, lim, off);
        if (!q) rc = err ? err->code : AV_EIO;
        else {
            json_object *arr = json_object_new_array(), *samples = sample_counts(st, d.id);
            while (sqlite3_step(q) == SQLITE_ROW) json_object_array_add(arr, task_doc(st, q, samples));
            sqlite3_finalize(q);
            json_object_put(samples);
            *total = ds_scalar(st, "SELECT count(*) FROM workforce_task WHERE dataset = ?1", 1, d.id);
            *out = arr;
        }
    }
    av_store_unlock(st);
    return rc;
}

/* Applies spec (and, with start, the running state) to an existing task in one transaction. */
static int change(av_store *st, const char *project, const char *ds, const char *id, const av_task_spec *spec, int start, av_err *err)
{
    json_object *teams;
    int rc = spec_check(spec, 0, id, &teams, err);
    if (rc) return rc;
    ds_row d;
    av_store_lock(st);
    rc = ds_load(st, project, ds, &d, err);
    if (!rc && !has_task(st, d.id, id)) rc = no_task(err, d.id, id);
    if (!rc && spec->name) rc = name_taken(st, d.id, spec->name, id, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        int64_t now = av_now_ms();
        rc = ds_exec(st, err, "UPDATE workforce_task SET name = coalesce(%Q, name), description = coalesce(%Q, description), "
                     "repetition = CASE WHEN %d > 0 THEN %d ELSE repetition END, teams = coalesce(%Q, teams), "
                     "extra = CASE WHEN %Q IS NULL THEN extra ELSE json_patch(extra, %Q) END, updated_ms = %lld WHERE id = %Q",
                     spec->name, spec->description, spec->repetition, spec->repetition, teams ? ds_json_text(teams) : NULL,
                     spec->extra ? ds_json_text(spec->extra) : NULL, spec->extra ? ds_json_text(spec->extra) : NULL,
                     (long long)now, id);
        if (!rc && start)
            rc = ds_exec(st, err, "UPDATE workforce_task SET status = %d, started_ms = coalesce(started_ms, %lld) WHERE id = %Q",
                         AV_TASK_RUNNING, (long long)now, id);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    }
    av_store_unlock(st);
    json_object_put(teams);
    return rc;
}

int av_task_update(av_store *st, const char *project, const char *ds, const char *id, const av_task_spec *spec, av_err *err)
{
    if (!spec->name && !spec->description && !spec->repetition && !(spec->teams && spec->nteams >= 0) && !spec->extra)
        return av_fail_on(err, AV_EINVAL, AV_ENT_TASK, AV_R_MISSING, id, ds, "nothing to update: give a name, a description or the teams");
    return change(st, project, ds, id, spec, 0, err);
}

int av_task_start(av_store *st, const char *project, const char *ds, const char *id, const av_task_team *teams, int nteams, av_err *err)
{
    av_task_spec spec = { .teams = teams, .nteams = teams ? nteams : -1 };
    return change(st, project, ds, id, &spec, 1, err);
}

int av_task_delete(av_store *st, const char *project, const char *ds, const char *id, av_err *err)
{
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc && !has_task(st, d.id, id)) rc = no_task(err, d.id, id);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        rc = ds_exec(st, err, "DELETE FROM workforce_task WHERE id = %Q", id);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    }
    av_store_unlock(st);
    return rc;
}
