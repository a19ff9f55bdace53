/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bits of a WebSocket frame's first byte (RFC 6455 5.2), for tests that
 * write frames byte by byte. */
#pragma once

#define FIN  0x80
#define RSV1 0x40
#define RSV2 0x20
#define RSV3 0x10

#define OP_CONTINUATION 0x0
#define OP_TEXT         0x1
#define OP_BINARY       0x2
#define OP_CLOSE        0x8
#define OP_PING         0x9
#define OP_PONG         0xa
