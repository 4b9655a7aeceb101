/*
 * vikingdb_common.c — see vikingdb.h.
 */
#include "api/vikingdb.h"
#include "api/app.h"
#include "auth/auth.h"
#include "auth/volc_sign.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *header_of(void *ctx, const char *name)
{
    return av_http_header(ctx, name);
}

int vk_authenticate(av_http_req *req, av_err *err)
{
    av_app *app = req->app;
    const char *h = av_http_header(req, "Authorization");
    if (!h || strncmp(h, "HMAC-SHA256", 11) != 0) return av_auth_bearer(app->auth, h, &req->principal, err);
    char *query = av_http_query_string(req);
    volc_request vr = { req->method, req->path, query, header_of, req, req->body, req->body_len };
    int rc = av_auth_volc(app->auth, &vr, h, (int64_t)time(NULL), &req->principal, err);
    free(query);
    return rc;
}

json_object *vk_row_json(av_collection *c, const mv_fields *sel, const av_row_view *row, const char *pk_key, int nest)
{
    const char *pk = av_schema_pk(av_collection_schema(c))->name;
    json_object *all = mv_render_row(c, row, sel, pk, 0);
    if (!nest && !pk_key) return all;
    json_object *o = json_object_new_object(), *fields = nest ? json_object_new_object() : o, *pkv = NULL;
    json_object_object_get_ex(all, pk, &pkv);
    json_object_object_add(o, pk_key ? pk_key : pk, json_object_get(pkv));
    json_object_object_foreach(all, k, v)
        if (strcmp(k, pk) != 0) json_object_object_add(fields, k, json_object_get(v));
    if (nest) json_object_object_add(o, "fields", fields);
    json_object_put(all);
    return o;
}

int vk_output_fields(av_collection *c, json_object *holder, int with_vector, mv_fields *sel, av_err *err)
{
    json_object *of = NULL;
    memset(sel, 0, sizeof *sel);
    if (holder && json_object_object_get_ex(holder, "output_fields", &of) && of) {
        if (!json_object_is_type(of, json_type_array)) return av_fail(err, AV_EINVAL, "output_fields must be a list of field names");
        return json_object_array_length(of) ? mv_fields_parse(c, of, 0, sel, err) : AV_OK;
    }
    const av_schema *s = av_collection_schema(c);
    sel->names = xcalloc((size_t)s->nfields, sizeof(char *));
    for (int i = 0; i < s->nfields; i++)
        if (!s->fields[i].primary && (with_vector || s->fields[i].type != AV_T_FLOAT_VECTOR))
            sel->names[sel->n++] = xstrdup(s->fields[i].name);
    return AV_OK;
}

const char *vk_str(json_object *o, const char *key, const char *def)
{
    const char *s;
    return o && mv_get_str(o, key, &s) == MV_OK && *s ? s : def;
}

av_metric vk_index_metric(json_object *spec)
{
    json_object *vi = NULL;
    json_object_object_get_ex(spec, "vector_index", &vi);
    const char *d = vk_str(vi, "distance", "ip");
    return strcasecmp(d, "l2") == 0 ? AV_METRIC_L2 : strcasecmp(d, "cosine") == 0 ? AV_METRIC_COSINE : AV_METRIC_IP;
}
