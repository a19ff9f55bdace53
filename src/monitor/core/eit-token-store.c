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

typedef enum {
  OPERATION_SAVE,
  OPERATION_LOOKUP,
  OPERATION_CLEAR,
} Operation;

static GError *
no_keyring_error (Operation operation)
{
  const char *message;

  switch (operation)
    {
    case OPERATION_SAVE:
      message = _("No keyring is available, so the token cannot be stored. "
                  "Install and unlock GNOME Keyring, or another Secret Service, "
                  "then try again.");
      break;
    case OPERATION_LOOKUP:
      message = _("No keyring is available, so the token cannot be read. "
                  "Install and unlock GNOME Keyring, or another Secret Service, "
                  "then try again.");
      break;
    case OPERATION_CLEAR:
    default:
      message = _("No keyring is available, so the token cannot be removed. "
                  "Install and unlock GNOME Keyring, or another Secret Service, "
                  "then try again.");
      break;
    }
  return g_error_new_literal (EIT_TOKEN_STORE_ERROR, EIT_TOKEN_STORE_ERROR_NO_KEYRING, message);
}

/* Turns what libsecret and D-Bus say into a sentence a user can act on. */
static GError *
translate_error (GError    *error,
                 Operation  operation)
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
    out = no_keyring_error (operation);
  else
    out = g_error_new (EIT_TOKEN_STORE_ERROR, EIT_TOKEN_STORE_ERROR_FAILED,
                       _("The keyring refused the token (%s). Check that the keyring is "
                         "unlocked, then try again."), error->message);

  g_debug ("Keyring error: %s", error->message);
  g_error_free (error);
  return out;
}

/* One keyring call. libsecret may never answer (Debian 12's libsecret
 * 0.20.5 misses the Secret portal's reply when the app is busy, and a
 * portal or keyring that hangs holds the call forever), so the task is
 * answered by whichever comes first: libsecret, the caller's cancellable or
 * the time limit. A call libsecret never answers stays allocated: it is a
 * few bytes, and freeing it would leave libsecret a dangling pointer. */
typedef struct {
  GTask        *task;        /* NULL once answered */
  GCancellable *keyring;     /* what libsecret watches: cancelled once answered */
  GCancellable *caller;
  gulong        caller_handler;
  guint         timeout_id;
  Operation     operation;
  int           refs;        /* libsecret's and the call's own until answered */
} Call;

static guint token_store_timeout_ms = EIT_TOKEN_STORE_TIMEOUT_MS;

void
eit_token_store_set_timeout (guint timeout_ms)
{
  token_store_timeout_ms = timeout_ms > 0 ? timeout_ms : EIT_TOKEN_STORE_TIMEOUT_MS;
}

static void
call_unref (Call *call)
{
  if (--call->refs > 0)
    return;
  g_clear_object (&call->keyring);
  g_free (call);
}

/* Hands the task its answer, once; returns the task for the caller to answer. */
static GTask *
call_take_task (Call *call)
{
  GTask *task = g_steal_pointer (&call->task);

  if (task == NULL)
    return NULL;
  g_clear_handle_id (&call->timeout_id, g_source_remove);
  if (call->caller != NULL)
    {
      g_cancellable_disconnect (call->caller, call->caller_handler);
      g_clear_object (&call->caller);
    }
  g_cancellable_cancel (call->keyring);
  call_unref (call);
  return task;
}

static gboolean
call_timed_out_cb (gpointer user_data)
{
  Call *call = user_data;
  g_autoptr(GTask) task = NULL;
  guint seconds = MAX (1, (token_store_timeout_ms + 500) / 1000);

  call->timeout_id = 0;
  task = call_take_task (call);
  if (task != NULL)
    g_task_return_new_error (task, EIT_TOKEN_STORE_ERROR, EIT_TOKEN_STORE_ERROR_NO_KEYRING,
                             g_dngettext (GETTEXT_PACKAGE,
                                          "The keyring did not answer within %u second. Check that "
                                          "GNOME Keyring, or another Secret Service, is running and "
                                          "unlocked, then try again.",
                                          "The keyring did not answer within %u seconds. Check that "
                                          "GNOME Keyring, or another Secret Service, is running and "
                                          "unlocked, then try again.", seconds),
                             seconds);
  return G_SOURCE_REMOVE;
}

/* In the caller's thread (the main context: every caller is the UI's). */
static gboolean
call_cancelled_idle_cb (gpointer user_data)
{
  Call *call = user_data;
  g_autoptr(GTask) task = call_take_task (call);

  if (task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  call_unref (call);
  return G_SOURCE_REMOVE;
}

static void
call_cancelled_cb (GCancellable *cancellable,
                   Call         *call)
{
  call->refs++;
  g_idle_add (call_cancelled_idle_cb, call);
}

static Call *
call_new (Operation            operation,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  Call *call = g_new0 (Call, 1);

  call->operation = operation;
  call->refs = 2;
  call->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (call->task, source_tag);
  call->keyring = g_cancellable_new ();
  call->timeout_id = g_timeout_add (token_store_timeout_ms, call_timed_out_cb, call);
  g_source_set_name_by_id (call->timeout_id, "[eithub-monitor] keyring time limit");
  if (cancellable != NULL)
    {
      call->caller = g_object_ref (cancellable);
      /* The handler may run at once, in this thread: it only queues an idle. */
      call->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (call_cancelled_cb),
                                                    call, NULL);
    }
  return call;
}

/* libsecret's answer: the task's, unless the time limit or the caller came first. */
static GTask *
call_answered (Call *call)
{
  GTask *task = call_take_task (call);

  call_unref (call);
  return task;
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Call *call = user_data;
  GError *error = NULL;
  gboolean stored = secret_password_store_finish (result, &error);
  g_autoptr(GTask) task = call_answered (call);

  if (task == NULL)
    g_clear_error (&error);
  else if (!stored)
    g_task_return_error (task, translate_error (error, OPERATION_SAVE));
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
  g_autofree char *label = NULL;
  Call *call;

  g_return_if_fail (hub_id != NULL && token != NULL);

  call = call_new (OPERATION_SAVE, cancellable, callback, user_data, eit_token_store_save_async);
  /* Translators: the label of the keyring item; %s is the hub's name */
  label = g_strdup_printf (_("Eit hub token for “%s”"), hub_name != NULL ? hub_name : hub_id);
  secret_password_store (eit_token_store_get_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                         call->keyring, store_cb, call,
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
  Call *call = user_data;
  GError *error = NULL;
  char *token = secret_password_lookup_finish (result, &error);
  g_autoptr(GTask) task = call_answered (call);

  if (task == NULL)
    {
      g_clear_error (&error);
      g_clear_pointer (&token, secret_password_free);
    }
  else if (error != NULL)
    g_task_return_error (task, translate_error (error, OPERATION_LOOKUP));
  else
    g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
}

void
eit_token_store_lookup_async (const char          *hub_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  Call *call;

  g_return_if_fail (hub_id != NULL);

  call = call_new (OPERATION_LOOKUP, cancellable, callback, user_data, eit_token_store_lookup_async);
  secret_password_lookup (eit_token_store_get_schema (), call->keyring,
                          lookup_cb, call,
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
  Call *call = user_data;
  GError *error = NULL;
  g_autoptr(GTask) task = NULL;

  secret_password_clear_finish (result, &error);
  task = call_answered (call);
  if (task == NULL)
    g_clear_error (&error);
  else if (error != NULL)
    g_task_return_error (task, translate_error (error, OPERATION_CLEAR));
  else
    g_task_return_boolean (task, TRUE);
}

void
eit_token_store_clear_async (const char          *hub_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Call *call;

  g_return_if_fail (hub_id != NULL);

  call = call_new (OPERATION_CLEAR, cancellable, callback, user_data, eit_token_store_clear_async);
  secret_password_clear (eit_token_store_get_schema (), call->keyring,
                         clear_cb, call,
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
