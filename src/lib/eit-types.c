/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "eit-types.h"
#include "eit-enums.h"

/* A static enum type keeps its class, and so its nicks, for the life of the
 * process. */
const char *
eit_enum_get_nick (GType       type,
                   int         value,
                   const char *fallback)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);

  return enum_value != NULL ? enum_value->value_nick : fallback;
}

gboolean
eit_enum_get_value_by_nick (GType       type,
                            const char *nick,
                            int        *value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *enum_value = nick != NULL ? g_enum_get_value_by_nick (klass, nick) : NULL;

  if (enum_value == NULL)
    return FALSE;
  *value = enum_value->value;
  return TRUE;
}

const char *
eit_connection_state_to_string (EitConnectionState state)
{
  return eit_enum_get_nick (EIT_TYPE_CONNECTION_STATE, state, "unknown");
}

const char *
eit_protocol_mode_to_string (EitProtocolMode mode)
{
  return eit_enum_get_nick (EIT_TYPE_PROTOCOL_MODE, mode, "unknown");
}

const char *
eit_trust_mode_to_string (EitTrustMode mode)
{
  return eit_enum_get_nick (EIT_TYPE_TRUST_MODE, mode, "system");
}

gboolean
eit_trust_mode_from_string (const char   *text,
                            EitTrustMode *mode)
{
  return eit_enum_get_value_by_nick (EIT_TYPE_TRUST_MODE, text, (int *) mode);
}

gboolean
eit_protocol_token_is_valid (const char *token)
{
  gsize len = 0;

  if (token == NULL)
    return FALSE;
  for (const char *p = token; *p != '\0'; p++, len++)
    if (!g_ascii_isalnum (*p) && strchr ("-_.~", *p) == NULL)
      return FALSE;
  return len > 0 && len <= EIT_TOKEN_MAX_LENGTH;
}

gboolean
eit_protocol_id_is_valid (const char *id)
{
  gsize len = 0;

  if (id == NULL)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++, len++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return len > 0 && len <= 64;
}
