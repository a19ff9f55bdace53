/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-profile.h"

#ifndef EIT_PROFILE_DEVELOPMENT
# define EIT_PROFILE_DEVELOPMENT EIT_DEVELOPMENT_BUILD
#endif

gboolean
eit_profile_is_development (void)
{
  return EIT_PROFILE_DEVELOPMENT;
}
