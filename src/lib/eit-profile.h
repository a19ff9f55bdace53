/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The build profile, linked in separately (eit-profile.c) so that one test
 * binary can be linked as a release build inside a development tree and
 * prove that a release build refuses insecure development mode. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean eit_profile_is_development (void);

G_END_DECLS
