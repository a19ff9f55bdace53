/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EIT_ERROR (eit_error_quark ())

/* Failures a caller can act on. Each message says what to do. */
typedef enum {
  EIT_ERROR_FAILED,
  EIT_ERROR_AUTH,              /* 401: missing or wrong token */
  EIT_ERROR_FORBIDDEN,         /* 403: origin not allowed */
  EIT_ERROR_TOO_MANY,          /* 429: connection limit for the token */
  EIT_ERROR_TLS,               /* certificate not trusted or TLS handshake failed */
  EIT_ERROR_PIN_MISMATCH,      /* the certificate does not match the pinned fingerprint */
  EIT_ERROR_REFUSED,           /* network: refused, unreachable, reset */
  EIT_ERROR_NOT_WEBSOCKET,     /* the server answered but did not upgrade */
  EIT_ERROR_PROTOCOL,          /* handshake or envelope violation */
  EIT_ERROR_INVALID_JSON,      /* a message is not valid JSON */
  EIT_ERROR_TOO_BIG,           /* a message exceeds max-message-size */
  EIT_ERROR_TIMEOUT,           /* connect timeout or inactivity */
  EIT_ERROR_CLOSED,            /* the peer closed the connection */
  EIT_ERROR_CONFIG,            /* bad URL, token, pin, file */
  EIT_ERROR_INSECURE_RELEASE,  /* --insecure-dev in a release build */
  EIT_ERROR_TLS_HANDSHAKE,     /* the TLS handshake broke off (a dropped link, a restarting hub) */
  EIT_ERROR_CREDIT_OVERRUN,    /* more than the receive window allows (close 4005) */
} EitError;

GQuark eit_error_quark (void);

/* TRUE for errors that retrying cannot fix: the user must change a setting. */
gboolean eit_error_is_permanent (const GError *error);

G_END_DECLS
