/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hub tokens in the keyring, through libsecret (Secret Service): schema
 * "io.github.eithub.Monitor.Token", one item per hub keyed by the attribute
 * "hub-id". Tokens are never written to GSettings or a file. Every failure
 * comes back as an EIT_TOKEN_STORE_ERROR whose message says what to do; a
 * keyring that does not answer within the time limit is such a failure. */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

#define EIT_TOKEN_STORE_ERROR (eit_token_store_error_quark ())

typedef enum {
  EIT_TOKEN_STORE_ERROR_NO_KEYRING,  /* no Secret Service on the session bus */
  EIT_TOKEN_STORE_ERROR_LOCKED,      /* the keyring is locked or the prompt was dismissed */
  EIT_TOKEN_STORE_ERROR_FAILED,
} EitTokenStoreError;

/* How long a keyring call may take before it fails (a keyring prompt is
 * answered by a person, so it is generous). */
#define EIT_TOKEN_STORE_TIMEOUT_MS 60000

GQuark              eit_token_store_error_quark (void);
/* For every call from now on; 0 restores EIT_TOKEN_STORE_TIMEOUT_MS. */
void                eit_token_store_set_timeout (guint timeout_ms);
const SecretSchema *eit_token_store_get_schema  (void);

void     eit_token_store_save_async    (const char          *hub_id,
                                        const char          *hub_name,
                                        const char          *token,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean eit_token_store_save_finish   (GAsyncResult        *result,
                                        GError             **error);

/* Returns NULL without an error when the hub has no token stored. */
void     eit_token_store_lookup_async  (const char          *hub_id,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
char    *eit_token_store_lookup_finish (GAsyncResult        *result,
                                        GError             **error);

void     eit_token_store_clear_async   (const char          *hub_id,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean eit_token_store_clear_finish  (GAsyncResult        *result,
                                        GError             **error);

G_END_DECLS
