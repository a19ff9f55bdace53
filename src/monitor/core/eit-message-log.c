/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "eit-message-log.h"

#define MAX_TYPES 64
/* The text the model may keep, whatever the entry limit. */
#define BYTE_BUDGET (64 * 1024 * 1024)

struct _EitMessageLog
{
  GObject     parent_instance;

  GListStore *store;
  GPtrArray  *pending;    /* EitLogEntry, oldest first */
  GPtrArray  *types;      /* char*, NULL-terminated */
  GHashTable *type_set;
  guint       limit;
  gsize       store_bytes;
  guint64     n_appended;
  guint64     n_skipped;
  gboolean    paused;
};

G_DEFINE_FINAL_TYPE (EitMessageLog, eit_message_log, G_TYPE_OBJECT)

enum { PROP_0, PROP_PAUSED, PROP_LIMIT, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { TYPE_ADDED, PENDING, N_SIGNALS };
static guint signals[N_SIGNALS];

static gsize
entry_bytes (EitLogEntry *entry)
{
  return MIN (eit_log_entry_get_size (entry), EIT_LOG_ENTRY_MAX_TEXT) + 64;
}

static void
eit_message_log_finalize (GObject *object)
{
  EitMessageLog *self = EIT_MESSAGE_LOG (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->types, g_ptr_array_unref);
  g_clear_pointer (&self->type_set, g_hash_table_unref);

  G_OBJECT_CLASS (eit_message_log_parent_class)->finalize (object);
}

static void
eit_message_log_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  EitMessageLog *self = EIT_MESSAGE_LOG (object);

  switch (prop_id)
    {
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    case PROP_LIMIT:
      g_value_set_uint (value, self->limit);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_message_log_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  EitMessageLog *self = EIT_MESSAGE_LOG (object);

  switch (prop_id)
    {
    case PROP_PAUSED:
      eit_message_log_set_paused (self, g_value_get_boolean (value));
      break;
    case PROP_LIMIT:
      eit_message_log_set_limit (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_message_log_class_init (EitMessageLogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = eit_message_log_finalize;
  object_class->get_property = eit_message_log_get_property;
  object_class->set_property = eit_message_log_set_property;

  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LIMIT] =
    g_param_spec_uint ("limit", NULL, NULL, 1, G_MAXUINT, 10000,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[TYPE_ADDED] = g_signal_new ("type-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[PENDING] = g_signal_new ("pending", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
eit_message_log_init (EitMessageLog *self)
{
  self->store = g_list_store_new (EIT_TYPE_LOG_ENTRY);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->types = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->types, NULL);
  self->type_set = g_hash_table_new (g_str_hash, g_str_equal);
  self->limit = 10000;
}

EitMessageLog *
eit_message_log_new (guint limit)
{
  return g_object_new (EIT_TYPE_MESSAGE_LOG, "limit", MAX (limit, 1), NULL);
}

GListModel *
eit_message_log_get_model (EitMessageLog *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG (self), NULL);
  return G_LIST_MODEL (self->store);
}

void
eit_message_log_append (EitMessageLog *self,
                        EitLogEntry   *entry)
{
  g_return_if_fail (EIT_IS_MESSAGE_LOG (self));
  g_return_if_fail (EIT_IS_LOG_ENTRY (entry));

  g_ptr_array_add (self->pending, entry);
  self->n_appended++;

  /* Once per batch, not per message: the view schedules one flush. */
  if (self->pending->len == 1 && !self->paused)
    g_signal_emit (self, signals[PENDING], 0);

  /* Keep the pending array bounded without moving memory per message: let
   * it reach twice the limit, then drop the oldest half in one go. */
  if (self->pending->len >= 2 * self->limit)
    {
      guint drop = self->pending->len - self->limit;
      g_ptr_array_remove_range (self->pending, 0, drop);
      self->n_skipped += drop;
    }
}

void
eit_message_log_append_text (EitMessageLog   *self,
                             EitLogDirection  direction,
                             const char      *json,
                             gsize            len)
{
  eit_message_log_append (self, eit_log_entry_new (g_get_real_time (), direction, json, len));
}

static void
note_type (EitMessageLog *self,
           EitLogEntry   *entry)
{
  const char *type = eit_log_entry_get_message_type (entry);
  char *copy;

  if (type == NULL || self->types->len > MAX_TYPES || g_hash_table_contains (self->type_set, type))
    return;

  copy = g_strdup (type);
  g_ptr_array_insert (self->types, self->types->len - 1, copy);
  g_hash_table_add (self->type_set, copy);
  g_signal_emit (self, signals[TYPE_ADDED], 0, copy);
}

/* Removes n items from the end of the store. */
static void
trim_tail (EitMessageLog *self,
           guint          n)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));

  n = MIN (n, n_items);
  for (guint i = n_items - n; i < n_items; i++)
    {
      g_autoptr(EitLogEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->store), i);
      self->store_bytes -= MIN (self->store_bytes, entry_bytes (entry));
    }
  if (n > 0)
    g_list_store_splice (self->store, n_items - n, n, NULL, 0);
}

guint
eit_message_log_flush (EitMessageLog *self)
{
  g_autofree gpointer *items = NULL;
  guint k, skip, n_items, i;
  gsize added_bytes = 0;

  g_return_val_if_fail (EIT_IS_MESSAGE_LOG (self), 0);

  if (self->paused || self->pending->len == 0)
    return 0;

  k = self->pending->len;
  skip = k > self->limit ? k - self->limit : 0;
  self->n_skipped += skip;
  k -= skip;

  items = g_new (gpointer, k);
  for (i = 0; i < k; i++)
    {
      EitLogEntry *entry = g_ptr_array_index (self->pending, self->pending->len - 1 - i);
      items[i] = entry;
      added_bytes += entry_bytes (entry);
      note_type (self, entry);
    }

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  if (k >= self->limit)
    {
      g_list_store_splice (self->store, 0, n_items, items, k);
      self->store_bytes = added_bytes;
    }
  else
    {
      g_list_store_splice (self->store, 0, 0, items, k);
      self->store_bytes += added_bytes;
      if (n_items + k > self->limit)
        trim_tail (self, n_items + k - self->limit);
    }

  /* The byte budget: drop the oldest until the kept text fits. */
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  if (self->store_bytes > BYTE_BUDGET && n_items > 1)
    {
      guint keep = 0;
      gsize bytes = 0;

      while (keep < n_items)
        {
          g_autoptr(EitLogEntry) entry = g_list_model_get_item (G_LIST_MODEL (self->store), keep);
          if (bytes + entry_bytes (entry) > BYTE_BUDGET && keep > 0)
            break;
          bytes += entry_bytes (entry);
          keep++;
        }
      trim_tail (self, n_items - keep);
    }

  g_ptr_array_set_size (self->pending, 0);
  return k;
}

void
eit_message_log_clear (EitMessageLog *self)
{
  g_return_if_fail (EIT_IS_MESSAGE_LOG (self));

  g_ptr_array_set_size (self->pending, 0);
  g_list_store_remove_all (self->store);
  self->store_bytes = 0;
}

gboolean
eit_message_log_get_paused (EitMessageLog *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG (self), FALSE);
  return self->paused;
}

void
eit_message_log_set_paused (EitMessageLog *self,
                            gboolean       paused)
{
  g_return_if_fail (EIT_IS_MESSAGE_LOG (self));

  paused = !!paused;
  if (self->paused == paused)
    return;
  self->paused = paused;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
  if (!paused && self->pending->len > 0)
    g_signal_emit (self, signals[PENDING], 0);
}

guint
eit_message_log_get_limit (EitMessageLog *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG (self), 0);
  return self->limit;
}

void
eit_message_log_set_limit (EitMessageLog *self,
                           guint          limit)
{
  guint n_items;

  g_return_if_fail (EIT_IS_MESSAGE_LOG (self));

  limit = MAX (limit, 1);
  if (self->limit == limit)
    return;
  self->limit = limit;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  if (n_items > limit)
    trim_tail (self, n_items - limit);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMIT]);
}

guint
eit_message_log_get_n_pending (EitMessageLog *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG (self), 0);
  return self->pending->len;
}

guint64
eit_message_log_get_n_appended (EitMessageLog *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG (self), 0);
  return self->n_appended;
}

guint64
eit_message_log_get_n_skipped (EitMessageLog *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG (self), 0);
  return self->n_skipped;
}

const char * const *
eit_message_log_get_types (EitMessageLog *self)
{
  g_return_val_if_fail (EIT_IS_MESSAGE_LOG (self), NULL);
  return (const char * const *) self->types->pdata;
}
