/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-log-toolbar-layout.h"

/* The toolbar's margins and spacing, those of the box it used to be. */
#define TOOLBAR_MARGIN_X 12
#define TOOLBAR_MARGIN_Y 6
#define TOOLBAR_SPACING 6
/* The toolbar keeps one row while the search entry gets this much in it. */
#define SEARCH_ONE_ROW_WIDTH 120

/* A row of the toolbar: its tools in reading order, and the one that takes
 * the room the others leave. */
typedef struct {
  const EitLogTool *tools;
  guint             n_tools;
  EitLogTool        filler;
} ToolRow;

static const EitLogTool one_row_tools[] = {
  EIT_LOG_TOOL_TITLE, EIT_LOG_TOOL_PAUSE, EIT_LOG_TOOL_DIRECTION, EIT_LOG_TOOL_TYPE,
  EIT_LOG_TOOL_SEARCH, EIT_LOG_TOOL_COUNT, EIT_LOG_TOOL_CLEAR,
};
/* In two rows the filters and the count go below, and the search entry
 * gets the first row's spare room. */
static const EitLogTool first_row_tools[] = {
  EIT_LOG_TOOL_TITLE, EIT_LOG_TOOL_PAUSE, EIT_LOG_TOOL_SEARCH, EIT_LOG_TOOL_CLEAR,
};
static const EitLogTool second_row_tools[] = {
  EIT_LOG_TOOL_DIRECTION, EIT_LOG_TOOL_TYPE, EIT_LOG_TOOL_COUNT,
};
/* Where two rows would leave the body too little height: the filters in
 * a menu, no count, and no title either if the search entry needs its room
 * (a phone). */
static const EitLogTool titled_compact_row_tools[] = {
  EIT_LOG_TOOL_TITLE, EIT_LOG_TOOL_PAUSE, EIT_LOG_TOOL_FILTER, EIT_LOG_TOOL_SEARCH, EIT_LOG_TOOL_CLEAR,
};
static const EitLogTool compact_row_tools[] = {
  EIT_LOG_TOOL_PAUSE, EIT_LOG_TOOL_FILTER, EIT_LOG_TOOL_SEARCH, EIT_LOG_TOOL_CLEAR,
};

static const ToolRow one_row = { one_row_tools, G_N_ELEMENTS (one_row_tools), EIT_LOG_TOOL_SEARCH };
static const ToolRow first_row = { first_row_tools, G_N_ELEMENTS (first_row_tools), EIT_LOG_TOOL_SEARCH };
static const ToolRow second_row = { second_row_tools, G_N_ELEMENTS (second_row_tools), EIT_LOG_TOOL_COUNT };
static const ToolRow titled_compact_row = {
  titled_compact_row_tools, G_N_ELEMENTS (titled_compact_row_tools), EIT_LOG_TOOL_SEARCH
};
static const ToolRow compact_row = {
  compact_row_tools, G_N_ELEMENTS (compact_row_tools), EIT_LOG_TOOL_SEARCH
};

/* The toolbar's layouts: their rows, top to bottom. */
static const ToolRow *const one_row_layout[] = { &one_row, NULL };
static const ToolRow *const two_row_layout[] = { &first_row, &second_row, NULL };
static const ToolRow *const titled_compact_layout[] = { &titled_compact_row, NULL };
static const ToolRow *const compact_layout[] = { &compact_row, NULL };

struct _EitLogToolbarLayout
{
  GtkLayoutManager  parent_instance;

  GtkWidget        *tools[EIT_LOG_N_TOOLS];
  GtkWidget        *body;
  int               body_min_width;
  int               wide_width;
  int               comfort_height;
  gboolean          wide;
  gboolean          allocating;
};

G_DEFINE_FINAL_TYPE (EitLogToolbarLayout, eit_log_toolbar_layout, GTK_TYPE_LAYOUT_MANAGER)

enum { PROP_0, PROP_WIDE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { BODY_ALLOCATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
measure_tool (EitLogToolbarLayout *self,
              EitLogTool           tool,
              int                 *minimum,
              int                 *natural)
{
  gtk_widget_measure (self->tools[tool], GTK_ORIENTATION_HORIZONTAL, -1, minimum, natural, NULL, NULL);
}

typedef enum {
  ROW_MINIMUM,
  ROW_NATURAL,
  ROW_FITTING,  /* natural, but the search entry SEARCH_ONE_ROW_WIDTH at least */
} RowWidth;

/* A row's width, margins included, its tools measured as how says. */
static int
row_width (EitLogToolbarLayout *self,
           const ToolRow       *row,
           RowWidth             how)
{
  int width = 2 * TOOLBAR_MARGIN_X + (int) (row->n_tools - 1) * TOOLBAR_SPACING;

  for (guint i = 0; i < row->n_tools; i++)
    {
      int minimum, natural;

      measure_tool (self, row->tools[i], &minimum, &natural);
      if (how == ROW_MINIMUM)
        width += minimum;
      else if (how == ROW_FITTING && row->tools[i] == EIT_LOG_TOOL_SEARCH)
        width += MAX (minimum, SEARCH_ONE_ROW_WIDTH);
      else
        width += natural;
    }
  return width;
}

/* Whether a row with the search entry fits in width, the other tools
 * whole and SEARCH_ONE_ROW_WIDTH left for the search. */
static gboolean
row_fits (EitLogToolbarLayout *self,
          const ToolRow       *row,
          int                  width)
{
  return width >= row_width (self, row, ROW_FITTING);
}

/* Shares a row's width (margins included) among its tools: each gets its
 * minimum, the room left brings all but the filler towards their natural
 * widths, and the filler takes what remains. So the title and the
 * dropdowns stay whole beside the search entry or the count as long as
 * they can. Returns the row's height. */
static int
row_widths (EitLogToolbarLayout *self,
            const ToolRow       *row,
            int                  width,
            int                 *widths)
{
  GtkRequestedSize sizes[EIT_LOG_N_TOOLS];
  guint n_sizes = 0;
  int extra = width - 2 * TOOLBAR_MARGIN_X - (int) (row->n_tools - 1) * TOOLBAR_SPACING;
  int height = 0;

  for (guint i = 0; i < row->n_tools; i++)
    {
      int natural;

      measure_tool (self, row->tools[i], &widths[i], &natural);
      extra -= widths[i];
      if (row->tools[i] != row->filler)
        sizes[n_sizes++] = (GtkRequestedSize) { GUINT_TO_POINTER (i), widths[i], natural };
    }
  extra = gtk_distribute_natural_allocation (MAX (extra, 0), n_sizes, sizes);
  for (guint k = 0; k < n_sizes; k++)
    widths[GPOINTER_TO_UINT (sizes[k].data)] = sizes[k].minimum_size;

  for (guint i = 0; i < row->n_tools; i++)
    {
      int minimum, natural;

      if (row->tools[i] == row->filler)
        widths[i] += extra;
      gtk_widget_measure (self->tools[row->tools[i]], GTK_ORIENTATION_VERTICAL, widths[i],
                          &minimum, &natural, NULL, NULL);
      height = MAX (height, natural);
    }
  return height;
}

/* The height of a toolbar layout (NULL-terminated rows) in width, margins
 * included. */
static int
toolbar_height (EitLogToolbarLayout  *self,
                const ToolRow *const *layout,
                int                   width)
{
  int widths[EIT_LOG_N_TOOLS];
  int height = 2 * TOOLBAR_MARGIN_Y - TOOLBAR_SPACING;

  for (guint r = 0; layout[r] != NULL; r++)
    height += row_widths (self, layout[r], width, widths) + TOOLBAR_SPACING;
  return height;
}

/* One row while it fits; else two rows while the body keeps its
 * comfortable height below them; else a compact row. */
static const ToolRow *const *
choose_toolbar (EitLogToolbarLayout *self,
                int                  width,
                int                  height)
{
  if (row_fits (self, &one_row, width))
    return one_row_layout;
  if (height - toolbar_height (self, two_row_layout, width) >= self->comfort_height)
    return two_row_layout;
  if (row_fits (self, &titled_compact_row, width))
    return titled_compact_layout;
  return compact_layout;
}

/* Lays the toolbar out from the top and hides the tools it leaves out;
 * returns its height. */
static int
allocate_toolbar (EitLogToolbarLayout  *self,
                  GtkWidget            *widget,
                  const ToolRow *const *layout,
                  int                   width)
{
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;
  gboolean shown[EIT_LOG_N_TOOLS] = { FALSE, };
  int y = TOOLBAR_MARGIN_Y;

  for (guint r = 0; layout[r] != NULL; r++)
    for (guint i = 0; i < layout[r]->n_tools; i++)
      shown[layout[r]->tools[i]] = TRUE;
  for (EitLogTool tool = 0; tool < EIT_LOG_N_TOOLS; tool++)
    gtk_widget_set_child_visible (self->tools[tool], shown[tool]);

  for (guint r = 0; layout[r] != NULL; r++)
    {
      const ToolRow *row = layout[r];
      int widths[EIT_LOG_N_TOOLS];
      int height = row_widths (self, row, width, widths);
      int x = TOOLBAR_MARGIN_X;

      for (guint i = 0; i < row->n_tools; i++)
        {
          GtkAllocation allocation = { rtl ? width - x - widths[i] : x, y, widths[i], height };

          gtk_widget_size_allocate (self->tools[row->tools[i]], &allocation, -1);
          x += widths[i] + TOOLBAR_SPACING;
        }
      y += height + TOOLBAR_SPACING;
    }
  return y - TOOLBAR_SPACING + TOOLBAR_MARGIN_Y;
}

static GtkSizeRequestMode
eit_log_toolbar_layout_get_request_mode (GtkLayoutManager *manager,
                                         GtkWidget        *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* The minimum is the narrowest and shortest layout's, whichever layout is
 * in place, so that the log can always switch to it; the natural height
 * asks for the two rows with room for the body below. */
static void
eit_log_toolbar_layout_measure (GtkLayoutManager *manager,
                                GtkWidget        *widget,
                                GtkOrientation    orientation,
                                int               for_size,
                                int              *minimum,
                                int              *natural,
                                int              *minimum_baseline,
                                int              *natural_baseline)
{
  EitLogToolbarLayout *self = EIT_LOG_TOOLBAR_LAYOUT (manager);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MAX (MAX (row_width (self, &compact_row, ROW_MINIMUM), row_width (self, &first_row, ROW_MINIMUM)),
                      MAX (row_width (self, &second_row, ROW_MINIMUM), self->body_min_width));
      *natural = MAX (*minimum, MAX (row_width (self, &one_row, ROW_NATURAL), self->wide_width));
    }
  else
    {
      int width = MAX (for_size, 0);
      int body_minimum, body_natural;

      gtk_widget_measure (self->body, orientation, for_size, &body_minimum, &body_natural, NULL, NULL);
      if (row_fits (self, &one_row, width))
        {
          int toolbar = toolbar_height (self, one_row_layout, width);

          *minimum = toolbar + body_minimum;
          *natural = toolbar + body_natural;
        }
      else
        {
          *minimum = toolbar_height (self, compact_layout, width) + body_minimum;
          *natural = toolbar_height (self, two_row_layout, width) + MAX (body_natural, self->comfort_height);
        }
    }
}

static void
eit_log_toolbar_layout_allocate (GtkLayoutManager *manager,
                                 GtkWidget        *widget,
                                 int               width,
                                 int               height,
                                 int               baseline)
{
  EitLogToolbarLayout *self = EIT_LOG_TOOLBAR_LAYOUT (manager);
  GtkAllocation body = { 0, 0, width, 0 };
  gboolean again = FALSE;

  /* Changes that the width brings come before the children are
   * allocated: a resize queued while they are allocated ends up dropped. */
  if (self->wide != (width >= self->wide_width))
    {
      self->wide = width >= self->wide_width;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIDE]);
    }
  body.y = allocate_toolbar (self, widget, choose_toolbar (self, width, height), width);
  body.height = MAX (height - body.y, 0);

  self->allocating = TRUE;
  gtk_widget_size_allocate (self->body, &body, -1);
  self->allocating = FALSE;
  g_signal_emit (self, signals[BODY_ALLOCATED], 0, &again);
  if (again)
    gtk_widget_size_allocate (self->body, &body, -1);
}

static void
eit_log_toolbar_layout_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  EitLogToolbarLayout *self = EIT_LOG_TOOLBAR_LAYOUT (object);

  switch (prop_id)
    {
    case PROP_WIDE: g_value_set_boolean (value, self->wide); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_log_toolbar_layout_class_init (EitLogToolbarLayoutClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkLayoutManagerClass *layout_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  object_class->get_property = eit_log_toolbar_layout_get_property;
  layout_class->get_request_mode = eit_log_toolbar_layout_get_request_mode;
  layout_class->measure = eit_log_toolbar_layout_measure;
  layout_class->allocate = eit_log_toolbar_layout_allocate;

  properties[PROP_WIDE] =
    g_param_spec_boolean ("wide", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[BODY_ALLOCATED] =
    g_signal_new ("body-allocated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL, G_TYPE_BOOLEAN, 0);
}

static void
eit_log_toolbar_layout_init (EitLogToolbarLayout *self)
{
  /* As the log's template has it, until the first allocation says
   * otherwise. */
  self->wide = TRUE;
}

void
eit_log_toolbar_layout_set_tool (EitLogToolbarLayout *self,
                                 EitLogTool           tool,
                                 GtkWidget           *widget)
{
  g_return_if_fail (EIT_IS_LOG_TOOLBAR_LAYOUT (self));
  g_return_if_fail (tool < EIT_LOG_N_TOOLS);
  g_return_if_fail (GTK_IS_WIDGET (widget));

  self->tools[tool] = widget;
  gtk_layout_manager_layout_changed (GTK_LAYOUT_MANAGER (self));
}

void
eit_log_toolbar_layout_set_body (EitLogToolbarLayout *self,
                                 GtkWidget           *body,
                                 int                  min_width,
                                 int                  wide_width,
                                 int                  comfort_height)
{
  g_return_if_fail (EIT_IS_LOG_TOOLBAR_LAYOUT (self));
  g_return_if_fail (GTK_IS_WIDGET (body));

  self->body = body;
  self->body_min_width = min_width;
  self->wide_width = wide_width;
  self->comfort_height = comfort_height;
  gtk_layout_manager_layout_changed (GTK_LAYOUT_MANAGER (self));
}

gboolean
eit_log_toolbar_layout_get_wide (EitLogToolbarLayout *self)
{
  g_return_val_if_fail (EIT_IS_LOG_TOOLBAR_LAYOUT (self), FALSE);
  return self->wide;
}

gboolean
eit_log_toolbar_layout_is_allocating (EitLogToolbarLayout *self)
{
  g_return_val_if_fail (EIT_IS_LOG_TOOLBAR_LAYOUT (self), FALSE);
  return self->allocating;
}
