/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-log-slot-model.h"

#define INVALID_POSITION G_MAXUINT

struct _EitLogSlot
{
  GObject          parent_instance;
  EitLogSlotModel *model;   /* weak: the model owns its slots */
  guint            position;
};

G_DEFINE_FINAL_TYPE (EitLogSlot, eit_log_slot, G_TYPE_OBJECT)

static void
eit_log_slot_class_init (EitLogSlotClass *klass)
{
}

static void
eit_log_slot_init (EitLogSlot *self)
{
}

struct _EitLogSlotModel
{
  GObject           parent_instance;

  GListModel       *source;
  gulong            source_handler;
  EitLogFilterFunc  filter;
  gpointer          filter_data;
  GArray           *index;    /* guint source positions, ascending; only with a filter */
  GPtrArray        *slots;    /* EitLogSlot, created on demand */
  guint             n_items;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (EitLogSlotModel, eit_log_slot_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum { CONTENTS_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

guint
eit_log_slot_get_position (EitLogSlot *self)
{
  g_return_val_if_fail (EIT_IS_LOG_SLOT (self), 0);
  return self->position;
}

EitLogEntry *
eit_log_slot_dup_entry (EitLogSlot *self)
{
  g_return_val_if_fail (EIT_IS_LOG_SLOT (self), NULL);

  if (self->model == NULL)
    return NULL;
  return eit_log_slot_model_dup_entry (self->model, self->position);
}

static GType
get_item_type (GListModel *model)
{
  return EIT_TYPE_LOG_SLOT;
}

static guint
get_n_items (GListModel *model)
{
  return EIT_LOG_SLOT_MODEL (model)->n_items;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  EitLogSlotModel *self = EIT_LOG_SLOT_MODEL (model);
  EitLogSlot *slot;

  if (position >= self->n_items)
    return NULL;

  while (self->slots->len <= position)
    {
      slot = g_object_new (EIT_TYPE_LOG_SLOT, NULL);
      slot->model = self;
      slot->position = self->slots->len;
      g_ptr_array_add (self->slots, slot);
    }
  return g_object_ref (g_ptr_array_index (self->slots, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static gboolean
matches (EitLogSlotModel *self,
         guint            source_position)
{
  g_autoptr(EitLogEntry) entry = g_list_model_get_item (self->source, source_position);

  return entry != NULL && self->filter (entry, self->filter_data);
}

static void
rebuild_index (EitLogSlotModel *self)
{
  guint n = self->source != NULL ? g_list_model_get_n_items (self->source) : 0;

  g_array_set_size (self->index, 0);
  if (self->filter == NULL)
    return;
  for (guint i = 0; i < n; i++)
    if (matches (self, i))
      g_array_append_val (self->index, i);
}

/* Brings the index up to date for one change of the source. The log only
 * ever inserts at the top and trims at the bottom: both are incremental. */
static void
update_index (EitLogSlotModel *self,
              guint            position,
              guint            removed,
              guint            added)
{
  guint n_source = g_list_model_get_n_items (self->source);

  if (self->filter == NULL)
    return;

  if (position == 0 && removed == 0)
    {
      g_autoptr(GArray) fresh = g_array_new (FALSE, FALSE, sizeof (guint));

      for (guint i = 0; i < self->index->len; i++)
        g_array_index (self->index, guint, i) += added;
      for (guint i = 0; i < added; i++)
        if (matches (self, i))
          g_array_append_val (fresh, i);
      g_array_prepend_vals (self->index, fresh->data, fresh->len);
    }
  else if (added == 0 && position == n_source)
    {
      guint keep = self->index->len;

      while (keep > 0 && g_array_index (self->index, guint, keep - 1) >= position)
        keep--;
      g_array_set_size (self->index, keep);
    }
  else
    rebuild_index (self);
}

static guint
count (EitLogSlotModel *self)
{
  if (self->source == NULL)
    return 0;
  if (self->filter == NULL)
    return g_list_model_get_n_items (self->source);
  return self->index->len;
}

/* Tells the view: the row count (at the end), then the contents. */
static void
publish (EitLogSlotModel *self)
{
  guint old_n = self->n_items;
  guint new_n = count (self);

  self->n_items = new_n;
  if (new_n > old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), old_n, 0, new_n - old_n);
  else if (new_n < old_n)
    g_list_model_items_changed (G_LIST_MODEL (self), new_n, old_n - new_n, 0);
  g_signal_emit (self, signals[CONTENTS_CHANGED], 0);
}

static void
source_changed_cb (GListModel      *source,
                   guint            position,
                   guint            removed,
                   guint            added,
                   EitLogSlotModel *self)
{
  update_index (self, position, removed, added);
  publish (self);
}

static void
eit_log_slot_model_dispose (GObject *object)
{
  EitLogSlotModel *self = EIT_LOG_SLOT_MODEL (object);

  eit_log_slot_model_set_source (self, NULL);
  for (guint i = 0; self->slots != NULL && i < self->slots->len; i++)
    EIT_LOG_SLOT (g_ptr_array_index (self->slots, i))->model = NULL;
  g_clear_pointer (&self->slots, g_ptr_array_unref);

  G_OBJECT_CLASS (eit_log_slot_model_parent_class)->dispose (object);
}

static void
eit_log_slot_model_finalize (GObject *object)
{
  EitLogSlotModel *self = EIT_LOG_SLOT_MODEL (object);

  g_clear_pointer (&self->index, g_array_unref);

  G_OBJECT_CLASS (eit_log_slot_model_parent_class)->finalize (object);
}

static void
eit_log_slot_model_class_init (EitLogSlotModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = eit_log_slot_model_dispose;
  object_class->finalize = eit_log_slot_model_finalize;

  signals[CONTENTS_CHANGED] =
    g_signal_new ("contents-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
eit_log_slot_model_init (EitLogSlotModel *self)
{
  self->index = g_array_new (FALSE, FALSE, sizeof (guint));
  self->slots = g_ptr_array_new_with_free_func (g_object_unref);
}

EitLogSlotModel *
eit_log_slot_model_new (void)
{
  return g_object_new (EIT_TYPE_LOG_SLOT_MODEL, NULL);
}

void
eit_log_slot_model_set_source (EitLogSlotModel *self,
                               GListModel      *source)
{
  g_return_if_fail (EIT_IS_LOG_SLOT_MODEL (self));
  g_return_if_fail (source == NULL || G_IS_LIST_MODEL (source));

  if (self->source == source)
    return;

  if (self->source != NULL)
    g_clear_signal_handler (&self->source_handler, self->source);
  g_set_object (&self->source, source);
  if (source != NULL)
    self->source_handler = g_signal_connect (source, "items-changed",
                                             G_CALLBACK (source_changed_cb), self);
  rebuild_index (self);
  if (self->slots != NULL)
    publish (self);
}

void
eit_log_slot_model_set_filter (EitLogSlotModel  *self,
                               EitLogFilterFunc  func,
                               gpointer          user_data)
{
  g_return_if_fail (EIT_IS_LOG_SLOT_MODEL (self));

  self->filter = func;
  self->filter_data = user_data;
  eit_log_slot_model_refilter (self);
}

void
eit_log_slot_model_refilter (EitLogSlotModel *self)
{
  g_return_if_fail (EIT_IS_LOG_SLOT_MODEL (self));

  rebuild_index (self);
  publish (self);
}

EitLogEntry *
eit_log_slot_model_dup_entry (EitLogSlotModel *self,
                              guint            position)
{
  g_return_val_if_fail (EIT_IS_LOG_SLOT_MODEL (self), NULL);

  if (self->source == NULL || position >= self->n_items)
    return NULL;
  if (self->filter != NULL)
    {
      if (position >= self->index->len)
        return NULL;
      position = g_array_index (self->index, guint, position);
    }
  return g_list_model_get_item (self->source, position);
}

guint
eit_log_slot_model_find (EitLogSlotModel *self,
                         EitLogEntry     *entry)
{
  guint position = INVALID_POSITION;
  guint lo = 0, hi;

  g_return_val_if_fail (EIT_IS_LOG_SLOT_MODEL (self), INVALID_POSITION);

  if (self->source == NULL || entry == NULL)
    return INVALID_POSITION;
  if (G_IS_LIST_STORE (self->source))
    {
      if (!g_list_store_find (G_LIST_STORE (self->source), entry, &position))
        return INVALID_POSITION;
    }
  else
    {
      guint n = g_list_model_get_n_items (self->source);

      for (guint i = 0; i < n && position == INVALID_POSITION; i++)
        {
          g_autoptr(EitLogEntry) item = g_list_model_get_item (self->source, i);
          if (item == entry)
            position = i;
        }
      if (position == INVALID_POSITION)
        return INVALID_POSITION;
    }
  if (self->filter == NULL)
    return position < self->n_items ? position : INVALID_POSITION;

  hi = self->index->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      guint value = g_array_index (self->index, guint, mid);

      if (value == position)
        return mid;
      if (value < position)
        lo = mid + 1;
      else
        hi = mid;
    }
  return INVALID_POSITION;
}
