/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The message log's wiring: the log of the chosen hub into the slot model,
 * the filter, the table's cells, the detail pane and the toolbar's layout
 * (one file each), the toolbar's controls onto the view's properties and
 * actions, and new messages spliced in once per frame. */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-log-cells.h"
#include "eit-log-detail.h"
#include "eit-log-dropdown.h"
#include "eit-log-filter.h"
#include "eit-log-slot-model.h"
#include "eit-log-toolbar-layout.h"
#include "eit-message-log-view.h"
#include "eit-widget-util.h"

#define FLUSH_RATE 30

/* Header and three rows and a half: the table's room below a toolbar in
 * two rows. */
#define BODY_COMFORT_HEIGHT 112
/* The room the table needs beside the detail (as before); in a narrower
 * log the detail takes the table's place. */
#define SIDE_BY_SIDE_WIDTH (360 + EIT_LOG_DETAIL_WIDTH)
/* The narrowest table, with the compact columns (a phone). */
#define TABLE_MIN_WIDTH 300

struct _EitMessageLogView
{
  GtkWidget            parent_instance;

  GtkWidget           *title_label;
  GtkToggleButton     *pause_button;
  GtkDropDown         *direction_dropdown;
  GtkDropDown         *type_dropdown;
  GtkStringList       *type_list;
  GtkWidget           *filter_button;
  GMenu               *type_section;    /* of the filter menu */
  GtkSearchEntry      *search_entry;
  GtkInscription      *count_label;
  GtkWidget           *clear_button;
  GtkPaned            *paned;
  GtkWidget           *table_scroller;
  GtkColumnView       *column_view;
  GtkColumnViewColumn *time_column;
  GtkColumnViewColumn *direction_column;
  GtkColumnViewColumn *type_column;
  GtkColumnViewColumn *size_column;
  GtkColumnViewColumn *summary_column;
  GtkWidget           *detail_box;
  GtkWidget           *close_detail_button;
  GtkStack            *detail_stack;
  GtkTextView         *detail_view;

  EitLogToolbarLayout *layout;          /* the view's, not a reference */
  EitLogCells         *cells;
  EitLogDetail        *detail;
  EitLogFilter        *filter;

  EitHubWatch         *watch;
  EitMessageLog       *log;
  GSignalGroup        *log_signals;
  GSignalGroup        *watch_signals;

  EitLogSlotModel     *slots;
  GtkSingleSelection  *selection;
  EitLogEntry         *selected_entry;  /* what the user selected */
  gboolean             moving_selection;
  gboolean             syncing_types;   /* rebuild_types() at work */
  gboolean             scrolled_away;

  guint                tick_id;
  gint64               last_flush;
  gboolean             paused;
};

G_DEFINE_FINAL_TYPE (EitMessageLogView, eit_message_log_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_WATCH, PROP_PAUSED, PROP_DIRECTION, PROP_TYPE, PROP_SEARCH, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const char * const direction_names[] = { "all", "in", "out" };

static gboolean
filter_entry (EitLogEntry *entry,
              gpointer     user_data)
{
  return gtk_filter_match (GTK_FILTER (user_data), entry);
}

/* Without a filter the rows map straight onto the log, instead of testing
 * every new message against a filter that matches everything. */
static void
filter_changed_cb (EitMessageLogView *self)
{
  gboolean active = gtk_filter_get_strictness (GTK_FILTER (self->filter)) != GTK_FILTER_MATCH_ALL;

  eit_log_slot_model_set_filter (self->slots, active ? filter_entry : NULL, self->filter);
}

static void
update_count (EitMessageLogView *self)
{
  g_autofree char *text = NULL;
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->slots));

  if (self->log == NULL)
    text = g_strdup ("");
  else if (self->scrolled_away && !self->paused)
    /* Translators: the log holds still while the reader scrolls */
    text = g_strdup_printf (_("Holding · %u shown"), shown);
  else if (self->paused)
    /* Translators: the log is paused; %u messages are on screen */
    text = g_strdup_printf (_("Paused · %u shown"), shown);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u shown", "%u shown", shown), shown);
  gtk_inscription_set_text (self->count_label, text);
}

static gboolean
flush_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  /* At most one splice per frame, and no more than FLUSH_RATE a second;
   * the pending ring keeps only the newest meanwhile. */
  if (now - self->last_flush < G_USEC_PER_SEC / FLUSH_RATE)
    return G_SOURCE_CONTINUE;

  self->tick_id = 0;
  self->last_flush = now;
  if (self->log != NULL)
    eit_message_log_flush (self->log);
  return G_SOURCE_REMOVE;
}

/* A batch started: splice it in on the next frame, once. */
static void
pending_cb (EitMessageLogView *self)
{
  if (self->tick_id == 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), flush_tick_cb, NULL, NULL);
}

/* The filter menu's types: the dropdown's, as log.type radio items. */
static void
rebuild_type_section (EitMessageLogView *self,
                      const char *const *items)
{
  g_menu_remove_all (self->type_section);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = NULL;
      g_auto(GStrv) parts = g_strsplit (items[i], "_", -1);
      /* A menu label takes "_" for a mnemonic. */
      g_autofree char *label = g_strjoinv ("__", parts);

      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target (item, "log.type", "s", i == 0 ? "" : items[i]);
      g_menu_append_item (self->type_section, item);
    }
}

/* Lists the types the log has seen, and the chosen one even before any
 * message of it arrived (log.type may ask ahead), and selects the chosen
 * one. Only the items from the first difference on are replaced, so a new
 * type leaves the selected item alone; while the model changes, the
 * dropdown's passing selections are not taken as the user's choice. */
static void
rebuild_types (EitMessageLogView *self)
{
  const char * const *types = self->log != NULL ? eit_message_log_get_types (self->log) : NULL;
  const char *type = eit_log_filter_get_message_type (self->filter);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->type_list));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) items = NULL;
  guint same = 0, chosen = 0;

  g_strv_builder_add (builder, _("All types"));
  for (guint i = 0; types != NULL && types[i] != NULL; i++)
    g_strv_builder_add (builder, types[i]);
  if (type[0] != '\0' && (types == NULL || !g_strv_contains (types, type)))
    g_strv_builder_add (builder, type);
  items = g_strv_builder_end (builder);

  while (same < n && items[same] != NULL &&
         g_strcmp0 (gtk_string_list_get_string (self->type_list, same), items[same]) == 0)
    same++;
  for (guint i = 1; type[0] != '\0' && items[i] != NULL; i++)
    if (g_strcmp0 (items[i], type) == 0)
      chosen = i;

  self->syncing_types = TRUE;
  if (same < n || items[same] != NULL)
    {
      gtk_string_list_splice (self->type_list, same, n - same, (const char * const *) items + same);
      rebuild_type_section (self, (const char * const *) items);
    }
  gtk_drop_down_set_selected (self->type_dropdown, chosen);
  self->syncing_types = FALSE;
}

static void
selection_changed_cb (GtkSingleSelection *selection,
                      GParamSpec         *pspec,
                      EitMessageLogView  *self)
{
  EitLogSlot *slot = gtk_single_selection_get_selected_item (selection);
  g_autoptr(EitLogEntry) entry = NULL;

  /* Our own moves follow the selected message down the log. */
  if (self->moving_selection || slot == NULL)
    return;

  entry = eit_log_slot_dup_entry (slot);
  g_set_object (&self->selected_entry, entry);
  if (entry != NULL)
    eit_log_detail_show (self->detail, entry);
}

/* The log moved on: the rows on screen show other messages now. */
static void
contents_changed_cb (EitMessageLogView *self)
{
  eit_log_cells_refresh (self->cells);

  if (self->selected_entry != NULL)
    {
      guint position = eit_log_slot_model_find (self->slots, self->selected_entry);

      if (position != gtk_single_selection_get_selected (self->selection))
        {
          self->moving_selection = TRUE;
          gtk_single_selection_set_selected (self->selection, position);
          self->moving_selection = FALSE;
        }
    }
  update_count (self);
}

static void
set_direction (EitMessageLogView *self,
               const char        *direction)
{
  if (!eit_log_filter_set_direction (self->filter, direction))
    return;

  direction = eit_log_filter_get_direction (self->filter);
  for (guint i = 0; i < G_N_ELEMENTS (direction_names); i++)
    if (g_strcmp0 (direction_names[i], direction) == 0)
      gtk_drop_down_set_selected (self->direction_dropdown, i);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRECTION]);
}

static void
set_type (EitMessageLogView *self,
          const char        *type)
{
  if (!eit_log_filter_set_message_type (self->filter, type))
    return;

  rebuild_types (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TYPE]);
}

static void
set_paused (EitMessageLogView *self,
            gboolean           paused)
{
  paused = !!paused;
  if (self->paused == paused)
    return;
  self->paused = paused;
  if (self->log != NULL)
    eit_message_log_set_paused (self->log, paused || self->scrolled_away);
  gtk_button_set_icon_name (GTK_BUTTON (self->pause_button),
                            paused ? "media-playback-start-symbolic"
                                   : "media-playback-pause-symbolic");
  update_count (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

/* Reading further down holds the log still (rows are slots: following
 * the newest message would move the text under the reader); back at the
 * top it follows again. */
static void
scrolled_cb (GtkAdjustment     *adjustment,
             EitMessageLogView *self)
{
  gboolean away = gtk_adjustment_get_value (adjustment) > 1.0;

  if (away == self->scrolled_away)
    return;
  self->scrolled_away = away;
  if (self->log != NULL)
    eit_message_log_set_paused (self->log, self->paused || away);
  update_count (self);
}

static void
direction_selected_cb (GtkDropDown       *dropdown,
                       GParamSpec        *pspec,
                       EitMessageLogView *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  set_direction (self, selected < G_N_ELEMENTS (direction_names) ? direction_names[selected] : "all");
}

static void
type_selected_cb (GtkDropDown       *dropdown,
                  GParamSpec        *pspec,
                  EitMessageLogView *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (self->syncing_types)
    return;
  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    set_type (self, "");
  else
    set_type (self, gtk_string_list_get_string (self->type_list, selected));
}

static void
search_changed_cb (GtkSearchEntry    *entry,
                   EitMessageLogView *self)
{
  eit_message_log_view_set_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (widget);

  if (self->log != NULL)
    eit_message_log_clear (self->log);
  eit_log_detail_show (self->detail, NULL);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  eit_message_log_view_focus_search (EIT_MESSAGE_LOG_VIEW (widget));
}

/* The columns for the table's width; TRUE if they changed. */
static gboolean
update_columns (EitMessageLogView *self)
{
  int width = eit_log_toolbar_layout_get_wide (self->layout) ? gtk_paned_get_position (self->paned)
                                                             : gtk_widget_get_width (GTK_WIDGET (self));

  return eit_log_cells_set_width (self->cells, width);
}

/* The table's width beside the detail is known only once the body has
 * been allocated. */
static gboolean
body_allocated_cb (EitMessageLogView *self)
{
  return update_columns (self);
}

/* The handle was dragged. While the layout allocates the paned,
 * body_allocated_cb() sees to the columns. */
static void
position_changed_cb (EitMessageLogView *self)
{
  if (!eit_log_toolbar_layout_is_allocating (self->layout))
    update_columns (self);
}

static void
wide_changed_cb (EitMessageLogView *self)
{
  eit_log_detail_set_side_by_side (self->detail, eit_log_toolbar_layout_get_wide (self->layout));
}

static void
close_detail_clicked_cb (EitMessageLogView *self)
{
  eit_message_log_view_select (self, GTK_INVALID_LIST_POSITION);
  eit_log_detail_show (self->detail, NULL);
}

static void
eit_message_log_view_map (GtkWidget *widget)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (widget);

  GTK_WIDGET_CLASS (eit_message_log_view_parent_class)->map (widget);
  if (self->log != NULL && eit_message_log_get_n_pending (self->log) > 0)
    pending_cb (self);
}

static void
eit_message_log_view_unmap (GtkWidget *widget)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (widget);

  eit_widget_clear_tick_callback (widget, &self->tick_id);
  GTK_WIDGET_CLASS (eit_message_log_view_parent_class)->unmap (widget);
}

static void
eit_message_log_view_dispose (GObject *object)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (object);

  eit_message_log_view_set_watch (self, NULL);
  eit_widget_clear_tick_callback (GTK_WIDGET (self), &self->tick_id);
  g_clear_object (&self->log_signals);
  g_clear_object (&self->watch_signals);
  if (self->slots != NULL)
    g_signal_handlers_disconnect_by_data (self->slots, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_func (self->selection, selection_changed_cb, self);
  if (self->filter != NULL)
    g_signal_handlers_disconnect_by_data (self->filter, self);
  g_clear_object (&self->selected_entry);

  gtk_widget_dispose_template (GTK_WIDGET (self), EIT_TYPE_MESSAGE_LOG_VIEW);
  eit_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->cells);
  g_clear_object (&self->detail);
  g_clear_object (&self->filter);
  g_clear_object (&self->selection);
  g_clear_object (&self->slots);

  G_OBJECT_CLASS (eit_message_log_view_parent_class)->dispose (object);
}

static void
eit_message_log_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (object);

  switch (prop_id)
    {
    case PROP_WATCH: g_value_set_object (value, self->watch); break;
    case PROP_PAUSED: g_value_set_boolean (value, self->paused); break;
    case PROP_DIRECTION: g_value_set_string (value, eit_log_filter_get_direction (self->filter)); break;
    case PROP_TYPE: g_value_set_string (value, eit_log_filter_get_message_type (self->filter)); break;
    case PROP_SEARCH: g_value_set_string (value, eit_log_filter_get_search (self->filter)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_message_log_view_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (object);

  switch (prop_id)
    {
    case PROP_WATCH: eit_message_log_view_set_watch (self, g_value_get_object (value)); break;
    case PROP_PAUSED: set_paused (self, g_value_get_boolean (value)); break;
    case PROP_DIRECTION: set_direction (self, g_value_get_string (value)); break;
    case PROP_TYPE: set_type (self, g_value_get_string (value)); break;
    case PROP_SEARCH: eit_message_log_view_set_search (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_message_log_view_class_init (EitMessageLogViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = eit_message_log_view_dispose;
  object_class->get_property = eit_message_log_view_get_property;
  object_class->set_property = eit_message_log_view_set_property;
  widget_class->map = eit_message_log_view_map;
  widget_class->unmap = eit_message_log_view_unmap;

  properties[PROP_WATCH] =
    g_param_spec_object ("watch", NULL, NULL, EIT_TYPE_HUB_WATCH, rw);
  properties[PROP_PAUSED] = g_param_spec_boolean ("paused", NULL, NULL, FALSE, rw);
  properties[PROP_DIRECTION] = g_param_spec_string ("direction", NULL, NULL, "all", rw);
  properties[PROP_TYPE] = g_param_spec_string ("type", NULL, NULL, "", rw);
  properties[PROP_SEARCH] = g_param_spec_string ("search", NULL, NULL, "", rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, EIT_TYPE_LOG_TOOLBAR_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/eithub/Monitor/eit-message-log-view.ui");
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, title_label);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, pause_button);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, direction_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, type_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, type_list);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, filter_button);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, type_section);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, count_label);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, clear_button);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, paned);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, table_scroller);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, column_view);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, time_column);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, direction_column);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, type_column);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, size_column);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, summary_column);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, detail_box);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, close_detail_button);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, EitMessageLogView, detail_view);

  gtk_widget_class_install_property_action (widget_class, "log.pause", "paused");
  gtk_widget_class_install_property_action (widget_class, "log.direction", "direction");
  gtk_widget_class_install_property_action (widget_class, "log.type", "type");
  gtk_widget_class_install_action (widget_class, "log.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "log.search", NULL, search_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "log.search", NULL);
}

static void
eit_message_log_view_init (EitMessageLogView *self)
{
  GtkColumnViewColumn *columns[EIT_LOG_N_COLUMNS];

  /* The template's property actions read the filter's values. */
  self->filter = eit_log_filter_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  self->layout = EIT_LOG_TOOLBAR_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self)));
  eit_log_toolbar_layout_set_tool (self->layout, EIT_LOG_TOOL_TITLE, self->title_label);
  eit_log_toolbar_layout_set_tool (self->layout, EIT_LOG_TOOL_PAUSE, GTK_WIDGET (self->pause_button));
  eit_log_toolbar_layout_set_tool (self->layout, EIT_LOG_TOOL_DIRECTION, GTK_WIDGET (self->direction_dropdown));
  eit_log_toolbar_layout_set_tool (self->layout, EIT_LOG_TOOL_TYPE, GTK_WIDGET (self->type_dropdown));
  eit_log_toolbar_layout_set_tool (self->layout, EIT_LOG_TOOL_FILTER, self->filter_button);
  eit_log_toolbar_layout_set_tool (self->layout, EIT_LOG_TOOL_SEARCH, GTK_WIDGET (self->search_entry));
  eit_log_toolbar_layout_set_tool (self->layout, EIT_LOG_TOOL_COUNT, GTK_WIDGET (self->count_label));
  eit_log_toolbar_layout_set_tool (self->layout, EIT_LOG_TOOL_CLEAR, self->clear_button);
  eit_log_toolbar_layout_set_body (self->layout, GTK_WIDGET (self->paned),
                                   MAX (TABLE_MIN_WIDTH, EIT_LOG_DETAIL_WIDTH), SIDE_BY_SIDE_WIDTH,
                                   BODY_COMFORT_HEIGHT);
  eit_log_dropdown_setup (self->direction_dropdown);
  eit_log_dropdown_setup (self->type_dropdown);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (self->table_scroller), TABLE_MIN_WIDTH);

  self->detail = eit_log_detail_new (self->detail_box, self->detail_stack, self->detail_view,
                                     self->close_detail_button, self->table_scroller,
                                     GTK_WIDGET (self->column_view));
  self->slots = eit_log_slot_model_new ();
  columns[EIT_LOG_COLUMN_TIME] = self->time_column;
  columns[EIT_LOG_COLUMN_DIRECTION] = self->direction_column;
  columns[EIT_LOG_COLUMN_TYPE] = self->type_column;
  columns[EIT_LOG_COLUMN_SIZE] = self->size_column;
  columns[EIT_LOG_COLUMN_SUMMARY] = self->summary_column;
  self->cells = eit_log_cells_new (self->column_view, G_LIST_MODEL (self->slots), columns);

  g_signal_connect_swapped (self->slots, "contents-changed", G_CALLBACK (contents_changed_cb), self);
  g_signal_connect_swapped (self->filter, "changed", G_CALLBACK (filter_changed_cb), self);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->slots)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  /* The hub's log and the hub itself come and go with the watch. */
  self->log_signals = g_signal_group_new (EIT_TYPE_MESSAGE_LOG);
  g_signal_group_connect_swapped (self->log_signals, "pending", G_CALLBACK (pending_cb), self);
  g_signal_group_connect_swapped (self->log_signals, "type-added", G_CALLBACK (rebuild_types), self);
  self->watch_signals = g_signal_group_new (EIT_TYPE_HUB_WATCH);
  g_signal_group_connect_swapped (self->watch_signals, "metrics-changed", G_CALLBACK (update_count), self);

  g_signal_connect (self->selection, "notify::selected-item",
                    G_CALLBACK (selection_changed_cb), self);
  g_signal_connect (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->column_view)),
                    "value-changed", G_CALLBACK (scrolled_cb), self);
  g_signal_connect (self->direction_dropdown, "notify::selected",
                    G_CALLBACK (direction_selected_cb), self);
  g_signal_connect (self->type_dropdown, "notify::selected",
                    G_CALLBACK (type_selected_cb), self);
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  g_signal_connect_swapped (self->close_detail_button, "clicked", G_CALLBACK (close_detail_clicked_cb), self);
  g_signal_connect_swapped (self->paned, "notify::position", G_CALLBACK (position_changed_cb), self);
  g_signal_connect_swapped (self->layout, "notify::wide", G_CALLBACK (wide_changed_cb), self);
  g_signal_connect_swapped (self->layout, "body-allocated", G_CALLBACK (body_allocated_cb), self);

  rebuild_types (self);
  update_count (self);
}

void
eit_message_log_view_set_watch (EitMessageLogView *self,
                                EitHubWatch       *watch)
{
  g_return_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self));
  g_return_if_fail (watch == NULL || EIT_IS_HUB_WATCH (watch));

  if (self->watch == watch)
    return;

  if (self->log != NULL)
    {
      /* A pause belongs to this view, not to the hub. */
      eit_message_log_set_paused (self->log, FALSE);
      g_clear_object (&self->selected_entry);
    }
  g_set_object (&self->watch, watch);
  g_set_object (&self->log, (watch != NULL ? eit_hub_watch_get_log (watch) : NULL));
  if (self->log != NULL)
    eit_message_log_set_paused (self->log, self->paused || self->scrolled_away);
  g_signal_group_set_target (self->log_signals, self->log);
  g_signal_group_set_target (self->watch_signals, self->watch);

  eit_log_slot_model_set_source (self->slots,
                                 self->log != NULL ? eit_message_log_get_model (self->log) : NULL);
  /* Another hub's types: its own list, and no filter carried over. */
  set_type (self, "");
  rebuild_types (self);
  eit_log_detail_show (self->detail, NULL);
  update_count (self);
  if (self->log != NULL && eit_message_log_get_n_pending (self->log) > 0)
    pending_cb (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WATCH]);
}

EitHubWatch *
eit_message_log_view_get_watch (EitMessageLogView *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self), NULL);
  return self->watch;
}

GListModel *
eit_message_log_view_get_model (EitMessageLogView *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self), NULL);
  return G_LIST_MODEL (self->slots);
}

EitLogEntry *
eit_message_log_view_dup_entry (EitMessageLogView *self,
                                guint              position)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self), NULL);
  return eit_log_slot_model_dup_entry (self->slots, position);
}

gboolean
eit_message_log_view_get_paused (EitMessageLogView *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self), FALSE);
  return self->paused;
}

void
eit_message_log_view_set_search (EitMessageLogView *self,
                                 const char        *text)
{
  g_return_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self));

  if (!eit_log_filter_set_search (self->filter, text))
    return;
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
}

void
eit_message_log_view_select (EitMessageLogView *self,
                             guint              position)
{
  g_return_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self));

  gtk_single_selection_set_selected (self->selection, position);
  if (position == GTK_INVALID_LIST_POSITION)
    g_clear_object (&self->selected_entry);
}

char *
eit_message_log_view_dup_detail (EitMessageLogView *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self), NULL);
  return eit_log_detail_dup_text (self->detail);
}

void
eit_message_log_view_focus_search (EitMessageLogView *self)
{
  g_return_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}
