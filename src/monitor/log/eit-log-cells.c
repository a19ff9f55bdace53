/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "eit-format.h"
#include "eit-log-cells.h"
#include "eit-log-slot-model.h"

#define SUMMARY_CHARS 160
/* Narrower than this, the table drops the size column and the time its
 * milliseconds, so the message keeps some room. */
#define FULL_COLUMNS_WIDTH 520
#define TIME_WIDTH 104
#define TIME_WIDTH_COMPACT 76
#define SIZE_WIDTH 64

struct _EitLogCells
{
  GObject              parent_instance;

  GtkColumnView       *column_view;
  GtkColumnViewColumn *time_column;
  GtkColumnViewColumn *size_column;
  GListModel          *rows;
  GPtrArray           *bound;   /* GtkListItem on screen */
  gboolean             compact;
  gboolean             stale;   /* rows off screen show old text */
};

G_DEFINE_FINAL_TYPE (EitLogCells, eit_log_cells, G_TYPE_OBJECT)

static void
set_cell_text (EitLogCells *self,
               GtkListItem *item)
{
  EitLogColumn column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (item), "eit-column"));
  EitLogSlot *slot = gtk_list_item_get_item (item);
  GtkInscription *label = GTK_INSCRIPTION (gtk_list_item_get_child (item));
  g_autoptr(EitLogEntry) entry = slot != NULL ? eit_log_slot_dup_entry (slot) : NULL;
  g_autofree char *text = NULL;

  if (entry != NULL)
    {
      switch (column)
        {
        case EIT_LOG_COLUMN_TIME:
          text = eit_format_clock (eit_log_entry_get_time (entry));
          if (self->compact)
            text[8] = '\0';  /* HH:MM:SS */
          break;
        case EIT_LOG_COLUMN_DIRECTION:
          text = g_strdup (eit_log_entry_get_direction (entry) == EIT_LOG_DIRECTION_IN
                           ? _("↓ in") : _("↑ out"));
          break;
        case EIT_LOG_COLUMN_TYPE:
          text = g_strdup (eit_log_entry_get_message_type (entry));
          break;
        case EIT_LOG_COLUMN_SIZE:
          text = eit_format_bytes (eit_log_entry_get_size (entry));
          break;
        case EIT_LOG_COLUMN_SUMMARY:
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
visible_range (EitLogCells *self,
               guint       *first,
               guint       *last)
{
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->column_view));
  guint n_items = g_list_model_get_n_items (self->rows);
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
refresh (EitLogCells *self,
         gboolean     all)
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
  self->stale = !all;
}

static void
scrolled_cb (EitLogCells *self)
{
  if (self->stale)
    refresh (self, TRUE);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  EitLogColumn column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_inscription_new (NULL);

  gtk_inscription_set_min_chars (GTK_INSCRIPTION (label), 3);
  if (column == EIT_LOG_COLUMN_SIZE)
    gtk_inscription_set_xalign (GTK_INSCRIPTION (label), 1.0);
  if (column == EIT_LOG_COLUMN_TIME || column == EIT_LOG_COLUMN_SIZE)
    gtk_widget_add_css_class (label, "numeric");
  if (column == EIT_LOG_COLUMN_SUMMARY)
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
bind_cb (EitLogCells *self,
         GtkListItem *item)
{
  g_ptr_array_add (self->bound, item);
  set_cell_text (self, item);
}

static void
unbind_cb (EitLogCells *self,
           GtkListItem *item)
{
  g_ptr_array_remove_fast (self->bound, item);
}

static void
eit_log_cells_finalize (GObject *object)
{
  EitLogCells *self = EIT_LOG_CELLS (object);

  g_clear_object (&self->rows);
  g_ptr_array_unref (self->bound);

  G_OBJECT_CLASS (eit_log_cells_parent_class)->finalize (object);
}

static void
eit_log_cells_class_init (EitLogCellsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = eit_log_cells_finalize;
}

static void
eit_log_cells_init (EitLogCells *self)
{
  self->bound = g_ptr_array_new ();
}

EitLogCells *
eit_log_cells_new (GtkColumnView              *column_view,
                   GListModel                 *rows,
                   GtkColumnViewColumn *const *columns)
{
  EitLogCells *self;

  g_return_val_if_fail (GTK_IS_COLUMN_VIEW (column_view), NULL);
  g_return_val_if_fail (G_IS_LIST_MODEL (rows), NULL);
  g_return_val_if_fail (columns != NULL, NULL);

  self = g_object_new (EIT_TYPE_LOG_CELLS, NULL);
  self->column_view = column_view;
  self->rows = g_object_ref (rows);
  self->time_column = columns[EIT_LOG_COLUMN_TIME];
  self->size_column = columns[EIT_LOG_COLUMN_SIZE];
  gtk_column_view_column_set_fixed_width (self->time_column, TIME_WIDTH);
  gtk_column_view_column_set_fixed_width (self->size_column, SIZE_WIDTH);

  /* The factories and the adjustment may outlive the cells: their
   * handlers go with the cells. */
  for (EitLogColumn id = 0; id < EIT_LOG_N_COLUMNS; id++)
    {
      g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), GINT_TO_POINTER (id));
      g_signal_connect_object (factory, "bind", G_CALLBACK (bind_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_cb), self, G_CONNECT_SWAPPED);
      gtk_column_view_column_set_factory (columns[id], factory);
    }
  g_signal_connect_object (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (column_view)),
                           "value-changed", G_CALLBACK (scrolled_cb), self, G_CONNECT_SWAPPED);
  return self;
}

/* Switching rebinds the rows GTK keeps once, for the time's new form;
 * nothing per row depends on the width. */
gboolean
eit_log_cells_set_width (EitLogCells *self,
                         int          width)
{
  gboolean compact = width < FULL_COLUMNS_WIDTH;

  g_return_val_if_fail (EIT_IS_LOG_CELLS (self), FALSE);

  if (compact == self->compact)
    return FALSE;
  self->compact = compact;
  gtk_column_view_column_set_visible (self->size_column, !compact);
  /* GTK 4.8 counts a hidden column's width in, leaving the message less. */
  gtk_column_view_column_set_fixed_width (self->size_column, compact ? 0 : SIZE_WIDTH);
  gtk_column_view_column_set_fixed_width (self->time_column, compact ? TIME_WIDTH_COMPACT : TIME_WIDTH);
  refresh (self, TRUE);
  return TRUE;
}

void
eit_log_cells_refresh (EitLogCells *self)
{
  g_return_if_fail (EIT_IS_LOG_CELLS (self));
  refresh (self, FALSE);
}
