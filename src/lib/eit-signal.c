/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "eit-marshal.h"
#include "eit-signal.h"

guint
eit_text_signal_new (const char *name,
                     GType       itype)
{
  guint id = g_signal_new (name, itype, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                           eit_marshal_VOID__STRING_ULONG, G_TYPE_NONE, 2,
                           G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE, G_TYPE_ULONG);

  g_signal_set_va_marshaller (id, itype, eit_marshal_VOID__STRING_ULONGv);
  return id;
}

guint
eit_event_signal_new (const char *name,
                      GType       itype)
{
  return g_signal_new (name, itype, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}
