/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-hub-store.h"

struct _EitHubStore
{
  GObject     parent_instance;
  GSettings  *settings;
  GListStore *configs;   /* EitHubConfig */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (EitHubStore, eit_hub_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

/* The list lives in a GListStore; the store only adds persistence, so the
 * model is the GListStore's, passed through. */
static GType
get_item_type (GListModel *model)
{
  return EIT_TYPE_HUB_CONFIG;
}

static guint
get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (G_LIST_MODEL (EIT_HUB_STORE (model)->configs));
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  return g_list_model_get_item (G_LIST_MODEL (EIT_HUB_STORE (model)->configs), position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
configs_items_changed_cb (EitHubStore *self,
                          guint        position,
                          guint        removed,
                          guint        added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
save (EitHubStore *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->configs));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EitHubConfig) config = g_list_model_get_item (G_LIST_MODEL (self->configs), i);
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

  if (self->configs != NULL)
    g_signal_handlers_disconnect_by_data (self->configs, self);
  g_clear_object (&self->configs);
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
  self->configs = g_list_store_new (EIT_TYPE_HUB_CONFIG);
  g_signal_connect_swapped (self->configs, "items-changed",
                            G_CALLBACK (configs_items_changed_cb), self);
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
      g_autoptr(EitHubConfig) config = NULL;

      if (ids[i][0] == '\0' || eit_hub_store_lookup (self, ids[i]) != NULL)
        continue;
      config = eit_hub_config_new_for_id (ids[i]);
      g_list_store_append (self->configs, config);
    }
  return self;
}

void
eit_hub_store_add (EitHubStore  *self,
                   EitHubConfig *config)
{
  g_return_if_fail (EIT_IS_HUB_STORE (self));
  g_return_if_fail (EIT_IS_HUB_CONFIG (config));
  g_return_if_fail (eit_hub_store_lookup (self, eit_hub_config_get_id (config)) == NULL);

  if (eit_hub_config_is_demo (config))
    {
      g_list_store_insert (self->configs, 0, config);
      return;
    }
  g_list_store_append (self->configs, config);
  save (self);
}

void
eit_hub_store_remove (EitHubStore  *self,
                      EitHubConfig *config)
{
  guint position;
  g_autoptr(EitHubConfig) hold = NULL;

  g_return_if_fail (EIT_IS_HUB_STORE (self));
  g_return_if_fail (EIT_IS_HUB_CONFIG (config));

  if (!g_list_store_find (self->configs, config, &position))
    return;

  hold = g_object_ref (config);
  g_list_store_remove (self->configs, position);
  if (!eit_hub_config_is_demo (config))
    {
      eit_hub_config_forget (config);
      save (self);
    }
}

/* The store keeps its reference: the caller gets a borrowed one. GLib 2.74's
 * g_list_store_find_with_equal_func_full () needs an item to compare with,
 * so the ids are compared here. */
EitHubConfig *
eit_hub_store_lookup (EitHubStore *self,
                      const char  *id)
{
  guint n_items;

  g_return_val_if_fail (EIT_IS_HUB_STORE (self), NULL);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->configs));
  for (guint i = 0; id != NULL && i < n_items; i++)
    {
      g_autoptr(EitHubConfig) config = g_list_model_get_item (G_LIST_MODEL (self->configs), i);

      if (g_strcmp0 (eit_hub_config_get_id (config), id) == 0)
        return config;
    }
  return NULL;
}

guint
eit_hub_store_get_n_configured (EitHubStore *self)
{
  guint n_items, n = 0;

  g_return_val_if_fail (EIT_IS_HUB_STORE (self), 0);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->configs));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(EitHubConfig) config = g_list_model_get_item (G_LIST_MODEL (self->configs), i);
      if (!eit_hub_config_is_demo (config))
        n++;
    }
  return n;
}
