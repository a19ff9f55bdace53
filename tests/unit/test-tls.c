/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Certificates and pins (eit-tls.h): the generated certificate is what the
 * spec promises (ECDSA P-256, v3, SAN localhost + 127.0.0.1, SHA-256) and
 * loads in GIO; fingerprints agree with GnuTLS; pins normalize or fail with a
 * message that shows the expected form. */
#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "eit-error.h"
#include "eit-tls.h"

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)

static gnutls_x509_crt_t
import_pem (const char *pem)
{
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t datum = { (unsigned char *) pem, strlen (pem) };

  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM), ==, 0);
  return crt;
}

static void
test_generate_fields (void)
{
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  char cn[256];
  size_t cn_size = sizeof cn;
  unsigned int bits = 0;
  guint8 serial[64];
  size_t serial_size = sizeof serial;
  gboolean have_dns = FALSE, have_ip = FALSE;
  time_t now = time (NULL);

  g_assert_true (eit_tls_generate_self_signed ("eit-test-hub", 10, &cert_pem, &key_pem, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (cert_pem, "-----BEGIN CERTIFICATE-----"));
  /* PKCS#8, not the "EC PRIVATE KEY" legacy form. */
  g_assert_true (g_str_has_prefix (key_pem, "-----BEGIN PRIVATE KEY-----"));

  crt = import_pem (cert_pem);
  g_assert_cmpint (gnutls_x509_crt_get_version (crt), ==, 3);
  g_assert_cmpint (gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn,
                                                  &cn_size), ==, 0);
  g_assert_cmpstr (cn, ==, "eit-test-hub");
  g_assert_cmpint (gnutls_x509_crt_get_pk_algorithm (crt, &bits), ==, GNUTLS_PK_ECDSA);
  g_assert_cmpuint (bits, ==, 256);
  g_assert_cmpint (gnutls_x509_crt_get_signature_algorithm (crt), ==, GNUTLS_SIGN_ECDSA_SHA256);
  g_assert_cmpint (gnutls_x509_crt_get_serial (crt, serial, &serial_size), ==, 0);
  g_assert_cmpuint (serial_size, >=, 8);
  g_assert_cmpint (gnutls_x509_crt_get_activation_time (crt), <=, now);
  g_assert_cmpint (gnutls_x509_crt_get_expiration_time (crt), >, now + 9 * 24 * 3600);
  g_assert_cmpint (gnutls_x509_crt_get_expiration_time (crt), <=, now + 10 * 24 * 3600);

  for (unsigned int i = 0;; i++)
    {
      char san[256];
      size_t san_size = sizeof san;
      int type = gnutls_x509_crt_get_subject_alt_name (crt, i, san, &san_size, NULL);

      if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        break;
      g_assert_cmpint (type, >=, 0);
      if (type == GNUTLS_SAN_DNSNAME && san_size == strlen ("localhost") &&
          memcmp (san, "localhost", san_size) == 0)
        have_dns = TRUE;
      if (type == GNUTLS_SAN_IPADDRESS && san_size == 4 && memcmp (san, "\x7f\x00\x00\x01", 4) == 0)
        have_ip = TRUE;
    }
  g_assert_true (have_dns);
  g_assert_true (have_ip);

  /* The name checks a client makes. */
  g_assert_true (gnutls_x509_crt_check_hostname (crt, "localhost"));
  g_assert_true (gnutls_x509_crt_check_ip (crt, (const unsigned char *) "\x7f\x00\x00\x01", 4, 0));
  g_assert_false (gnutls_x509_crt_check_hostname (crt, "example.org"));
}

static void
test_serials_differ (void)
{
  g_autofree char *pem_a = NULL, *key_a = NULL, *pem_b = NULL, *key_b = NULL;
  g_auto(gnutls_x509_crt_t) a = NULL;
  g_auto(gnutls_x509_crt_t) b = NULL;
  guint8 serial_a[64], serial_b[64];
  size_t size_a = sizeof serial_a, size_b = sizeof serial_b;

  g_assert_true (eit_tls_generate_self_signed ("a", 1, &pem_a, &key_a, NULL));
  g_assert_true (eit_tls_generate_self_signed ("a", 1, &pem_b, &key_b, NULL));
  g_assert_cmpstr (key_a, !=, key_b);

  a = import_pem (pem_a);
  b = import_pem (pem_b);
  g_assert_cmpint (gnutls_x509_crt_get_serial (a, serial_a, &size_a), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_get_serial (b, serial_b, &size_b), ==, 0);
  g_assert_false (size_a == size_b && memcmp (serial_a, serial_b, size_a) == 0);
}

static void
test_load_and_fingerprint (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(GString) expected = g_string_new ("sha256:");
  gnutls_datum_t datum;
  guint8 digest[32];
  size_t digest_size = sizeof digest;

  certificate = eit_tls_certificate_new_self_signed (&error);
  g_assert_no_error (error);
  g_assert_true (G_IS_TLS_CERTIFICATE (certificate));

  /* Loaded with its key: a SoupServer can use it. */
  {
    g_autofree char *key_pem = NULL;

    g_object_get (certificate, "private-key-pem", &key_pem, NULL);
    g_assert_nonnull (key_pem);
  }

  g_object_get (certificate, "certificate", &der, NULL);
  g_assert_nonnull (der);
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  datum.data = der->data;
  datum.size = der->len;
  g_assert_cmpint (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_DER), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_get_fingerprint (crt, GNUTLS_DIG_SHA256, digest, &digest_size),
                   ==, 0);
  g_assert_cmpuint (digest_size, ==, 32);
  for (guint i = 0; i < digest_size; i++)
    g_string_append_printf (expected, "%02x", digest[i]);

  fingerprint = eit_tls_certificate_fingerprint (certificate);
  g_assert_cmpstr (fingerprint, ==, expected->str);
  g_assert_cmpuint (strlen (fingerprint), ==, strlen ("sha256:") + 64);
}

static void
test_pin_good (void)
{
  const char *canonical = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const char *forms[] = {
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "SHA256:0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
    "Sha256:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:"
    "01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef",
    "  sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *pin = eit_tls_normalize_pin (forms[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (pin, ==, canonical);
    }
}

static void
test_pin_bad (void)
{
  const struct {
    const char *pin;
    const char *problem;
  } cases[] = {
    { "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "does not start with \"sha256:\"" },
    { "sha1:0123456789abcdef0123456789abcdef01234567", "does not start with \"sha256:\"" },
    { "sha256:0123", "it has 4 hex digits" },
    { "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00",
      "it has 66 hex digits" },
    { "sha256:0123456789abcdeg0123456789abcdef0123456789abcdef0123456789abcdef",
      "'g' is not a hex digit" },
    { "sha256:", "it has 0 hex digits" },
    { "", "it is empty" },
    { "  ", "it is empty" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *pin = eit_tls_normalize_pin (cases[i].pin, &error);

      g_assert_null (pin);
      g_assert_error (error, EIT_ERROR, EIT_ERROR_CONFIG);
      g_test_message ("%s -> %s", cases[i].pin, error->message);
      g_assert_nonnull (strstr (error->message, cases[i].problem));
      /* Every message shows the form to write. */
      g_assert_nonnull (strstr (error->message, "\"sha256:\" followed by 64 hex digits"));
      g_assert_true (eit_error_is_permanent (error));
    }
}

static void
test_protocol_version_names (void)
{
  g_assert_cmpstr (eit_tls_protocol_version_to_string (G_TLS_PROTOCOL_VERSION_TLS_1_3), ==, "TLS 1.3");
  g_assert_cmpstr (eit_tls_protocol_version_to_string (G_TLS_PROTOCOL_VERSION_TLS_1_2), ==, "TLS 1.2");
  g_assert_null (eit_tls_protocol_version_to_string (G_TLS_PROTOCOL_VERSION_UNKNOWN));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tls/generate/fields", test_generate_fields);
  g_test_add_func ("/tls/generate/serials-differ", test_serials_differ);
  g_test_add_func ("/tls/certificate/load-and-fingerprint", test_load_and_fingerprint);
  g_test_add_func ("/tls/pin/good", test_pin_good);
  g_test_add_func ("/tls/pin/bad", test_pin_bad);
  g_test_add_func ("/tls/protocol-version/names", test_protocol_version_names);

  return g_test_run ();
}
