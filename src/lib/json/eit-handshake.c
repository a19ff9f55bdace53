/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Here, beside the envelope scanner and below every layer, because both the
 * client (connection/) and the hub (server/) build and read these frames. */
#include "config.h"

#include <string.h>

#include "eit-error.h"
#include "eit-handshake.h"
#include "eit-json.h"
#include "eit-types.h"

char *
eit_hello_build (const EitHello *hello)
{
  GString *s = g_string_new ("{\"type\":\"hello\",\"instance\":\"");

  g_string_append (s, hello->instance);
  g_string_append_printf (s, "\",\"generation\":%" G_GUINT64_FORMAT, hello->generation);
  if (hello->session != NULL && hello->epoch != NULL)
    g_string_append_printf (s, ",\"session\":\"%s\",\"epoch\":\"%s\"", hello->session, hello->epoch);
  else
    g_string_append (s, ",\"session\":null,\"epoch\":null");
  g_string_append_printf (s, ",\"recv\":%" G_GUINT64_FORMAT ",\"ack\":%" G_GUINT64_FORMAT
                          ",\"window\":{\"messages\":%" G_GUINT64_FORMAT ",\"bytes\":%" G_GUINT64_FORMAT "}"
                          ",\"keepalive_ms\":%u}",
                          hello->recv, hello->ack, hello->window_messages, hello->window_bytes,
                          hello->keepalive_ms);
  return g_string_free (s, FALSE);
}

/* The window both frames carry: messages >= 1 and bytes >= 1. */
static gboolean
get_window (JsonObject *object,
            guint64    *messages,
            guint64    *bytes)
{
  JsonObject *window = eit_json_object_get_object (object, "window");

  return window != NULL &&
         eit_json_object_get_uint (window, "messages", messages) && *messages > 0 &&
         eit_json_object_get_uint (window, "bytes", bytes) && *bytes > 0;
}

gboolean
eit_hello_parse (const char  *text,
                 gsize        len,
                 EitHello    *hello,
                 GError     **error)
{
  g_autoptr(JsonObject) object = eit_json_parse_object (text, len, error);
  const char *type, *instance;

  memset (hello, 0, sizeof *hello);
  if (object == NULL)
    return FALSE;

  type = eit_json_object_get_string (object, "type");
  /* The type is the peer's text: kept only if it is a plain word. */
  hello->type = g_strdup (eit_protocol_id_is_valid (type) ? type : "?");
  if (g_strcmp0 (type, "hello") != 0)
    {
      g_set_error_literal (error, EIT_ERROR, EIT_ERROR_PROTOCOL,
                           "protocol violation: the first frame must be hello");
      return FALSE;
    }

  instance = eit_json_object_get_string (object, "instance");
  if (!eit_protocol_id_is_valid (instance) ||
      !eit_json_object_get_uint (object, "generation", &hello->generation) || hello->generation == 0 ||
      !eit_json_object_get_uint (object, "recv", &hello->recv) ||
      !eit_json_object_get_uint (object, "ack", &hello->ack) || hello->ack > hello->recv ||
      !get_window (object, &hello->window_messages, &hello->window_bytes))
    {
      g_set_error_literal (error, EIT_ERROR, EIT_ERROR_PROTOCOL,
                           "protocol violation: hello needs instance, generation >= 1, recv, ack and window");
      return FALSE;
    }
  hello->instance = g_strdup (instance);
  /* Absent, null or not a string: a new session (PROTOCOL.md 4.1). */
  hello->session = g_strdup (eit_json_object_get_string (object, "session"));
  hello->epoch = g_strdup (eit_json_object_get_string (object, "epoch"));
  return TRUE;
}

void
eit_hello_clear (EitHello *hello)
{
  g_clear_pointer (&hello->instance, g_free);
  g_clear_pointer (&hello->session, g_free);
  g_clear_pointer (&hello->epoch, g_free);
  g_clear_pointer (&hello->type, g_free);
}

char *
eit_welcome_build (const EitWelcome *welcome)
{
  return g_strdup_printf ("{\"type\":\"welcome\",\"session\":\"%s\",\"epoch\":\"%s\",\"resumed\":%s,"
                          "\"generation\":%" G_GUINT64_FORMAT ","
                          "\"recv\":%" G_GUINT64_FORMAT ",\"ack\":%" G_GUINT64_FORMAT ","
                          "\"window\":{\"messages\":%" G_GUINT64_FORMAT ",\"bytes\":%" G_GUINT64_FORMAT "},"
                          "\"inactivity_ms\":%u,\"keepalive_ms\":%u,\"max_message_size\":%" G_GUINT64_FORMAT "}",
                          welcome->session, welcome->epoch, welcome->resumed ? "true" : "false",
                          welcome->generation, welcome->recv, welcome->ack,
                          welcome->window_messages, welcome->window_bytes,
                          welcome->inactivity_ms, welcome->keepalive_ms, welcome->max_message_size);
}

gboolean
eit_welcome_parse (const char  *text,
                   gsize        len,
                   EitWelcome  *welcome,
                   GError     **error)
{
  g_autoptr(JsonObject) object = eit_json_parse_object (text, len, error);
  const char *session, *epoch;

  memset (welcome, 0, sizeof *welcome);
  if (object == NULL)
    return FALSE;

  session = eit_json_object_get_string (object, "session");
  epoch = eit_json_object_get_string (object, "epoch");
  if (g_strcmp0 (eit_json_object_get_string (object, "type"), "welcome") != 0 ||
      !eit_protocol_id_is_valid (session) || !eit_protocol_id_is_valid (epoch) ||
      !eit_json_object_get_bool (object, "resumed", &welcome->resumed) ||
      !eit_json_object_get_uint (object, "recv", &welcome->recv) ||
      !eit_json_object_get_uint (object, "ack", &welcome->ack) || welcome->ack > welcome->recv ||
      !get_window (object, &welcome->window_messages, &welcome->window_bytes) ||
      /* An older hub does not say which generation it took. */
      (json_object_has_member (object, "generation") &&
       (!eit_json_object_get_uint (object, "generation", &welcome->generation) ||
        welcome->generation == 0)))
    {
      g_set_error_literal (error, EIT_ERROR, EIT_ERROR_PROTOCOL,
                           "protocol violation: expected a valid welcome");
      return FALSE;
    }
  welcome->session = g_strdup (session);
  welcome->epoch = g_strdup (epoch);
  return TRUE;
}

void
eit_welcome_clear (EitWelcome *welcome)
{
  g_clear_pointer (&welcome->session, g_free);
  g_clear_pointer (&welcome->epoch, g_free);
}
