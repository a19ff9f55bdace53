/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-chart.h"
#include "eit-hub-row.h"
#include "eit-monitor-window-private.h"
#include "eit-state-style.h"

G_DEFINE_FINAL_TYPE (EitMonitorWindow, eit_monitor_window, ADW_TYPE_APPLICATION_WINDOW)

static void
chart_window_changed_cb (EitMonitorWindow *self)
{
  guint seconds = eit_chart_span_get_seconds (g_settings_get_enum (self->settings, "chart-window"));

  eit_connection_page_set_window (self->connection_page, seconds);
  eit_traffic_page_set_window (self->traffic_page, seconds);
  eit_backoff_page_set_window (self->backoff_page, seconds);
}

static void
update_header (EitMonitorWindow *self)
{
  g_autofree char *name = NULL;
  const EitHubMetrics *m;

  if (self->config == NULL || self->watch == NULL)
    {
      adw_view_switcher_title_set_title (self->switcher_title, _("Eit Hub Monitor"));
      adw_view_switcher_title_set_subtitle (self->switcher_title, "");
      return;
    }

  m = eit_hub_watch_get_metrics (self->watch);
  name = eit_hub_config_dup_display_name (self->config);
  adw_view_switcher_title_set_title (self->switcher_title, name);
  if ((int) m->state != self->shown_state)
    {
      gboolean offline = m->state == EIT_CONNECTION_STATE_DISCONNECTED ||
                         m->state == EIT_CONNECTION_STATE_FAILED;

      self->shown_state = m->state;
      adw_view_switcher_title_set_subtitle (self->switcher_title,
                                            eit_connection_state_get_label (m->state));
      gtk_widget_set_visible (self->connect_squeezer, offline);
      gtk_widget_set_visible (self->disconnect_squeezer, !offline);
      eit_monitor_window_update_actions (self);
    }
}

/* The header gives its view switcher up to the bottom bar once it no
 * longer fits (the libadwaita 1.2 way to tell a narrow window); the banner
 * and the pages switch to their narrow layouts at the same point. */
static void
narrow_changed_cb (EitMonitorWindow *self)
{
  gboolean narrow = adw_view_switcher_title_get_title_visible (self->switcher_title);

  if (narrow)
    gtk_widget_add_css_class (GTK_WIDGET (self), "narrow");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "narrow");
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->demo_banner),
                                  narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
  eit_connection_page_set_narrow (self->connection_page, narrow);
  eit_backoff_page_set_narrow (self->backoff_page, narrow);
}

static void
metrics_changed_cb (EitMonitorWindow *self)
{
  update_header (self);
}

static void
set_selected (EitMonitorWindow *self,
              EitHubConfig     *config)
{
  EitHubWatch *watch = NULL;

  if (self->config == config)
    return;

  g_clear_object (&self->watch);
  g_set_object (&self->config, config);

  if (config != NULL)
    watch = eit_monitor_application_get_watch (self->application, config);
  if (watch != NULL)
    {
      self->watch = g_object_ref (watch);
      if (!eit_hub_config_is_demo (config))
        g_settings_set_string (self->settings, "selected-hub", eit_hub_config_get_id (config));
    }
  g_signal_group_set_target (self->watch_signals, self->watch);
  g_signal_group_set_target (self->config_signals, self->watch != NULL ? config : NULL);

  eit_connection_page_set_watch (self->connection_page, self->watch);
  eit_traffic_page_set_watch (self->traffic_page, self->watch);
  eit_backoff_page_set_watch (self->backoff_page, self->watch);

  gtk_stack_set_visible_child_name (self->content_stack, self->watch != NULL ? "hub" : "empty");
  gtk_revealer_set_reveal_child (self->demo_revealer,
                                 config != NULL && eit_hub_config_is_demo (config));
  self->shown_state = -1;
  update_header (self);
  eit_monitor_window_update_actions (self);
}

static GtkListBoxRow *
find_row (EitMonitorWindow *self,
          EitHubConfig     *config)
{
  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->hub_list, i);

      if (row == NULL)
        return NULL;
      if (eit_hub_row_get_config (EIT_HUB_ROW (row)) == config)
        return row;
    }
}

static void
row_selected_cb (GtkListBox       *list,
                 GtkListBoxRow    *row,
                 EitMonitorWindow *self)
{
  set_selected (self, row != NULL ? eit_hub_row_get_config (EIT_HUB_ROW (row)) : NULL);
}

static void
row_activated_cb (GtkListBox       *list,
                  GtkListBoxRow    *row,
                  EitMonitorWindow *self)
{
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  EitMonitorWindow *self = user_data;
  EitHubConfig *config = item;

  return eit_hub_row_new (config, eit_monitor_application_get_watch (self->application, config));
}

/* Keeps a hub selected whenever there is one. */
static void
ensure_selection (EitMonitorWindow *self)
{
  GListModel *model = G_LIST_MODEL (self->store);
  g_autoptr(EitHubConfig) first = NULL;
  g_autofree char *wanted = NULL;
  EitHubConfig *config;

  if (self->config != NULL && find_row (self, self->config) != NULL)
    return;

  wanted = g_settings_get_string (self->settings, "selected-hub");
  config = eit_hub_store_lookup (self->store, wanted);
  if (config == NULL && g_list_model_get_n_items (model) > 0)
    config = first = g_list_model_get_item (model, 0);

  if (config != NULL)
    eit_monitor_window_select_hub (self, config);
  else
    set_selected (self, NULL);
}

static void
store_changed_cb (GListModel       *model,
                  guint             position,
                  guint             removed,
                  guint             added,
                  EitMonitorWindow *self)
{
  ensure_selection (self);
  /* A hub just added by the user is the one they want to see. */
  if (added == 1 && removed == 0)
    {
      g_autoptr(EitHubConfig) config = g_list_model_get_item (model, position);
      if (!eit_hub_config_is_demo (config))
        eit_monitor_window_select_hub (self, config);
    }
}

static gboolean
close_request_cb (EitMonitorWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  return FALSE;
}

/* Once the window has its application: "application" is not a construct
 * property, so it arrives after construction (and goes on destruction). */
static void
application_changed_cb (EitMonitorWindow *self,
                        GParamSpec       *pspec,
                        gpointer          user_data)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));

  if (self->application != NULL || application == NULL)
    return;

  g_return_if_fail (EIT_IS_MONITOR_APPLICATION (application));
  self->application = EIT_MONITOR_APPLICATION (application);
  self->settings = g_object_ref (eit_monitor_application_get_settings (self->application));
  self->store = g_object_ref (eit_monitor_application_get_store (self->application));

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  if (g_str_has_suffix (APP_ID, ".Devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  eit_monitor_window_install_actions (self);

  gtk_list_box_bind_model (self->hub_list, G_LIST_MODEL (self->store), create_row_cb, self, NULL);
  g_signal_group_set_target (self->store_signals, self->store);
  g_signal_group_set_target (self->settings_signals, self->settings);
  g_signal_connect (self, "close-request", G_CALLBACK (close_request_cb), NULL);

  chart_window_changed_cb (self);
  ensure_selection (self);

  if (eit_monitor_application_get_demo_error (self->application) != NULL)
    adw_status_page_set_description (self->empty_page,
                                     eit_monitor_application_get_demo_error (self->application));
}

static void
eit_monitor_window_dispose (GObject *object)
{
  EitMonitorWindow *self = EIT_MONITOR_WINDOW (object);

  eit_monitor_window_export_dispose (self);
  g_clear_object (&self->store_signals);
  g_clear_object (&self->settings_signals);
  if (self->store != NULL)
    gtk_list_box_bind_model (self->hub_list, NULL, NULL, NULL, NULL);
  set_selected (self, NULL);
  g_clear_object (&self->watch_signals);
  g_clear_object (&self->config_signals);

  gtk_widget_dispose_template (GTK_WIDGET (self), EIT_TYPE_MONITOR_WINDOW);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (eit_monitor_window_parent_class)->dispose (object);
}

static void
eit_monitor_window_finalize (GObject *object)
{
  g_free (EIT_MONITOR_WINDOW (object)->last_toast);
  G_OBJECT_CLASS (eit_monitor_window_parent_class)->finalize (object);
}

static void
eit_monitor_window_class_init (EitMonitorWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = eit_monitor_window_dispose;
  object_class->finalize = eit_monitor_window_finalize;

  g_type_ensure (EIT_TYPE_CONNECTION_PAGE);
  g_type_ensure (EIT_TYPE_TRAFFIC_PAGE);
  g_type_ensure (EIT_TYPE_BACKOFF_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/eithub/Monitor/eit-monitor-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, hub_list);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, connect_squeezer);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, disconnect_squeezer);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, demo_revealer);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, demo_banner);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, connection_page);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, traffic_page);
  gtk_widget_class_bind_template_child (widget_class, EitMonitorWindow, backoff_page);
}

static void
eit_monitor_window_init (EitMonitorWindow *self)
{
  self->shown_state = -1;
  gtk_widget_init_template (GTK_WIDGET (self));

  self->watch_signals = g_signal_group_new (EIT_TYPE_HUB_WATCH);
  g_signal_group_connect_object (self->watch_signals, "metrics-changed",
                                 G_CALLBACK (metrics_changed_cb), self, G_CONNECT_SWAPPED);
  self->config_signals = g_signal_group_new (EIT_TYPE_HUB_CONFIG);
  g_signal_group_connect_object (self->config_signals, "notify::name",
                                 G_CALLBACK (update_header), self, G_CONNECT_SWAPPED);
  self->store_signals = g_signal_group_new (EIT_TYPE_HUB_STORE);
  g_signal_group_connect_object (self->store_signals, "items-changed",
                                 G_CALLBACK (store_changed_cb), self, G_CONNECT_AFTER);
  self->settings_signals = g_signal_group_new (G_TYPE_SETTINGS);
  g_signal_group_connect_object (self->settings_signals, "changed::chart-window",
                                 G_CALLBACK (chart_window_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "notify::application", G_CALLBACK (application_changed_cb), NULL);
  g_signal_connect (self->hub_list, "row-selected", G_CALLBACK (row_selected_cb), self);
  g_signal_connect (self->hub_list, "row-activated", G_CALLBACK (row_activated_cb), self);
  g_signal_connect_swapped (self->switcher_title, "notify::title-visible",
                            G_CALLBACK (narrow_changed_cb), self);
}

EitMonitorWindow *
eit_monitor_window_new (EitMonitorApplication *application)
{
  g_return_val_if_fail (EIT_IS_MONITOR_APPLICATION (application), NULL);

  return g_object_new (EIT_TYPE_MONITOR_WINDOW, "application", application, NULL);
}

void
eit_monitor_window_select_hub (EitMonitorWindow *self,
                               EitHubConfig     *config)
{
  GtkListBoxRow *row;

  g_return_if_fail (EIT_IS_MONITOR_WINDOW (self));

  row = config != NULL ? find_row (self, config) : NULL;
  if (row != NULL)
    gtk_list_box_select_row (self->hub_list, row);
  else
    set_selected (self, NULL);
}

EitHubConfig *
eit_monitor_window_get_selected_config (EitMonitorWindow *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_WINDOW (self), NULL);
  return self->config;
}

EitHubWatch *
eit_monitor_window_get_selected_watch (EitMonitorWindow *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_WINDOW (self), NULL);
  return self->watch;
}

EitConnectionPage *
eit_monitor_window_get_connection_page (EitMonitorWindow *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_WINDOW (self), NULL);
  return self->connection_page;
}

EitTrafficPage *
eit_monitor_window_get_traffic_page (EitMonitorWindow *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_WINDOW (self), NULL);
  return self->traffic_page;
}

EitBackoffPage *
eit_monitor_window_get_backoff_page (EitMonitorWindow *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_WINDOW (self), NULL);
  return self->backoff_page;
}

void
eit_monitor_window_show_view (EitMonitorWindow *self,
                              const char       *name)
{
  g_return_if_fail (EIT_IS_MONITOR_WINDOW (self));

  if (adw_view_stack_get_child_by_name (self->view_stack, name) != NULL)
    adw_view_stack_set_visible_child_name (self->view_stack, name);
}

void
eit_monitor_window_add_toast (EitMonitorWindow *self,
                              const char       *text)
{
  g_return_if_fail (EIT_IS_MONITOR_WINDOW (self));

  g_free (self->last_toast);
  self->last_toast = g_strdup (text);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

const char *
eit_monitor_window_get_last_toast (EitMonitorWindow *self)
{
  g_return_val_if_fail (EIT_IS_MONITOR_WINDOW (self), NULL);
  return self->last_toast;
}
