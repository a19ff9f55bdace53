/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A strict, allocation-free JSON validator, plus type-checked json-glib
 * getters for the rare control messages (hello, welcome). Untrusted input
 * never reaches a json-glib getter unchecked. The envelope scanner of the
 * back-off layer's hot path is in eit-json-private.h. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *start;
  gsize       len;
} EitJsonSpan;

/* Validates that text[0..len) is exactly one JSON value (RFC 8259, UTF-8
 * checked), optionally surrounded by white space. On failure sets
 * EIT_ERROR_INVALID_JSON with the message "invalid JSON at byte N: WHAT"
 * and, if error_offset is not NULL, the byte offset. Nesting deeper than
 * 128 levels is refused. */
gboolean eit_json_validate (const char  *text,
                            gsize        len,
                            gsize       *error_offset,
                            GError     **error);

/* For an application's hot path: finds the member name of the top-level
 * object in json[0..len) without building a DOM or allocating, and sets
 * value to its raw value (white space trimmed). The text must already be
 * valid JSON (every message a connection delivers is). FALSE when the text
 * is not an object or has no such member. Names are compared on raw bytes,
 * so a name written with escapes is not found. */
gboolean eit_json_find_member (const char  *json,
                               gsize        len,
                               const char  *name,
                               EitJsonSpan *value);
/* The span as a non-negative integer below 2^53; FALSE otherwise. */
gboolean eit_json_span_get_uint (const EitJsonSpan *span,
                                 guint64           *value);

/* Type-checked getters: NULL / FALSE when the member is absent or has
 * another type, never a warning. */
const char *eit_json_object_get_string (JsonObject *object,
                                        const char *member);
gboolean    eit_json_object_get_uint   (JsonObject *object,
                                        const char *member,
                                        guint64    *value);
gboolean    eit_json_object_get_bool   (JsonObject *object,
                                        const char *member,
                                        gboolean   *value);
JsonObject *eit_json_object_get_object (JsonObject *object,
                                        const char *member);

/* Parses text that must be a JSON object; EIT_ERROR_INVALID_JSON or
 * EIT_ERROR_PROTOCOL otherwise. */
JsonObject *eit_json_parse_object      (const char  *text,
                                        gsize        len,
                                        GError     **error);

G_END_DECLS
