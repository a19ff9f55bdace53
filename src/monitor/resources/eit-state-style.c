/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "eit-state-style.h"

typedef struct {
  const char *css_class;
  const char *color;
  const char *label;    /* untranslated */
} StateStyle;

/* In EitConnectionState's order. */
static const StateStyle styles[] = {
  { "state-disconnected", "#9a9996", N_("Disconnected") },
  { "state-connecting",   "#e5a50a", N_("Connecting") },
  { "state-connected",    "#2ec27e", N_("Connected") },
  { "state-cycling",      "#3584e4", N_("Cycling") },
  { "state-backing-off",  "#ff7800", N_("Backing off") },
  { "state-failed",       "#e01b24", N_("Failed") },
};

G_STATIC_ASSERT (G_N_ELEMENTS (styles) == EIT_CONNECTION_STATE_FAILED + 1);

static const StateStyle *
lookup (EitConnectionState state)
{
  return &styles[MIN ((guint) state, G_N_ELEMENTS (styles) - 1)];
}

const char *
eit_connection_state_get_css_class (EitConnectionState state)
{
  return lookup (state)->css_class;
}

const char *
eit_connection_state_get_color (EitConnectionState state)
{
  return lookup (state)->color;
}

const char *
eit_connection_state_get_label (EitConnectionState state)
{
  if ((guint) state >= G_N_ELEMENTS (styles))
    return _("Unknown");
  return _(styles[state].label);
}

char *
eit_connection_state_dup_css (void)
{
  GString *css = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    g_string_append_printf (css, ".state-dot.%s { background-color: %s; }\n",
                            styles[i].css_class, styles[i].color);
  return g_string_free (css, FALSE);
}
