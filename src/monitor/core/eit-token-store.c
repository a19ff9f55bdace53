/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-token-store.h"

G_DEFINE_QUARK (eit-token-store-error-quark, eit_token_store_error)

const SecretSchema *
eit_token_store_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.eithub.Monitor.Token", SECRET_SCHEMA_NONE,
    {
      { "hub-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

/* Turns what libsecret and D-Bus say into a sentence a user can act on. */
static GError *
translate_error (GError *error)
{
  GError *out;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    out = g_error_new_literal (EIT_TOKEN_STORE_ERROR, EIT_TOKEN_STORE_ERROR_LOCKED,
                               _("The keyring was not unlocked, so the token cannot be used. "
                                 "Unlock the keyring, then try again."));
  else if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    out = g_error_new_literal (EIT_TOKEN_STORE_ERROR, EIT_TOKEN_STORE_ERROR_LOCKED,
                               _("The keyring is locked, so the token cannot be used. "
                                 "Unlock the keyring, then try again."));
  else if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR ||
           error->domain == G_SPAWN_ERROR)
    out = g_error_new_literal (EIT_TOKEN_STORE_ERROR, EIT_TOKEN_STORE_ERROR_NO_KEYRING,
                               _("No keyring is available, so the token cannot be stored. "
                                 "Install and unlock GNOME Keyring, or another Secret Service, "
                                 "then try again."));
  else
    out = g_error_new (EIT_TOKEN_STORE_ERROR, EIT_TOKEN_STORE_ERROR_FAILED,
                       _("The keyring refused the token (%s). Check that the keyring is "
                         "unlocked, then try again."), error->message);

  g_debug ("Keyring error: %s", error->message);
  g_error_free (error);
  return out;
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, translate_error (error));
  else
    g_task_return_boolean (task, TRUE);
}

void
eit_token_store_save_async (const char          *hub_id,
                            const char          *hub_name,
                            const char          *token,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *label = NULL;

  g_task_set_source_tag (task, eit_token_store_save_async);
  g_return_if_fail (hub_id != NULL && token != NULL);

  /* Translators: the label of the keyring item; %s is the hub's name */
  label = g_strdup_printf (_("Eit hub token for “%s”"), hub_name != NULL ? hub_name : hub_id);
  secret_password_store (eit_token_store_get_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                         cancellable, store_cb, g_steal_pointer (&task),
                         "hub-id", hub_id,
                         NULL);
}

gboolean
eit_token_store_save_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *token = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, translate_error (error));
  else
    g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
}

void
eit_token_store_lookup_async (const char          *hub_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, eit_token_store_lookup_async);
  g_return_if_fail (hub_id != NULL);

  secret_password_lookup (eit_token_store_get_schema (), cancellable,
                          lookup_cb, g_steal_pointer (&task),
                          "hub-id", hub_id,
                          NULL);
}

char *
eit_token_store_lookup_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, translate_error (error));
  else
    g_task_return_boolean (task, TRUE);
}

void
eit_token_store_clear_async (const char          *hub_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, eit_token_store_clear_async);
  g_return_if_fail (hub_id != NULL);

  secret_password_clear (eit_token_store_get_schema (), cancellable,
                         clear_cb, g_steal_pointer (&task),
                         "hub-id", hub_id,
                         NULL);
}

gboolean
eit_token_store_clear_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
