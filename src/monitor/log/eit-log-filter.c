/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-log-entry.h"
#include "eit-log-filter.h"

struct _EitLogFilter
{
  GtkFilter  parent_instance;

  char      *direction;   /* "all", "in", "out" */
  char      *type;        /* "" for all */
  char      *search;      /* folded to lower case */
};

G_DEFINE_FINAL_TYPE (EitLogFilter, eit_log_filter, GTK_TYPE_FILTER)

static gboolean
eit_log_filter_match (GtkFilter *filter,
                      gpointer   item)
{
  EitLogFilter *self = EIT_LOG_FILTER (filter);
  EitLogEntry *entry = item;

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

static GtkFilterMatch
eit_log_filter_get_strictness (GtkFilter *filter)
{
  EitLogFilter *self = EIT_LOG_FILTER (filter);

  if (g_strcmp0 (self->direction, "all") != 0 || self->type[0] != '\0' || self->search[0] != '\0')
    return GTK_FILTER_MATCH_SOME;
  return GTK_FILTER_MATCH_ALL;
}

static void
eit_log_filter_finalize (GObject *object)
{
  EitLogFilter *self = EIT_LOG_FILTER (object);

  g_free (self->direction);
  g_free (self->type);
  g_free (self->search);

  G_OBJECT_CLASS (eit_log_filter_parent_class)->finalize (object);
}

static void
eit_log_filter_class_init (EitLogFilterClass *klass)
{
  GtkFilterClass *filter_class = GTK_FILTER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = eit_log_filter_finalize;
  filter_class->match = eit_log_filter_match;
  filter_class->get_strictness = eit_log_filter_get_strictness;
}

static void
eit_log_filter_init (EitLogFilter *self)
{
  self->direction = g_strdup ("all");
  self->type = g_strdup ("");
  self->search = g_strdup ("");
}

EitLogFilter *
eit_log_filter_new (void)
{
  return g_object_new (EIT_TYPE_LOG_FILTER, NULL);
}

/* Takes value (never NULL) unless the field has it already. */
static gboolean
replace (EitLogFilter  *self,
         char         **field,
         const char    *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  gtk_filter_changed (GTK_FILTER (self), GTK_FILTER_CHANGE_DIFFERENT);
  return TRUE;
}

const char *
eit_log_filter_get_direction (EitLogFilter *self)
{
  g_return_val_if_fail (EIT_IS_LOG_FILTER (self), NULL);
  return self->direction;
}

gboolean
eit_log_filter_set_direction (EitLogFilter *self,
                              const char   *direction)
{
  g_return_val_if_fail (EIT_IS_LOG_FILTER (self), FALSE);

  if (g_strcmp0 (direction, "in") != 0 && g_strcmp0 (direction, "out") != 0)
    direction = "all";
  return replace (self, &self->direction, direction);
}

const char *
eit_log_filter_get_message_type (EitLogFilter *self)
{
  g_return_val_if_fail (EIT_IS_LOG_FILTER (self), NULL);
  return self->type;
}

gboolean
eit_log_filter_set_message_type (EitLogFilter *self,
                                 const char   *type)
{
  g_return_val_if_fail (EIT_IS_LOG_FILTER (self), FALSE);
  return replace (self, &self->type, type != NULL ? type : "");
}

const char *
eit_log_filter_get_search (EitLogFilter *self)
{
  g_return_val_if_fail (EIT_IS_LOG_FILTER (self), NULL);
  return self->search;
}

gboolean
eit_log_filter_set_search (EitLogFilter *self,
                           const char   *text)
{
  g_autofree char *folded = NULL;

  g_return_val_if_fail (EIT_IS_LOG_FILTER (self), FALSE);

  folded = g_ascii_strdown (text != NULL ? text : "", -1);
  g_strstrip (folded);
  return replace (self, &self->search, folded);
}
