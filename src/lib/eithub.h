/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libeithub: the Eit Hubs Networks Protocol. Knows nothing of GTK.
 * This is the public API, what the hub, the probe and the monitor use;
 * what only the library's own layers use is in the *-private.h header next
 * to each file, which only src/lib and white-box tests include. */
#pragma once

#include "eit-types.h"
#include "eit-error.h"
#include "eit-json.h"
#include "eit-tls.h"
#include "eit-transport.h"
#include "eit-flow.h"
#include "eit-connection.h"
#include "eit-hub-server.h"
#include "eit-hub-session.h"
#include "eit-demo-hub.h"
#include "eit-enums.h"
