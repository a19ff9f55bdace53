/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The hello and the welcome (PROTOCOL.md 4.1, 4.2) as both ends build and
 * read them: what one end builds the other reads back unchanged, and every
 * refusal carries the close reason the spec names. */
#include "config.h"

#include <string.h>

#include "eit-error.h"
#include "eit-handshake.h"

static void
test_hello_round_trip (void)
{
  EitHello sent = {
    .instance = (char *) "tab-1", .generation = 7, .session = (char *) "s1", .epoch = (char *) "e1",
    .recv = 42, .ack = 40, .window_messages = 256, .window_bytes = 1 << 20, .keepalive_ms = 15000,
  };
  g_autofree char *text = eit_hello_build (&sent);
  g_auto(EitHello) got = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (eit_hello_parse (text, strlen (text), &got, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (got.type, ==, "hello");
  g_assert_cmpstr (got.instance, ==, "tab-1");
  g_assert_cmpuint (got.generation, ==, 7);
  g_assert_cmpstr (got.session, ==, "s1");
  g_assert_cmpstr (got.epoch, ==, "e1");
  g_assert_cmpuint (got.recv, ==, 42);
  g_assert_cmpuint (got.ack, ==, 40);
  g_assert_cmpuint (got.window_messages, ==, 256);
  g_assert_cmpuint (got.window_bytes, ==, 1 << 20);
}

static void
test_hello_new_session (void)
{
  EitHello sent = {
    .instance = (char *) "i", .generation = 1, .window_messages = 1, .window_bytes = 1,
  };
  g_autofree char *text = eit_hello_build (&sent);
  g_auto(EitHello) got = { 0 };

  g_assert_nonnull (strstr (text, "\"session\":null"));
  g_assert_true (eit_hello_parse (text, strlen (text), &got, NULL));
  g_assert_null (got.session);
  g_assert_null (got.epoch);
}

static void
test_hello_refusals (void)
{
  static const struct {
    const char *text;
    int         code;
    const char *reason;    /* the start of the close reason */
  } cases[] = {
    { "{", EIT_ERROR_INVALID_JSON, NULL },
    { "[1]", EIT_ERROR_PROTOCOL, "protocol violation: expected a JSON object" },
    { "{\"type\":\"msg\"}", EIT_ERROR_PROTOCOL, "protocol violation: the first frame must be hello" },
    { "{\"type\":\"hello\",\"instance\":\"i\",\"generation\":0,\"recv\":0,\"ack\":0,"
      "\"window\":{\"messages\":1,\"bytes\":1}}", EIT_ERROR_PROTOCOL, "protocol violation: hello needs" },
    { "{\"type\":\"hello\",\"instance\":\"i\",\"generation\":1,\"recv\":1,\"ack\":2,"
      "\"window\":{\"messages\":1,\"bytes\":1}}", EIT_ERROR_PROTOCOL, "protocol violation: hello needs" },
    { "{\"type\":\"hello\",\"instance\":\"i\",\"generation\":1,\"recv\":0,\"ack\":0,"
      "\"window\":{\"messages\":0,\"bytes\":1}}", EIT_ERROR_PROTOCOL, "protocol violation: hello needs" },
    { "{\"type\":\"hello\",\"instance\":\"a b\",\"generation\":1,\"recv\":0,\"ack\":0,"
      "\"window\":{\"messages\":1,\"bytes\":1}}", EIT_ERROR_PROTOCOL, "protocol violation: hello needs" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(EitHello) got = { 0 };
      g_autoptr(GError) error = NULL;

      g_test_message ("case %u: %s", i, cases[i].text);
      g_assert_false (eit_hello_parse (cases[i].text, strlen (cases[i].text), &got, &error));
      g_assert_error (error, EIT_ERROR, cases[i].code);
      if (cases[i].reason != NULL)
        g_assert_true (g_str_has_prefix (error->message, cases[i].reason));
    }
}

/* The type of a wrong first frame is kept for the log only when it is a plain word. */
static void
test_hello_names_what_came (void)
{
  const char *text = "{\"type\":\"<script>\"}";
  g_auto(EitHello) got = { 0 };

  g_assert_false (eit_hello_parse (text, strlen (text), &got, NULL));
  g_assert_cmpstr (got.type, ==, "?");
}

static void
test_welcome_round_trip (void)
{
  EitWelcome sent = {
    .session = (char *) "s9", .epoch = (char *) "e9", .resumed = TRUE, .generation = 3,
    .recv = 10, .ack = 9, .window_messages = 64, .window_bytes = 65536,
    .inactivity_ms = 45000, .keepalive_ms = 15000, .max_message_size = 1 << 20,
  };
  g_autofree char *text = eit_welcome_build (&sent);
  g_auto(EitWelcome) got = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (eit_welcome_parse (text, strlen (text), &got, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (got.session, ==, "s9");
  g_assert_cmpstr (got.epoch, ==, "e9");
  g_assert_true (got.resumed);
  g_assert_cmpuint (got.generation, ==, 3);
  g_assert_cmpuint (got.recv, ==, 10);
  g_assert_cmpuint (got.ack, ==, 9);
  g_assert_cmpuint (got.window_messages, ==, 64);
  g_assert_cmpuint (got.window_bytes, ==, 65536);
}

/* An older hub's welcome without "generation" is accepted; a zero one is not. */
static void
test_welcome_generation (void)
{
  const char *older = "{\"type\":\"welcome\",\"session\":\"s\",\"epoch\":\"e\",\"resumed\":false,"
                      "\"recv\":0,\"ack\":0,\"window\":{\"messages\":1,\"bytes\":1}}";
  const char *zero = "{\"type\":\"welcome\",\"session\":\"s\",\"epoch\":\"e\",\"resumed\":false,"
                     "\"generation\":0,\"recv\":0,\"ack\":0,\"window\":{\"messages\":1,\"bytes\":1}}";
  g_auto(EitWelcome) got = { 0 };
  g_auto(EitWelcome) refused = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (eit_welcome_parse (older, strlen (older), &got, NULL));
  g_assert_cmpuint (got.generation, ==, 0);
  g_assert_false (eit_welcome_parse (zero, strlen (zero), &refused, &error));
  g_assert_error (error, EIT_ERROR, EIT_ERROR_PROTOCOL);
  g_assert_cmpstr (error->message, ==, "protocol violation: expected a valid welcome");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/handshake/hello/round-trip", test_hello_round_trip);
  g_test_add_func ("/handshake/hello/new-session", test_hello_new_session);
  g_test_add_func ("/handshake/hello/refusals", test_hello_refusals);
  g_test_add_func ("/handshake/hello/names-what-came", test_hello_names_what_came);
  g_test_add_func ("/handshake/welcome/round-trip", test_welcome_round_trip);
  g_test_add_func ("/handshake/welcome/generation", test_welcome_generation);
  return g_test_run ();
}
