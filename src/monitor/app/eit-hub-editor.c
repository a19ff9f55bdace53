/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-enums.h"
#include "eit-hub-editor.h"
#include "eit-tls.h"
#include "eit-token-store.h"

struct _EitHubEditor
{
  AdwWindow      parent_instance;

  AdwWindowTitle *window_title;
  GtkWidget      *save_button;
  GtkLabel       *error_label;
  AdwEntryRow    *name_row;
  AdwEntryRow    *url_row;
  GtkSwitch      *auto_connect_switch;
  AdwPreferencesGroup *token_group;
  AdwPasswordEntryRow *token_row;
  AdwComboRow    *trust_row;
  AdwComboRow    *protocol_row;
  AdwEntryRow    *ca_file_row;
  AdwEntryRow    *pin_row;
  GtkWidget      *remove_button;

  EitHubStore    *store;
  EitHubConfig   *config;
  GCancellable   *cancellable;
  GtkFileChooserNative *chooser;
  char           *error;
  gboolean        busy;
};

G_DEFINE_FINAL_TYPE (EitHubEditor, eit_hub_editor, ADW_TYPE_WINDOW)

enum { SAVED, TOKEN_STORED, REMOVE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
show_error (EitHubEditor *self,
            const char   *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
mark_row (AdwEntryRow *row,
          gboolean     bad)
{
  if (bad)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

static const char *
row_text (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
update_trust_rows (EitHubEditor *self)
{
  guint mode = adw_combo_row_get_selected (self->trust_row);

  gtk_widget_set_visible (GTK_WIDGET (self->ca_file_row), mode == EIT_TRUST_CA_FILE);
  gtk_widget_set_visible (GTK_WIDGET (self->pin_row), mode == EIT_TRUST_PINNED);
}

static void
update_mode (EitHubEditor *self)
{
  gboolean editing = self->config != NULL;

  adw_window_title_set_title (self->window_title, editing ? _("Edit Hub") : _("Add Hub"));
  gtk_widget_set_visible (self->remove_button, editing);
  adw_preferences_group_set_description (self->token_group,
    editing ? _("Kept in your keyring, never in settings or files. Leave it empty to keep the "
                "stored token.")
            : _("Kept in your keyring, never in settings or files."));
}

/* Checks the form; on success fills the normalized values. */
static gboolean
validate (EitHubEditor  *self,
          char         **url_out,
          char         **pin_out)
{
  g_autofree char *url = g_strstrip (g_strdup (row_text (self->url_row)));
  g_autofree char *pin = NULL;
  g_autoptr(GUri) uri = NULL;
  guint mode = adw_combo_row_get_selected (self->trust_row);
  const char *token = row_text (ADW_ENTRY_ROW (self->token_row));

  mark_row (self->url_row, FALSE);
  mark_row (ADW_ENTRY_ROW (self->token_row), FALSE);
  mark_row (self->ca_file_row, FALSE);
  mark_row (self->pin_row, FALSE);

  if (url[0] == '\0')
    {
      mark_row (self->url_row, TRUE);
      show_error (self, _("Enter the hub’s address, for example wss://hub.example.org:8443/."));
      return FALSE;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      mark_row (self->url_row, TRUE);
      show_error (self, _("This address cannot be read. Write it as wss://host:port/, for example "
                          "wss://hub.example.org:8443/."));
      return FALSE;
    }
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "wss") != 0)
    {
      mark_row (self->url_row, TRUE);
      show_error (self, _("Use a wss:// address: Eit hubs accept only encrypted (TLS) connections."));
      return FALSE;
    }

  if (self->config == NULL && token[0] == '\0')
    {
      mark_row (ADW_ENTRY_ROW (self->token_row), TRUE);
      show_error (self, _("Enter the hub’s access token: hubs refuse connections without one."));
      return FALSE;
    }

  if (mode == EIT_TRUST_CA_FILE)
    {
      const char *path = row_text (self->ca_file_row);

      if (path[0] == '\0' || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          mark_row (self->ca_file_row, TRUE);
          show_error (self, _("Choose the PEM file of certificate authorities that signed the "
                              "hub’s certificate."));
          return FALSE;
        }
    }
  else if (mode == EIT_TRUST_PINNED)
    {
      g_autoptr(GError) error = NULL;

      pin = eit_tls_normalize_pin (row_text (self->pin_row), &error);
      if (pin == NULL)
        {
          mark_row (self->pin_row, TRUE);
          show_error (self, error != NULL ? error->message
                                          : _("Write the fingerprint as sha256: followed by 64 "
                                              "hexadecimal digits."));
          return FALSE;
        }
    }

  *url_out = g_steal_pointer (&url);
  *pin_out = g_steal_pointer (&pin);
  return TRUE;
}

static void
token_stored_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  EitHubEditor *self;
  g_autoptr(GError) error = NULL;

  if (!eit_token_store_save_finish (result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = EIT_HUB_EDITOR (user_data);
  self->busy = FALSE;
  gtk_widget_set_sensitive (self->save_button, TRUE);

  if (error != NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("The hub was saved, but not its token. %s"), error->message);
      show_error (self, message);
      return;
    }

  g_signal_emit (self, signals[TOKEN_STORED], 0, self->config);
  gtk_window_close (GTK_WINDOW (self));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  EitHubEditor *self = EIT_HUB_EDITOR (widget);
  g_autofree char *url = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *token = NULL;
  g_autofree char *name = NULL;
  gboolean is_new = self->config == NULL;

  if (self->busy)
    return;
  if (!validate (self, &url, &pin))
    return;
  show_error (self, NULL);

  token = g_strstrip (g_strdup (row_text (ADW_ENTRY_ROW (self->token_row))));
  name = g_strstrip (g_strdup (row_text (self->name_row)));

  if (is_new)
    {
      g_autofree char *id = eit_hub_config_generate_id ();
      self->config = eit_hub_config_new_for_id (id);
    }

  g_object_set (self->config,
                "name", name,
                "url", url,
                "trust-mode", adw_combo_row_get_selected (self->trust_row),
                "ca-file", row_text (self->ca_file_row),
                "pinned-fingerprint", pin != NULL ? pin : "",
                "auto-connect", gtk_switch_get_active (self->auto_connect_switch),
                "protocol-mode", adw_combo_row_get_selected (self->protocol_row),
                NULL);
  if (is_new)
    eit_hub_store_add (self->store, self->config);
  update_mode (self);

  g_signal_emit (self, signals[SAVED], 0, self->config, token[0] != '\0' ? token : NULL);

  if (token[0] == '\0')
    {
      gtk_window_close (GTK_WINDOW (self));
      return;
    }

  self->busy = TRUE;
  gtk_widget_set_sensitive (self->save_button, FALSE);
  {
    g_autofree char *display = eit_hub_config_dup_display_name (self->config);
    eit_token_store_save_async (eit_hub_config_get_id (self->config), display, token,
                                self->cancellable, token_stored_cb, self);
  }
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EitHubEditor *self = EIT_HUB_EDITOR (widget);
  g_autoptr(EitHubConfig) config = NULL;

  if (self->config == NULL)
    return;
  config = g_object_ref (self->config);
  g_signal_emit (self, signals[REMOVE], 0, config);
  gtk_window_close (GTK_WINDOW (self));
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     EitHubEditor    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->ca_file_row), path);
    }
  g_clear_object (&self->chooser);
}

static void
choose_ca_file_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  EitHubEditor *self = EIT_HUB_EDITOR (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Choose a CA File"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Choose"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("PEM certificates"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_filter_add_mime_type (filter, "application/x-x509-ca-cert");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
eit_hub_editor_dispose (GObject *object)
{
  EitHubEditor *self = EIT_HUB_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_object (&self->config);
  gtk_widget_dispose_template (GTK_WIDGET (self), EIT_TYPE_HUB_EDITOR);

  G_OBJECT_CLASS (eit_hub_editor_parent_class)->dispose (object);
}

static void
eit_hub_editor_finalize (GObject *object)
{
  g_free (EIT_HUB_EDITOR (object)->error);
  G_OBJECT_CLASS (eit_hub_editor_parent_class)->finalize (object);
}

static void
eit_hub_editor_class_init (EitHubEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = eit_hub_editor_dispose;
  object_class->finalize = eit_hub_editor_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/eithub/Monitor/eit-hub-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, url_row);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, auto_connect_switch);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, token_group);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, token_row);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, trust_row);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, protocol_row);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, ca_file_row);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, pin_row);
  gtk_widget_class_bind_template_child (widget_class, EitHubEditor, remove_button);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.remove", NULL, remove_action);
  gtk_widget_class_install_action (widget_class, "editor.choose-ca-file", NULL, choose_ca_file_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);

  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                 EIT_TYPE_HUB_CONFIG, G_TYPE_STRING);
  signals[TOKEN_STORED] = g_signal_new ("token-stored", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, EIT_TYPE_HUB_CONFIG);
  signals[REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, EIT_TYPE_HUB_CONFIG);
}

/* Typing clears a stale complaint; the next save checks again. */
static void
row_changed_cb (EitHubEditor *self)
{
  if (self->error != NULL && !self->busy)
    {
      show_error (self, NULL);
      mark_row (self->url_row, FALSE);
      mark_row (ADW_ENTRY_ROW (self->token_row), FALSE);
      mark_row (self->ca_file_row, FALSE);
      mark_row (self->pin_row, FALSE);
    }
}

static void
eit_hub_editor_init (EitHubEditor *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->url_row, "changed", G_CALLBACK (row_changed_cb), self);
  g_signal_connect_swapped (self->token_row, "changed", G_CALLBACK (row_changed_cb), self);
  g_signal_connect_swapped (self->ca_file_row, "changed", G_CALLBACK (row_changed_cb), self);
  g_signal_connect_swapped (self->pin_row, "changed", G_CALLBACK (row_changed_cb), self);
  g_signal_connect_swapped (self->trust_row, "notify::selected",
                            G_CALLBACK (update_trust_rows), self);
  update_trust_rows (self);
}

EitHubEditor *
eit_hub_editor_new (GtkWindow    *parent,
                    EitHubStore  *store,
                    EitHubConfig *config)
{
  EitHubEditor *self;

  g_return_val_if_fail (EIT_IS_HUB_STORE (store), NULL);
  g_return_val_if_fail (config == NULL || EIT_IS_HUB_CONFIG (config), NULL);

  self = g_object_new (EIT_TYPE_HUB_EDITOR,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       NULL);
  self->store = g_object_ref (store);
  if (config != NULL)
    {
      self->config = g_object_ref (config);
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), eit_hub_config_get_name (config));
      gtk_editable_set_text (GTK_EDITABLE (self->url_row), eit_hub_config_get_url (config));
      gtk_switch_set_active (self->auto_connect_switch, eit_hub_config_get_auto_connect (config));
      adw_combo_row_set_selected (self->trust_row, eit_hub_config_get_trust_mode (config));
      adw_combo_row_set_selected (self->protocol_row, eit_hub_config_get_protocol_mode (config));
      gtk_editable_set_text (GTK_EDITABLE (self->ca_file_row), eit_hub_config_get_ca_file (config));
      gtk_editable_set_text (GTK_EDITABLE (self->pin_row),
                             eit_hub_config_get_pinned_fingerprint (config));
    }
  update_mode (self);
  update_trust_rows (self);
  return self;
}

EitHubConfig *
eit_hub_editor_get_config (EitHubEditor *self)
{
  g_return_val_if_fail (EIT_IS_HUB_EDITOR (self), NULL);
  return self->config;
}

const char *
eit_hub_editor_get_error (EitHubEditor *self)
{
  g_return_val_if_fail (EIT_IS_HUB_EDITOR (self), NULL);
  return self->error;
}

gboolean
eit_hub_editor_is_busy (EitHubEditor *self)
{
  g_return_val_if_fail (EIT_IS_HUB_EDITOR (self), FALSE);
  return self->busy;
}
