/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "eit-composer.h"
#include "eit-widget-util.h"
#include "eit-error.h"
#include "eit-format.h"
#include "eit-json.h"
#include "eit-json-text.h"

struct _EitComposer
{
  GtkWidget      parent_instance;

  GtkTextView   *text_view;
  GtkLabel      *status_label;
  GtkButton     *send_button;
  GtkTextTag    *error_tag;

  EitHubWatch *watch;
  char          *status;
  gssize         error_offset;
  gboolean       has_error;
};

G_DEFINE_FINAL_TYPE (EitComposer, eit_composer, GTK_TYPE_WIDGET)

static void
set_status (EitComposer *self,
            const char  *text,
            gboolean     is_error)
{
  g_free (self->status);
  self->status = g_strdup (text);
  self->has_error = is_error;

  gtk_label_set_text (self->status_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL);
  if (is_error)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
    }
}

static char *
get_text (EitComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
clear_error_mark (EitComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_tag (buffer, self->error_tag, &start, &end);
  self->error_offset = -1;
}

/* Line and column (both from 1, columns in characters) of a byte offset. */
static void
offset_to_position (const char *text,
                    gsize       offset,
                    guint      *line,
                    guint      *column)
{
  const char *end = text + MIN (offset, strlen (text));
  const char *line_start = text;

  *line = 1;
  for (const char *p = text; p < end; p++)
    if (*p == '\n')
      {
        (*line)++;
        line_start = p + 1;
      }
  *column = (guint) g_utf8_strlen (line_start, end - line_start) + 1;
}

/* What the validator says after "invalid JSON at byte N: ". */
static const char *
error_detail (const GError *error)
{
  const char *colon = strstr (error->message, ": ");

  return colon != NULL ? colon + 2 : error->message;
}

static void
show_parse_error (EitComposer  *self,
                  const char   *text,
                  gsize         offset,
                  const GError *error)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter at, line_end;
  g_autofree char *message = NULL;
  g_autofree char *byte = NULL;
  guint line, column;
  glong char_offset;

  offset = MIN (offset, strlen (text));
  offset_to_position (text, offset, &line, &column);
  /* Digits first: xgettext cannot read G_GSIZE_FORMAT inside a message. */
  byte = g_strdup_printf ("%" G_GSIZE_FORMAT, offset);
  /* Translators: a JSON parse error; line, column and byte where it is,
   * then what the parser expected */
  message = g_strdup_printf (_("Not sent: this is not valid JSON. Line %u, column %u (byte %s): %s"),
                             line, column, byte, error_detail (error));
  set_status (self, message, TRUE);

  /* Mark from the error to the end of its line, and put the cursor there. */
  char_offset = g_utf8_pointer_to_offset (text, text + offset);
  gtk_text_buffer_get_iter_at_offset (buffer, &at, (int) char_offset);
  line_end = at;
  if (!gtk_text_iter_ends_line (&line_end))
    gtk_text_iter_forward_to_line_end (&line_end);
  if (gtk_text_iter_equal (&at, &line_end))
    gtk_text_iter_backward_char (&at);
  gtk_text_buffer_apply_tag (buffer, self->error_tag, &at, &line_end);
  gtk_text_buffer_get_iter_at_offset (buffer, &at, (int) char_offset);
  gtk_text_buffer_place_cursor (buffer, &at);
  /* Not gtk_text_view_scroll_to_iter(): in GTK 4.8 its pending scroll
   * leaves a frame-clock handler that unmap disconnects twice (critical). */
  gtk_text_view_scroll_mark_onscreen (self->text_view, gtk_text_buffer_get_insert (buffer));
  self->error_offset = offset;
}

/* Validates with the library's own strict validator, so what the composer
 * accepts is exactly what the wire accepts. */
static gboolean
validate (EitComposer *self,
          const char  *text)
{
  g_autoptr(GError) error = NULL;
  gsize offset = 0;

  if (eit_json_validate (text, strlen (text), &offset, &error))
    return TRUE;

  if (error == NULL)
    error = g_error_new_literal (EIT_ERROR, EIT_ERROR_INVALID_JSON, _("invalid JSON"));
  show_parse_error (self, text, offset, error);
  return FALSE;
}

static void
send_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  EitComposer *self = EIT_COMPOSER (widget);
  g_autofree char *text = get_text (self);
  g_autofree char *trimmed = g_strstrip (g_strdup (text));

  clear_error_mark (self);

  if (trimmed[0] == '\0')
    {
      set_status (self, _("Type a JSON message first, for example {\"type\": \"hello\"}."), TRUE);
      return;
    }
  if (!validate (self, text))
    return;

  if (self->watch == NULL ||
      !eit_connection_is_connected (eit_hub_watch_get_connection (self->watch)))
    {
      set_status (self, _("Not sent: the hub is not connected. Connect, then send again."), TRUE);
      return;
    }
  if (!eit_hub_watch_send (self->watch, trimmed))
    {
      set_status (self, _("Not sent: the send queue is full or the message is too large. "
                          "Wait for the queue to drain, then send again."), TRUE);
      return;
    }

  {
    g_autofree char *clock = eit_format_clock (g_get_real_time ());
    g_autofree char *message = g_strdup_printf (_("Sent at %s."), clock);
    set_status (self, message, FALSE);
  }
}

static void
format_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EitComposer *self = EIT_COMPOSER (widget);
  g_autofree char *text = get_text (self);
  g_autofree char *pretty = NULL;

  clear_error_mark (self);
  if (!validate (self, text))
    return;

  pretty = eit_json_pretty (text);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), pretty, -1);
  set_status (self, NULL, FALSE);
}

static void
buffer_changed_cb (GtkTextBuffer *buffer,
                   EitComposer   *self)
{
  /* Editing clears a stale error; the next send checks again. */
  if (self->has_error)
    {
      clear_error_mark (self);
      set_status (self, NULL, FALSE);
    }
}

static void
eit_composer_dispose (GObject *object)
{
  EitComposer *self = EIT_COMPOSER (object);

  g_clear_object (&self->watch);
  gtk_widget_dispose_template (GTK_WIDGET (self), EIT_TYPE_COMPOSER);
  eit_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (eit_composer_parent_class)->dispose (object);
}

static void
eit_composer_finalize (GObject *object)
{
  g_free (EIT_COMPOSER (object)->status);
  G_OBJECT_CLASS (eit_composer_parent_class)->finalize (object);
}

static void
eit_composer_class_init (EitComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = eit_composer_dispose;
  object_class->finalize = eit_composer_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/eithub/Monitor/eit-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, EitComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, EitComposer, status_label);
  gtk_widget_class_bind_template_child (widget_class, EitComposer, send_button);

  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_action);
  gtk_widget_class_install_action (widget_class, "composer.format", NULL, format_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "composer.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "composer.send", NULL);
}

static void
eit_composer_init (EitComposer *self)
{
  GtkTextBuffer *buffer;

  self->error_offset = -1;
  gtk_widget_init_template (GTK_WIDGET (self));

  buffer = gtk_text_view_get_buffer (self->text_view);
  self->error_tag = gtk_text_buffer_create_tag (buffer, "error",
                                                "underline", PANGO_UNDERLINE_ERROR,
                                                "background", "rgba(224,27,36,0.18)",
                                                NULL);
  gtk_text_buffer_set_text (buffer, "{\"type\": \"hello\", \"text\": \"Hello, hub\"}", -1);
  g_signal_connect (buffer, "changed", G_CALLBACK (buffer_changed_cb), self);
}

void
eit_composer_set_watch (EitComposer   *self,
                          EitHubWatch *watch)
{
  g_return_if_fail (EIT_IS_COMPOSER (self));

  if (g_set_object (&self->watch, watch))
    set_status (self, NULL, FALSE);
}

void
eit_composer_set_text (EitComposer *self,
                       const char  *text)
{
  g_return_if_fail (EIT_IS_COMPOSER (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text != NULL ? text : "", -1);
}

char *
eit_composer_dup_text (EitComposer *self)
{
  g_return_val_if_fail (EIT_IS_COMPOSER (self), NULL);
  return get_text (self);
}

const char *
eit_composer_get_status (EitComposer *self)
{
  g_return_val_if_fail (EIT_IS_COMPOSER (self), NULL);
  return self->status;
}

gboolean
eit_composer_has_error (EitComposer *self)
{
  g_return_val_if_fail (EIT_IS_COMPOSER (self), FALSE);
  return self->has_error;
}

gssize
eit_composer_get_error_offset (EitComposer *self)
{
  g_return_val_if_fail (EIT_IS_COMPOSER (self), -1);
  return self->error_offset;
}
