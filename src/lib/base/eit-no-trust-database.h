/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A GTlsDatabase that trusts no certificate. A client in pinned or CA-file
 * mode gives it to libsoup, so every certificate fails validation and
 * SoupMessage::accept-certificate, our own check, decides each time, before
 * the request (and the token) is written. Not public API. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define EIT_TYPE_NO_TRUST_DATABASE (eit_no_trust_database_get_type ())
G_DECLARE_FINAL_TYPE (EitNoTrustDatabase, eit_no_trust_database, EIT, NO_TRUST_DATABASE,
                      GTlsDatabase)

/* One per process: it holds nothing. Not a new reference. */
GTlsDatabase *eit_no_trust_database_get_default (void);

G_END_DECLS
