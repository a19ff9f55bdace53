/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A strict, allocation-free JSON validator and the envelope scanner of the
 * back-off layer's hot path, plus type-checked json-glib getters for the
 * rare control messages (hello, welcome). Untrusted input never reaches a
 * json-glib getter unchecked. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *start;
  gsize       len;
} EitJsonSpan;

typedef enum {
  EIT_ENVELOPE_UNKNOWN,
  EIT_ENVELOPE_HELLO,
  EIT_ENVELOPE_WELCOME,
  EIT_ENVELOPE_DATA,
  EIT_ENVELOPE_ACK,
  EIT_ENVELOPE_PING,
  EIT_ENVELOPE_PONG,
} EitEnvelopeType;

typedef struct {
  EitEnvelopeType type;
  EitJsonSpan     type_name;  /* the raw string contents of "type" (for error messages) */
  gboolean        has_seq;
  guint64         seq;
  gboolean        has_ack;
  guint64         ack;
  gboolean        has_id;
  guint64         id;
} EitEnvelope;

/* Validates that text[0..len) is exactly one JSON value (RFC 8259, UTF-8
 * checked), optionally surrounded by white space. On failure sets
 * EIT_ERROR_INVALID_JSON with the message "invalid JSON at byte N: WHAT"
 * and, if error_offset is not NULL, the byte offset. Nesting deeper than
 * 128 levels is refused. */
gboolean eit_json_validate (const char  *text,
                            gsize        len,
                            gsize       *error_offset,
                            GError     **error);

/* Parses one envelope frame (docs/PROTOCOL.md 4). Validates the whole frame.
 * For "data" frames, appends one EitJsonSpan per body to bodies (which is
 * cleared first; element type EitJsonSpan), trimmed of white space, pointing
 * into frame. Errors: EIT_ERROR_INVALID_JSON (close 1007), EIT_ERROR_PROTOCOL
 * (close 4002: not an object, no string "type", a member of the wrong type,
 * "data" without "seq" or with an empty or missing "bodies").
 * An unknown type is NOT an error here: env->type is EIT_ENVELOPE_UNKNOWN. */
gboolean eit_envelope_parse (const char  *frame,
                             gsize        len,
                             EitEnvelope *env,
                             GArray      *bodies,
                             GError     **error);
/* The same, refusing a frame of more than max_bodies bodies with
 * EIT_ERROR_CREDIT_OVERRUN (close 4005) as soon as the next one starts: a
 * receiver passes its window in messages (issue 9 row 10: 524,000 bodies of
 * "0" in one frame cost ~130 ms and 8 MB of spans to refuse). */
gboolean eit_envelope_parse_bounded (const char  *frame,
                                     gsize        len,
                                     EitEnvelope *env,
                                     GArray      *bodies,
                                     guint        max_bodies,
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
