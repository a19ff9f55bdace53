/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A GTlsDatabase that trusts no certificate. A client in pinned or CA-file
 * mode gives it to libsoup, so every certificate fails validation and
 * SoupMessage::accept-certificate, our own check, decides each time, before
 * the request (and the token) is written. It is also the process's default
 * database once a client connects, so that glib-networking does not read
 * the system store for every connection libsoup builds. Not public API. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define EIT_TYPE_NO_TRUST_DATABASE (eit_no_trust_database_get_type ())
G_DECLARE_FINAL_TYPE (EitNoTrustDatabase, eit_no_trust_database, EIT, NO_TRUST_DATABASE,
                      GTlsDatabase)

/* One per process: it holds nothing. Not a new reference. */
GTlsDatabase *eit_no_trust_database_get_default (void);

/* Makes that database the process's default TLS database, if it is not
 * already, and returns the one it replaced: the TLS backend's system store,
 * or the database the program last set with
 * g_tls_backend_set_default_database (). A new reference; NULL when the
 * backend has no system store. Safe to call before every connect. */
GTlsDatabase *eit_no_trust_database_install_default (void);

G_END_DECLS
