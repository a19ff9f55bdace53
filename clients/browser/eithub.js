// SPDX-License-Identifier: LGPL-2.1-or-later
/* eithub.js: the Eit Hubs Networks Protocol (docs/PROTOCOL.md) for web pages.
 *
 * One dependency-free ES module with the seed's API: isConnected (),
 * send (msg) -> bool, onMessage. Underneath it speaks the whole protocol:
 * hello/welcome, data/ack with sequence numbers and credit, ping/pong,
 * inactivity, resumption with re-send, duplicates dropped, make-before-break
 * cycling, reconnect with full-jitter back-off, and the base layer when the
 * hub speaks nothing else. The rules for pages (PROTOCOL.md "Browser
 * clients") are kept here: the token travels as a subprotocol entry, every
 * close code sent is one a page may send, and the instance id lives in
 * sessionStorage (one per tab) while the generation lives in memory. */

const V1 = 'eithub.v1';
const JSON_PROTOCOL = 'eithub.json';
const BEARER = 'eithub.bearer.';

const DEFAULTS = Object.freeze ({
  protocolMode: 'auto',         // auto | full | base
  instance: null,               // an id the app insists on; null: one per tab, kept in sessionStorage
  inactivityTimeout: 5000,
  keepaliveInterval: 1500,
  rttInterval: 5000,
  cycleIntervalMin: 600000,
  cycleIntervalMax: 900000,     // 0: never cycle
  reconnectBase: 500,
  reconnectCap: 30000,
  stablePeriod: 10000,
  connectTimeout: 10000,
  windowMessages: 1024,
  windowBytes: 4194304,
  sendQueueLimit: 4096,
  ackDelay: 10,
  maxMessageSize: 1048576,
});

/* Close codes (PROTOCOL.md 3). A page may only send 1000 and 3000-4999. */
export const Close = Object.freeze ({
  NORMAL: 1000,
  TIMEOUT: 4000,
  UNKNOWN_TYPE: 4001,
  PROTOCOL_VIOLATION: 4002,
  STALE_GENERATION: 4003,
  SUPERSEDED: 4004,
  CREDIT_OVERRUN: 4005,
  INSTANCE_IN_USE: 4006,
  TAKEOVER_STORM: 4007,
  SESSION_OF_ANOTHER_TOKEN: 4008,
  UNAUTHORIZED: 4401,
  FORBIDDEN: 4403,
  TOO_MANY_CONNECTIONS: 4429,
});

const MAX_DEPTH = 128;
const MAX_INTEGER = Number.MAX_SAFE_INTEGER;  /* 2^53 - 1 */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/* UTF-8 length of a JS string, without allocating. Lone surrogates count
 * as the 3 bytes of U+FFFD, which is what WebSocket.send () makes of them. */
function utf8Length (s) {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt (i);
    if (c < 0x80)
      continue;
    if (c < 0x800)
      n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length &&
             (s.charCodeAt (i + 1) & 0xfc00) === 0xdc00) {
      n += 2;
      i++;
    } else
      n += 2;
  }
  return n;
}

function isWellFormed (s) {
  return typeof s.isWellFormed === 'function'
    ? s.isWellFormed ()
    : !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test (s);
}

/* The close reason must fit in 123 bytes of UTF-8 or close () throws. */
function clipReason (reason) {
  let s = String (reason);
  while (utf8Length (s) > 123)
    s = s.slice (0, -1);
  return isWellFormed (s) ? s : s.slice (0, -1);
}

function randomId () {
  const bytes = new Uint8Array (16);
  crypto.getRandomValues (bytes);
  return Array.from (bytes, b => b.toString (16).padStart (2, '0')).join ('');
}

/* JSON scanning --------------------------------------------------------------
 * The hub refuses what RFC 8259's grammar allows but JSON.parse () accepts
 * too: unpaired surrogate escapes and nesting deeper than 128 (PROTOCOL.md
 * 2.6). The same scanner finds each body's exact text in a data frame, so a
 * page receives the message as the sender wrote it. It is called only on
 * text that JSON.parse () accepted, or to report where and why it did not. */

class JsonError extends Error {
  constructor (at, what) {
    super (what);
    this.at = at;
  }
}

const WS = new Set ([' ', '\t', '\n', '\r']);

function skipSpace (s, i) {
  while (i < s.length && WS.has (s[i]))
    i++;
  return i;
}

function scanString (s, i) {
  const open = i;
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt (i);
    if (c === 0x22)
      return i + 1;
    if (c < 0x20)
      throw new JsonError (i, 'control character in string');
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c >= 0xdc00 || i + 1 >= s.length || (s.charCodeAt (i + 1) & 0xfc00) !== 0xdc00)
        throw new JsonError (i, 'invalid UTF-8');
      i++;
    } else if (c === 0x5c) {
      const e = s[i + 1];
      if (e === undefined)
        break;
      if (e !== 'u') {
        if (!'"\\/bfnrt'.includes (e))
          throw new JsonError (i, 'invalid escape');
        i++;
        continue;
      }
      const unit = parseInt (s.slice (i + 2, i + 6), 16);
      if (!/^[0-9A-Fa-f]{4}$/.test (s.slice (i + 2, i + 6)))
        throw new JsonError (i, 'invalid \\u escape');
      if (unit >= 0xdc00 && unit <= 0xdfff)
        throw new JsonError (i, 'unpaired surrogate escape');
      if (unit >= 0xd800 && unit <= 0xdbff) {
        const low = s.slice (i + 6, i + 12);
        const v = parseInt (low.slice (2), 16);
        if (!/^\\u[0-9A-Fa-f]{4}$/.test (low) || v < 0xdc00 || v > 0xdfff)
          throw new JsonError (i, 'unpaired surrogate escape');
        i += 11;
      } else
        i += 5;
    }
  }
  throw new JsonError (open, 'unterminated string');
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/* One value at i (white space skipped before it) inside depth open
 * containers; returns the index after it. */
function scanValue (s, i, depth) {
  const stack = [];
  for (;;) {
    i = skipSpace (s, i);
    const c = s[i];
    if (c === '{' || c === '[') {
      if (depth + stack.length === MAX_DEPTH)
        throw new JsonError (i, 'nesting deeper than 128');
      const close = c === '{' ? '}' : ']';
      stack.push (close);
      i = skipSpace (s, i + 1);
      if (s[i] !== close) {
        if (close === '}')
          i = scanMemberName (s, i);
        continue;
      }
      i++;
      stack.pop ();
    } else if (c === '"')
      i = scanString (s, i);
    else if (c === 't' || c === 'f' || c === 'n') {
      const word = c === 't' ? 'true' : c === 'f' ? 'false' : 'null';
      if (!s.startsWith (word, i))
        throw unexpected (s, i);
      i += word.length;
    } else {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec (s);
      if (m === null)
        throw unexpected (s, i);
      i += m[0].length;
    }
    /* A value ended: close containers until one continues. */
    for (;;) {
      if (stack.length === 0)
        return i;
      i = skipSpace (s, i);
      if (s[i] === ',') {
        i++;
        if (stack[stack.length - 1] === '}')
          i = scanMemberName (s, skipSpace (s, i));
        break;
      }
      if (s[i] !== stack[stack.length - 1])
        throw unexpected (s, i);
      i++;
      stack.pop ();
    }
  }
}

function unexpected (s, i) {
  return new JsonError (i, i >= s.length ? 'unexpected end of input' : `unexpected character '${s[i]}'`);
}

function scanMemberName (s, i) {
  if (s[i] !== '"')
    throw unexpected (s, i);
  i = skipSpace (s, scanString (s, i));
  if (s[i] !== ':')
    throw unexpected (s, i);
  return i + 1;
}

/* "invalid JSON at byte <n>: <what>" as the hub words it, n counted from 0
 * in UTF-8 bytes. */
function invalidJson (s, e) {
  const at = e instanceof JsonError ? utf8Length (s.slice (0, e.at)) : 0;
  const what = e instanceof JsonError ? e.message : 'not JSON';
  return `invalid JSON at byte ${at}: ${what}`;
}

/* Validates a whole JSON text inside depth containers; returns null when
 * valid, else the close reason. */
function checkJson (text, depth) {
  try {
    JSON.parse (text);
  } catch (parseError) {
    try {
      scanDocument (text, depth);
    } catch (e) {
      return invalidJson (text, e);
    }
    return invalidJson (text, null);
  }
  try {
    scanDocument (text, depth);
  } catch (e) {
    return invalidJson (text, e);
  }
  return null;
}

function scanDocument (text, depth) {
  const i = skipSpace (text, scanValue (text, skipSpace (text, 0), depth));
  if (i !== text.length)
    throw new JsonError (i, 'trailing data after the value');
}

const ENVELOPE_MEMBERS = new Set (['type', 'seq', 'ack', 'id', 'bodies']);

/* An envelope frame: {type, seq, ack, id, bodies: [raw body text]} or a
 * thrown {code, reason} for the close it deserves. */
function parseEnvelope (frame) {
  const reason = checkJson (frame, 0);
  if (reason !== null)
    throw { code: Close.PROTOCOL_VIOLATION, reason };

  const env = { bodies: [] };
  let i = skipSpace (frame, 0);
  if (frame[i] !== '{')
    throw { code: Close.PROTOCOL_VIOLATION, reason: 'protocol violation: an envelope must be a JSON object' };
  const seen = new Set ();
  let violation = null;
  i = skipSpace (frame, i + 1);
  while (frame[i] !== '}') {
    const nameEnd = scanString (frame, i);
    const name = JSON.parse (frame.slice (i, nameEnd));
    i = skipSpace (frame, skipSpace (frame, nameEnd) + 1);
    const start = i;
    if (ENVELOPE_MEMBERS.has (name) && seen.has (name))
      violation ??= `duplicate member "${name}"`;
    seen.add (name);
    if (name === 'bodies' && frame[i] === '[') {
      i = skipSpace (frame, i + 1);
      while (frame[i] !== ']') {
        const end = scanValue (frame, i, 2);
        env.bodies.push (frame.slice (i, end));
        i = skipSpace (frame, end);
        if (frame[i] === ',')
          i = skipSpace (frame, i + 1);
      }
      i++;
    } else {
      i = scanValue (frame, i, 1);
      if (ENVELOPE_MEMBERS.has (name) && name !== 'bodies')
        env[name] = JSON.parse (frame.slice (start, i));
      else if (name === 'bodies')
        violation ??= '"bodies" must be an array';
    }
    i = skipSpace (frame, i);
    if (frame[i] === ',')
      i = skipSpace (frame, i + 1);
  }

  if (typeof env.type !== 'string')
    throw { code: Close.PROTOCOL_VIOLATION,
            reason: seen.has ('type') ? 'protocol violation: "type" must be a string'
                                      : 'protocol violation: missing "type"' };
  for (const member of ['seq', 'ack', 'id'])
    if (member in env && !(Number.isInteger (env[member]) && env[member] >= 0 && env[member] <= MAX_INTEGER))
      violation ??= `"${member}" must be a non-negative integer`;
  if (violation === null && env.type === 'data') {
    if (!('seq' in env))
      violation = '"data" without "seq"';
    else if (env.bodies.length === 0)
      violation = '"data" without a non-empty "bodies" array';
  }
  env.violation = violation;
  return env;
}

function isUint (v) {
  return Number.isInteger (v) && v >= 0 && v <= MAX_INTEGER;
}

/* One WebSocket and what the protocol knows about it. */
class Link {
  constructor (ws, generation) {
    this.ws = ws;
    this.generation = generation;
    this.mode = null;            // 'full' | 'base' once open
    this.welcomed = false;
    this.lastReceive = performance.now ();
    this.closedByUs = null;      // {code, reason} once we closed it
  }
}

export class EitHubConnection {
  /* url: wss://host:port/path. options: token (string), and the timings and
   * limits of DEFAULTS, in ms and bytes. */
  constructor (url, options = {}) {
    this.url = String (url);
    this.options = { ...DEFAULTS, ...options };
    this.token = options.token ?? null;

    /* The seed's callback, and what a dashboard wants to show. */
    this.onMessage = null;           // (msg: string) => void
    this.onStateChange = null;       // (state, detail) => void
    this.onClose = null;             // ({code, reason, by, which}) => void
    this.onSessionReset = null;      // (renumbered: number) => void

    this.state = 'disconnected';     // disconnected | connecting | connected | cycling | backing-off | failed
    this.mode = null;                // full | base, once connected
    this.modeReason = null;
    this.lastClose = null;
    this.failure = null;             // why the state is failed
    this._baseRemembered = this.options.protocolMode === 'base';

    this._storageKey = 'eithub.instance ' + this.url;
    this._fixedInstance = this.options.instance;
    this.instance = this._fixedInstance ?? this._storedInstance ();
    this.generation = 0;
    this.session = null;
    this.epoch = null;

    this._active = null;
    this._pending = null;
    this._retired = new Set ();
    this._attempt = 0;
    this._timers = {};

    /* Sending: out[k] is body peerAck + 1 + k, sent or not yet. */
    this._out = [];
    this._outHead = 0;
    this._peerAck = 0;
    this._sentSeq = 0;
    this._sentHigh = 0;
    this._lastAssigned = 0;
    this._inFlightBytes = 0;
    this._peerWindow = { messages: 1, bytes: 1 };
    this._peerMaxMessage = this.options.maxMessageSize;
    this._flushQueued = false;
    this._lastSend = 0;
    this._lastPing = 0;
    this._pingId = 0;
    this._pings = new Map ();

    /* Receiving: everything received is consumed at once (onMessage). */
    this._recvSeq = 0;
    this._ackSent = 0;
    this._inSizes = [];              // sizes of bodies ackSent + 1 .. recvSeq
    this._inUnackedBytes = 0;
    this._consumedBytesSinceAck = 0;

    this.stats = {
      messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, duplicates: 0, resent: 0,
      rejected: 0, reconnects: 0, cycles: 0, timeouts: 0, sessionResets: 0, instanceChanges: 0,
      rttLast: null, rttSmoothed: null, closes: {},
    };

    this._onPageHide = () => this._shutDown (Close.NORMAL, 'going away', 'disconnected');
    this._onPageShow = event => {
      if (event.persisted && this.state === 'disconnected' && this._wanted)
        this.connect ();
    };
    this._wanted = false;
  }

  isConnected () {
    return this.state === 'connected' || this.state === 'cycling';
  }

  connect () {
    this._wanted = true;
    this.failure = null;
    if (typeof addEventListener === 'function') {
      addEventListener ('pagehide', this._onPageHide);
      addEventListener ('pageshow', this._onPageShow);
    }
    if (this._active === null && this._pending === null) {
      this._clearTimer ('reconnect');
      this._open ();
    }
  }

  /* Disconnects for good (until connect () is called again). */
  close () {
    this._wanted = false;
    if (typeof removeEventListener === 'function') {
      removeEventListener ('pagehide', this._onPageHide);
      removeEventListener ('pageshow', this._onPageShow);
    }
    this._shutDown (Close.NORMAL, 'bye', 'disconnected');
  }

  /* msg: one JSON text. FALSE when not connected (the seed's rule), when the
   * send queue is full, or when msg is not JSON the hub would accept. */
  send (msg) {
    if (!this.isConnected () || typeof msg !== 'string')
      return this._reject ();
    const text = msg.replace (/^[ \t\n\r]+|[ \t\n\r]+$/g, '');
    const bytes = utf8Length (text);
    if (bytes > this._peerMaxMessage || !isWellFormed (text))
      return this._reject ();

    if (this.mode === 'base') {
      const ws = this._active.ws;
      if (checkJson (text, 0) !== null || ws.bufferedAmount + bytes > this.options.windowBytes)
        return this._reject ();
      ws.send (text);
      this._sentOne (bytes);
      return true;
    }

    if (this._lastAssigned - this._sentSeq >= this.options.sendQueueLimit || checkJson (text, 2) !== null)
      return this._reject ();
    this._out.push ({ text, bytes });
    this._lastAssigned++;
    this._queueFlush ();
    return true;
  }

  /* Opens a new connection: the first, a reconnect, or a cycle's new one. */
  _open () {
    const cycling = this._active !== null;
    const protocols = [];
    if (!this._baseRemembered)
      protocols.push (V1);
    if (this.options.protocolMode !== 'full')
      protocols.push (JSON_PROTOCOL);
    if (this.token)
      protocols.push (BEARER + this.token);

    this.generation++;
    let ws;
    try {
      ws = protocols.length > 0 ? new WebSocket (this.url, protocols) : new WebSocket (this.url);
    } catch (e) {
      this._fail ({ code: 0, reason: String (e.message ?? e), by: 'client' });
      return;
    }
    ws.binaryType = 'arraybuffer';
    const link = new Link (ws, this.generation);
    this._pending = link;
    ws.onopen = () => this._opened (link);
    ws.onmessage = event => this._frame (link, event.data);
    ws.onclose = event => this._closed (link, event.code, event.reason, event.wasClean);
    if (!cycling)
      this._setState ('connecting', { generation: this.generation, instance: this.instance });
    this._setTimer ('connect', this.options.connectTimeout, () => {
      if (this._pending === link)
        this._closeLink (link, Close.TIMEOUT, 'timeout');
    });
  }

  _opened (link) {
    link.lastReceive = performance.now ();
    const protocol = link.ws.protocol;
    if (protocol === V1 && this.options.protocolMode !== 'base') {
      link.mode = 'full';
      this._sendHello (link);
      return;
    }
    if (this.options.protocolMode === 'full') {
      this._closeLink (link, Close.PROTOCOL_VIOLATION, 'protocol violation: the hub did not select eithub.v1');
      return;
    }
    link.mode = 'base';
    this._useBase (link, protocol === JSON_PROTOCOL ? 'hub selected eithub.json'
                                                    : 'hub selected no subprotocol');
  }

  _sendHello (link) {
    const hello = {
      type: 'hello', instance: this.instance, generation: link.generation,
      session: this.session, epoch: this.epoch, recv: this._recvSeq, ack: this._recvSeq,
      window: { messages: this.options.windowMessages, bytes: this.options.windowBytes },
      keepalive_ms: this.options.keepaliveInterval,
    };
    link.ws.send (JSON.stringify (hello));
    /* hello.ack acknowledges like an ack frame: the hub's window for us
     * counts from it. */
    if (this._recvSeq > this._ackSent)
      this._markAckSent (this._recvSeq);
  }

  /* The base layer: every frame is one application message. */
  _useBase (link, reason) {
    this._clearTimer ('connect');
    this._baseRemembered = true;
    this.mode = 'base';
    this.modeReason = reason;
    if (this._active !== null)
      this._retire (this._active, Close.NORMAL, 'cycle');
    this._pending = null;
    this._active = link;
    link.welcomed = true;
    this._connected ({ resumed: false });
  }

  _frame (link, data) {
    if (link.closedByUs !== null)
      return;
    link.lastReceive = performance.now ();
    if (typeof data !== 'string') {
      this._closeLink (link, Close.PROTOCOL_VIOLATION, 'binary frames are not accepted');
      return;
    }

    if (link.mode === 'base') {
      const size = utf8Length (data);
      if (size > this.options.maxMessageSize) {
        this._closeLink (link, Close.PROTOCOL_VIOLATION,
                         `message of ${size} bytes exceeds the limit of ${this.options.maxMessageSize}`);
        return;
      }
      const reason = checkJson (data, 0);
      if (reason !== null) {
        this._closeLink (link, Close.PROTOCOL_VIOLATION, reason);
        return;
      }
      this._deliver (data, size);
      return;
    }

    if (!link.welcomed) {
      this._handshakeFrame (link, data);
      return;
    }

    const size = utf8Length (data);
    const frameLimit = this.options.maxMessageSize + 1024;
    if (size > frameLimit) {
      this._closeLink (link, Close.PROTOCOL_VIOLATION, `message of ${size} bytes exceeds the limit of ${frameLimit}`);
      return;
    }
    let env;
    try {
      env = parseEnvelope (data);
    } catch (e) {
      this._closeLink (link, e.code ?? Close.PROTOCOL_VIOLATION, e.reason ?? invalidJson (data, e));
      return;
    }
    const known = ['data', 'ack', 'ping', 'pong', 'hello', 'welcome'];
    if (!known.includes (env.type)) {
      this._closeLink (link, Close.UNKNOWN_TYPE, `unknown message type '${env.type.slice (0, 64)}'`);
      return;
    }
    if (env.violation !== null) {
      this._closeLink (link, Close.PROTOCOL_VIOLATION, 'protocol violation: ' + env.violation);
      return;
    }
    if ('ack' in env && !this._handleAck (link, env.ack))
      return;

    switch (env.type) {
    case 'data':
      this._receiveData (link, env);
      break;
    case 'ack':
      if (!('ack' in env))
        this._closeLink (link, Close.PROTOCOL_VIOLATION, 'protocol violation: "ack" frame without "ack"');
      break;
    case 'ping':
      /* Answered on the connection it came from: that is the one probed. */
      this._sendControl (link, `{"type":"pong","id":${env.id ?? 0}}`);
      break;
    case 'pong':
      this._handlePong (env.id);
      break;
    default:
      this._closeLink (link, Close.PROTOCOL_VIOLATION, 'protocol violation: repeated handshake');
    }
  }

  /* The first frame after hello. */
  _handshakeFrame (link, data) {
    let welcome = null;
    try {
      welcome = JSON.parse (data);
    } catch {
      welcome = null;
    }
    if (welcome === null || typeof welcome !== 'object' || welcome.type !== 'welcome') {
      if (this.options.protocolMode === 'auto') {
        /* A base-layer hub that answers the first offered protocol without
         * speaking it (Node ws does): the echoed hello is not a message. */
        link.mode = 'base';
        this._useBase (link, 'hub selected eithub.v1 but does not speak it');
        return;
      }
      this._closeLink (link, Close.PROTOCOL_VIOLATION, 'protocol violation: expected welcome');
      return;
    }
    const w = welcome;
    if (!ID_PATTERN.test (w.session ?? '') || !ID_PATTERN.test (w.epoch ?? '') ||
        typeof w.resumed !== 'boolean' || !isUint (w.recv) || !isUint (w.ack) || w.ack > w.recv ||
        w.window === null || typeof w.window !== 'object' ||
        !isUint (w.window.messages) || w.window.messages < 1 ||
        !isUint (w.window.bytes) || w.window.bytes < 1) {
      this._closeLink (link, Close.PROTOCOL_VIOLATION, 'protocol violation: expected a valid welcome');
      return;
    }
    this._clearTimer ('connect');
    link.welcomed = true;
    if (isUint (w.generation) && w.generation >= 1) {
      this.generation = w.generation;
      link.generation = w.generation;
    }
    if (isUint (w.max_message_size) && w.max_message_size >= 1)
      this._peerMaxMessage = Math.min (w.max_message_size, this.options.maxMessageSize);
    this._peerWindow = { messages: w.window.messages, bytes: w.window.bytes };

    if (w.resumed)
      this._resume (w.recv, w.ack);
    else
      this._resetSession ();
    this.session = w.session;
    this.epoch = w.epoch;
    this.mode = 'full';
    this.modeReason = 'hub selected eithub.v1';

    /* A cycle ends here, also when the hub's 4004 on the old connection
     * came first (the two connections race): that one is gone already. */
    const old = this._active;
    const cycled = old !== null || this.state === 'cycling';
    this._pending = null;
    this._active = link;
    if (cycled)
      this.stats.cycles++;
    if (old !== null)
      this._retire (old, Close.NORMAL, 'cycle');
    this._connected ({ resumed: w.resumed });
    this._queueFlush ();
  }

  /* welcome.recv says what the hub holds: the rest goes again. */
  _resume (recv, ack) {
    if (ack > this._peerAck && ack <= this._sentHigh)
      this._popAcked (ack);
    const before = this._sentSeq;
    this._sentSeq = Math.min (Math.max (recv, this._peerAck), this._sentHigh);
    this.stats.resent += Math.max (0, before - this._sentSeq);
    this._inFlightBytes = 0;
    for (let s = this._peerAck + 1; s <= this._sentSeq; s++)
      this._inFlightBytes += this._out[this._outHead + s - this._peerAck - 1].bytes;
  }

  /* A new session: both directions start at 1, unacknowledged messages
   * keep their order under new numbers. */
  _resetSession () {
    const pending = this._out.length - this._outHead;
    if (this.session !== null || pending > 0) {
      this.stats.sessionResets++;
      this.onSessionReset?.(pending);
    }
    this._out = this._out.slice (this._outHead);
    this._outHead = 0;
    this._peerAck = 0;
    this._sentSeq = 0;
    this._sentHigh = 0;
    this._lastAssigned = pending;
    this._inFlightBytes = 0;
    this._recvSeq = 0;
    this._ackSent = 0;
    this._inSizes = [];
    this._inUnackedBytes = 0;
    this._consumedBytesSinceAck = 0;
    this._clearTimer ('ack');
  }

  _connected (detail) {
    this._setState (this._pending !== null ? 'cycling' : 'connected', {
      ...detail, generation: this.generation, instance: this.instance, session: this.session,
      mode: this.mode, modeReason: this.modeReason,
    });
    this._setTimer ('stable', this.options.stablePeriod, () => { this._attempt = 0; });
    this._lastSend = this._lastPing = performance.now ();
    this._armInactivity ();
    this._scheduleKeepalive ();
    this._scheduleCycle ();
  }

  _popAcked (ack) {
    const n = ack - this._peerAck;
    this._outHead += n;
    this._peerAck = ack;
    if (this._outHead > 1024 && this._outHead * 2 > this._out.length) {
      this._out = this._out.slice (this._outHead);
      this._outHead = 0;
    }
  }

  _handleAck (link, ack) {
    if (ack > this._sentHigh) {
      this._closeLink (link, Close.PROTOCOL_VIOLATION,
                       `protocol violation: ack ${ack} of a message never sent (highest ${this._sentHigh})`);
      return false;
    }
    if (ack <= this._peerAck)
      return true;
    const countedUntil = Math.min (ack, this._sentSeq);
    for (let s = this._peerAck + 1; s <= countedUntil; s++)
      this._inFlightBytes -= this._out[this._outHead + s - this._peerAck - 1].bytes;
    this._popAcked (ack);
    /* The hub may have received through an older connection what we were
     * about to send again: no need. */
    if (this._sentSeq < ack)
      this._sentSeq = ack;
    if (this._sentSeq < this._lastAssigned)
      this._queueFlush ();
    return true;
  }

  _receiveData (link, env) {
    const win = this.options;
    for (let k = 0; k < env.bodies.length; k++) {
      const seq = env.seq + k;
      const body = env.bodies[k];
      if (seq <= this._recvSeq) {
        this.stats.duplicates++;
        continue;
      }
      if (seq > this._recvSeq + 1) {
        if (link === this._active)
          this._closeLink (link, Close.PROTOCOL_VIOLATION,
                           `protocol violation: sequence gap (expected ${this._recvSeq + 1}, got ${seq})`);
        /* A retired connection can lag behind: the current one carries it. */
        return;
      }
      const size = utf8Length (body);
      if (size > win.maxMessageSize) {
        this._closeLink (link, Close.PROTOCOL_VIOLATION,
                         `message of ${size} bytes exceeds the limit of ${win.maxMessageSize}`);
        return;
      }
      if (seq - this._ackSent > win.windowMessages ||
          (seq - this._ackSent > 1 && this._inUnackedBytes + size > win.windowBytes)) {
        this._closeLink (link, Close.CREDIT_OVERRUN,
                         `credit overrun: message ${seq} beyond the window (acked ${this._ackSent}, ` +
                         `window ${win.windowMessages} messages / ${win.windowBytes} bytes)`);
        return;
      }
      this._recvSeq = seq;
      this._inSizes.push (size);
      this._inUnackedBytes += size;
      this._consumedBytesSinceAck += size;
      this._deliver (body, size);
    }
    this._ackConsumed ();
  }

  _deliver (text, size) {
    this.stats.messagesIn++;
    this.stats.bytesIn += size;
    try {
      this.onMessage?.(text);
    } catch (e) {
      setTimeout (() => { throw e; });
    }
  }

  /* A quarter window goes at once (riding on data when there is some),
   * anything less after ack-delay. */
  _ackConsumed () {
    if (this._recvSeq <= this._ackSent)
      return;
    const o = this.options;
    if (this._recvSeq - this._ackSent >= Math.max (1, Math.floor (o.windowMessages / 4)) ||
        this._consumedBytesSinceAck >= Math.max (1, Math.floor (o.windowBytes / 4))) {
      this._ackUrgent = true;
      this._queueFlush ();
    } else if (!this._timers.ack)
      this._setTimer ('ack', o.ackDelay, () => this._sendAck ());
  }

  _markAckSent (ack) {
    for (let s = this._ackSent + 1; s <= ack; s++)
      this._inUnackedBytes -= this._inSizes[s - this._ackSent - 1];
    this._inSizes.splice (0, ack - this._ackSent);
    this._ackSent = ack;
    this._consumedBytesSinceAck = 0;
    this._ackUrgent = false;
    this._clearTimer ('ack');
  }

  _sendAck () {
    delete this._timers.ack;
    if (this._active === null || this._active.mode !== 'full' || this._recvSeq <= this._ackSent)
      return;
    if (this._sendControl (this._active, `{"type":"ack","ack":${this._recvSeq}}`))
      this._markAckSent (this._recvSeq);
  }

  _sendControl (link, text) {
    if (link.ws.readyState !== WebSocket.OPEN || link.closedByUs !== null)
      return false;
    link.ws.send (text);
    if (link === this._active)
      this._lastSend = performance.now ();
    return true;
  }

  _queueFlush () {
    if (this._flushQueued)
      return;
    this._flushQueued = true;
    queueMicrotask (() => {
      this._flushQueued = false;
      this._flush ();
    });
  }

  _hasCredit (seq, bytes) {
    if (seq - this._peerAck > this._peerWindow.messages)
      return false;
    return seq === this._peerAck + 1 || this._inFlightBytes + bytes <= this._peerWindow.bytes;
  }

  /* Everything that may go, within credit, coalesced up to the frame limit. */
  _flush () {
    const link = this._active;
    if (link === null || link.mode !== 'full' || !link.welcomed || link.ws.readyState !== WebSocket.OPEN)
      return;
    const frameLimit = this._peerMaxMessage + 1024;
    while (this._sentSeq < this._lastAssigned) {
      const first = this._sentSeq + 1;
      const withAck = this._recvSeq > this._ackSent;
      let head = `{"type":"data","seq":${first}` + (withAck ? `,"ack":${this._recvSeq}` : '') + ',"bodies":[';
      let size = utf8Length (head) + 2;
      const parts = [];
      let seq = first;
      while (seq <= this._lastAssigned) {
        const m = this._out[this._outHead + seq - this._peerAck - 1];
        if (!this._hasCredit (seq, m.bytes))
          break;
        if (seq > first && size + m.bytes + 1 > frameLimit)
          break;
        parts.push (m.text);
        size += m.bytes + (seq > first ? 1 : 0);
        this._inFlightBytes += m.bytes;
        if (seq > this._sentHigh) {
          this.stats.messagesOut++;
          this.stats.bytesOut += m.bytes;
        }
        seq++;
      }
      if (parts.length === 0)
        break;
      link.ws.send (head + parts.join (',') + ']}');
      this._sentSeq = seq - 1;
      this._sentHigh = Math.max (this._sentHigh, this._sentSeq);
      this._lastSend = performance.now ();
      if (withAck)
        this._markAckSent (this._recvSeq);
    }
    if (this._ackUrgent)
      this._sendAck ();
  }

  _sentOne (bytes) {
    this.stats.messagesOut++;
    this.stats.bytesOut += bytes;
  }

  _reject () {
    this.stats.rejected++;
    return false;
  }

  /* Keep-alive: a ping after keepalive-interval without sending, and one
   * every rtt-interval so that a busy link still measures its RTT. */
  _scheduleKeepalive () {
    const link = this._active;
    if (link === null || link.mode !== 'full')
      return;
    const o = this.options;
    const now = performance.now ();
    const due = Math.min (this._lastSend + o.keepaliveInterval, this._lastPing + o.rttInterval);
    this._setTimer ('keepalive', Math.max (0, due - now), () => {
      if (this._active === null)
        return;
      const t = performance.now ();
      if (t - this._lastSend >= o.keepaliveInterval || t - this._lastPing >= o.rttInterval) {
        const id = ++this._pingId;
        if (this._sendControl (this._active, `{"type":"ping","id":${id}}`)) {
          this._pings.set (id, t);
          this._lastPing = t;
          if (this._pings.size > 128)
            this._pings.delete (this._pings.keys ().next ().value);
        }
      }
      this._scheduleKeepalive ();
    });
  }

  _handlePong (id) {
    const sent = this._pings.get (id);
    if (sent === undefined)
      return;
    this._pings.delete (id);
    const rtt = performance.now () - sent;
    this.stats.rttLast = rtt;
    this.stats.rttSmoothed = this.stats.rttSmoothed === null ? rtt : this.stats.rttSmoothed + (rtt - this.stats.rttSmoothed) / 8;
  }

  /* Our own inactivity close (4000 timeout): on a half-open link the hub's
   * close never comes. A page cannot see WebSocket pings, so in base mode
   * only the hub's timeout applies. Timers of a hidden tab fire late, so the
   * silence is measured, not assumed. */
  _armInactivity () {
    const link = this._active;
    const timeout = this.options.inactivityTimeout;
    if (link === null || link.mode !== 'full' || timeout <= 0)
      return;
    const silent = performance.now () - link.lastReceive;
    this._setTimer ('inactivity', Math.max (1, timeout - silent + 1), () => {
      if (this._active !== link)
        return;
      if (performance.now () - link.lastReceive >= timeout) {
        this.stats.timeouts++;
        this._closeLink (link, Close.TIMEOUT, 'timeout');
      } else
        this._armInactivity ();
    });
  }

  _scheduleCycle () {
    const o = this.options;
    if (o.cycleIntervalMax <= 0 || this.mode !== 'full') {
      this._clearTimer ('cycle');
      return;
    }
    const lo = Math.min (o.cycleIntervalMin, o.cycleIntervalMax);
    const hi = Math.max (o.cycleIntervalMin, o.cycleIntervalMax);
    this._setTimer ('cycle', lo + Math.random () * (hi - lo), () => this.cycleNow ());
  }

  /* Make-before-break: a new connection with generation + 1 resumes the
   * session, then the old one is closed with 1000 cycle. */
  cycleNow () {
    if (this._active === null || this._pending !== null || this.mode !== 'full')
      return;
    this._setState ('cycling', { generation: this.generation + 1, instance: this.instance });
    this._open ();
  }

  _retire (link, code, reason) {
    this._retired.add (link);
    if (link.closedByUs === null && link.ws.readyState <= WebSocket.OPEN) {
      link.closedByUs = { code, reason };
      link.ws.close (code, clipReason (reason));
    }
  }

  /* We end a link (a protocol error, a timeout): it counts as lost at once,
   * since the close handshake never completes on a dead link. */
  _closeLink (link, code, reason) {
    if (link.closedByUs !== null)
      return;
    link.closedByUs = { code, reason };
    if (link.ws.readyState <= WebSocket.OPEN)
      link.ws.close (code, clipReason (reason));
    this._lost (link, { code, reason, by: 'client' });
  }

  _closed (link, code, reason, wasClean) {
    this._retired.delete (link);
    if (link.closedByUs !== null && link !== this._active && link !== this._pending)
      return;
    const info = link.closedByUs !== null
      ? { code: link.closedByUs.code, reason: link.closedByUs.reason, by: 'client' }
      : { code, reason, by: code === 1006 ? 'network' : 'hub', wasClean };
    this._lost (link, info);
  }

  _recordClose (info, which) {
    this.lastClose = { ...info, which };
    this.stats.closes[info.code] = (this.stats.closes[info.code] ?? 0) + 1;
    this.onClose?.(this.lastClose);
  }

  _lost (link, info) {
    if (this._retired.has (link)) {
      this._retired.delete (link);
      return;
    }
    link.ws.onopen = link.ws.onmessage = null;
    if (link === this._pending) {
      this._pending = null;
      this._clearTimer ('connect');
      this._recordClose (info, 'pending');
      if (this._active !== null && this._active.ws.readyState === WebSocket.OPEN) {
        /* A failed cycle: the old connection stays in use; a 4003 means
         * that connection is newer and alive, so this one is not retried. */
        this._setState ('connected', { generation: this.generation, instance: this.instance });
        if (info.code !== Close.STALE_GENERATION)
          this._setTimer ('cycle', this._backoffDelay (), () => this.cycleNow ());
        else
          this._scheduleCycle ();
        return;
      }
      if (this._active !== null) {
        this._lost (this._active, info);
        return;
      }
    } else if (link === this._active) {
      if (this._pending !== null && info.code === Close.SUPERSEDED && info.by === 'hub') {
        /* Our own cycle took over: the new connection carries the session. */
        this._active = null;
        this._recordClose (info, 'cycled');
        return;
      }
      this._active = null;
      this._recordClose (info, 'active');
      if (this._pending !== null) {
        this._pending.closedByUs = { code: Close.NORMAL, reason: 'bye' };
        this._pending.ws.close (Close.NORMAL, 'bye');
        this._pending = null;
      }
    } else
      return;

    this._stopTimers ();
    if (this._wanted)
      this._react (info);
  }

  /* What a loss means for the next attempt (PROTOCOL.md 3, Browser clients). */
  _react (info) {
    switch (info.code) {
    case Close.UNAUTHORIZED:
    case Close.FORBIDDEN:
      this._fail (info);
      return;
    case Close.STALE_GENERATION:
    case Close.SUPERSEDED:
    case Close.INSTANCE_IN_USE:
    case Close.TAKEOVER_STORM:
      /* Another tab or process claims this instance id (a duplicated tab
       * copies sessionStorage): take a new one instead of fighting. */
      if (info.by === 'hub') {
        if (this._fixedInstance !== null) {
          this._fail (info);
          return;
        }
        this._newInstance ();
      }
      break;
    case Close.SESSION_OF_ANOTHER_TOKEN:
      this.session = null;
      this.epoch = null;
      break;
    }
    let delay = this._backoffDelay ();
    if (info.code === Close.TOO_MANY_CONNECTIONS) {
      const m = /retry after (\d+) s/.exec (info.reason ?? '');
      delay = Math.max (delay, m ? Number (m[1]) * 1000 : this.options.reconnectBase);
    }
    this.stats.reconnects++;
    this._setState ('backing-off', { ...info, retryIn: Math.round (delay) });
    this._setTimer ('reconnect', delay, () => this._open ());
  }

  _backoffDelay () {
    const o = this.options;
    const ceiling = Math.min (o.reconnectCap, o.reconnectBase * 2 ** Math.min (this._attempt, 30));
    this._attempt++;
    return Math.random () * ceiling;
  }

  _newInstance () {
    this.instance = randomId ();
    this.generation = 0;
    this.session = null;
    this.epoch = null;
    this.stats.instanceChanges++;
    try {
      sessionStorage.setItem (this._storageKey, this.instance);
    } catch {
      /* Storage may be off (a sandboxed frame): the id then lives in memory. */
    }
  }

  _storedInstance () {
    try {
      const stored = sessionStorage.getItem (this._storageKey);
      if (stored !== null && ID_PATTERN.test (stored))
        return stored;
      const id = randomId ();
      sessionStorage.setItem (this._storageKey, id);
      return id;
    } catch {
      return randomId ();
    }
  }

  _fail (info) {
    this._stopTimers ();
    this.failure = info;
    this._setState ('failed', info);
  }

  _shutDown (code, reason, state) {
    this._stopTimers ();
    for (const link of [this._active, this._pending, ...this._retired]) {
      if (link === null)
        continue;
      link.ws.onopen = link.ws.onmessage = link.ws.onclose = null;
      if (link.ws.readyState <= WebSocket.OPEN)
        link.ws.close (code, reason);
    }
    this._active = this._pending = null;
    this._retired.clear ();
    if (this.state !== state)
      this._setState (state, { code, reason, by: 'client' });
  }

  _setState (state, detail = {}) {
    this.state = state;
    this.onStateChange?.(state, detail);
  }

  _setTimer (name, ms, fn) {
    clearTimeout (this._timers[name]);
    this._timers[name] = setTimeout (() => {
      delete this._timers[name];
      fn ();
    }, ms);
  }

  _clearTimer (name) {
    clearTimeout (this._timers[name]);
    delete this._timers[name];
  }

  _stopTimers () {
    for (const name of Object.keys (this._timers))
      this._clearTimer (name);
  }
}
