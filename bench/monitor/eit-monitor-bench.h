/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The monitor's load benchmark (monitor-bench, run by bench/monitor-load):
 * the demo hub's sessions are fed at a fixed rate while the window shows
 * the Traffic panel; main-loop stalls are measured with a high-priority
 * timer, frame times with the frame clock, and memory as RSS at the start
 * (after warm-up) and the end. Prints a table and quits. */
#pragma once

#include "eit-monitor-window.h"

G_BEGIN_DECLS

typedef struct {
  guint  rate;      /* messages/s from the hub into the monitor */
  guint  seconds;   /* measured run, after warm-up */
  guint  warmup;    /* seconds before measuring */
  guint  size;      /* approximate message size in bytes */
  char  *json_out;  /* also write the figures as JSON here (optional) */
  char  *view;      /* the panel shown: "traffic" (NULL) , "connection", "backoff" */
  gboolean demo_cycles; /* keep the demo's 20-30 s cycling (else 10-15 min) */
} EitBenchOptions;

#define EIT_TYPE_MONITOR_BENCH (eit_monitor_bench_get_type ())
G_DECLARE_FINAL_TYPE (EitMonitorBench, eit_monitor_bench, EIT, MONITOR_BENCH, GObject)

EitMonitorBench *eit_monitor_bench_new   (const EitBenchOptions *options);
/* Starts feeding server's sessions and measuring window and monitor. */
void             eit_monitor_bench_start (EitMonitorBench  *self,
                                          EitMonitorWindow *window,
                                          EitHubServer     *server,
                                          EitHubWatch    *watch);
/* TRUE when every target held (stalls, memory, throughput). */
gboolean         eit_monitor_bench_passed (EitMonitorBench *self);

/* Signals: "finished" (): the table is printed. */

G_END_DECLS
