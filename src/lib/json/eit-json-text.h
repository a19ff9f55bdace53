/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON text for people: what kind of message a text is, and the text
 * indented. Both work on the text as it was written and tolerate text cut
 * short (a log keeps only the start of a big message), so numbers and
 * strings come out exactly as they went in. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What kind of message a JSON object text is: its "type" member, else its
 * "kind" or "event" member (strings, at the top level), found in the first
 * 4 KiB by a scan that allocates nothing on the way; at most 64 bytes of
 * it, made valid UTF-8. NULL if there is none. */
char *eit_json_scan_message_type (const char *json,
                                  gsize       len);

/* Indents JSON text two spaces a level, keeping every number and string
 * exactly as written; empty objects and arrays stay on one line. */
char *eit_json_pretty            (const char *text);

G_END_DECLS
