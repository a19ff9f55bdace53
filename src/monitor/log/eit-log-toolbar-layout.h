/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How the message log lays out its toolbar and its body (the table and the
 * detail), as libadwaita's AdwClampLayout keeps its logic out of the
 * widget. The toolbar takes one row while that fits; else two rows (the
 * filters and the count below) while the body keeps its comfortable height
 * under them; else one compact row with the filters in a menu, without the
 * title too where the search entry needs its room (a phone). The tools a
 * layout leaves out are hidden; the body gets the height left below. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  EIT_LOG_TOOL_TITLE,
  EIT_LOG_TOOL_PAUSE,
  EIT_LOG_TOOL_DIRECTION,
  EIT_LOG_TOOL_TYPE,
  EIT_LOG_TOOL_FILTER,
  EIT_LOG_TOOL_SEARCH,
  EIT_LOG_TOOL_COUNT,
  EIT_LOG_TOOL_CLEAR,
  EIT_LOG_N_TOOLS
} EitLogTool;

#define EIT_TYPE_LOG_TOOLBAR_LAYOUT (eit_log_toolbar_layout_get_type ())
G_DECLARE_FINAL_TYPE (EitLogToolbarLayout, eit_log_toolbar_layout, EIT, LOG_TOOLBAR_LAYOUT, GtkLayoutManager)

/* The widgets are children of the layout's widget; no reference is taken. */
void     eit_log_toolbar_layout_set_tool        (EitLogToolbarLayout *self,
                                                 EitLogTool           tool,
                                                 GtkWidget           *widget);
/* The body, the narrowest it can be, the width from which it is at ease
 * (the natural width, and where "wide" starts), and the height it wants
 * below a toolbar in two rows. */
void     eit_log_toolbar_layout_set_body        (EitLogToolbarLayout *self,
                                                 GtkWidget           *body,
                                                 int                  min_width,
                                                 int                  wide_width,
                                                 int                  comfort_height);
gboolean eit_log_toolbar_layout_get_wide        (EitLogToolbarLayout *self);
/* TRUE while the layout allocates the children. */
gboolean eit_log_toolbar_layout_is_allocating   (EitLogToolbarLayout *self);

/* Properties: wide (gboolean, read-only): the width reaches wide_width;
 * notified before the children are allocated, so that changes it brings
 * are part of the same allocation.
 * Signals: "body-allocated" () -> gboolean: the body has its size; return
 * TRUE to have it allocated once more (its contents followed its width). */

G_END_DECLS
