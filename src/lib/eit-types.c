/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "eit-types.h"

const char *
eit_connection_state_to_string (EitConnectionState state)
{
  switch (state)
    {
    case EIT_CONNECTION_STATE_DISCONNECTED: return "disconnected";
    case EIT_CONNECTION_STATE_CONNECTING:   return "connecting";
    case EIT_CONNECTION_STATE_CONNECTED:    return "connected";
    case EIT_CONNECTION_STATE_CYCLING:      return "cycling";
    case EIT_CONNECTION_STATE_BACKING_OFF:  return "backing-off";
    case EIT_CONNECTION_STATE_FAILED:       return "failed";
    default:                                return "unknown";
    }
}

const char *
eit_protocol_mode_to_string (EitProtocolMode mode)
{
  switch (mode)
    {
    case EIT_PROTOCOL_MODE_BASE: return "base";
    case EIT_PROTOCOL_MODE_FULL: return "v1";
    case EIT_PROTOCOL_MODE_UNKNOWN:
    default:                     return "unknown";
    }
}

const char *
eit_trust_mode_to_string (EitTrustMode mode)
{
  switch (mode)
    {
    case EIT_TRUST_CA_FILE: return "ca-file";
    case EIT_TRUST_PINNED:  return "pinned";
    case EIT_TRUST_SYSTEM:
    default:                return "system";
    }
}

gboolean
eit_trust_mode_from_string (const char   *text,
                            EitTrustMode *mode)
{
  static const EitTrustMode modes[] = { EIT_TRUST_SYSTEM, EIT_TRUST_CA_FILE, EIT_TRUST_PINNED };

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (modes); i++)
    {
      if (strcmp (text, eit_trust_mode_to_string (modes[i])) == 0)
        {
          *mode = modes[i];
          return TRUE;
        }
    }
  return FALSE;
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
  return len > 0 && len <= 256;
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
