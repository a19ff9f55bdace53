/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The protocol's syntax rules that every part shares: tokens and ids
 * (docs/PROTOCOL.md 2.2 and 4.1), and fresh tokens. */
#include "config.h"

#include <string.h>

#include "eithub.h"

static void
test_token_syntax (void)
{
  g_autofree char *longest = g_strnfill (256, 'a');
  g_autofree char *too_long = g_strnfill (257, 'a');

  g_assert_true (eit_protocol_token_is_valid ("abc-DEF_123.~"));
  g_assert_true (eit_protocol_token_is_valid (longest));
  g_assert_false (eit_protocol_token_is_valid (too_long));
  g_assert_false (eit_protocol_token_is_valid (""));
  g_assert_false (eit_protocol_token_is_valid (NULL));
  /* Anything that could break out of a header or a subprotocol entry. */
  g_assert_false (eit_protocol_token_is_valid ("abc\r\nX-Evil: 1"));
  g_assert_false (eit_protocol_token_is_valid ("a b"));
  g_assert_false (eit_protocol_token_is_valid ("a,b"));
  g_assert_false (eit_protocol_token_is_valid ("a=b"));
}

static void
test_id_syntax (void)
{
  g_autofree char *longest = g_strnfill (64, 'x');
  g_autofree char *too_long = g_strnfill (65, 'x');

  g_assert_true (eit_protocol_id_is_valid ("s-8d2f6c1b7a9e4d30"));
  g_assert_true (eit_protocol_id_is_valid (longest));
  g_assert_false (eit_protocol_id_is_valid (too_long));
  g_assert_false (eit_protocol_id_is_valid (""));
  g_assert_false (eit_protocol_id_is_valid (NULL));
  /* Ids go into JSON unescaped: no quote, backslash or dot. */
  g_assert_false (eit_protocol_id_is_valid ("a\"b"));
  g_assert_false (eit_protocol_id_is_valid ("a\\b"));
  g_assert_false (eit_protocol_id_is_valid ("a.b"));
}

static void
test_generate_token (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = eit_tls_generate_token (&error);
  g_autofree char *b = eit_tls_generate_token (&error);

  g_assert_no_error (error);
  /* 32 bytes, base64url without padding: 43 characters. */
  g_assert_cmpuint (strlen (a), ==, 43);
  g_assert_true (eit_protocol_token_is_valid (a));
  g_assert_null (strchr (a, '='));
  g_assert_cmpstr (a, !=, b);
}

static void
test_names (void)
{
  EitTrustMode mode;

  g_assert_cmpstr (eit_connection_state_to_string (EIT_CONNECTION_STATE_BACKING_OFF), ==, "backing-off");
  g_assert_cmpstr (eit_protocol_mode_to_string (EIT_PROTOCOL_MODE_FULL), ==, "v1");
  g_assert_true (eit_trust_mode_from_string ("pinned", &mode));
  g_assert_cmpint (mode, ==, EIT_TRUST_PINNED);
  g_assert_false (eit_trust_mode_from_string ("trust-me", &mode));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/protocol/token-syntax", test_token_syntax);
  g_test_add_func ("/protocol/id-syntax", test_id_syntax);
  g_test_add_func ("/protocol/generate-token", test_generate_token);
  g_test_add_func ("/protocol/names", test_names);
  return g_test_run ();
}
