/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "eit-hub-registry.h"

static char *
instance_key (const char *identity,
              const char *instance)
{
  return g_strconcat (identity, "/", instance, NULL);
}

void
eit_hub_registry_init (EitHubRegistry          *registry,
                       const EitHubSettings    *settings,
                       const EitHubSessionHost *host,
                       gpointer                 owner)
{
  memset (registry, 0, sizeof *registry);
  registry->settings = settings;
  registry->host = host;
  registry->owner = owner;
  registry->by_instance = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  registry->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  registry->sessions = g_ptr_array_new_with_free_func (g_object_unref);
}

void
eit_hub_registry_dispose (EitHubRegistry *registry)
{
  for (guint i = 0; i < registry->sessions->len; i++)
    g_object_run_dispose (g_ptr_array_index (registry->sessions, i));
  g_ptr_array_set_size (registry->sessions, 0);
  g_hash_table_remove_all (registry->by_instance);
  g_hash_table_remove_all (registry->by_id);
}

void
eit_hub_registry_finalize (EitHubRegistry *registry)
{
  g_ptr_array_unref (registry->sessions);
  g_hash_table_unref (registry->by_instance);
  g_hash_table_unref (registry->by_id);
}

EitHubSession *
eit_hub_registry_add (EitHubRegistry  *registry,
                      const char      *identity,
                      const char      *instance,
                      EitProtocolMode  mode)
{
  EitHubSession *session = eit_hub_session_new_internal (registry->host, registry->owner,
                                                         identity, instance, mode,
                                                         registry->settings);

  if (mode == EIT_PROTOCOL_MODE_FULL)
    {
      g_hash_table_insert (registry->by_instance, instance_key (identity, instance), g_object_ref (session));
      g_hash_table_insert (registry->by_id, g_strdup (eit_hub_session_get_id (session)), session);
    }
  g_ptr_array_add (registry->sessions, session);
  return session;
}

char *
eit_hub_registry_next_base_instance (EitHubRegistry *registry)
{
  return g_strdup_printf ("base-%u", ++registry->base_counter);
}

gboolean
eit_hub_registry_remove (EitHubRegistry *registry,
                         EitHubSession  *session)
{
  g_autofree char *key = NULL;
  const char *id;

  key = instance_key (eit_hub_session_get_identity (session), eit_hub_session_get_instance (session));
  id = eit_hub_session_get_id (session);
  if (g_hash_table_lookup (registry->by_instance, key) == session)
    g_hash_table_remove (registry->by_instance, key);
  if (g_hash_table_lookup (registry->by_id, id) == session)
    g_hash_table_remove (registry->by_id, id);
  return g_ptr_array_remove (registry->sessions, session);
}

static void
refuse (EitHubAdmission *admission,
        gushort          code,
        char            *reason)
{
  admission->refusal_code = code;
  admission->refusal = reason;
}

void
eit_hub_registry_admit (EitHubRegistry  *registry,
                        const char      *identity,
                        const EitHello  *hello,
                        const char      *epoch,
                        EitHubAdmission *admission)
{
  const EitHubSettings *settings = registry->settings;
  g_autofree char *key = instance_key (identity, hello->instance);
  EitHubSession *session, *named;
  guint64 generation = hello->generation, max_seen;

  memset (admission, 0, sizeof *admission);

  /* Nothing crosses identities: naming another token's session is refused
   * and leaves its owner untouched. */
  named = hello->session != NULL ? g_hash_table_lookup (registry->by_id, hello->session) : NULL;
  if (named != NULL && strcmp (eit_hub_session_get_identity (named), identity) != 0)
    {
      refuse (admission, EIT_CLOSE_FOREIGN_SESSION, g_strdup ("session belongs to another token"));
      return;
    }

  session = g_hash_table_lookup (registry->by_instance, key);
  max_seen = session != NULL ? eit_hub_session_get_max_generation (session) : 0;
  if (session != NULL && generation > max_seen + EIT_MAX_GENERATION_JUMP)
    {
      refuse (admission, EIT_CLOSE_PROTOCOL_VIOLATION,
              g_strdup_printf ("protocol violation: generation jumps by more than %u", EIT_MAX_GENERATION_JUMP));
      return;
    }

  /* Only a live connection can make a hello stale or in use; without one
   * (dropped, in grace, or never) the hello is accepted. */
  if (session != NULL && eit_hub_session_has_live_connection (session))
    {
      guint64 current = eit_hub_session_get_generation (session);
      guint takeovers = eit_hub_session_count_takeovers (session);

      if (generation < current)
        {
          refuse (admission, EIT_CLOSE_STALE_GENERATION,
                  g_strdup_printf ("stale generation %" G_GUINT64_FORMAT " (current %" G_GUINT64_FORMAT ")",
                                   generation, current));
          return;
        }
      if (generation == current)
        {
          refuse (admission, EIT_CLOSE_INSTANCE_IN_USE,
                  g_strdup_printf ("instance in use: instance %s already has a live connection; "
                                   "each tab or process needs its own instance id", hello->instance));
          return;
        }
      if (settings->takeover_storm_limit > 0 && takeovers >= settings->takeover_storm_limit)
        {
          refuse (admission, EIT_CLOSE_TAKEOVER_STORM,
                  g_strdup_printf ("takeover storm: instance %s was taken over %u times in %u s; "
                                   "each tab or process needs its own instance id",
                                   hello->instance, takeovers, (settings->takeover_storm_window + 999) / 1000));
          return;
        }
      eit_hub_session_record_takeover (session);
    }

  admission->session = session;
  /* A reloaded tab restarts its generation at 1: the hub moves it past
   * every generation it has seen, and the welcome says which it took. */
  admission->generation = MAX (generation, max_seen + 1);
  admission->resumed = session != NULL &&
                       g_strcmp0 (hello->session, eit_hub_session_get_id (session)) == 0 &&
                       g_strcmp0 (hello->epoch, epoch) == 0;
}

gboolean
eit_hub_registry_may_queue (EitHubRegistry *registry,
                            EitHubSession  *session,
                            gsize           len,
                            guint64        *own,
                            guint64        *fair)
{
  gint64 now = g_get_monotonic_time ();

  if (registry->max_queued_bytes == 0)
    return TRUE;
  if (now - registry->queued_total_time > 1000)
    {
      registry->queued_total = 0;
      for (guint i = 0; i < registry->sessions->len; i++)
        registry->queued_total += eit_hub_session_get_queued_bytes (g_ptr_array_index (registry->sessions, i));
      registry->queued_total_time = now;
    }
  if (registry->queued_total + len <= registry->max_queued_bytes)
    {
      registry->queued_total += len;
      return TRUE;
    }
  /* Policy at the limit: sessions holding less than an equal share keep
   * sending, the ones that hold more are refused until they drain. */
  *own = eit_hub_session_get_queued_bytes (session);
  *fair = registry->max_queued_bytes / MAX (registry->sessions->len, 1);
  if (*own + len <= *fair)
    {
      registry->queued_total += len;
      return TRUE;
    }
  return FALSE;
}
