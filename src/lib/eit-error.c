/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-error.h"

G_DEFINE_QUARK (eit-error-quark, eit_error)

gboolean
eit_error_is_permanent (const GError *error)
{
  if (error == NULL || error->domain != EIT_ERROR)
    return FALSE;

  switch ((EitError) error->code)
    {
    case EIT_ERROR_AUTH:
    case EIT_ERROR_FORBIDDEN:
    case EIT_ERROR_TLS:
    case EIT_ERROR_PIN_MISMATCH:
    case EIT_ERROR_CONFIG:
    case EIT_ERROR_INSECURE_RELEASE:
      return TRUE;
    default:
      return FALSE;
    }
}
