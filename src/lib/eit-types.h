/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Forward declarations and the enums every layer shares. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _EitTransport    EitTransport;
typedef struct _EitFlow         EitFlow;
typedef struct _EitConnection   EitConnection;
typedef struct _EitHubServer    EitHubServer;
typedef struct _EitHubSession   EitHubSession;
typedef struct _EitDemoHub      EitDemoHub;

/* The client connection layer's states (docs/PROTOCOL.md 5.1). */
typedef enum {
  EIT_CONNECTION_STATE_DISCONNECTED,
  EIT_CONNECTION_STATE_CONNECTING,
  EIT_CONNECTION_STATE_CONNECTED,
  EIT_CONNECTION_STATE_CYCLING,
  EIT_CONNECTION_STATE_BACKING_OFF,
  EIT_CONNECTION_STATE_FAILED,
} EitConnectionState;

/* How a client trusts the hub's certificate (PROTOCOL.md 2.5). */
typedef enum {
  EIT_TRUST_SYSTEM,
  EIT_TRUST_CA_FILE,
  EIT_TRUST_PINNED,
} EitTrustMode;

/* Which layers a connection runs (PROTOCOL.md 2.3). */
typedef enum {
  EIT_PROTOCOL_MODE_UNKNOWN,  /* not connected yet */
  EIT_PROTOCOL_MODE_BASE,     /* authenticated wss + JSON only: the user's MVP hubs */
  EIT_PROTOCOL_MODE_FULL,     /*< nick=v1 >*/ /* eithub.v1: all three layers */
} EitProtocolMode;

/* Close codes (PROTOCOL.md 3). */
typedef enum {
  EIT_CLOSE_NORMAL             = 1000,
  EIT_CLOSE_GOING_AWAY         = 1001,
  EIT_CLOSE_UNSUPPORTED_DATA   = 1003,
  EIT_CLOSE_INVALID_JSON       = 1007,
  EIT_CLOSE_POLICY_VIOLATION   = 1008,
  EIT_CLOSE_TOO_BIG            = 1009,
  EIT_CLOSE_INTERNAL_ERROR     = 1011,
  EIT_CLOSE_TIMEOUT            = 4000,
  EIT_CLOSE_UNKNOWN_TYPE       = 4001,
  EIT_CLOSE_PROTOCOL_VIOLATION = 4002,
  EIT_CLOSE_STALE_GENERATION   = 4003,
  EIT_CLOSE_SUPERSEDED         = 4004,
  EIT_CLOSE_CREDIT_OVERRUN     = 4005,
  EIT_CLOSE_INSTANCE_IN_USE    = 4006,
  EIT_CLOSE_TAKEOVER_STORM     = 4007,
  EIT_CLOSE_FOREIGN_SESSION    = 4008,
  EIT_CLOSE_SLOW_CONSUMER      = 4009,
  /* A refused upgrade made visible to a page (PROTOCOL.md 2.4). */
  EIT_CLOSE_UNAUTHORIZED       = 4401,
  EIT_CLOSE_FORBIDDEN          = 4403,
  EIT_CLOSE_TOO_MANY           = 4429,
} EitCloseCode;

#define EIT_SUBPROTOCOL_V1      "eithub.v1"
#define EIT_SUBPROTOCOL_JSON    "eithub.json"
#define EIT_SUBPROTOCOL_BEARER  "eithub.bearer."

/* Defaults, in milliseconds and bytes (PROTOCOL.md 7). */
#define EIT_DEFAULT_INACTIVITY_TIMEOUT_MS   5000
#define EIT_DEFAULT_KEEPALIVE_INTERVAL_MS   1500
#define EIT_DEFAULT_RTT_INTERVAL_MS         5000
#define EIT_DEFAULT_CYCLE_INTERVAL_MIN_MS   600000
#define EIT_DEFAULT_CYCLE_INTERVAL_MAX_MS   900000
#define EIT_DEFAULT_RECONNECT_BASE_MS       500
#define EIT_DEFAULT_RECONNECT_CAP_MS        30000
#define EIT_DEFAULT_STABLE_PERIOD_MS        10000
#define EIT_DEFAULT_CONNECT_TIMEOUT_MS      10000
#define EIT_DEFAULT_SESSION_GRACE_MS        30000
#define EIT_DEFAULT_WINDOW_MESSAGES         1024
#define EIT_DEFAULT_WINDOW_BYTES            4194304
#define EIT_DEFAULT_SEND_QUEUE_LIMIT        4096
#define EIT_DEFAULT_ACK_DELAY_MS            10
#define EIT_DEFAULT_MAX_MESSAGE_SIZE        1048576
#define EIT_FRAME_OVERHEAD                  1024
#define EIT_DEFAULT_MAX_CONNECTIONS_PER_TOKEN 32

/* An enum value's nick, or fallback for a value the type does not have. */
const char *eit_enum_get_nick              (GType              type,
                                            int                value,
                                            const char        *fallback);
/* The value whose nick is nick; FALSE, value untouched, when there is none. */
gboolean    eit_enum_get_value_by_nick     (GType              type,
                                            const char        *nick,
                                            int               *value);

/* The enums' nicks (eit-enums), which are also the strings of the wire and
 * the probe's output (PROTOCOL.md, README.md). */
const char *eit_connection_state_to_string (EitConnectionState state);
const char *eit_protocol_mode_to_string    (EitProtocolMode    mode);
const char *eit_trust_mode_to_string       (EitTrustMode       mode);
gboolean    eit_trust_mode_from_string     (const char        *text,
                                            EitTrustMode      *mode);

/* PROTOCOL.md 2.2: a token is 1 to EIT_TOKEN_MAX_LENGTH characters from
 * A-Z a-z 0-9 - _ . ~ */
#define EIT_TOKEN_MAX_LENGTH 256
gboolean    eit_protocol_token_is_valid    (const char        *token);
/* PROTOCOL.md 4.1: instance, session and epoch ids are 1 to 64 characters
 * from A-Z a-z 0-9 - _, so they go into JSON and logs without escaping. */
gboolean    eit_protocol_id_is_valid       (const char        *id);

G_END_DECLS
