/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-tls.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "eit-error.h"

#define PIN_PREFIX     "sha256:"
#define PIN_HEX_DIGITS 64

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)

static gboolean
gnutls_failed (int          ret,
               const char  *what,
               GError     **error)
{
  if (ret >= 0)
    return FALSE;

  g_set_error (error, EIT_ERROR, EIT_ERROR_FAILED,
               _("cannot make a self-signed certificate: %s failed: %s"),
               what, gnutls_strerror (ret));
  return TRUE;
}

/* Exports a datum as a NUL-terminated string in GLib's allocator. */
static char *
datum_to_string (gnutls_datum_t *datum)
{
  char *text = g_strndup ((const char *) datum->data, datum->size);

  gnutls_free (datum->data);
  datum->data = NULL;
  return text;
}

gboolean
eit_tls_generate_self_signed (const char  *common_name,
                              guint        days,
                              char       **cert_pem,
                              char       **key_pem,
                              GError     **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  /* 127.0.0.1 as the 4 raw bytes an iPAddress SAN holds. */
  static const guint8 loopback[4] = { 127, 0, 0, 1 };
  static const char localhost[] = "localhost";
  guint8 serial[16];
  gnutls_datum_t datum = { NULL, 0 };
  g_autofree char *cert_text = NULL;
  time_t now;
  int ret;

  g_return_val_if_fail (common_name != NULL && *common_name != '\0', FALSE);
  g_return_val_if_fail (days > 0, FALSE);
  g_return_val_if_fail (cert_pem != NULL && key_pem != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ret = gnutls_x509_privkey_init (&key);
  if (gnutls_failed (ret, "key init", error))
    return FALSE;
  ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                      GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0);
  if (gnutls_failed (ret, "ECDSA P-256 key generation", error))
    return FALSE;

  ret = gnutls_x509_crt_init (&crt);
  if (gnutls_failed (ret, "certificate init", error))
    return FALSE;

  /* A positive serial: RFC 5280 forbids negative ones, so clear the top bit. */
  ret = gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  if (gnutls_failed (ret, "random serial", error))
    return FALSE;
  serial[0] &= 0x7f;
  /* A non-zero first byte keeps the DER integer at its full length. */
  serial[0] |= 0x01;

  /* Back-date a minute so a peer with a slightly slow clock accepts it. */
  now = time (NULL);
  if (gnutls_failed (gnutls_x509_crt_set_version (crt, 3), "version", error) ||
      gnutls_failed (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "serial", error) ||
      gnutls_failed (gnutls_x509_crt_set_activation_time (crt, now - 60), "activation time",
                     error) ||
      gnutls_failed (gnutls_x509_crt_set_expiration_time (crt, now + (time_t) days * 24 * 3600),
                     "expiration time", error) ||
      gnutls_failed (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                    common_name, strlen (common_name)),
                     "common name", error) ||
      gnutls_failed (gnutls_x509_crt_set_key (crt, key), "public key", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, localhost,
                                                           strlen (localhost), GNUTLS_FSAN_APPEND),
                     "DNS subject alt name", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, loopback,
                                                           sizeof loopback, GNUTLS_FSAN_APPEND),
                     "IP subject alt name", error) ||
      gnutls_failed (gnutls_x509_crt_set_basic_constraints (crt, 0, -1), "basic constraints",
                     error) ||
      gnutls_failed (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "key usage",
                     error) ||
      gnutls_failed (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
                     "key purpose", error) ||
      gnutls_failed (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "signing", error))
    return FALSE;

  ret = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &datum);
  if (gnutls_failed (ret, "certificate export", error))
    return FALSE;
  cert_text = datum_to_string (&datum);

  ret = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                           &datum);
  if (gnutls_failed (ret, "key export", error))
    return FALSE;

  *key_pem = datum_to_string (&datum);
  *cert_pem = g_steal_pointer (&cert_text);
  return TRUE;
}

GTlsCertificate *
eit_tls_certificate_new_self_signed (GError **error)
{
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *both = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!eit_tls_generate_self_signed ("localhost", 365, &cert_pem, &key_pem, error))
    return NULL;

  both = g_strconcat (cert_pem, key_pem, NULL);
  return g_tls_certificate_new_from_pem (both, -1, error);
}

char *
eit_tls_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;

  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return g_strconcat (PIN_PREFIX, hex, NULL);
}

static gboolean
pin_error (GError     **error,
           const char  *pin,
           const char  *problem)
{
  g_set_error (error, EIT_ERROR, EIT_ERROR_CONFIG,
               _("the certificate pin \"%s\" is not valid (%s): write it as \"sha256:\" "
                 "followed by %d hex digits (colons between them are allowed), as eithub-hub "
                 "prints it"),
               pin, problem, PIN_HEX_DIGITS);
  return FALSE;
}

char *
eit_tls_normalize_pin (const char  *pin,
                       GError     **error)
{
  g_autoptr(GString) out = NULL;
  g_autofree char *trimmed = NULL;
  guint digits = 0;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (pin == NULL)
    {
      pin_error (error, "", _("it is empty"));
      return NULL;
    }

  /* Pins get pasted from terminals: surrounding white space is noise. */
  trimmed = g_strstrip (g_strdup (pin));
  if (*trimmed == '\0')
    {
      pin_error (error, pin, _("it is empty"));
      return NULL;
    }

  if (g_ascii_strncasecmp (trimmed, PIN_PREFIX, strlen (PIN_PREFIX)) != 0)
    {
      pin_error (error, pin, _("it does not start with \"sha256:\""));
      return NULL;
    }

  out = g_string_sized_new (strlen (PIN_PREFIX) + PIN_HEX_DIGITS);
  g_string_append (out, PIN_PREFIX);

  for (const char *p = trimmed + strlen (PIN_PREFIX); *p != '\0'; p++)
    {
      if (*p == ':')
        continue;
      if (!g_ascii_isxdigit (*p))
        {
          g_autofree char *problem = NULL;

          if (g_ascii_isprint (*p))
            problem = g_strdup_printf (_("'%c' is not a hex digit"), *p);
          else
            problem = g_strdup (_("it holds a character that is not a hex digit"));
          pin_error (error, pin, problem);
          return NULL;
        }
      if (++digits <= PIN_HEX_DIGITS)
        g_string_append_c (out, g_ascii_tolower (*p));
    }

  if (digits != PIN_HEX_DIGITS)
    {
      g_autofree char *problem = g_strdup_printf (_("it has %u hex digits"), digits);

      pin_error (error, pin, problem);
      return NULL;
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

const char *
eit_tls_protocol_version_to_string (GTlsProtocolVersion version)
{
  switch (version)
    {
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
      return "SSL 3.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
      return "TLS 1.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
      return "TLS 1.1";
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      return "TLS 1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return "TLS 1.3";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
      return "DTLS 1.0";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
      return "DTLS 1.2";
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    default:
      return NULL;
    }
}

char *
eit_tls_generate_token (GError **error)
{
  guint8 random[32];
  g_autofree char *base64 = NULL;
  char *padding;
  int ret;

  ret = gnutls_rnd (GNUTLS_RND_KEY, random, sizeof random);
  if (ret < 0)
    {
      g_set_error (error, EIT_ERROR, EIT_ERROR_FAILED, _("Cannot make a random token: %s"),
                   gnutls_strerror (ret));
      return NULL;
    }

  base64 = g_base64_encode (random, sizeof random);
  g_strdelimit (base64, "+", '-');
  g_strdelimit (base64, "/", '_');
  padding = strchr (base64, '=');
  if (padding != NULL)
    *padding = '\0';
  return g_steal_pointer (&base64);
}
