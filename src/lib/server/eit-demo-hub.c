/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The embedded demo hub. Its generator runs a 30 s programme, so every
 * panel of the monitor moves within seconds of the first launch:
 *   steady         hub -> client 20/s, client -> hub 10/s
 *   burst          hub -> client 200 at once twice a second, client -> hub 50/s
 *   slow-consumer  the hub stops consuming: the client's credits run dry and
 *                  its send queue grows
 *   recovery       the hub consumes again and the queue drains
 * and every drop-interval the hub drops its connections without a close
 * frame, so reconnect, back-off and resumption show too. */
#include "config.h"

#include <string.h>

#include "eit-connection.h"
#include "eit-demo-hub.h"
#include "eit-error.h"
#include "eit-hub-server.h"
#include "eit-hub-session.h"
#include "eit-tls.h"

#define TICK_MS          50
#define PROGRAMME_MS     30000
/* In messages; 64 of the demo's ~85-byte readings stay under the client's
 * initial 8 KiB delivery-rate window (its sends leave most of the window
 * unused, which gives no rate sample to grow it), so the slow-consumer
 * phase shows the message credit running dry, not the byte credit. */
#define DEMO_WINDOW      64

typedef struct {
  const char *name;
  guint       until_ms;        /* end of the phase within the programme */
  double      hub_rate;        /* messages/s from hub to client */
  guint       hub_burst;       /* messages at once, twice a second */
  double      client_rate;     /* messages/s from client to hub */
  gboolean    hub_paused;      /* the hub stops consuming */
} Phase;

static const Phase programme[] = {
  { "steady",        10000, 20,   0, 10, FALSE },
  { "burst",         16000,  0, 200, 50, FALSE },
  { "slow-consumer", 26000,  5,   0, 100, TRUE },
  { "recovery",      30000, 20,   0, 10, FALSE },
};

struct _EitDemoHub
{
  GObject        parent_instance;

  EitHubServer  *server;
  char          *url;
  char          *token;
  char          *fingerprint;
  gboolean       traffic;
  guint          drop_interval;
  EitConnection *connection;   /* driven client side; weak */

  gint64         started;
  const Phase   *phase;
  double         hub_credit;
  double         client_credit;
  gint64         last_burst;
  guint64        counter;
  guint          tick_id;
  guint          drop_id;
};

G_DEFINE_FINAL_TYPE (EitDemoHub, eit_demo_hub, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URL,
  PROP_TOKEN,
  PROP_FINGERPRINT,
  PROP_PHASE,
  PROP_RUNNING,
  PROP_TRAFFIC,
  PROP_DROP_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *sensors[] = { "boiler", "pump-2", "inlet", "gateway", "valve-7" };

static char *
make_reading (EitDemoHub *self,
              const char *kind)
{
  guint64 n = ++self->counter;

  return g_strdup_printf ("{\"kind\":\"%s\",\"sensor\":\"%s\",\"value\":%.2f,\"n\":%" G_GUINT64_FORMAT
                          ",\"phase\":\"%s\"}",
                          kind, sensors[n % G_N_ELEMENTS (sensors)],
                          20.0 + g_random_double_range (-4, 4), n, self->phase->name);
}

static void
hub_send (EitDemoHub *self,
          guint       count)
{
  GPtrArray *sessions = eit_hub_server_get_sessions (self->server);

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *json = make_reading (self, self->phase->hub_burst ? "burst" : "reading");

      for (guint j = 0; j < sessions->len; j++)
        eit_hub_session_send (g_ptr_array_index (sessions, j), json, -1);
    }
}

static void
set_hub_paused (EitDemoHub *self,
                gboolean    paused)
{
  GPtrArray *sessions = eit_hub_server_get_sessions (self->server);

  for (guint i = 0; i < sessions->len; i++)
    {
      EitFlow *flow = eit_hub_session_get_flow (g_ptr_array_index (sessions, i));
      if (flow != NULL)
        eit_flow_set_receiving_paused (flow, paused);
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  EitDemoHub *self = user_data;
  gint64 now = g_get_monotonic_time ();
  guint at = (guint) (((now - self->started) / 1000) % PROGRAMME_MS);
  const Phase *phase = &programme[0];

  for (guint i = 0; i < G_N_ELEMENTS (programme); i++)
    if (at < programme[i].until_ms)
      {
        phase = &programme[i];
        break;
      }
  if (phase != self->phase)
    {
      self->phase = phase;
      set_hub_paused (self, phase->hub_paused);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
    }
  /* Sessions that arrive mid-phase pick the pause up here too. */
  if (phase->hub_paused)
    set_hub_paused (self, TRUE);

  self->hub_credit += phase->hub_rate * TICK_MS / 1000.0;
  if ((guint) self->hub_credit > 0)
    {
      hub_send (self, (guint) self->hub_credit);
      self->hub_credit -= (guint) self->hub_credit;
    }
  if (phase->hub_burst > 0 && now - self->last_burst >= 500000)
    {
      self->last_burst = now;
      hub_send (self, phase->hub_burst);
    }

  self->client_credit += phase->client_rate * TICK_MS / 1000.0;
  while (self->client_credit >= 1)
    {
      self->client_credit -= 1;
      if (self->connection != NULL && eit_connection_is_connected (self->connection))
        {
          g_autofree char *json = make_reading (self, "command");
          eit_connection_send (self->connection, json);
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
drop_cb (gpointer user_data)
{
  EitDemoHub *self = user_data;

  /* No close frame: the client sees a dead link, backs off and resumes. */
  eit_hub_server_abort_all (self->server);
  return G_SOURCE_CONTINUE;
}

static void
on_message (EitHubServer  *server,
            EitHubSession *session,
            const char    *json,
            gulong         len,
            gpointer       user_data)
{
  /* The demo hub consumes what clients send; the flow acknowledges it. */
}

gboolean
eit_demo_hub_start (EitDemoHub *self,
                    GError    **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  const char *tokens[2] = { NULL, NULL };

  g_return_val_if_fail (EIT_IS_DEMO_HUB (self), FALSE);

  if (self->server != NULL)
    return TRUE;

  certificate = eit_tls_certificate_new_self_signed (error);
  if (certificate == NULL)
    return FALSE;

  g_free (self->token);
  self->token = eit_tls_generate_token (error);
  if (self->token == NULL)
    return FALSE;
  tokens[0] = self->token;
  self->server = eit_hub_server_new (certificate, tokens);
  /* A small window makes the slow-consumer phase visible within seconds. */
  g_object_set (self->server, "window-messages", DEMO_WINDOW, NULL);
  g_signal_connect (self->server, "message", G_CALLBACK (on_message), self);
  if (!eit_hub_server_listen (self->server, "127.0.0.1", 0, error))
    {
      g_clear_object (&self->server);
      return FALSE;
    }

  g_free (self->url);
  self->url = eit_hub_server_get_url (self->server);
  g_free (self->fingerprint);
  self->fingerprint = eit_hub_server_get_fingerprint (self->server);
  self->started = g_get_monotonic_time ();
  self->phase = &programme[0];
  if (self->traffic)
    self->tick_id = g_timeout_add (TICK_MS, tick_cb, self);
  if (self->drop_interval > 0)
    self->drop_id = g_timeout_add (self->drop_interval, drop_cb, self);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINGERPRINT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

void
eit_demo_hub_stop (EitDemoHub *self)
{
  g_return_if_fail (EIT_IS_DEMO_HUB (self));

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->drop_id, g_source_remove);
  if (self->server == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->server, self);
  eit_hub_server_shutdown (self->server);
  g_clear_object (&self->server);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

gboolean
eit_demo_hub_is_running (EitDemoHub *self)
{
  g_return_val_if_fail (EIT_IS_DEMO_HUB (self), FALSE);
  return self->server != NULL;
}

const char *
eit_demo_hub_get_url (EitDemoHub *self)
{
  g_return_val_if_fail (EIT_IS_DEMO_HUB (self), NULL);
  return self->url;
}

const char *
eit_demo_hub_get_token (EitDemoHub *self)
{
  g_return_val_if_fail (EIT_IS_DEMO_HUB (self), NULL);
  return self->token;
}

const char *
eit_demo_hub_get_fingerprint (EitDemoHub *self)
{
  g_return_val_if_fail (EIT_IS_DEMO_HUB (self), NULL);
  return self->fingerprint;
}

EitHubServer *
eit_demo_hub_get_server (EitDemoHub *self)
{
  g_return_val_if_fail (EIT_IS_DEMO_HUB (self), NULL);
  return self->server;
}

const char *
eit_demo_hub_get_phase (EitDemoHub *self)
{
  g_return_val_if_fail (EIT_IS_DEMO_HUB (self), NULL);
  return self->phase ? self->phase->name : NULL;
}

void
eit_demo_hub_drive (EitDemoHub    *self,
                    EitConnection *connection)
{
  g_return_if_fail (EIT_IS_DEMO_HUB (self));
  g_return_if_fail (EIT_IS_CONNECTION (connection));

  if (self->connection != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->connection), (gpointer *) &self->connection);
  self->connection = connection;
  g_object_add_weak_pointer (G_OBJECT (connection), (gpointer *) &self->connection);
  g_object_set (connection,
                "url", self->url,
                "token", self->token,
                "trust-mode", EIT_TRUST_PINNED,
                "pinned-fingerprint", self->fingerprint,
                "cycle-interval-min", 20000,
                "cycle-interval-max", 30000,
                NULL);
}

EitDemoHub *
eit_demo_hub_new (void)
{
  return g_object_new (EIT_TYPE_DEMO_HUB, NULL);
}

static void
eit_demo_hub_dispose (GObject *object)
{
  EitDemoHub *self = EIT_DEMO_HUB (object);

  eit_demo_hub_stop (self);
  if (self->connection != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->connection), (gpointer *) &self->connection);
      self->connection = NULL;
    }

  G_OBJECT_CLASS (eit_demo_hub_parent_class)->dispose (object);
}

static void
eit_demo_hub_finalize (GObject *object)
{
  EitDemoHub *self = EIT_DEMO_HUB (object);

  g_free (self->url);
  g_free (self->token);
  g_free (self->fingerprint);

  G_OBJECT_CLASS (eit_demo_hub_parent_class)->finalize (object);
}

static void
eit_demo_hub_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  EitDemoHub *self = EIT_DEMO_HUB (object);

  switch (prop_id)
    {
    case PROP_URL:           g_value_set_string (value, self->url); break;
    case PROP_TOKEN:         g_value_set_string (value, self->token); break;
    case PROP_FINGERPRINT:   g_value_set_string (value, self->fingerprint); break;
    case PROP_PHASE:         g_value_set_string (value, eit_demo_hub_get_phase (self)); break;
    case PROP_RUNNING:       g_value_set_boolean (value, self->server != NULL); break;
    case PROP_TRAFFIC:       g_value_set_boolean (value, self->traffic); break;
    case PROP_DROP_INTERVAL: g_value_set_uint (value, self->drop_interval); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_demo_hub_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  EitDemoHub *self = EIT_DEMO_HUB (object);

  switch (prop_id)
    {
    case PROP_TRAFFIC:       self->traffic = g_value_get_boolean (value); break;
    case PROP_DROP_INTERVAL: self->drop_interval = g_value_get_uint (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_demo_hub_class_init (EitDemoHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = eit_demo_hub_dispose;
  object_class->finalize = eit_demo_hub_finalize;
  object_class->get_property = eit_demo_hub_get_property;
  object_class->set_property = eit_demo_hub_set_property;

  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, ro);
  properties[PROP_TOKEN] = g_param_spec_string ("token", NULL, NULL, NULL, ro);
  properties[PROP_FINGERPRINT] = g_param_spec_string ("fingerprint", NULL, NULL, NULL, ro);
  properties[PROP_PHASE] = g_param_spec_string ("phase", NULL, NULL, NULL, ro);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_TRAFFIC] =
    g_param_spec_boolean ("traffic", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[PROP_DROP_INTERVAL] =
    g_param_spec_uint ("drop-interval", NULL, NULL, 0, G_MAXINT32, 45000,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
eit_demo_hub_init (EitDemoHub *self)
{
}
