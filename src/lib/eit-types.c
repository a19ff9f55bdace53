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
