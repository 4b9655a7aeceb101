/*
 * schema.h — engine-internal schema helpers: validation and the stored JSON form.
 */
#ifndef AV_SCHEMA_H
#define AV_SCHEMA_H

#include "annovec.h"

/* Validates names, types, bounds, exactly one pk and one float vector. */
int av_schema_validate(const av_schema *s, av_err *err);
/* The stored form (a new object, caller puts it). */
json_object *schema_to_json(const av_schema *s);
/* Fills s (initialised here) from the stored form. */
int schema_from_json(json_object *o, av_schema *s, av_err *err);

/* Properties (tables coll_prop, db_prop): a new object *out, props with set's members
 * (each a string; set may be NULL) and without the keys in drop[0..ndrop). AV_EINVAL for a key or value
 * out of bounds or a value that is not a string, AV_ELIMIT past AV_PROPS_MAX keys. */
int props_apply(json_object *props, json_object *set, const char *const *drop, size_t ndrop, json_object **out, av_err *err);

#endif
