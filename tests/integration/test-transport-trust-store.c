/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a client connect costs in reads of the system CA store, against the
 * real hub over loopback TLS. glib-networking 2.74 reads and parses the
 * whole store for every TLS connection built with it, and libsoup 3.2
 * builds its connection before it sets our database: the connect path makes
 * a database that trusts nothing the process default, so a pinned or
 * CA-file connect reads the store not at all and a system-mode one once.
 * The reads are counted with the kernel's count of bytes this process read
 * (rchar in /proc/self/io): one read of the store is its whole size. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "eit-no-trust-database.h"
#include "eit-test-util.h"

/* Where Debian's GnuTLS finds the system trust (its
 * --with-default-trust-store-file). */
#define SYSTEM_STORE "/etc/ssl/certs/ca-certificates.crt"
#define CONNECTS 10

static guint64
bytes_read_so_far (void)
{
  g_autofree char *io = NULL;
  g_autoptr(GError) error = NULL;
  const char *rchar;

  g_file_get_contents ("/proc/self/io", &io, NULL, &error);
  g_assert_no_error (error);
  rchar = strstr (io, "rchar: ");
  g_assert_nonnull (rchar);
  return g_ascii_strtoull (rchar + strlen ("rchar: "), NULL, 10);
}

/* The store's size, or 0 (and the test skipped) when there is none. */
static goffset
system_store_size (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (SYSTEM_STORE);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);

  if (info == NULL || g_file_info_get_size (info) < 16 * 1024)
    {
      g_test_skip ("no system CA store at " SYSTEM_STORE " (install ca-certificates): "
                   "nothing to count");
      return 0;
    }
  return g_file_info_get_size (info);
}

/* Bytes this process read per connect, over CONNECTS connects after a first
 * one (which may load the system store once for the whole process). */
static double
bytes_read_per_connect (const EitTransportOptions *options)
{
  guint64 before;

  eit_test_transport_connect_and_close (options);
  before = bytes_read_so_far ();
  for (guint i = 0; i < CONNECTS; i++)
    eit_test_transport_connect_and_close (options);
  return (double) (bytes_read_so_far () - before) / CONNECTS;
}

static void
test_pinned_reads_no_store (void)
{
  goffset store = system_store_size ();
  g_autoptr(EitTestHub) hub = NULL;
  EitTransportOptions options;
  double per_connect;

  if (store == 0)
    return;
  hub = eit_test_hub_new (FALSE);
  options = eit_test_transport_options (hub);
  per_connect = bytes_read_per_connect (&options);
  g_test_message ("pinned: %.0f bytes read per connect (the store is %" G_GOFFSET_FORMAT " bytes)",
                  per_connect, store);
  /* A connect's own reads (both ends' sockets, the main loop's wakeups,
   * the proxy lookup) came to some 26 KB here; one read of the store is
   * its whole size. */
  g_assert_cmpfloat (per_connect, <, store / 2.0);
}

static void
test_ca_file_reads_no_store (void)
{
  goffset store = system_store_size ();
  g_autoptr(EitTestHub) hub = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *ca_file = NULL;
  EitTransportOptions options;
  double per_connect;

  if (store == 0)
    return;
  hub = eit_test_hub_new (FALSE);
  g_object_get (eit_test_certificate (), "certificate-pem", &pem, NULL);
  ca_file = eit_test_write_temp (pem);

  options = eit_test_transport_options (hub);
  options.trust_mode = EIT_TRUST_CA_FILE;
  options.pin = NULL;
  options.ca_file = ca_file;
  per_connect = bytes_read_per_connect (&options);
  g_test_message ("CA file: %.0f bytes read per connect (the store is %" G_GOFFSET_FORMAT " bytes)",
                  per_connect, store);
  g_assert_cmpfloat (per_connect, <, store / 2.0);
  g_unlink (ca_file);
}

/* The system mode keeps glib-networking's own verification, which reads
 * the store for each connection: once, not twice (libsoup setting the
 * database on a connection built with the store was the second). The hub's
 * certificate is self-signed, so each connect is refused by our trust
 * check, after the handshake that costs the read. */
static void
test_system_reads_store_once (void)
{
  goffset store = system_store_size ();
  g_autoptr(EitTestHub) hub = NULL;
  EitTransportOptions options;
  guint64 before;
  double per_connect;

  if (store == 0)
    return;
  hub = eit_test_hub_new (FALSE);
  options = eit_test_transport_options (hub);
  options.trust_mode = EIT_TRUST_SYSTEM;
  options.pin = NULL;

  before = 0;
  for (guint i = 0; i <= CONNECTS; i++)
    {
      g_autoptr(GError) error = NULL;

      /* The first one may load the store for the process: not counted. */
      if (i == 1)
        before = bytes_read_so_far ();
      g_assert_null (eit_test_transport_connect (&options, &error));
      g_assert_error (error, EIT_ERROR, EIT_ERROR_TLS);
    }
  per_connect = (double) (bytes_read_so_far () - before) / CONNECTS;
  g_test_message ("system: %.0f bytes read per connect (the store is %" G_GOFFSET_FORMAT " bytes)",
                  per_connect, store);
  g_assert_cmpfloat (per_connect, <, store * 1.5);
}

typedef struct {
  GTlsCertificateFlags errors;
  gboolean asked;
} Verdict;

static gboolean
refuse_and_record (GTlsConnection       *connection,
                   GTlsCertificate      *certificate,
                   GTlsCertificateFlags  errors,
                   Verdict              *verdict)
{
  verdict->errors = errors;
  verdict->asked = TRUE;
  return FALSE;
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Once a client has connected, the process default trusts nothing, so any
 * other TLS client in the process can only trust less than before, never
 * more: the certificate's other flaws (here a host name it was not issued
 * for) are still reported to an accept-certificate handler. */
static void
test_default_hides_no_flaw (void)
{
  g_autoptr(EitTestHub) hub = eit_test_hub_new (FALSE);
  EitTransportOptions options = eit_test_transport_options (hub);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) wrong_host = NULL;
  g_autoptr(GSocketConnection) tcp = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GTlsDatabase) default_database = NULL;
  g_autoptr(GError) error = NULL;
  Verdict verdict = { 0, FALSE };
  guint port = eit_hub_server_get_port (hub->server);

  eit_test_transport_connect_and_close (&options);
  default_database = g_tls_backend_get_default_database (g_tls_backend_get_default ());
  g_assert_true (default_database == eit_no_trust_database_get_default ());

  g_socket_client_connect_to_host_async (client, "127.0.0.1", port, NULL, async_done, &result);
  g_assert_true (eit_test_wait_until (result != NULL, 5000));
  tcp = g_socket_client_connect_to_host_finish (client, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  wrong_host = g_network_address_new ("wrong.example", port);
  tls = g_tls_client_connection_new (G_IO_STREAM (tcp), wrong_host, &error);
  g_assert_no_error (error);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (refuse_and_record), &verdict);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL, async_done,
                                    &result);
  g_assert_true (eit_test_wait_until (result != NULL, 5000));
  g_assert_false (g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), result, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);

  g_assert_true (verdict.asked);
  g_test_message ("flags for a self-signed certificate and the wrong host: 0x%x", verdict.errors);
  g_assert_cmphex (verdict.errors & G_TLS_CERTIFICATE_UNKNOWN_CA, ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_cmphex (verdict.errors & G_TLS_CERTIFICATE_BAD_IDENTITY, ==, G_TLS_CERTIFICATE_BAD_IDENTITY);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/transport/trust-store/pinned-reads-no-store", test_pinned_reads_no_store);
  g_test_add_func ("/transport/trust-store/ca-file-reads-no-store", test_ca_file_reads_no_store);
  g_test_add_func ("/transport/trust-store/system-reads-store-once", test_system_reads_store_once);
  g_test_add_func ("/transport/trust-store/default-hides-no-flaw", test_default_hides_no_flaw);

  return g_test_run ();
}
