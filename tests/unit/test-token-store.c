/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The token store against a Secret Service that never answers (a hung
 * keyring or portal: issue 13): every call fails within the time limit with
 * a sentence that says what to do, and a cancelled call answers at once.
 * The service runs on a private session bus (GTestDBus), in this process. */
#include "config.h"

#include <string.h>

#include "eit-token-store.h"

static const char service_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Secret.Service'>"
  "    <method name='OpenSession'>"
  "      <arg name='algorithm' type='s' direction='in'/>"
  "      <arg name='input' type='v' direction='in'/>"
  "      <arg name='output' type='v' direction='out'/>"
  "      <arg name='result' type='o' direction='out'/>"
  "    </method>"
  "    <method name='SearchItems'>"
  "      <arg name='attributes' type='a{ss}' direction='in'/>"
  "      <arg name='unlocked' type='ao' direction='out'/>"
  "      <arg name='locked' type='ao' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

/* One private bus and one service for the whole process: libsecret keeps
 * its connection to the session bus for good. */
typedef struct {
  GPtrArray    *held;        /* invocations never answered */
  GMainLoop    *loop;
  GAsyncResult *result;
} Fixture;

static GPtrArray *held_calls;

static void
hold_call (GDBusConnection       *connection,
           const char            *sender,
           const char            *path,
           const char            *interface,
           const char            *method,
           GVariant              *parameters,
           GDBusMethodInvocation *invocation,
           gpointer               user_data)
{
  g_ptr_array_add (held_calls, g_object_ref (invocation));
}

static const GDBusInterfaceVTable hold_vtable = { hold_call, NULL, NULL, { 0 } };

static GDBusConnection *
start_silent_service (GTestDBus *bus)
{
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (service_xml, NULL);
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;
  GVariant *reply;

  g_test_dbus_up (bus);
  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  held_calls = g_ptr_array_new_with_free_func (g_object_unref);
  g_dbus_connection_register_object (connection, "/org/freedesktop/secrets", info->interfaces[0],
                                     &hold_vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.secrets", 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_unref (reply);
  return connection;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->held = held_calls;
  f->loop = g_main_loop_new (NULL, FALSE);
  eit_token_store_set_timeout (300);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  eit_token_store_set_timeout (0);
  g_clear_object (&f->result);
  g_main_loop_unref (f->loop);
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fixture *f = user_data;

  g_assert_null (f->result);
  f->result = g_object_ref (result);
  g_main_loop_quit (f->loop);
}

static gboolean
too_long_cb (gpointer user_data)
{
  g_error ("a keyring call was not answered within 10 s");
  return G_SOURCE_REMOVE;
}

static void
run_until_answered (Fixture *f)
{
  guint guard = g_timeout_add_seconds (10, too_long_cb, NULL);
  gint64 start = g_get_monotonic_time ();

  g_main_loop_run (f->loop);
  g_source_remove (guard);
  g_test_message ("answered after %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
}

static void
assert_timed_out (GError *error)
{
  g_assert_error (error, EIT_TOKEN_STORE_ERROR, EIT_TOKEN_STORE_ERROR_NO_KEYRING);
  g_assert_nonnull (strstr (error->message, "did not answer within 1 second"));
  g_assert_nonnull (strstr (error->message, "then try again"));
}

static void
test_lookup_times_out (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  eit_token_store_lookup_async ("hub-a", NULL, done_cb, f);
  run_until_answered (f);
  token = eit_token_store_lookup_finish (f->result, &error);
  g_assert_null (token);
  assert_timed_out (error);
  /* The service really was asked: the call hangs there, not before. */
  g_assert_cmpuint (f->held->len, >=, 1);
}

static void
test_save_and_clear_time_out (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) save_error = NULL;
  g_autoptr(GError) clear_error = NULL;

  eit_token_store_save_async ("hub-a", "Hub A", "secret", NULL, done_cb, f);
  run_until_answered (f);
  g_assert_false (eit_token_store_save_finish (f->result, &save_error));
  assert_timed_out (save_error);

  g_clear_object (&f->result);
  eit_token_store_clear_async ("hub-a", NULL, done_cb, f);
  run_until_answered (f);
  g_assert_false (eit_token_store_clear_finish (f->result, &clear_error));
  assert_timed_out (clear_error);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* The caller's cancel answers before the time limit, as cancelled. */
static void
test_cancel_answers_at_once (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 start;

  eit_token_store_set_timeout (5000);
  g_timeout_add (50, cancel_cb, cancellable);
  start = g_get_monotonic_time ();
  eit_token_store_lookup_async ("hub-a", cancellable, done_cb, f);
  run_until_answered (f);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
  g_assert_null (eit_token_store_lookup_finish (f->result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  GTestDBus *bus;
  g_autoptr(GDBusConnection) connection = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  connection = start_silent_service (bus);
  g_test_add ("/token-store/lookup-times-out", Fixture, NULL,
              fixture_set_up, test_lookup_times_out, fixture_tear_down);
  g_test_add ("/token-store/save-and-clear-time-out", Fixture, NULL,
              fixture_set_up, test_save_and_clear_time_out, fixture_tear_down);
  g_test_add ("/token-store/cancel-answers-at-once", Fixture, NULL,
              fixture_set_up, test_cancel_answers_at_once, fixture_tear_down);
  status = g_test_run ();
  g_ptr_array_unref (held_calls);
  /* libsecret keeps its connection to the bus for good: stop the daemon
   * and leave the GTestDBus, whose finalize would wait for that connection. */
  g_test_dbus_stop (bus);
  return status;
}
