/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The message log table's cells: one GtkInscription per cell, bound to a
 * row slot (EitLogSlot) and given its message's time, direction, type,
 * size or summary. The rows keep their widgets while the log moves on
 * (see eit-log-slot-model.h), so the cells rebind their text instead: the
 * rows on screen at once, the others when the reader scrolls to them. The
 * columns follow the table's width: narrower than a full table, the size
 * column goes and the time loses its milliseconds. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  EIT_LOG_COLUMN_TIME,
  EIT_LOG_COLUMN_DIRECTION,
  EIT_LOG_COLUMN_TYPE,
  EIT_LOG_COLUMN_SIZE,
  EIT_LOG_COLUMN_SUMMARY,
  EIT_LOG_N_COLUMNS
} EitLogColumn;

#define EIT_TYPE_LOG_CELLS (eit_log_cells_get_type ())
G_DECLARE_FINAL_TYPE (EitLogCells, eit_log_cells, EIT, LOG_CELLS, GObject)

/* Gives each column its cells. rows is the column view's model (EitLogSlot
 * items, before the selection model); columns in EitLogColumn order. The
 * cells hold no reference to the view or its columns. */
EitLogCells *eit_log_cells_new       (GtkColumnView              *column_view,
                                      GListModel                 *rows,
                                      GtkColumnViewColumn *const *columns);
/* The table's width; TRUE if the columns changed (so the table needs
 * allocating again). */
gboolean     eit_log_cells_set_width (EitLogCells *self,
                                      int          width);
/* The rows show other messages now: rebinds the rows on screen, and the
 * others once the reader scrolls. */
void         eit_log_cells_refresh   (EitLogCells *self);

G_END_DECLS
