/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Preferences, bound to GSettings: style, chart time span, log size,
 * notifications and the demo hub. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define EIT_TYPE_PREFERENCES_WINDOW (eit_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (EitPreferencesWindow, eit_preferences_window, EIT, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *eit_preferences_window_new (GtkWindow *parent,
                                       GSettings *settings);

G_END_DECLS
