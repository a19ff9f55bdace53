/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-hub-store.h"

struct _EitHubStore
{
  GObject    parent_instance;
  GSettings *settings;
  GPtrArray *configs;   /* EitHubConfig */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (EitHubStore, eit_hub_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return EIT_TYPE_HUB_CONFIG;
}

static guint
get_n_items (GListModel *model)
{
  return EIT_HUB_STORE (model)->configs->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  EitHubStore *self = EIT_HUB_STORE (model);

  if (position >= self->configs->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->configs, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
save (EitHubStore *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;

  for (guint i = 0; i < self->configs->len; i++)
    {
      EitHubConfig *config = g_ptr_array_index (self->configs, i);
      if (!eit_hub_config_is_demo (config))
        g_strv_builder_add (builder, eit_hub_config_get_id (config));
    }
  ids = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "hubs", (const char * const *) ids);
}

static void
eit_hub_store_dispose (GObject *object)
{
  EitHubStore *self = EIT_HUB_STORE (object);

  g_clear_pointer (&self->configs, g_ptr_array_unref);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (eit_hub_store_parent_class)->dispose (object);
}

static void
eit_hub_store_class_init (EitHubStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = eit_hub_store_dispose;
}

static void
eit_hub_store_init (EitHubStore *self)
{
  self->configs = g_ptr_array_new_with_free_func (g_object_unref);
}

EitHubStore *
eit_hub_store_new (GSettings *settings)
{
  EitHubStore *self;
  g_auto(GStrv) ids = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (EIT_TYPE_HUB_STORE, NULL);
  self->settings = g_object_ref (settings);

  ids = g_settings_get_strv (settings, "hubs");
  for (guint i = 0; ids[i] != NULL; i++)
    {
      if (ids[i][0] == '\0' || eit_hub_store_lookup (self, ids[i]) != NULL)
        continue;
      g_ptr_array_add (self->configs, eit_hub_config_new_for_id (ids[i]));
    }
  return self;
}

void
eit_hub_store_add (EitHubStore  *self,
                   EitHubConfig *config)
{
  guint position;

  g_return_if_fail (EIT_IS_HUB_STORE (self));
  g_return_if_fail (EIT_IS_HUB_CONFIG (config));
  g_return_if_fail (eit_hub_store_lookup (self, eit_hub_config_get_id (config)) == NULL);

  if (eit_hub_config_is_demo (config))
    {
      position = 0;
      g_ptr_array_insert (self->configs, 0, g_object_ref (config));
    }
  else
    {
      position = self->configs->len;
      g_ptr_array_add (self->configs, g_object_ref (config));
      save (self);
    }
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
}

void
eit_hub_store_remove (EitHubStore  *self,
                      EitHubConfig *config)
{
  guint position;
  g_autoptr(EitHubConfig) hold = NULL;

  g_return_if_fail (EIT_IS_HUB_STORE (self));
  g_return_if_fail (EIT_IS_HUB_CONFIG (config));

  if (!g_ptr_array_find (self->configs, config, &position))
    return;

  hold = g_object_ref (config);
  g_ptr_array_remove_index (self->configs, position);
  if (!eit_hub_config_is_demo (config))
    {
      eit_hub_config_forget (config);
      save (self);
    }
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

EitHubConfig *
eit_hub_store_lookup (EitHubStore *self,
                      const char  *id)
{
  g_return_val_if_fail (EIT_IS_HUB_STORE (self), NULL);

  for (guint i = 0; id != NULL && i < self->configs->len; i++)
    {
      EitHubConfig *config = g_ptr_array_index (self->configs, i);
      if (g_strcmp0 (eit_hub_config_get_id (config), id) == 0)
        return config;
    }
  return NULL;
}

guint
eit_hub_store_get_n_configured (EitHubStore *self)
{
  guint n = 0;

  g_return_val_if_fail (EIT_IS_HUB_STORE (self), 0);

  for (guint i = 0; i < self->configs->len; i++)
    if (!eit_hub_config_is_demo (g_ptr_array_index (self->configs, i)))
      n++;
  return n;
}
