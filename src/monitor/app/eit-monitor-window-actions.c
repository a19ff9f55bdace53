/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's actions: hubs (add, edit, remove, select), the connection
 * (connect, disconnect, cycle now), export, and moving between panels. */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-hub-editor.h"
#include "eit-hub-export.h"
#include "eit-monitor-window-private.h"

static void
editor_saved_cb (EitHubEditor     *editor,
                 EitHubConfig     *config,
                 const char       *token,
                 EitMonitorWindow *self)
{
  EitHubWatch *watch = eit_monitor_application_get_watch (self->application, config);

  if (watch == NULL)
    return;
  /* The token is used at once, whether or not the keyring keeps it. */
  if (token != NULL)
    eit_hub_watch_set_token (watch, token);
  if (eit_hub_config_get_auto_connect (config) &&
      eit_connection_get_state (eit_hub_watch_get_connection (watch)) ==
      EIT_CONNECTION_STATE_DISCONNECTED)
    eit_hub_watch_connect (watch);
}

static void
confirm_remove_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   EitMonitorWindow *self)
{
  EitHubConfig *config = g_object_get_data (G_OBJECT (dialog), "config");

  if (g_strcmp0 (response, "remove") == 0 && config != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (self->application), "remove-hub",
                                    g_variant_new_string (eit_hub_config_get_id (config)));
}

static void
ask_remove (EitMonitorWindow *self,
            EitHubConfig     *config)
{
  g_autofree char *name = eit_hub_config_dup_display_name (config);
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL));
  adw_message_dialog_format_heading (dialog, _("Remove “%s”?"), name);
  adw_message_dialog_format_body (dialog,
                                  _("The hub’s settings and its token in the keyring will be deleted. "
                                    "The hub itself is not affected."));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "config", g_object_ref (config), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_remove_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
editor_remove_cb (EitHubEditor     *editor,
                  EitHubConfig     *config,
                  EitMonitorWindow *self)
{
  ask_remove (self, config);
}

static void
open_editor (EitMonitorWindow *self,
             EitHubConfig     *config)
{
  EitHubEditor *editor = eit_hub_editor_new (GTK_WINDOW (self), self->store, config);

  g_signal_connect_object (editor, "saved", G_CALLBACK (editor_saved_cb), self, 0);
  g_signal_connect_object (editor, "remove", G_CALLBACK (editor_remove_cb), self, 0);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
add_hub_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  open_editor (EIT_MONITOR_WINDOW (user_data), NULL);
}

static void
edit_hub_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  EitMonitorWindow *self = user_data;

  if (self->config != NULL && !eit_hub_config_is_demo (self->config))
    open_editor (self, self->config);
}

static void
remove_hub_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  EitMonitorWindow *self = user_data;

  if (self->config != NULL)
    ask_remove (self, self->config);
}

static void
connect_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  EitMonitorWindow *self = user_data;

  if (self->watch != NULL)
    eit_hub_watch_connect (self->watch);
}

static void
disconnect_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  EitMonitorWindow *self = user_data;

  if (self->watch != NULL)
    eit_hub_watch_disconnect (self->watch);
}

static void
cycle_now_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  EitMonitorWindow *self = user_data;

  if (self->watch != NULL)
    {
      eit_hub_watch_cycle_now (self->watch);
      eit_monitor_window_add_toast (self, _("Cycling: a new connection opens before the old one closes"));
    }
}

static gboolean
export_to (EitMonitorWindow *self,
           GFile            *file,
           EitExportFormat   format)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  if (self->watch == NULL)
    return FALSE;

  if (!eit_hub_export (self->watch, format, file, &error))
    {
      AdwMessageDialog *dialog =
        ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Export Failed"), NULL));

      adw_message_dialog_format_body (dialog, _("The file could not be written: %s. Choose another "
                                                "folder, or check that the disk is not full."),
                                      error->message);
      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return FALSE;
    }

  name = g_file_get_basename (file);
  {
    g_autofree char *text = g_strdup_printf (_("Exported to %s"), name);
    eit_monitor_window_add_toast (self, text);
  }
  return TRUE;
}

static GFile *
with_extension (GFile           *file,
                EitExportFormat  format)
{
  g_autofree char *path = g_file_get_path (file);
  const char *ext = eit_export_format_get_extension (format);
  g_autofree char *suffix = g_strconcat (".", ext, NULL);

  if (path == NULL || g_str_has_suffix (path, suffix))
    return g_object_ref (file);
  {
    g_autofree char *with = g_strconcat (path, suffix, NULL);
    return g_file_new_for_path (with);
  }
}

static void
export_response_cb (GtkNativeDialog  *dialog,
                    int               response,
                    EitMonitorWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) chosen = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      const char *choice = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "format");
      EitExportFormat format = EIT_EXPORT_JSON;
      g_autoptr(GFile) file = NULL;

      eit_export_format_from_string (choice, &format);
      if (chosen != NULL)
        {
          file = with_extension (chosen, format);
          export_to (self, file, format);
        }
    }
  g_clear_object (&self->export_chooser);
}

static void
export_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  EitMonitorWindow *self = user_data;
  const char *ids[] = { "json", "metrics-csv", "log-csv", NULL };
  const char *labels[] = { _("Everything (JSON)"), _("Metrics samples (CSV)"), _("Message log (CSV)"), NULL };
  g_autofree char *name = NULL;
  g_autofree char *file_name = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  if (self->watch == NULL || self->export_chooser != NULL)
    return;

  name = eit_hub_config_dup_display_name (self->config);
  g_strdelimit (name, "/\\:*?\"<>| ", '-');
  file_name = g_strdup_printf ("%s-%s.json", name, stamp);

  self->export_chooser = gtk_file_chooser_native_new (_("Export Metrics and Log"), GTK_WINDOW (self),
                                                      GTK_FILE_CHOOSER_ACTION_SAVE,
                                                      _("_Export"), _("_Cancel"));
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (self->export_chooser), "format", _("Format"),
                               ids, labels);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (self->export_chooser), "format", "json");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->export_chooser), file_name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->export_chooser), TRUE);
  g_signal_connect (self->export_chooser, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->export_chooser));
}

static void
export_to_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  EitMonitorWindow *self = user_data;
  const char *path, *format_name;
  EitExportFormat format = EIT_EXPORT_JSON;
  g_autoptr(GFile) file = NULL;

  g_variant_get (parameter, "(&s&s)", &path, &format_name);
  if (!eit_export_format_from_string (format_name, &format))
    {
      g_warning ("Unknown export format “%s”", format_name);
      return;
    }
  file = g_file_new_for_path (path);
  export_to (self, file, format);
}

static void
view_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  EitMonitorWindow *self = user_data;

  eit_monitor_window_show_view (self, g_variant_get_string (parameter, NULL));
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
}

static void
search_log_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  EitMonitorWindow *self = user_data;

  eit_monitor_window_show_view (self, "traffic");
  eit_message_log_view_focus_search (eit_traffic_page_get_log_view (self->traffic_page));
}

static void
pause_log_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  EitMonitorWindow *self = user_data;

  gtk_widget_activate_action (GTK_WIDGET (eit_traffic_page_get_log_view (self->traffic_page)),
                              "log.pause", NULL);
}

static void
show_hubs_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  EitMonitorWindow *self = user_data;

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* The application shows a hub (from a notification) through this action. */
static void
select_hub_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  EitMonitorWindow *self = user_data;
  EitHubConfig *config = eit_hub_store_lookup (self->store, g_variant_get_string (parameter, NULL));

  if (config != NULL)
    eit_monitor_window_select_hub (self, config);
}

static const GActionEntry entries[] = {
  { "add-hub", add_hub_action },
  { "edit-hub", edit_hub_action },
  { "remove-hub", remove_hub_action },
  { "connect", connect_action },
  { "disconnect", disconnect_action },
  { "cycle-now", cycle_now_action },
  { "export", export_action },
  { "export-to", export_to_action, "(ss)" },
  { "view", view_action, "s" },
  { "search-log", search_log_action },
  { "pause-log", pause_log_action },
  { "show-hubs", show_hubs_action },
  { "select-hub", select_hub_action, "s" },
};

static void
set_enabled (EitMonitorWindow *self,
             const char       *name,
             gboolean          enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
eit_monitor_window_update_actions (EitMonitorWindow *self)
{
  gboolean have = self->watch != NULL;
  EitConnectionState state = have ? eit_hub_watch_get_metrics (self->watch)->state
                                  : EIT_CONNECTION_STATE_DISCONNECTED;

  set_enabled (self, "edit-hub", have && !eit_hub_config_is_demo (self->config));
  set_enabled (self, "remove-hub", have);
  set_enabled (self, "connect", have && (state == EIT_CONNECTION_STATE_DISCONNECTED ||
                                         state == EIT_CONNECTION_STATE_FAILED ||
                                         state == EIT_CONNECTION_STATE_BACKING_OFF));
  set_enabled (self, "disconnect", have && state != EIT_CONNECTION_STATE_DISCONNECTED);
  set_enabled (self, "cycle-now", have && state == EIT_CONNECTION_STATE_CONNECTED);
  set_enabled (self, "export", have);
  set_enabled (self, "export-to", have);
  set_enabled (self, "search-log", have);
  set_enabled (self, "pause-log", have);
}

void
eit_monitor_window_install_actions (EitMonitorWindow *self)
{
  g_autoptr(GAction) chart_window = g_settings_create_action (self->settings, "chart-window");

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_action_map_add_action (G_ACTION_MAP (self), chart_window);
  eit_monitor_window_update_actions (self);
}

void
eit_monitor_window_export_dispose (EitMonitorWindow *self)
{
  if (self->export_chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->export_chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->export_chooser));
      g_clear_object (&self->export_chooser);
    }
}
