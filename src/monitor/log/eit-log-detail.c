/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-log-detail.h"

struct _EitLogDetail
{
  GObject      parent_instance;

  GtkWidget   *pane;
  GtkStack    *stack;
  GtkTextView *text_view;
  GtkWidget   *close_button;
  GtkWidget   *table;
  GtkWidget   *table_focus;
  gboolean     side_by_side;
};

G_DEFINE_FINAL_TYPE (EitLogDetail, eit_log_detail, G_TYPE_OBJECT)

static void
eit_log_detail_class_init (EitLogDetailClass *klass)
{
}

static void
eit_log_detail_init (EitLogDetail *self)
{
  /* As the log's template has it, until its first allocation says
   * otherwise. */
  self->side_by_side = TRUE;
}

EitLogDetail *
eit_log_detail_new (GtkWidget   *pane,
                    GtkStack    *stack,
                    GtkTextView *text_view,
                    GtkWidget   *close_button,
                    GtkWidget   *table,
                    GtkWidget   *table_focus)
{
  EitLogDetail *self = g_object_new (EIT_TYPE_LOG_DETAIL, NULL);

  self->pane = pane;
  self->stack = stack;
  self->text_view = text_view;
  self->close_button = close_button;
  self->table = table;
  self->table_focus = table_focus;
  gtk_widget_set_size_request (pane, EIT_LOG_DETAIL_WIDTH, -1);
  return self;
}

static gboolean
shows_message (EitLogDetail *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "message") == 0;
}

static void
update_place (EitLogDetail *self)
{
  GtkRoot *root = gtk_widget_get_root (self->pane);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  gboolean message = shows_message (self);
  gboolean in_place = !self->side_by_side && message;

  gtk_widget_set_visible (self->close_button, !self->side_by_side);
  gtk_widget_set_visible (self->pane, self->side_by_side || message);
  gtk_widget_set_visible (self->table, !in_place);

  if (focus == NULL)
    return;
  if (in_place && gtk_widget_is_ancestor (focus, self->table))
    gtk_widget_grab_focus (self->close_button);
  else if (!in_place && focus == self->close_button)
    gtk_widget_grab_focus (self->table_focus);
}

void
eit_log_detail_show (EitLogDetail *self,
                     EitLogEntry  *entry)
{
  g_autofree char *pretty = NULL;
  GtkTextBuffer *buffer;

  g_return_if_fail (EIT_IS_LOG_DETAIL (self));

  if (entry == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_place (self);
      return;
    }

  buffer = gtk_text_view_get_buffer (self->text_view);
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
  gtk_stack_set_visible_child_name (self->stack, "message");
  update_place (self);
}

void
eit_log_detail_set_side_by_side (EitLogDetail *self,
                                 gboolean      side_by_side)
{
  g_return_if_fail (EIT_IS_LOG_DETAIL (self));

  if (self->side_by_side == side_by_side)
    return;
  self->side_by_side = side_by_side;
  update_place (self);
}

char *
eit_log_detail_dup_text (EitLogDetail *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (EIT_IS_LOG_DETAIL (self), NULL);

  if (!shows_message (self))
    return NULL;
  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}
