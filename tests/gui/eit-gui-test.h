/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the GUI tests share: the real application with a real window under
 * Xvfb, run by g_application_run() with the test body in an idle callback
 * (so startup, activate and shutdown are the app's own), waiting on the
 * main loop with deadlines, and in-process screenshots into
 * $EIT_TEST_OUTPUT. */
#pragma once

#include <gtk/gtk.h>
#include "eit-test-util.h"
#include "eit-monitor-application-private.h"
#include "eit-monitor-window-private.h"

G_BEGIN_DECLS

typedef struct {
  EitMonitorApplication *app;
  EitMonitorWindow      *window;
  gpointer               user_data;
} EitGuiTest;

typedef void (*EitGuiTestFunc) (EitGuiTest *test);

/* Settings every GUI test starts from (GSETTINGS_BACKEND=memory). */
void           eit_gui_test_reset_settings (void);
/* Runs body inside the application's main loop, then closes every window,
 * quits, and asserts that the application is finalized. */
void           eit_gui_test_run            (EitGuiTestFunc  body,
                                            gpointer        user_data);
/* Lets n frames of widget's frame clock pass (at most timeout_ms). */
void           eit_gui_test_wait_frames    (GtkWidget      *widget,
                                            guint           n,
                                            guint           timeout_ms);
/* Renders widget (a window) in-process and saves EIT_TEST_OUTPUT/name.png;
 * returns the path. */
char          *eit_gui_test_screenshot     (GtkWidget      *widget,
                                            const char     *name);
/* The demo hub's watch, or NULL. */
EitHubWatch *eit_gui_test_demo_watch   (EitGuiTest     *test);
/* Short connection timings for tests: reconnect base/cap in ms. */
void           eit_gui_test_fast_timings   (EitHubWatch  *watch);
/* The first toplevel of type, or NULL. */
GtkWindow     *eit_gui_test_find_window    (GType           type);

G_END_DECLS
