/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The envelope scanner of the back-off layer's hot path (eit-json.c): what
 * the layers that read frames (flow, connection, the hub's session) need.
 * Not public API. */
#pragma once

#include "eit-json.h"

G_BEGIN_DECLS

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
  gboolean        has_t;      /* data: the sender's clock in ms (PROTOCOL.md 4.3) */
  guint64         t;
  gboolean        has_qd;     /* with an ack: the queueing delay in ms (4.4) */
  guint64         qd;
} EitEnvelope;

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

G_END_DECLS
