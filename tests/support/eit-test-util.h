/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What most tests need: an in-process hub over real TLS on loopback with a
 * fresh self-signed certificate, a client pinned to it, and waiting on the
 * main loop with a deadline instead of sleeping. */
#pragma once

#include "eithub.h"

G_BEGIN_DECLS

typedef struct {
  EitHubServer *server;
  char         *url;
  char         *token;
  char         *fingerprint;
  GPtrArray    *log;          /* the hub's "log" lines */
} EitTestHub;

/* One certificate per test process: generating keys for every test would
 * only measure GnuTLS. */
GTlsCertificate *eit_test_certificate          (void);

/* Listens on 127.0.0.1:0 with a random token. echo: send every message
 * back to its session. */
EitTestHub      *eit_test_hub_new              (gboolean      echo);
/* The same, on a fixed port and with a given token (NULL: random), to
 * restart a hub where its clients expect it. */
EitTestHub      *eit_test_hub_new_on_port      (gboolean      echo,
                                                guint         port,
                                                const char   *token);
void             eit_test_hub_free             (EitTestHub   *hub);
gboolean         eit_test_hub_log_contains     (EitTestHub   *hub,
                                                const char   *needle);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EitTestHub, eit_test_hub_free)

/* A client for hub (url may be overridden, e.g. to go through a proxy),
 * pinned to the hub's certificate, with fast test timings. */
EitConnection   *eit_test_connection_new       (EitTestHub   *hub,
                                                const char   *url);

/* Connects a raw base-layer transport and waits for the result. */
EitTransport    *eit_test_transport_connect    (const EitTransportOptions *options,
                                                GError                   **error);
/* The options of a raw transport to hub: pinned, with its token, offering
 * eithub.v1 (change a copy's members for the case at hand). */
EitTransportOptions eit_test_transport_options (EitTestHub *hub);
/* Connects with options, checks that the transport is open, closes it
 * normally and checks that it finalizes. */
void             eit_test_transport_connect_and_close (const EitTransportOptions *options);
/* A raw transport to hub, pinned, with the token, offering eithub.v1 or not. */
EitTransport    *eit_test_transport_to_hub     (EitTestHub   *hub,
                                                gboolean      offer_v1,
                                                GError      **error);
/* Waits for the next "closed" on transport (TRUE if it came within
 * timeout_ms); call it before the close can have completed. */
gboolean         eit_test_transport_wait_closed (EitTransport *transport,
                                                 guint         timeout_ms);

/* Iterates the default main context until condition (re-evaluated after
 * each iteration) holds or timeout_ms passes; returns the condition. */
#define eit_test_wait_until(condition, timeout_ms)                          \
  ({                                                                        \
    gint64 _deadline = g_get_monotonic_time () + (gint64) (timeout_ms) * 1000; \
    while (!(condition) && g_get_monotonic_time () < _deadline)             \
      eit_test_iterate ();                                                  \
    (condition);                                                            \
  })

/* Appends a copy of the text of every emission of signal, one of the
 * library's text signals (const char *text, gulong len: "message",
 * "frame", "sent"), to texts. Returns the handler id. */
gulong           eit_test_collect_texts        (gpointer      instance,
                                                const char   *signal,
                                                GPtrArray    *texts);
/* Sets *flag to TRUE when instance emits signal, one without arguments
 * ("closed", "pong"). Returns the handler id. */
gulong           eit_test_flag_signal          (gpointer      instance,
                                                const char   *signal,
                                                gboolean     *flag);

/* One main-context iteration that blocks at most 10 ms. */
void             eit_test_iterate              (void);
/* Runs the main context for ms milliseconds (events keep flowing). */
void             eit_test_run_for              (guint         ms);
/* How many sources are attached to the default main context. */
guint            eit_test_count_sources        (void);
/* A whole number from the environment (such as EIT_FUZZ_SEED), or fallback
 * when unset; anything else stops the test with a message. */
guint64          eit_test_env_number           (const char   *name,
                                                guint64       fallback);
/* Writes text (such as a PEM) into a new temporary file and returns its
 * path; the caller removes it. */
char            *eit_test_write_temp           (const char   *text);
/* A directory for artefacts (screenshots, exports): $EIT_TEST_OUTPUT. */
const char      *eit_test_output_dir           (void);

G_END_DECLS
