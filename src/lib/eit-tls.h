/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Certificates: a self-signed one for the demo hub and development, and
 * SHA-256 fingerprints for pinning (docs/PROTOCOL.md 2.5). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Makes an ECDSA P-256 key and a self-signed x509 v3 certificate for
 * common_name with SubjectAltName DNS "localhost" and IP 127.0.0.1, valid for
 * days days, SHA-256 signed. Returns PEM texts. */
gboolean         eit_tls_generate_self_signed   (const char  *common_name,
                                                 guint        days,
                                                 char       **cert_pem,
                                                 char       **key_pem,
                                                 GError     **error);

/* The same, loaded as a GTlsCertificate ready for a SoupServer. */
GTlsCertificate *eit_tls_certificate_new_self_signed (GError **error);

/* "sha256:" + 64 lowercase hex digits over the certificate's DER. */
char            *eit_tls_certificate_fingerprint (GTlsCertificate *certificate);

/* Normalizes a pin as users write it ("sha256:AB:CD...", upper or lower case,
 * with or without colons) to "sha256:<64 lowercase hex>". EIT_ERROR_CONFIG
 * with a message that shows the expected form otherwise. */
char            *eit_tls_normalize_pin          (const char  *pin,
                                                 GError     **error);

/* A new random token (PROTOCOL.md 2.2): 32 bytes from GnuTLS's key-grade
 * generator, base64url without padding. */
char            *eit_tls_generate_token         (GError     **error);

/* "TLS 1.3" etc. for a GTlsProtocolVersion; NULL when unknown. */
const char      *eit_tls_protocol_version_to_string (GTlsProtocolVersion version);

G_END_DECLS
