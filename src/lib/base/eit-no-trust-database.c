/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-no-trust-database.h"

struct _EitNoTrustDatabase
{
  GTlsDatabase parent_instance;
};

G_DEFINE_FINAL_TYPE (EitNoTrustDatabase, eit_no_trust_database, G_TYPE_TLS_DATABASE)

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
  return G_TLS_CERTIFICATE_UNKNOWN_CA;
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
