/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-monitor-resources.h"
#include "eit-format.h"
#include "eit-log-slot-model.h"
#include "eit-message-log-view.h"
#include "eit-widget-util.h"

#define SUMMARY_CHARS 160
#define FLUSH_RATE 30

/* The toolbar's margins and spacing, those of the box it used to be. */
#define TOOLBAR_MARGIN_X 12
#define TOOLBAR_MARGIN_Y 6
#define TOOLBAR_SPACING 6
/* The toolbar keeps one row while the search entry gets this much in it. */
#define SEARCH_ONE_ROW_WIDTH 120
/* Header and three rows and a half: the table's room below a toolbar in
 * two rows. */
#define BODY_COMFORT_HEIGHT 112
/* The detail beside the table, and the room the table needs beside it
 * (both as before); in a narrower log the detail takes the table's place. */
#define DETAIL_WIDTH 260
#define SIDE_BY_SIDE_WIDTH (360 + DETAIL_WIDTH)
/* The narrowest table, with the compact columns (a phone). Narrower than
 * FULL_COLUMNS_WIDTH, the table drops the size column and the time its
 * milliseconds, so the message keeps some room. */
#define TABLE_MIN_WIDTH 300
#define FULL_COLUMNS_WIDTH 520
#define TIME_WIDTH 104
#define TIME_WIDTH_COMPACT 76
#define SIZE_WIDTH 64

typedef enum {
  TOOL_TITLE,
  TOOL_PAUSE,
  TOOL_DIRECTION,
  TOOL_TYPE,
  TOOL_FILTER,
  TOOL_SEARCH,
  TOOL_COUNT,
  TOOL_CLEAR,
  N_TOOLS
} Tool;

/* A row of the toolbar: its tools in reading order, and the one that takes
 * the room the others leave. */
typedef struct {
  const Tool *tools;
  guint       n_tools;
  Tool        filler;
} ToolRow;

static const Tool one_row_tools[] = {
  TOOL_TITLE, TOOL_PAUSE, TOOL_DIRECTION, TOOL_TYPE, TOOL_SEARCH, TOOL_COUNT, TOOL_CLEAR,
};
/* In two rows the filters and the count go below, and the search entry
 * gets the first row's spare room. */
static const Tool first_row_tools[] = { TOOL_TITLE, TOOL_PAUSE, TOOL_SEARCH, TOOL_CLEAR };
static const Tool second_row_tools[] = { TOOL_DIRECTION, TOOL_TYPE, TOOL_COUNT };
/* Where two rows would leave the table too little height: the filters in
 * a menu, no count, and no title either if the search entry needs its room
 * (a phone). */
static const Tool titled_compact_row_tools[] = {
  TOOL_TITLE, TOOL_PAUSE, TOOL_FILTER, TOOL_SEARCH, TOOL_CLEAR,
};
static const Tool compact_row_tools[] = { TOOL_PAUSE, TOOL_FILTER, TOOL_SEARCH, TOOL_CLEAR };

static const ToolRow one_row = { one_row_tools, G_N_ELEMENTS (one_row_tools), TOOL_SEARCH };
static const ToolRow first_row = { first_row_tools, G_N_ELEMENTS (first_row_tools), TOOL_SEARCH };
static const ToolRow second_row = { second_row_tools, G_N_ELEMENTS (second_row_tools), TOOL_COUNT };
static const ToolRow titled_compact_row = {
  titled_compact_row_tools, G_N_ELEMENTS (titled_compact_row_tools), TOOL_SEARCH
};
static const ToolRow compact_row = { compact_row_tools, G_N_ELEMENTS (compact_row_tools), TOOL_SEARCH };

/* The toolbar's layouts: their rows, top to bottom. */
static const ToolRow *const one_row_layout[] = { &one_row, NULL };
static const ToolRow *const two_row_layout[] = { &first_row, &second_row, NULL };
static const ToolRow *const titled_compact_layout[] = { &titled_compact_row, NULL };
static const ToolRow *const compact_layout[] = { &compact_row, NULL };

typedef enum {
  COLUMN_TIME,
  COLUMN_DIRECTION,
  COLUMN_TYPE,
  COLUMN_SIZE,
  COLUMN_SUMMARY,
} Column;

struct _EitMessageLogView
{
  GtkWidget           parent_instance;

  GtkWidget          *title_label;
  GtkToggleButton    *pause_button;
  GtkDropDown        *direction_dropdown;
  GtkDropDown        *type_dropdown;
  GtkStringList      *type_list;
  GtkWidget          *filter_button;
  GMenu              *type_section;    /* of the filter menu */
  GtkSearchEntry     *search_entry;
  GtkInscription     *count_label;
  GtkWidget          *clear_button;
  GtkWidget          *tools[N_TOOLS];
  GtkPaned           *paned;
  GtkWidget          *table_scroller;
  GtkColumnView      *column_view;
  GtkColumnViewColumn *time_column;
  GtkColumnViewColumn *direction_column;
  GtkColumnViewColumn *type_column;
  GtkColumnViewColumn *size_column;
  GtkColumnViewColumn *summary_column;
  GtkWidget          *detail_box;
  GtkWidget          *close_detail_button;
  GtkStack           *detail_stack;
  GtkTextView        *detail_view;
  gboolean            side_by_side;    /* the detail beside the table */
  gboolean            compact_columns;
  gboolean            allocating;      /* size_allocate() at work */

  EitHubWatch      *watch;
  EitMessageLog      *log;
  gulong              pending_handler;
  gulong              type_handler;
  gulong              metrics_handler;

  EitLogSlotModel    *slots;
  GtkSingleSelection *selection;
  GPtrArray          *bound;          /* GtkListItem on screen */
  EitLogEntry        *selected_entry; /* what the user selected */
  gulong              contents_handler;
  gboolean            moving_selection;
  gboolean            syncing_types;   /* rebuild_types() at work */
  gboolean            scrolled_away;
  gboolean            stale_cells;

  guint               tick_id;
  gint64              last_flush;
  char               *direction;   /* "all", "in", "out" */
  char               *type;        /* "" for all */
  char               *search;      /* folded to lower case */
  gboolean            paused;
};

G_DEFINE_FINAL_TYPE (EitMessageLogView, eit_message_log_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_WATCH, PROP_PAUSED, PROP_DIRECTION, PROP_TYPE, PROP_SEARCH, N_PROPS };
static GParamSpec *properties[N_PROPS];

static gboolean
filter_func (EitLogEntry *entry,
             gpointer     user_data)
{
  EitMessageLogView *self = user_data;

  if (g_strcmp0 (self->direction, "in") == 0 &&
      eit_log_entry_get_direction (entry) != EIT_LOG_DIRECTION_IN)
    return FALSE;
  if (g_strcmp0 (self->direction, "out") == 0 &&
      eit_log_entry_get_direction (entry) != EIT_LOG_DIRECTION_OUT)
    return FALSE;
  if (self->type[0] != '\0' && g_strcmp0 (eit_log_entry_get_message_type (entry), self->type) != 0)
    return FALSE;
  return eit_log_entry_matches (entry, self->search);
}

static void
refilter (EitMessageLogView *self)
{
  gboolean active = g_strcmp0 (self->direction, "all") != 0 || self->type[0] != '\0' ||
                    self->search[0] != '\0';

  /* Without a filter the rows map straight onto the log, instead of
   * testing every new message against a filter that matches everything. */
  if (self->slots == NULL)
    return;
  eit_log_slot_model_set_filter (self->slots, active ? filter_func : NULL, self);
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
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->type_list));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) items = NULL;
  guint same = 0, chosen = 0;

  g_strv_builder_add (builder, _("All types"));
  for (guint i = 0; types != NULL && types[i] != NULL; i++)
    g_strv_builder_add (builder, types[i]);
  if (self->type[0] != '\0' && (types == NULL || !g_strv_contains (types, self->type)))
    g_strv_builder_add (builder, self->type);
  items = g_strv_builder_end (builder);

  while (same < n && items[same] != NULL &&
         g_strcmp0 (gtk_string_list_get_string (self->type_list, same), items[same]) == 0)
    same++;
  for (guint i = 1; self->type[0] != '\0' && items[i] != NULL; i++)
    if (g_strcmp0 (items[i], self->type) == 0)
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
type_added_cb (EitMessageLog     *log,
               const char        *type,
               EitMessageLogView *self)
{
  rebuild_types (self);
}

/* Beside the table the detail is always there; in the table's place only
 * while it shows a message, with a button back to the table. Keyboard
 * focus moves along with the part it was in. */
static void
update_detail_place (EitMessageLogView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  gboolean message = g_strcmp0 (gtk_stack_get_visible_child_name (self->detail_stack), "message") == 0;
  gboolean in_place = !self->side_by_side && message;

  gtk_widget_set_visible (self->close_detail_button, !self->side_by_side);
  gtk_widget_set_visible (self->detail_box, self->side_by_side || message);
  gtk_widget_set_visible (self->table_scroller, !in_place);

  if (focus == NULL)
    return;
  if (in_place && gtk_widget_is_ancestor (focus, self->table_scroller))
    gtk_widget_grab_focus (self->close_detail_button);
  else if (!in_place && focus == self->close_detail_button)
    gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

static void
show_entry (EitMessageLogView *self,
            EitLogEntry       *entry)
{
  g_autofree char *pretty = NULL;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->detail_view);

  if (entry == NULL)
    {
      gtk_stack_set_visible_child_name (self->detail_stack, "empty");
      update_detail_place (self);
      return;
    }

  pretty = eit_log_entry_dup_pretty (entry);
  if (eit_log_entry_is_truncated (entry))
    {
      g_autofree char *size = g_format_size (eit_log_entry_get_size (entry));
      g_autofree char *note = g_strdup_printf (_("The message is %s; only its first %d KiB were kept."),
                                               size, EIT_LOG_ENTRY_MAX_TEXT / 1024);
      g_autofree char *both = g_strconcat (note, "\n\n", pretty, NULL);
      gtk_text_buffer_set_text (buffer, both, -1);
    }
  else
    gtk_text_buffer_set_text (buffer, pretty, -1);
  gtk_stack_set_visible_child_name (self->detail_stack, "message");
  update_detail_place (self);
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
    show_entry (self, entry);
}

static void
set_cell_text (EitMessageLogView *self,
               GtkListItem       *item)
{
  int column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (item), "eit-column"));
  EitLogSlot *slot = gtk_list_item_get_item (item);
  GtkInscription *label = GTK_INSCRIPTION (gtk_list_item_get_child (item));
  g_autoptr(EitLogEntry) entry = slot != NULL ? eit_log_slot_dup_entry (slot) : NULL;
  g_autofree char *text = NULL;

  if (entry != NULL)
    {
      switch (column)
        {
        case COLUMN_TIME:
          text = eit_format_clock (eit_log_entry_get_time (entry));
          if (self->compact_columns)
            text[8] = '\0';  /* HH:MM:SS */
          break;
        case COLUMN_DIRECTION:
          text = g_strdup (eit_log_entry_get_direction (entry) == EIT_LOG_DIRECTION_IN
                           ? _("↓ in") : _("↑ out"));
          break;
        case COLUMN_TYPE:
          text = g_strdup (eit_log_entry_get_message_type (entry));
          break;
        case COLUMN_SIZE:
          text = eit_format_bytes (eit_log_entry_get_size (entry));
          break;
        case COLUMN_SUMMARY:
        default:
          text = eit_log_entry_dup_summary (entry, SUMMARY_CHARS);
          break;
        }
    }
  if (g_strcmp0 (gtk_inscription_get_text (label), text) != 0)
    gtk_inscription_set_text (label, text);
}

/* The rows in view, give or take one, from the (uniform) row height. */
static void
visible_range (EitMessageLogView *self,
               guint             *first,
               guint             *last)
{
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->column_view));
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->slots));
  double upper = gtk_adjustment_get_upper (adjustment);
  double row;

  *first = 0;
  *last = G_MAXUINT;
  if (n_items == 0 || upper <= 0)
    return;
  row = upper / n_items;
  if (row < 4)
    return;
  *first = (guint) MAX (0.0, floor (gtk_adjustment_get_value (adjustment) / row) - 2);
  *last = (guint) ceil ((gtk_adjustment_get_value (adjustment) +
                         gtk_adjustment_get_page_size (adjustment)) / row) + 2;
}

/* Rebinds the text of the rows on screen (all == FALSE) or of every row
 * GTK keeps around (TRUE): GTK 4.8 keeps some 200 rows bound, and the log
 * follows the newest only while it is scrolled to the top, so off-screen
 * rows are refreshed when the reader scrolls. */
static void
refresh_cells (EitMessageLogView *self,
               gboolean           all)
{
  guint first = 0, last = G_MAXUINT;

  if (!all)
    visible_range (self, &first, &last);
  for (guint i = 0; i < self->bound->len; i++)
    {
      GtkListItem *item = g_ptr_array_index (self->bound, i);
      guint position = gtk_list_item_get_position (item);

      if (position >= first && position <= last)
        set_cell_text (self, item);
    }
  self->stale_cells = !all;
}

/* The log moved on: the rows on screen show other messages now. */
static void
contents_changed_cb (EitMessageLogView *self)
{
  refresh_cells (self, FALSE);

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
metrics_changed_cb (EitMessageLogView *self)
{
  update_count (self);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_inscription_new (NULL);

  gtk_inscription_set_min_chars (GTK_INSCRIPTION (label), 3);
  if (column == COLUMN_SIZE)
    gtk_inscription_set_xalign (GTK_INSCRIPTION (label), 1.0);
  if (column == COLUMN_TIME || column == COLUMN_SIZE)
    gtk_widget_add_css_class (label, "numeric");
  if (column == COLUMN_SUMMARY)
    {
      gtk_widget_add_css_class (label, "monospace");
      /* Cut at the column's edge, not at the last word that fits. */
      gtk_inscription_set_wrap_mode (GTK_INSCRIPTION (label), PANGO_WRAP_CHAR);
      gtk_inscription_set_text_overflow (GTK_INSCRIPTION (label), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
    }
  gtk_list_item_set_child (item, label);
  g_object_set_data (G_OBJECT (item), "eit-column", GINT_TO_POINTER (column));
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         EitMessageLogView        *self)
{
  g_ptr_array_add (self->bound, item);
  set_cell_text (self, item);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           EitMessageLogView        *self)
{
  g_ptr_array_remove_fast (self->bound, item);
}

static void
setup_column (EitMessageLogView   *self,
              GtkColumnViewColumn *column,
              Column               id)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), GINT_TO_POINTER (id));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_column_view_column_set_factory (column, factory);
  g_object_unref (factory);
}

/* The dropdowns' factories. In the button the label ellipsizes, so a long
 * type name or a narrow toolbar shrinks the dropdown instead of widening
 * the log; the popup lists the items whole, with a check mark at the
 * chosen one, as GTK's own factory does. */
static void
button_item_setup_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
button_item_bind_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     gpointer                  user_data)
{
  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)),
                       gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

static void
popup_item_setup_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), g_object_new (GTK_TYPE_IMAGE,
                                               "icon-name", "object-select-symbolic",
                                               "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                               NULL));
  gtk_list_item_set_child (item, box);
}

static void
popup_check_cb (GtkDropDown *dropdown,
                GParamSpec  *pspec,
                GtkListItem *item)
{
  GtkWidget *check = gtk_widget_get_last_child (gtk_list_item_get_child (item));

  gtk_widget_set_opacity (check, gtk_drop_down_get_selected_item (dropdown) ==
                                 gtk_list_item_get_item (item) ? 1.0 : 0.0);
}

static void
popup_item_bind_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    GtkDropDown              *dropdown)
{
  GtkWidget *label = gtk_widget_get_first_child (gtk_list_item_get_child (item));

  gtk_label_set_label (GTK_LABEL (label),
                       gtk_string_object_get_string (gtk_list_item_get_item (item)));
  g_signal_connect (dropdown, "notify::selected-item", G_CALLBACK (popup_check_cb), item);
  popup_check_cb (dropdown, NULL, item);
}

static void
popup_item_unbind_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      GtkDropDown              *dropdown)
{
  g_signal_handlers_disconnect_by_func (dropdown, popup_check_cb, item);
}

static void
setup_dropdown (GtkDropDown *dropdown)
{
  GtkListItemFactory *button = gtk_signal_list_item_factory_new ();
  GtkListItemFactory *popup = gtk_signal_list_item_factory_new ();

  g_signal_connect (button, "setup", G_CALLBACK (button_item_setup_cb), NULL);
  g_signal_connect (button, "bind", G_CALLBACK (button_item_bind_cb), NULL);
  g_signal_connect (popup, "setup", G_CALLBACK (popup_item_setup_cb), NULL);
  g_signal_connect (popup, "bind", G_CALLBACK (popup_item_bind_cb), dropdown);
  g_signal_connect (popup, "unbind", G_CALLBACK (popup_item_unbind_cb), dropdown);
  gtk_drop_down_set_factory (dropdown, button);
  gtk_drop_down_set_list_factory (dropdown, popup);
  g_object_unref (button);
  g_object_unref (popup);
}

static void
set_string (char       **field,
            const char  *value)
{
  g_free (*field);
  *field = g_strdup (value != NULL ? value : "");
}

static void
set_direction (EitMessageLogView *self,
               const char        *direction)
{
  static const char * const names[] = { "all", "in", "out" };

  if (g_strcmp0 (direction, "in") != 0 && g_strcmp0 (direction, "out") != 0)
    direction = "all";
  if (g_strcmp0 (self->direction, direction) == 0)
    return;

  set_string (&self->direction, direction);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (names[i], direction) == 0)
      gtk_drop_down_set_selected (self->direction_dropdown, i);
  refilter (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRECTION]);
}

static void
set_type (EitMessageLogView *self,
          const char        *type)
{
  if (type == NULL)
    type = "";
  if (g_strcmp0 (self->type, type) == 0)
    return;

  set_string (&self->type, type);
  rebuild_types (self);
  refilter (self);
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

  if (self->stale_cells)
    refresh_cells (self, TRUE);
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
  static const char * const names[] = { "all", "in", "out" };
  guint selected = gtk_drop_down_get_selected (dropdown);

  set_direction (self, selected < G_N_ELEMENTS (names) ? names[selected] : "all");
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
  show_entry (self, NULL);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  eit_message_log_view_focus_search (EIT_MESSAGE_LOG_VIEW (widget));
}

/* The columns for the table's width; TRUE if they changed. Switching
 * rebinds the rows GTK keeps once, for the time's new form; nothing per
 * row depends on the width. */
static gboolean
update_columns (EitMessageLogView *self)
{
  int width = self->side_by_side ? gtk_paned_get_position (self->paned)
                                 : gtk_widget_get_width (GTK_WIDGET (self));
  gboolean compact = width < FULL_COLUMNS_WIDTH;

  if (compact == self->compact_columns)
    return FALSE;
  self->compact_columns = compact;
  gtk_column_view_column_set_visible (self->size_column, !compact);
  /* GTK 4.8 counts a hidden column's width in, leaving the message less. */
  gtk_column_view_column_set_fixed_width (self->size_column, compact ? 0 : SIZE_WIDTH);
  gtk_column_view_column_set_fixed_width (self->time_column, compact ? TIME_WIDTH_COMPACT : TIME_WIDTH);
  refresh_cells (self, TRUE);
  return TRUE;
}

/* The handle was dragged. While the view lays the paned out itself,
 * size_allocate() sees to the columns. */
static void
position_changed_cb (EitMessageLogView *self)
{
  if (!self->allocating)
    update_columns (self);
}

static void
set_side_by_side (EitMessageLogView *self,
                  gboolean           side_by_side)
{
  if (self->side_by_side == side_by_side)
    return;
  self->side_by_side = side_by_side;
  update_detail_place (self);
}

static void
close_detail_clicked_cb (EitMessageLogView *self)
{
  eit_message_log_view_select (self, GTK_INVALID_LIST_POSITION);
  show_entry (self, NULL);
}

static void
measure_tool (EitMessageLogView *self,
              Tool               tool,
              int               *minimum,
              int               *natural)
{
  gtk_widget_measure (self->tools[tool], GTK_ORIENTATION_HORIZONTAL, -1, minimum, natural, NULL, NULL);
}

static int
row_minimum_width (EitMessageLogView *self,
                   const ToolRow     *row)
{
  int width = 2 * TOOLBAR_MARGIN_X + (int) (row->n_tools - 1) * TOOLBAR_SPACING;

  for (guint i = 0; i < row->n_tools; i++)
    {
      int minimum, natural;

      measure_tool (self, row->tools[i], &minimum, &natural);
      width += minimum;
    }
  return width;
}

/* Whether a row with the search entry fits in width, margins included,
 * the other tools whole and SEARCH_ONE_ROW_WIDTH left for the search. */
static gboolean
row_fits (EitMessageLogView *self,
          const ToolRow     *row,
          int                width)
{
  int needed = 2 * TOOLBAR_MARGIN_X + (int) (row->n_tools - 1) * TOOLBAR_SPACING;

  for (guint i = 0; i < row->n_tools; i++)
    {
      int minimum, natural;

      measure_tool (self, row->tools[i], &minimum, &natural);
      needed += row->tools[i] == TOOL_SEARCH ? MAX (minimum, SEARCH_ONE_ROW_WIDTH) : natural;
    }
  return width >= needed;
}

/* Shares a row's width (margins included) among its tools: each gets its
 * minimum, the room left brings all but the filler towards their natural
 * widths, and the filler takes what remains. So the title and the
 * dropdowns stay whole beside the search entry or the count as long as
 * they can. Returns the row's height. */
static int
row_widths (EitMessageLogView *self,
            const ToolRow     *row,
            int                width,
            int               *widths)
{
  GtkRequestedSize sizes[N_TOOLS];
  guint n_sizes = 0;
  int extra = width - 2 * TOOLBAR_MARGIN_X - (int) (row->n_tools - 1) * TOOLBAR_SPACING;
  int height = 0;

  for (guint i = 0; i < row->n_tools; i++)
    {
      int natural;

      measure_tool (self, row->tools[i], &widths[i], &natural);
      extra -= widths[i];
      if (row->tools[i] != row->filler)
        sizes[n_sizes++] = (GtkRequestedSize) { GUINT_TO_POINTER (i), widths[i], natural };
    }
  extra = gtk_distribute_natural_allocation (MAX (extra, 0), n_sizes, sizes);
  for (guint k = 0; k < n_sizes; k++)
    widths[GPOINTER_TO_UINT (sizes[k].data)] = sizes[k].minimum_size;

  for (guint i = 0; i < row->n_tools; i++)
    {
      int minimum, natural;

      if (row->tools[i] == row->filler)
        widths[i] += extra;
      gtk_widget_measure (self->tools[row->tools[i]], GTK_ORIENTATION_VERTICAL, widths[i],
                          &minimum, &natural, NULL, NULL);
      height = MAX (height, natural);
    }
  return height;
}

/* The height of a toolbar layout (NULL-terminated rows) in width, margins
 * included. */
static int
toolbar_height (EitMessageLogView    *self,
                const ToolRow *const *layout,
                int                   width)
{
  int widths[N_TOOLS];
  int height = 2 * TOOLBAR_MARGIN_Y - TOOLBAR_SPACING;

  for (guint r = 0; layout[r] != NULL; r++)
    height += row_widths (self, layout[r], width, widths) + TOOLBAR_SPACING;
  return height;
}

/* One row while it fits; else two rows while the table keeps
 * BODY_COMFORT_HEIGHT below them; else a compact row. */
static const ToolRow *const *
choose_toolbar (EitMessageLogView *self,
                int                width,
                int                height)
{
  if (row_fits (self, &one_row, width))
    return one_row_layout;
  if (height - toolbar_height (self, two_row_layout, width) >= BODY_COMFORT_HEIGHT)
    return two_row_layout;
  if (row_fits (self, &titled_compact_row, width))
    return titled_compact_layout;
  return compact_layout;
}

/* Lays the toolbar out from the top and hides the tools it leaves out;
 * returns its height. */
static int
allocate_toolbar (EitMessageLogView    *self,
                  const ToolRow *const *layout,
                  int                   width)
{
  gboolean rtl = gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL;
  gboolean shown[N_TOOLS] = { FALSE, };
  int y = TOOLBAR_MARGIN_Y;

  for (guint r = 0; layout[r] != NULL; r++)
    for (guint i = 0; i < layout[r]->n_tools; i++)
      shown[layout[r]->tools[i]] = TRUE;
  for (Tool tool = 0; tool < N_TOOLS; tool++)
    gtk_widget_set_child_visible (self->tools[tool], shown[tool]);

  for (guint r = 0; layout[r] != NULL; r++)
    {
      const ToolRow *row = layout[r];
      int widths[N_TOOLS];
      int height = row_widths (self, row, width, widths);
      int x = TOOLBAR_MARGIN_X;

      for (guint i = 0; i < row->n_tools; i++)
        {
          GtkAllocation allocation = { rtl ? width - x - widths[i] : x, y, widths[i], height };

          gtk_widget_size_allocate (self->tools[row->tools[i]], &allocation, -1);
          x += widths[i] + TOOLBAR_SPACING;
        }
      y += height + TOOLBAR_SPACING;
    }
  return y - TOOLBAR_SPACING + TOOLBAR_MARGIN_Y;
}

static GtkSizeRequestMode
eit_message_log_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* The minimum is the narrowest and shortest layout's, whichever layout is
 * in place, so that the log can always switch to it; the natural height
 * asks for the two rows with room for the table below. */
static void
eit_message_log_view_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int one_row_natural = 2 * TOOLBAR_MARGIN_X + (int) (one_row.n_tools - 1) * TOOLBAR_SPACING;

      for (guint i = 0; i < one_row.n_tools; i++)
        {
          int tool_minimum, tool_natural;

          measure_tool (self, one_row.tools[i], &tool_minimum, &tool_natural);
          one_row_natural += tool_natural;
        }
      *minimum = MAX (MAX (row_minimum_width (self, &compact_row), row_minimum_width (self, &first_row)),
                      MAX (row_minimum_width (self, &second_row), MAX (TABLE_MIN_WIDTH, DETAIL_WIDTH)));
      *natural = MAX (*minimum, MAX (one_row_natural, SIDE_BY_SIDE_WIDTH));
    }
  else
    {
      int width = MAX (for_size, 0);
      int body_minimum, body_natural;

      gtk_widget_measure (GTK_WIDGET (self->paned), orientation, for_size,
                          &body_minimum, &body_natural, NULL, NULL);
      if (row_fits (self, &one_row, width))
        {
          int toolbar = toolbar_height (self, one_row_layout, width);

          *minimum = toolbar + body_minimum;
          *natural = toolbar + body_natural;
        }
      else
        {
          *minimum = toolbar_height (self, compact_layout, width) + body_minimum;
          *natural = toolbar_height (self, two_row_layout, width) + MAX (body_natural, BODY_COMFORT_HEIGHT);
        }
    }
}

static void
eit_message_log_view_size_allocate (GtkWidget *widget,
                                    int        width,
                                    int        height,
                                    int        baseline)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (widget);
  GtkAllocation body = { 0, 0, width, 0 };

  /* Layout changes come before the children are allocated: a resize
   * queued while the view is allocated ends up dropped. */
  set_side_by_side (self, width >= SIDE_BY_SIDE_WIDTH);
  body.y = allocate_toolbar (self, choose_toolbar (self, width, height), width);
  body.height = MAX (height - body.y, 0);

  self->allocating = TRUE;
  gtk_widget_size_allocate (GTK_WIDGET (self->paned), &body, -1);
  self->allocating = FALSE;
  /* The table's width beside the detail is known only now. */
  if (update_columns (self))
    gtk_widget_size_allocate (GTK_WIDGET (self->paned), &body, -1);
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

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (widget, self->tick_id);
      self->tick_id = 0;
    }
  GTK_WIDGET_CLASS (eit_message_log_view_parent_class)->unmap (widget);
}

static void
eit_message_log_view_dispose (GObject *object)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (object);

  eit_message_log_view_set_watch (self, NULL);
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (self->slots != NULL)
    g_clear_signal_handler (&self->contents_handler, self->slots);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_func (self->selection, selection_changed_cb, self);
  g_clear_object (&self->selected_entry);

  gtk_widget_dispose_template (GTK_WIDGET (self), EIT_TYPE_MESSAGE_LOG_VIEW);
  eit_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->selection);
  g_clear_object (&self->slots);
  g_clear_pointer (&self->bound, g_ptr_array_unref);

  G_OBJECT_CLASS (eit_message_log_view_parent_class)->dispose (object);
}

static void
eit_message_log_view_finalize (GObject *object)
{
  EitMessageLogView *self = EIT_MESSAGE_LOG_VIEW (object);

  g_free (self->direction);
  g_free (self->type);
  g_free (self->search);

  G_OBJECT_CLASS (eit_message_log_view_parent_class)->finalize (object);
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
    case PROP_DIRECTION: g_value_set_string (value, self->direction); break;
    case PROP_TYPE: g_value_set_string (value, self->type); break;
    case PROP_SEARCH: g_value_set_string (value, self->search); break;
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
  object_class->finalize = eit_message_log_view_finalize;
  object_class->get_property = eit_message_log_view_get_property;
  object_class->set_property = eit_message_log_view_set_property;
  widget_class->map = eit_message_log_view_map;
  widget_class->unmap = eit_message_log_view_unmap;
  widget_class->get_request_mode = eit_message_log_view_get_request_mode;
  widget_class->measure = eit_message_log_view_measure;
  widget_class->size_allocate = eit_message_log_view_size_allocate;

  properties[PROP_WATCH] =
    g_param_spec_object ("watch", NULL, NULL, EIT_TYPE_HUB_WATCH, rw);
  properties[PROP_PAUSED] = g_param_spec_boolean ("paused", NULL, NULL, FALSE, rw);
  properties[PROP_DIRECTION] = g_param_spec_string ("direction", NULL, NULL, "all", rw);
  properties[PROP_TYPE] = g_param_spec_string ("type", NULL, NULL, "", rw);
  properties[PROP_SEARCH] = g_param_spec_string ("search", NULL, NULL, "", rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  eit_monitor_ensure_resources ();
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
  self->direction = g_strdup ("all");
  self->type = g_strdup ("");
  self->search = g_strdup ("");

  gtk_widget_init_template (GTK_WIDGET (self));
  self->bound = g_ptr_array_new ();

  self->tools[TOOL_TITLE] = self->title_label;
  self->tools[TOOL_PAUSE] = GTK_WIDGET (self->pause_button);
  self->tools[TOOL_DIRECTION] = GTK_WIDGET (self->direction_dropdown);
  self->tools[TOOL_TYPE] = GTK_WIDGET (self->type_dropdown);
  self->tools[TOOL_FILTER] = self->filter_button;
  self->tools[TOOL_SEARCH] = GTK_WIDGET (self->search_entry);
  self->tools[TOOL_COUNT] = GTK_WIDGET (self->count_label);
  self->tools[TOOL_CLEAR] = self->clear_button;
  setup_dropdown (self->direction_dropdown);
  setup_dropdown (self->type_dropdown);
  /* As the template has it, until the first allocation says otherwise. */
  self->side_by_side = TRUE;
  gtk_widget_set_size_request (self->detail_box, DETAIL_WIDTH, -1);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (self->table_scroller), TABLE_MIN_WIDTH);
  gtk_column_view_column_set_fixed_width (self->time_column, TIME_WIDTH);
  gtk_column_view_column_set_fixed_width (self->size_column, SIZE_WIDTH);

  setup_column (self, self->time_column, COLUMN_TIME);
  setup_column (self, self->direction_column, COLUMN_DIRECTION);
  setup_column (self, self->type_column, COLUMN_TYPE);
  setup_column (self, self->size_column, COLUMN_SIZE);
  setup_column (self, self->summary_column, COLUMN_SUMMARY);

  self->slots = eit_log_slot_model_new ();
  self->contents_handler = g_signal_connect_swapped (self->slots, "contents-changed",
                                                     G_CALLBACK (contents_changed_cb), self);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->slots)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

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

  rebuild_types (self);
  update_count (self);
}

void
eit_message_log_view_set_watch (EitMessageLogView *self,
                                  EitHubWatch     *watch)
{
  g_return_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self));
  g_return_if_fail (watch == NULL || EIT_IS_HUB_WATCH (watch));

  if (self->watch == watch)
    return;

  if (self->log != NULL)
    {
      g_clear_signal_handler (&self->pending_handler, self->log);
      g_clear_signal_handler (&self->type_handler, self->log);
      /* A pause belongs to this view, not to the hub. */
      eit_message_log_set_paused (self->log, FALSE);
      g_clear_object (&self->selected_entry);
      g_clear_object (&self->log);
    }
  if (self->watch != NULL)
    {
      g_clear_signal_handler (&self->metrics_handler, self->watch);
      g_clear_object (&self->watch);
    }

  if (watch != NULL)
    {
      self->watch = g_object_ref (watch);
      self->log = g_object_ref (eit_hub_watch_get_log (watch));
      eit_message_log_set_paused (self->log, self->paused || self->scrolled_away);
      self->pending_handler = g_signal_connect_swapped (self->log, "pending",
                                                        G_CALLBACK (pending_cb), self);
      self->type_handler = g_signal_connect (self->log, "type-added",
                                             G_CALLBACK (type_added_cb), self);
      self->metrics_handler = g_signal_connect_swapped (watch, "metrics-changed",
                                                        G_CALLBACK (metrics_changed_cb), self);
    }

  if (self->slots != NULL)
    eit_log_slot_model_set_source (self->slots,
                                   self->log != NULL ? eit_message_log_get_model (self->log) : NULL);
  /* Another hub's types: its own list, and no filter carried over. */
  set_type (self, "");
  rebuild_types (self);
  show_entry (self, NULL);
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
  g_autofree char *folded = NULL;

  g_return_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self));

  folded = g_ascii_strdown (text != NULL ? text : "", -1);
  g_strstrip (folded);
  if (g_strcmp0 (self->search, folded) == 0)
    return;

  g_free (self->search);
  self->search = g_steal_pointer (&folded);
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  refilter (self);
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
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self), NULL);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->detail_stack), "message") != 0)
    return NULL;
  buffer = gtk_text_view_get_buffer (self->detail_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
eit_message_log_view_focus_search (EitMessageLogView *self)
{
  g_return_if_fail (EIT_IS_MESSAGE_LOG_VIEW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}
