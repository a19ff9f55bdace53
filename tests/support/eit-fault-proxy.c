/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "eit-fault-proxy.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

/* One read at most; also the unit a DELAY holds back. */
#define READ_SIZE (64 * 1024)
/* A direction stops reading while this much waits to be forwarded, so a
 * blackholed or delayed link pushes back through TCP instead of growing the
 * proxy without bound. */
#define MAX_QUEUED (1024 * 1024)

G_DEFINE_FLAGS_TYPE (EitFaultMode, eit_fault_mode,
  G_DEFINE_ENUM_VALUE (EIT_FAULT_PASS, "pass"),
  G_DEFINE_ENUM_VALUE (EIT_FAULT_BLACKHOLE, "blackhole"),
  G_DEFINE_ENUM_VALUE (EIT_FAULT_DELAY, "delay"),
  G_DEFINE_ENUM_VALUE (EIT_FAULT_SLICE, "slice"))

typedef enum {
  CHUNK_DATA,
  CHUNK_EOF,    /* the source shut down its side: pass the FIN on */
  CHUNK_RESET,  /* the source failed (reset): reset the other side too */
} ChunkKind;

/* What one direction read and has not fully written yet. EOF and RESET
 * travel in the same queue so that they keep their place behind the data. */
typedef struct {
  ChunkKind kind;
  GBytes   *bytes;
  gsize     offset;
  gint64    arrival;  /* monotonic µs */
} Chunk;

typedef struct _Pair Pair;

typedef struct {
  Pair     *pair;
  gboolean  to_target;
  GQueue    chunks;
  gsize     queued;     /* bytes in chunks not yet written */
  gboolean  reading;
  GBytes   *writing;    /* held while a write of its data is pending */
  gboolean  read_done;  /* EOF or error seen */
  gboolean  write_done; /* EOF passed on */
  guint     delay_id;
} Pipe;

/* One accepted client and its connection to the target. Each pending async
 * operation holds a reference, so a dropped pair lives until its cancelled
 * operations have reported back. */
struct _Pair {
  EitFaultProxy     *proxy;   /* NULL once dropped */
  GSocketConnection *client;
  GSocketConnection *target;  /* NULL while connecting */
  GCancellable      *cancellable;
  Pipe               to_target;
  Pipe               to_client;
  gboolean           closing; /* close_all: FIN sent both ways, draining until the peers close */
};

struct _EitFaultProxy {
  GObject parent_instance;

  char             *target_host;
  guint             target_port;
  guint             port;
  EitFaultMode      mode;
  guint             delay_ms;
  guint             slice_bytes;
  gboolean          refuse;

  GSocketService   *service;
  GSocketClient    *client;
  gulong            incoming_id;
  GPtrArray        *pairs;  /* owned references */

  guint64           connections_total;
  guint64           bytes_to_target;
  guint64           bytes_to_client;
  guint64           writes_total;
};

G_DEFINE_FINAL_TYPE (EitFaultProxy, eit_fault_proxy, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TARGET_HOST,
  PROP_TARGET_PORT,
  PROP_PORT,
  PROP_MODE,
  PROP_DELAY_MS,
  PROP_SLICE_BYTES,
  PROP_REFUSE,
  PROP_N_CONNECTIONS,
  PROP_CONNECTIONS_TOTAL,
  PROP_BYTES_TO_TARGET,
  PROP_BYTES_TO_CLIENT,
  PROP_WRITES_TOTAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void pipe_pump (Pipe *pipe);
static void pipe_read (Pipe *pipe);

static void
chunk_free (Chunk *chunk)
{
  g_clear_pointer (&chunk->bytes, g_bytes_unref);
  g_free (chunk);
}

static void
pipe_clear (Pipe *pipe)
{
  g_clear_handle_id (&pipe->delay_id, g_source_remove);
  g_queue_clear_full (&pipe->chunks, (GDestroyNotify) chunk_free);
  pipe->queued = 0;
}

static void
pair_free (Pair *pair)
{
  pipe_clear (&pair->to_target);
  pipe_clear (&pair->to_client);
  g_clear_object (&pair->client);
  g_clear_object (&pair->target);
  g_clear_object (&pair->cancellable);
}

static Pair *
pair_ref (Pair *pair)
{
  return g_rc_box_acquire (pair);
}

static void
pair_unref (Pair *pair)
{
  g_rc_box_release_full (pair, (GDestroyNotify) pair_free);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pair, pair_unref)

static GSocket *
connection_socket (GSocketConnection *connection)
{
  return connection != NULL ? g_socket_connection_get_socket (connection) : NULL;
}

static void
socket_abort (GSocket *socket)
{
  /* A zero linger time makes close() send RST instead of FIN. */
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  if (socket == NULL || g_socket_is_closed (socket))
    return;
  if (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger) != 0)
    g_debug ("fault proxy: SO_LINGER: %s", g_strerror (errno));
  g_socket_close (socket, NULL);
}

/* Ends a pair at once: cancels its I/O, closes both sockets (with RST when
 * reset is set) and releases the proxy's reference. */
static void
pair_drop (Pair     *pair,
           gboolean  reset)
{
  EitFaultProxy *proxy = pair->proxy;
  GSocket *sockets[] = { connection_socket (pair->client), connection_socket (pair->target) };

  if (proxy == NULL)
    return;
  pair->proxy = NULL;

  g_cancellable_cancel (pair->cancellable);
  pipe_clear (&pair->to_target);
  pipe_clear (&pair->to_client);
  for (guint i = 0; i < G_N_ELEMENTS (sockets); i++)
    {
      if (reset)
        socket_abort (sockets[i]);
      else if (sockets[i] != NULL)
        g_socket_close (sockets[i], NULL);
    }

  g_ptr_array_remove_fast (proxy->pairs, pair);
  g_object_notify_by_pspec (G_OBJECT (proxy), properties[PROP_N_CONNECTIONS]);
}

static GSocketConnection *
pipe_source (Pipe *pipe)
{
  return pipe->to_target ? pipe->pair->client : pipe->pair->target;
}

static GSocketConnection *
pipe_destination (Pipe *pipe)
{
  return pipe->to_target ? pipe->pair->target : pipe->pair->client;
}

static void
pipe_push (Pipe      *pipe,
           ChunkKind  kind,
           GBytes    *bytes)
{
  Chunk *chunk = g_new0 (Chunk, 1);

  chunk->kind = kind;
  chunk->bytes = bytes;
  chunk->arrival = g_get_monotonic_time ();
  if (bytes != NULL)
    pipe->queued += g_bytes_get_size (bytes);
  g_queue_push_tail (&pipe->chunks, chunk);
}

/* A graceful close is complete when both peers have closed their side. */
static void
pair_check_closed (Pair *pair)
{
  if (pair->closing)
    {
      if (pair->to_target.read_done && pair->to_client.read_done)
        pair_drop (pair, FALSE);
    }
  else if (pair->to_target.write_done && pair->to_client.write_done)
    {
      pair_drop (pair, FALSE);
    }
}

static void
pipe_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pipe *pipe = user_data;
  g_autoptr(Pair) pair = pipe->pair;  /* the reference taken by pipe_read () */
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (pair->proxy == NULL)
    return;
  pipe->reading = FALSE;

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      pipe->read_done = TRUE;
      if (pair->closing)
        {
          pair_check_closed (pair);
          return;
        }
      if (error != NULL)
        g_debug ("fault proxy: read: %s", error->message);
      pipe_push (pipe, error != NULL ? CHUNK_RESET : CHUNK_EOF, NULL);
    }
  else if (!pair->closing)
    {
      pipe_push (pipe, CHUNK_DATA, g_steal_pointer (&bytes));
    }

  pipe_pump (pipe);
  pipe_read (pipe);
}

static void
pipe_read (Pipe *pipe)
{
  Pair *pair = pipe->pair;
  GSocketConnection *source = pipe_source (pipe);

  if (pair->proxy == NULL || pipe->reading || pipe->read_done || source == NULL ||
      pipe->queued >= MAX_QUEUED)
    return;

  pipe->reading = TRUE;
  pair_ref (pair);
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (G_IO_STREAM (source)),
                                   READ_SIZE, G_PRIORITY_DEFAULT, pair->cancellable,
                                   pipe_read_cb, pipe);
}

static void
pipe_write_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Pipe *pipe = user_data;
  g_autoptr(Pair) pair = pipe->pair;  /* the reference taken by pipe_pump () */
  g_autoptr(GError) error = NULL;
  EitFaultProxy *proxy;
  Chunk *chunk;
  gssize written;

  written = g_output_stream_write_finish (G_OUTPUT_STREAM (object), result, &error);
  g_clear_pointer (&pipe->writing, g_bytes_unref);
  proxy = pair->proxy;
  if (proxy == NULL || pair->closing)
    return;
  if (written < 0)
    {
      /* The destination is gone: so is the link, both ways. */
      g_debug ("fault proxy: write: %s", error->message);
      pair_drop (pair, TRUE);
      return;
    }

  proxy->writes_total++;
  if (pipe->to_target)
    proxy->bytes_to_target += written;
  else
    proxy->bytes_to_client += written;

  chunk = g_queue_peek_head (&pipe->chunks);
  chunk->offset += written;
  pipe->queued -= written;
  if (chunk->offset == g_bytes_get_size (chunk->bytes))
    chunk_free (g_queue_pop_head (&pipe->chunks));

  pipe_pump (pipe);
  pipe_read (pipe);
}

static gboolean
pipe_delay_cb (gpointer user_data)
{
  Pipe *pipe = user_data;
  g_autoptr(Pair) pair = pair_ref (pipe->pair);  /* pumping may drop it */

  pipe->delay_id = 0;
  pipe_pump (pipe);
  return G_SOURCE_REMOVE;
}

/* Forwards the head of the queue as far as the current mode allows. */
static void
pipe_pump (Pipe *pipe)
{
  Pair *pair = pipe->pair;
  EitFaultProxy *proxy = pair->proxy;
  GSocketConnection *destination = pipe_destination (pipe);
  Chunk *chunk;
  gsize size;

  if (proxy == NULL || pair->closing || pipe->writing != NULL || destination == NULL)
    return;
  g_clear_handle_id (&pipe->delay_id, g_source_remove);
  if (proxy->mode & EIT_FAULT_BLACKHOLE)
    return;

  chunk = g_queue_peek_head (&pipe->chunks);
  if (chunk == NULL)
    return;

  if (proxy->mode & EIT_FAULT_DELAY)
    {
      gint64 due = chunk->arrival + (gint64) proxy->delay_ms * G_TIME_SPAN_MILLISECOND;
      gint64 now = g_get_monotonic_time ();

      if (now < due)
        {
          /* Rounded up: a chunk never leaves before its delay. */
          guint wait_ms = (due - now + G_TIME_SPAN_MILLISECOND - 1) / G_TIME_SPAN_MILLISECOND;

          pipe->delay_id = g_timeout_add (wait_ms, pipe_delay_cb, pipe);
          return;
        }
    }

  switch (chunk->kind)
    {
    case CHUNK_EOF:
      chunk_free (g_queue_pop_head (&pipe->chunks));
      g_socket_shutdown (connection_socket (destination), FALSE, TRUE, NULL);
      pipe->write_done = TRUE;
      pair_check_closed (pair);
      return;

    case CHUNK_RESET:
      pair_drop (pair, TRUE);
      return;

    case CHUNK_DATA:
    default:
      size = g_bytes_get_size (chunk->bytes) - chunk->offset;
      if (proxy->mode & EIT_FAULT_SLICE)
        size = MIN (size, proxy->slice_bytes);
      /* The write reads from the chunk's bytes, which close_all () may
       * drop from the queue before the write reports back. */
      pipe->writing = g_bytes_ref (chunk->bytes);
      pair_ref (pair);
      g_output_stream_write_async (g_io_stream_get_output_stream (G_IO_STREAM (destination)),
                                   (const guint8 *) g_bytes_get_data (chunk->bytes, NULL) +
                                     chunk->offset,
                                   size, G_PRIORITY_DEFAULT, pair->cancellable,
                                   pipe_write_cb, pipe);
      return;
    }
}

static void
socket_set_nodelay (GSocketConnection *connection)
{
  g_autoptr(GError) error = NULL;

  /* Without it, Nagle would merge the small writes of SLICE back together
   * and hold a delayed chunk behind an unacknowledged one. */
  if (!g_socket_set_option (connection_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1, &error))
    g_debug ("fault proxy: TCP_NODELAY: %s", error->message);
}

static void
pair_connect_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Pair) pair = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) target = NULL;

  target = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (object), result, &error);
  if (pair->proxy == NULL)
    return;
  if (target == NULL)
    {
      /* A dead target looks like a dead link to the client: reset it. */
      g_debug ("fault proxy: connecting to the target: %s", error->message);
      pair_drop (pair, TRUE);
      return;
    }

  socket_set_nodelay (target);
  pair->target = g_steal_pointer (&target);
  pipe_pump (&pair->to_target);
  pipe_read (&pair->to_client);
}

static gboolean
eit_fault_proxy_incoming_cb (GSocketService    *service,
                             GSocketConnection *connection,
                             GObject           *source_object,
                             gpointer           user_data)
{
  EitFaultProxy *self = user_data;
  Pair *pair;

  self->connections_total++;
  if (self->refuse)
    {
      socket_abort (connection_socket (connection));
      return TRUE;
    }

  pair = g_rc_box_new0 (Pair);
  pair->proxy = self;
  pair->client = g_object_ref (connection);
  pair->cancellable = g_cancellable_new ();
  pair->to_target.pair = pair;
  pair->to_target.to_target = TRUE;
  pair->to_client.pair = pair;
  g_ptr_array_add (self->pairs, pair);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTIONS]);

  socket_set_nodelay (connection);
  g_socket_client_connect_to_host_async (self->client, self->target_host, self->target_port,
                                         pair->cancellable, pair_connect_cb, pair_ref (pair));
  pipe_read (&pair->to_target);
  return TRUE;
}

/* The pairs, each with a reference of its own: walking the list may drop
 * pairs from it. */
static GPtrArray *
eit_fault_proxy_ref_pairs (EitFaultProxy *self)
{
  GPtrArray *pairs = g_ptr_array_new_full (self->pairs->len, (GDestroyNotify) pair_unref);

  for (guint i = 0; i < self->pairs->len; i++)
    g_ptr_array_add (pairs, pair_ref (g_ptr_array_index (self->pairs, i)));
  return pairs;
}

static void
eit_fault_proxy_repump (EitFaultProxy *self)
{
  g_autoptr(GPtrArray) pairs = eit_fault_proxy_ref_pairs (self);

  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *pair = g_ptr_array_index (pairs, i);

      pipe_pump (&pair->to_target);
      pipe_pump (&pair->to_client);
    }
}

static void
eit_fault_proxy_dispose (GObject *object)
{
  EitFaultProxy *self = EIT_FAULT_PROXY (object);

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_signal_handler (&self->incoming_id, self->service);
      g_clear_object (&self->service);
    }
  while (self->pairs != NULL && self->pairs->len > 0)
    pair_drop (g_ptr_array_index (self->pairs, self->pairs->len - 1), FALSE);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (eit_fault_proxy_parent_class)->dispose (object);
}

static void
eit_fault_proxy_finalize (GObject *object)
{
  EitFaultProxy *self = EIT_FAULT_PROXY (object);

  g_clear_pointer (&self->pairs, g_ptr_array_unref);
  g_free (self->target_host);

  G_OBJECT_CLASS (eit_fault_proxy_parent_class)->finalize (object);
}

static void
eit_fault_proxy_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  EitFaultProxy *self = EIT_FAULT_PROXY (object);

  switch (prop_id)
    {
    case PROP_TARGET_HOST:
      g_value_set_string (value, self->target_host);
      break;
    case PROP_TARGET_PORT:
      g_value_set_uint (value, self->target_port);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_MODE:
      g_value_set_flags (value, self->mode);
      break;
    case PROP_DELAY_MS:
      g_value_set_uint (value, self->delay_ms);
      break;
    case PROP_SLICE_BYTES:
      g_value_set_uint (value, self->slice_bytes);
      break;
    case PROP_REFUSE:
      g_value_set_boolean (value, self->refuse);
      break;
    case PROP_N_CONNECTIONS:
      g_value_set_uint (value, self->pairs->len);
      break;
    case PROP_CONNECTIONS_TOTAL:
      g_value_set_uint64 (value, self->connections_total);
      break;
    case PROP_BYTES_TO_TARGET:
      g_value_set_uint64 (value, self->bytes_to_target);
      break;
    case PROP_BYTES_TO_CLIENT:
      g_value_set_uint64 (value, self->bytes_to_client);
      break;
    case PROP_WRITES_TOTAL:
      g_value_set_uint64 (value, self->writes_total);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_fault_proxy_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  EitFaultProxy *self = EIT_FAULT_PROXY (object);

  switch (prop_id)
    {
    case PROP_TARGET_HOST:
      self->target_host = g_value_dup_string (value);
      break;
    case PROP_TARGET_PORT:
      self->target_port = g_value_get_uint (value);
      break;
    case PROP_MODE:
      eit_fault_proxy_set_mode (self, g_value_get_flags (value));
      break;
    case PROP_DELAY_MS:
      self->delay_ms = g_value_get_uint (value);
      eit_fault_proxy_repump (self);
      break;
    case PROP_SLICE_BYTES:
      self->slice_bytes = g_value_get_uint (value);
      break;
    case PROP_REFUSE:
      self->refuse = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
eit_fault_proxy_class_init (EitFaultProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = eit_fault_proxy_dispose;
  object_class->finalize = eit_fault_proxy_finalize;
  object_class->get_property = eit_fault_proxy_get_property;
  object_class->set_property = eit_fault_proxy_set_property;

  properties[PROP_TARGET_HOST] =
    g_param_spec_string ("target-host", NULL, NULL, "127.0.0.1",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TARGET_PORT] =
    g_param_spec_uint ("target-port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, ro);
  properties[PROP_MODE] =
    g_param_spec_flags ("mode", NULL, NULL, EIT_TYPE_FAULT_MODE, EIT_FAULT_PASS, rw);
  properties[PROP_DELAY_MS] =
    g_param_spec_uint ("delay-ms", NULL, NULL, 0, G_MAXUINT, 100, rw | G_PARAM_CONSTRUCT);
  properties[PROP_SLICE_BYTES] =
    g_param_spec_uint ("slice-bytes", NULL, NULL, 1, READ_SIZE, 3, rw | G_PARAM_CONSTRUCT);
  properties[PROP_REFUSE] =
    g_param_spec_boolean ("refuse", NULL, NULL, FALSE, rw);
  properties[PROP_N_CONNECTIONS] =
    g_param_spec_uint ("n-connections", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_CONNECTIONS_TOTAL] =
    g_param_spec_uint64 ("connections-total", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_BYTES_TO_TARGET] =
    g_param_spec_uint64 ("bytes-to-target", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_BYTES_TO_CLIENT] =
    g_param_spec_uint64 ("bytes-to-client", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_WRITES_TOTAL] =
    g_param_spec_uint64 ("writes-total", NULL, NULL, 0, G_MAXUINT64, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
eit_fault_proxy_init (EitFaultProxy *self)
{
  self->pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) pair_unref);
  self->client = g_socket_client_new ();
  /* Test traffic goes straight to loopback, never through a system proxy. */
  g_socket_client_set_enable_proxy (self->client, FALSE);
}

EitFaultProxy *
eit_fault_proxy_new (const char *target_host,
                     guint       target_port)
{
  g_return_val_if_fail (target_host != NULL, NULL);
  g_return_val_if_fail (target_port > 0 && target_port <= G_MAXUINT16, NULL);

  return g_object_new (EIT_TYPE_FAULT_PROXY,
                       "target-host", target_host,
                       "target-port", target_port,
                       NULL);
}

gboolean
eit_fault_proxy_start (EitFaultProxy  *self,
                       GError        **error)
{
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  g_return_val_if_fail (EIT_IS_FAULT_PROXY (self), FALSE);
  g_return_val_if_fail (self->service == NULL, FALSE);

  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &bound, error))
    {
      g_clear_object (&self->service);
      return FALSE;
    }

  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->incoming_id = g_signal_connect (self->service, "incoming",
                                        G_CALLBACK (eit_fault_proxy_incoming_cb), self);
  g_socket_service_start (self->service);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  return TRUE;
}

guint
eit_fault_proxy_get_port (EitFaultProxy *self)
{
  g_return_val_if_fail (EIT_IS_FAULT_PROXY (self), 0);

  return self->port;
}

void
eit_fault_proxy_set_mode (EitFaultProxy *self,
                          EitFaultMode   mode)
{
  g_return_if_fail (EIT_IS_FAULT_PROXY (self));

  if (self->mode == mode)
    return;
  self->mode = mode;
  /* Open connections follow at once: a blackhole lifted flushes what it
   * held, a delay added or removed re-times the chunk at the head. */
  eit_fault_proxy_repump (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

EitFaultMode
eit_fault_proxy_get_mode (EitFaultProxy *self)
{
  g_return_val_if_fail (EIT_IS_FAULT_PROXY (self), EIT_FAULT_PASS);

  return self->mode;
}

void
eit_fault_proxy_reset_all (EitFaultProxy *self)
{
  g_return_if_fail (EIT_IS_FAULT_PROXY (self));

  while (self->pairs->len > 0)
    pair_drop (g_ptr_array_index (self->pairs, self->pairs->len - 1), TRUE);
}

void
eit_fault_proxy_close_all (EitFaultProxy *self)
{
  g_autoptr(GPtrArray) pairs = NULL;

  g_return_if_fail (EIT_IS_FAULT_PROXY (self));

  pairs = eit_fault_proxy_ref_pairs (self);
  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *pair = g_ptr_array_index (pairs, i);

      if (pair->closing)
        continue;
      if (pair->target == NULL)
        {
          pair_drop (pair, FALSE);
          continue;
        }

      /* Closing at once with unread input would make the kernel send RST,
       * so send FIN both ways and keep reading (and discarding) until each
       * peer closes its side. */
      pair->closing = TRUE;
      pipe_clear (&pair->to_target);
      pipe_clear (&pair->to_client);
      g_socket_shutdown (connection_socket (pair->client), FALSE, TRUE, NULL);
      g_socket_shutdown (connection_socket (pair->target), FALSE, TRUE, NULL);
      pipe_read (&pair->to_target);
      pipe_read (&pair->to_client);
      pair_check_closed (pair);
    }
}

guint
eit_fault_proxy_get_n_connections (EitFaultProxy *self)
{
  g_return_val_if_fail (EIT_IS_FAULT_PROXY (self), 0);

  return self->pairs->len;
}

guint64
eit_fault_proxy_get_connections_total (EitFaultProxy *self)
{
  g_return_val_if_fail (EIT_IS_FAULT_PROXY (self), 0);

  return self->connections_total;
}

guint64
eit_fault_proxy_get_bytes_to_target (EitFaultProxy *self)
{
  g_return_val_if_fail (EIT_IS_FAULT_PROXY (self), 0);

  return self->bytes_to_target;
}

guint64
eit_fault_proxy_get_bytes_to_client (EitFaultProxy *self)
{
  g_return_val_if_fail (EIT_IS_FAULT_PROXY (self), 0);

  return self->bytes_to_client;
}

guint64
eit_fault_proxy_get_writes_total (EitFaultProxy *self)
{
  g_return_val_if_fail (EIT_IS_FAULT_PROXY (self), 0);

  return self->writes_total;
}
