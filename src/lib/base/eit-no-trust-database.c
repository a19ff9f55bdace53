/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-no-trust-database.h"

struct _EitNoTrustDatabase
{
  GTlsDatabase parent_instance;
};

G_DEFINE_FINAL_TYPE (EitNoTrustDatabase, eit_no_trust_database, G_TYPE_TLS_DATABASE)

/* Unknown CA always, and whatever else is wrong with the certificate (host
 * name, dates), as glib-networking reports for a connection without a
 * database: as the process default, this database must not hide a flaw
 * from an accept-certificate handler that weighs the flags. */
static GTlsCertificateFlags
verify_chain (GTlsDatabase             *database,
              GTlsCertificate          *chain,
              const char               *purpose,
              GSocketConnectable       *identity,
              GTlsInteraction          *interaction,
              GTlsDatabaseVerifyFlags   flags,
              GCancellable             *cancellable,
              GError                  **error)
{
  return G_TLS_CERTIFICATE_UNKNOWN_CA | g_tls_certificate_verify (chain, identity, NULL);
}

/* glib-networking may ask for issuers while it builds the peer's chain. */
static GTlsCertificate *
lookup_certificate_issuer (GTlsDatabase             *database,
                           GTlsCertificate          *certificate,
                           GTlsInteraction          *interaction,
                           GTlsDatabaseLookupFlags   flags,
                           GCancellable             *cancellable,
                           GError                  **error)
{
  return NULL;
}

static GList *
lookup_certificates_issued_by (GTlsDatabase             *database,
                               GByteArray               *issuer_raw_dn,
                               GTlsInteraction          *interaction,
                               GTlsDatabaseLookupFlags   flags,
                               GCancellable             *cancellable,
                               GError                  **error)
{
  return NULL;
}

static GTlsCertificate *
lookup_certificate_for_handle (GTlsDatabase             *database,
                               const char               *handle,
                               GTlsInteraction          *interaction,
                               GTlsDatabaseLookupFlags   flags,
                               GCancellable             *cancellable,
                               GError                  **error)
{
  return NULL;
}

static char *
create_certificate_handle (GTlsDatabase    *database,
                           GTlsCertificate *certificate)
{
  return NULL;
}

static void
eit_no_trust_database_class_init (EitNoTrustDatabaseClass *klass)
{
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  database_class->verify_chain = verify_chain;
  database_class->lookup_certificate_issuer = lookup_certificate_issuer;
  database_class->lookup_certificates_issued_by = lookup_certificates_issued_by;
  database_class->lookup_certificate_for_handle = lookup_certificate_for_handle;
  database_class->create_certificate_handle = create_certificate_handle;
}

static void
eit_no_trust_database_init (EitNoTrustDatabase *self)
{
}

GTlsDatabase *
eit_no_trust_database_get_default (void)
{
  static GTlsDatabase *database;

  if (g_once_init_enter (&database))
    g_once_init_leave (&database, g_object_new (EIT_TYPE_NO_TRUST_DATABASE, NULL));
  return database;
}

/* libsoup 3.2 builds its GTlsClientConnection before it sets the session's
 * database on it, and glib-networking 2.74 gives a connection built with
 * the system store credentials of its own: it reads and parses the whole
 * store (/etc/ssl/certs/ca-certificates.crt) again, for every connection.
 * With this database as the default, a connection starts with empty
 * credentials instead. It only ever refuses, so no TLS client in the
 * process can end up trusting more than before, only less: the monitor and
 * the probe make no TLS connections but ours, and servers (the hub's and
 * libsoup's) are given their database when they are built. */
GTlsDatabase *
eit_no_trust_database_install_default (void)
{
  static GMutex lock;
  static GTlsDatabase *replaced;
  GTlsBackend *backend = g_tls_backend_get_default ();
  GTlsDatabase *no_trust = eit_no_trust_database_get_default ();
  g_autoptr(GTlsDatabase) current = NULL;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);

  /* The first call loads the system store, once per process. A default
   * the program set since (or a reset to the system store) is what the
   * system mode uses from then on. */
  current = g_tls_backend_get_default_database (backend);
  if (current != no_trust)
    {
      g_set_object (&replaced, current);
      g_tls_backend_set_default_database (backend, no_trust);
    }
  return replaced != NULL ? g_object_ref (replaced) : NULL;
}
