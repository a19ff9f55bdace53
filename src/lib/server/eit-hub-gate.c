/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "eit-hub-gate.h"

void
eit_hub_gate_init (EitHubGate *gate)
{
  memset (gate, 0, sizeof *gate);
  gate->per_token = g_hash_table_new (NULL, NULL);
}

void
eit_hub_gate_clear (EitHubGate *gate)
{
  g_clear_pointer (&gate->tokens, g_strfreev);
  g_clear_pointer (&gate->token_digests, g_strfreev);
  g_clear_pointer (&gate->allowed_origins, g_strfreev);
  g_clear_pointer (&gate->per_token, g_hash_table_unref);
}

static char *
token_digest (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

void
eit_hub_gate_set_tokens (EitHubGate         *gate,
                         const char * const *tokens)
{
  guint n = tokens ? g_strv_length ((char **) tokens) : 0;

  g_strfreev (gate->tokens);
  g_strfreev (gate->token_digests);
  gate->tokens = g_strdupv ((char **) tokens);
  gate->token_digests = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    gate->token_digests[i] = token_digest (tokens[i]);
}

/* Compares digests, every byte of every token, so the time taken says
 * nothing about how much of a token was right. */
static guint
find_token (EitHubGate *gate,
            const char *token)
{
  g_autofree char *digest = token_digest (token);
  guint found = EIT_HUB_GATE_NO_TOKEN;

  for (guint i = 0; gate->token_digests != NULL && gate->token_digests[i] != NULL; i++)
    {
      const char *known = gate->token_digests[i];
      guchar diff = 0;

      for (guint j = 0; j < 64; j++)
        diff |= (guchar) (known[j] ^ digest[j]);
      if (diff == 0)
        found = i;
    }
  return found;
}

static char *
token_from_request (SoupMessageHeaders *headers)
{
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *protocols;

  if (authorization != NULL && g_ascii_strncasecmp (authorization, "Bearer ", 7) == 0)
    return g_strstrip (g_strdup (authorization + 7));

  protocols = soup_message_headers_get_list (headers, "Sec-WebSocket-Protocol");
  if (protocols != NULL)
    {
      g_auto(GStrv) entries = g_strsplit (protocols, ",", -1);

      for (guint i = 0; entries[i] != NULL; i++)
        {
          const char *entry = g_strstrip (entries[i]);
          if (g_str_has_prefix (entry, EIT_SUBPROTOCOL_BEARER))
            return g_strdup (entry + strlen (EIT_SUBPROTOCOL_BEARER));
        }
    }
  return NULL;
}

/* The listener writes the answer, and logs it rate-limited. */
static void
refuse (EitHubRequest *request,
        guint          status,
        const char    *body)
{
  request->status = status;
  g_free (request->body);
  request->body = g_strdup (body);
}

static guint
count_for_token (EitHubGate *gate,
                 guint       index)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (gate->per_token, GUINT_TO_POINTER (index)));
}

void
eit_hub_gate_count (EitHubGate *gate,
                    guint       index,
                    int         delta)
{
  guint count = count_for_token (gate, index);

  g_hash_table_insert (gate->per_token, GUINT_TO_POINTER (index), GUINT_TO_POINTER (count + delta));
}

char *
eit_hub_gate_identity (EitHubGate *gate,
                       guint       index)
{
  if (index == EIT_HUB_GATE_NO_TOKEN || gate->token_digests == NULL ||
      index >= g_strv_length (gate->token_digests))
    return g_strdup ("none");
  return g_strdup (gate->token_digests[index]);
}

void
eit_hub_gate_decide (EitHubGate    *gate,
                     EitHubRequest *request)
{
  SoupMessageHeaders *response = request->response_headers;
  const char *origin = soup_message_headers_get_one (request->request_headers, "Origin");
  g_autofree char *token = NULL;
  guint index = EIT_HUB_GATE_NO_TOKEN;

  if (origin != NULL && gate->allowed_origins != NULL && gate->allowed_origins[0] != NULL &&
      !g_strv_contains ((const char * const *) gate->allowed_origins, origin))
    {
      g_autofree char *body = g_strdup_printf ("origin not allowed: %s", origin);
      refuse (request, SOUP_STATUS_FORBIDDEN, body);
      return;
    }

  token = token_from_request (request->request_headers);
  if (!gate->insecure_dev)
    {
      if (token == NULL || *token == '\0')
        {
          soup_message_headers_replace (response, "WWW-Authenticate", "Bearer realm=\"eithub\"");
          refuse (request, SOUP_STATUS_UNAUTHORIZED,
                  "missing token: send \"Authorization: Bearer <token>\" or the subprotocol \"eithub.bearer.<token>\"");
          return;
        }
      index = find_token (gate, token);
      if (index == EIT_HUB_GATE_NO_TOKEN)
        {
          soup_message_headers_replace (response, "WWW-Authenticate",
                                        "Bearer realm=\"eithub\", error=\"invalid_token\"");
          refuse (request, SOUP_STATUS_UNAUTHORIZED, "invalid token: check the hub's token file");
          return;
        }
    }

  if (!request->is_upgrade)
    {
      refuse (request, 426, "this is an Eit hub: connect with a WebSocket (wss://)");
      return;
    }

  if (count_for_token (gate, index) >= gate->max_connections_per_token)
    {
      g_autofree char *body = g_strdup_printf ("too many connections for this token (limit %u)",
                                               gate->max_connections_per_token);
      soup_message_headers_replace (response, "Retry-After", "1");
      refuse (request, 429, body);
      return;
    }

  if (request->upgrade_error != NULL)
    {
      g_autofree char *body = g_strdup_printf ("not a valid WebSocket upgrade (%s): connect with "
                                               "a WebSocket client (RFC 6455, version 13)",
                                               request->upgrade_error);
      refuse (request, SOUP_STATUS_BAD_REQUEST, body);
      return;
    }

  /* A browser that offers only "eithub.bearer.<token>" gets in with no
   * protocol selected: the bearer entry is never selected. */
  if (eit_hub_request_offers_protocol (request, EIT_SUBPROTOCOL_V1))
    {
      soup_message_headers_replace (response, "Sec-WebSocket-Protocol", EIT_SUBPROTOCOL_V1);
      request->mode = EIT_PROTOCOL_MODE_FULL;
    }
  else
    {
      if (eit_hub_request_offers_protocol (request, EIT_SUBPROTOCOL_JSON))
        soup_message_headers_replace (response, "Sec-WebSocket-Protocol", EIT_SUBPROTOCOL_JSON);
      request->mode = EIT_PROTOCOL_MODE_BASE;
    }
  request->status = SOUP_STATUS_SWITCHING_PROTOCOLS;
  request->tag = index;
}
