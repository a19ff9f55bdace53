/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Adds or edits a hub: name, wss:// address, access token (stored in the
 * keyring, never in settings), certificate trust (system, CA file, pinned
 * fingerprint) and start-up connection. Checks what it can before saving
 * and says plainly what to fix. Actions: editor.save, editor.remove,
 * editor.choose-ca-file. */
#pragma once

#include <adwaita.h>
#include "eit-hub-store.h"

G_BEGIN_DECLS

#define EIT_TYPE_HUB_EDITOR (eit_hub_editor_get_type ())
G_DECLARE_FINAL_TYPE (EitHubEditor, eit_hub_editor, EIT, HUB_EDITOR, AdwWindow)

/* config NULL: add a new hub to store. */
EitHubEditor *eit_hub_editor_new        (GtkWindow    *parent,
                                         EitHubStore  *store,
                                         EitHubConfig *config);
/* The hub being edited (set once a new hub has been saved). */
EitHubConfig *eit_hub_editor_get_config (EitHubEditor *self);
/* The message shown above the form, or NULL. */
const char   *eit_hub_editor_get_error  (EitHubEditor *self);
gboolean      eit_hub_editor_is_busy    (EitHubEditor *self);

/* Signals:
 *   "saved" (EitHubConfig *config, const char *token): the settings are
 *       saved; token is what was typed (NULL if left empty).
 *   "token-stored" (EitHubConfig *config): the keyring has the token.
 *   "remove" (EitHubConfig *config): the user asked to remove the hub. */

G_END_DECLS
