/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-enums.h"
#include "eit-hub-config.h"

struct _EitHubConfig
{
  GObject       parent_instance;

  GSettings    *settings;   /* NULL for the demo hub */
  char         *id;
  char         *name;
  char         *url;
  char         *ca_file;
  char         *pinned_fingerprint;
  EitTrustMode  trust_mode;
  EitProtocolPreference protocol_mode;
  gboolean      auto_connect;
  gboolean      demo;
};

G_DEFINE_FINAL_TYPE (EitHubConfig, eit_hub_config, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DEMO,
  PROP_NAME,
  PROP_URL,
  PROP_TRUST_MODE,
  PROP_CA_FILE,
  PROP_PINNED_FINGERPRINT,
  PROP_AUTO_CONNECT,
  PROP_PROTOCOL_MODE,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const struct { const char *key; guint prop; } bindings[] = {
  { "name", PROP_NAME },
  { "url", PROP_URL },
  { "trust-mode", PROP_TRUST_MODE },
  { "ca-file", PROP_CA_FILE },
  { "pinned-fingerprint", PROP_PINNED_FINGERPRINT },
  { "auto-connect", PROP_AUTO_CONNECT },
  { "protocol-mode", PROP_PROTOCOL_MODE },
};

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value != NULL ? value : "");
  return TRUE;
}

static void
eit_hub_config_constructed (GObject *object)
{
  EitHubConfig *self = EIT_HUB_CONFIG (object);

  G_OBJECT_CLASS (eit_hub_config_parent_class)->constructed (object);

  if (self->id == NULL)
    self->id = eit_hub_config_generate_id ();

  if (!self->demo)
    {
      g_autofree char *path = g_strconcat (EIT_HUB_SETTINGS_PATH, self->id, "/", NULL);

      self->settings = g_settings_new_with_path (EIT_HUB_SETTINGS_SCHEMA, path);
      for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
        g_settings_bind (self->settings, bindings[i].key, self,
                         g_param_spec_get_name (properties[bindings[i].prop]),
                         G_SETTINGS_BIND_DEFAULT);
    }
}

static void
eit_hub_config_dispose (GObject *object)
{
  EitHubConfig *self = EIT_HUB_CONFIG (object);

  if (self->settings != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
        g_settings_unbind (self, g_param_spec_get_name (properties[bindings[i].prop]));
      g_clear_object (&self->settings);
    }

  G_OBJECT_CLASS (eit_hub_config_parent_class)->dispose (object);
}

static void
eit_hub_config_finalize (GObject *object)
{
  EitHubConfig *self = EIT_HUB_CONFIG (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->url);
  g_free (self->ca_file);
  g_free (self->pinned_fingerprint);

  G_OBJECT_CLASS (eit_hub_config_parent_class)->finalize (object);
}

static void
eit_hub_config_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  EitHubConfig *self = EIT_HUB_CONFIG (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_DEMO: g_value_set_boolean (value, self->demo); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_URL: g_value_set_string (value, self->url); break;
    case PROP_TRUST_MODE: g_value_set_enum (value, self->trust_mode); break;
    case PROP_CA_FILE: g_value_set_string (value, self->ca_file); break;
    case PROP_PINNED_FINGERPRINT: g_value_set_string (value, self->pinned_fingerprint); break;
    case PROP_AUTO_CONNECT: g_value_set_boolean (value, self->auto_connect); break;
    case PROP_PROTOCOL_MODE: g_value_set_enum (value, self->protocol_mode); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_hub_config_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  EitHubConfig *self = EIT_HUB_CONFIG (object);
  gboolean changed = FALSE;

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      return;
    case PROP_DEMO:
      self->demo = g_value_get_boolean (value);
      return;
    case PROP_NAME:
      if (set_string (&self->name, g_value_get_string (value)))
        g_object_notify_by_pspec (object, pspec);
      return;
    case PROP_URL:
      changed = set_string (&self->url, g_value_get_string (value));
      break;
    case PROP_TRUST_MODE:
      changed = self->trust_mode != (EitTrustMode) g_value_get_enum (value);
      self->trust_mode = g_value_get_enum (value);
      break;
    case PROP_CA_FILE:
      changed = set_string (&self->ca_file, g_value_get_string (value));
      break;
    case PROP_PINNED_FINGERPRINT:
      changed = set_string (&self->pinned_fingerprint, g_value_get_string (value));
      break;
    case PROP_PROTOCOL_MODE:
      changed = self->protocol_mode != (EitProtocolPreference) g_value_get_enum (value);
      self->protocol_mode = g_value_get_enum (value);
      break;
    case PROP_AUTO_CONNECT:
      if (self->auto_connect != g_value_get_boolean (value))
        {
          self->auto_connect = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  if (changed)
    {
      g_object_notify_by_pspec (object, pspec);
      g_signal_emit (self, signals[CHANGED], 0);
    }
}

static void
eit_hub_config_class_init (EitHubConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = eit_hub_config_constructed;
  object_class->dispose = eit_hub_config_dispose;
  object_class->finalize = eit_hub_config_finalize;
  object_class->get_property = eit_hub_config_get_property;
  object_class->set_property = eit_hub_config_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEMO] =
    g_param_spec_boolean ("demo", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, "", rw);
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, "", rw);
  properties[PROP_TRUST_MODE] =
    g_param_spec_enum ("trust-mode", NULL, NULL, EIT_TYPE_TRUST_MODE, EIT_TRUST_SYSTEM, rw);
  properties[PROP_CA_FILE] = g_param_spec_string ("ca-file", NULL, NULL, "", rw);
  properties[PROP_PINNED_FINGERPRINT] =
    g_param_spec_string ("pinned-fingerprint", NULL, NULL, "", rw);
  properties[PROP_AUTO_CONNECT] = g_param_spec_boolean ("auto-connect", NULL, NULL, TRUE, rw);
  properties[PROP_PROTOCOL_MODE] =
    g_param_spec_enum ("protocol-mode", NULL, NULL, EIT_TYPE_PROTOCOL_PREFERENCE,
                       EIT_PROTOCOL_PREFERENCE_AUTO, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
eit_hub_config_init (EitHubConfig *self)
{
  self->name = g_strdup ("");
  self->url = g_strdup ("");
  self->ca_file = g_strdup ("");
  self->pinned_fingerprint = g_strdup ("");
  self->auto_connect = TRUE;
}

EitHubConfig *
eit_hub_config_new_for_id (const char *id)
{
  g_return_val_if_fail (id != NULL && *id != '\0', NULL);
  return g_object_new (EIT_TYPE_HUB_CONFIG, "id", id, NULL);
}

EitHubConfig *
eit_hub_config_new_demo (const char *url,
                         const char *fingerprint)
{
  return g_object_new (EIT_TYPE_HUB_CONFIG,
                       "id", "demo",
                       "demo", TRUE,
                       "name", _("Demo hub"),
                       "url", url,
                       "trust-mode", EIT_TRUST_PINNED,
                       "pinned-fingerprint", fingerprint,
                       "auto-connect", TRUE,
                       NULL);
}

char *
eit_hub_config_generate_id (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  GString *id = g_string_new ("hub-");

  /* Letters and digits only: a GSettings path element. */
  for (const char *p = uuid; *p != '\0' && id->len < 16; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (id, *p);
  return g_string_free (id, FALSE);
}

const char *
eit_hub_config_get_id (EitHubConfig *self)
{
  g_return_val_if_fail (EIT_IS_HUB_CONFIG (self), NULL);
  return self->id;
}

gboolean
eit_hub_config_is_demo (EitHubConfig *self)
{
  g_return_val_if_fail (EIT_IS_HUB_CONFIG (self), FALSE);
  return self->demo;
}

const char *
eit_hub_config_get_name (EitHubConfig *self)
{
  g_return_val_if_fail (EIT_IS_HUB_CONFIG (self), NULL);
  return self->name;
}

char *
eit_hub_config_dup_display_name (EitHubConfig *self)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (EIT_IS_HUB_CONFIG (self), NULL);

  if (self->name[0] != '\0')
    return g_strdup (self->name);
  uri = g_uri_parse (self->url, G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_host (uri) != NULL)
    return g_strdup (g_uri_get_host (uri));
  if (self->url[0] != '\0')
    return g_strdup (self->url);
  return g_strdup (_("Unnamed hub"));
}

const char *
eit_hub_config_get_url (EitHubConfig *self)
{
  g_return_val_if_fail (EIT_IS_HUB_CONFIG (self), NULL);
  return self->url;
}

EitTrustMode
eit_hub_config_get_trust_mode (EitHubConfig *self)
{
  g_return_val_if_fail (EIT_IS_HUB_CONFIG (self), EIT_TRUST_SYSTEM);
  return self->trust_mode;
}

const char *
eit_hub_config_get_ca_file (EitHubConfig *self)
{
  g_return_val_if_fail (EIT_IS_HUB_CONFIG (self), NULL);
  return self->ca_file;
}

const char *
eit_hub_config_get_pinned_fingerprint (EitHubConfig *self)
{
  g_return_val_if_fail (EIT_IS_HUB_CONFIG (self), NULL);
  return self->pinned_fingerprint;
}

EitProtocolPreference
eit_hub_config_get_protocol_mode (EitHubConfig *self)
{
  g_return_val_if_fail (EIT_IS_HUB_CONFIG (self), EIT_PROTOCOL_PREFERENCE_AUTO);
  return self->protocol_mode;
}

gboolean
eit_hub_config_get_auto_connect (EitHubConfig *self)
{
  g_return_val_if_fail (EIT_IS_HUB_CONFIG (self), FALSE);
  return self->auto_connect;
}

void
eit_hub_config_forget (EitHubConfig *self)
{
  g_return_if_fail (EIT_IS_HUB_CONFIG (self));

  if (self->settings == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    g_settings_unbind (self, g_param_spec_get_name (properties[bindings[i].prop]));
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    g_settings_reset (self->settings, bindings[i].key);
  g_clear_object (&self->settings);
}
