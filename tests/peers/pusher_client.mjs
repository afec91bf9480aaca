#!/usr/bin/env node
// A pusher-js 8 client for tests: connects to a soketi on 127.0.0.1, subscribes to channels and
// prints one JSON line per thing that happens, on stdout. Diagnostics go to stderr.
//
// Usage: node pusher_client.mjs '<json options>'   (or '@/path/to/options.json')
//
// Options (JSON object):
//   key           app key (required)
//   port          soketi port on 127.0.0.1 (required)
//   host          websocket host, default "127.0.0.1" (only loopback is accepted)
//   channels      list of channel names to subscribe to (default [])
//   authEndpoint  URL of the channel authorization endpoint (needed for private-/presence-)
//   authHeaders   object of extra headers sent to authEndpoint, e.g. {"Authorization": "Bearer x"}
//   maxEvents     exit after this many "event" lines (0 or absent: no limit)
//   timeout       exit after this many seconds (default 10)
//   stdinControl  true: end (reason "stdin_closed") when stdin closes; a parent closes it to stop
//   debug         true: pusher-js's own log goes to stderr
//
// Lines written (one JSON object each):
//   {"type":"state","previous":...,"current":...}
//   {"type":"connected","socket_id":"123.456"}
//   {"type":"subscribed","channel":...}                          (public/private)
//   {"type":"subscribed","channel":...,"members":[{"id":...,"info":...}],"me":{...},"count":N}
//   {"type":"subscription_error","channel":...,"status":401|403|...,"error":"..."}
//   {"type":"event","channel":...,"event":...,"data":...}       (data as pusher-js decoded it)
//   {"type":"member_added"|"member_removed","channel":...,"member":{"id":...,"info":...}}
//   {"type":"error","error":...}                                 (connection-level pusher:error)
//   {"type":"done","reason":"max_events"|"timeout"|"stdin_closed"|"terminated","events":N}
// The process exits 0 after "done" (whatever the reason), and 2 on bad options.

import { readFileSync } from 'node:fs';
import process from 'node:process';
import Pusher from 'pusher-js';

function emit(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function fail(message) {
  process.stderr.write(`pusher_client: ${message}\n`);
  process.exit(2);
}

function loadOptions() {
  const raw = process.argv[2];
  if (!raw) fail('expected one JSON argument with the options');
  try {
    return JSON.parse(raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf-8') : raw);
  } catch (error) {
    return fail(`options are not valid JSON: ${error.message}`);
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

const options = loadOptions();
const host = options.host ?? '127.0.0.1';
const port = Number(options.port);
const channels = options.channels ?? [];
const maxEvents = Number(options.maxEvents ?? 0);
const timeoutSeconds = Number(options.timeout ?? 10);

if (!options.key) fail('"key" is required');
if (!Number.isInteger(port) || port <= 0) fail('"port" must be a positive integer');
if (!LOOPBACK.has(host)) fail(`"host" must be a loopback address, not ${host}`);
if (!Array.isArray(channels)) fail('"channels" must be a list');
if (options.authEndpoint) {
  const authHost = new URL(options.authEndpoint).hostname.replace(/^\[|\]$/g, '');
  if (!LOOPBACK.has(authHost)) fail(`"authEndpoint" must be on loopback, not ${authHost}`);
}

Pusher.log = options.debug
  ? (message) => process.stderr.write(`[pusher-js] ${message}\n`)
  : () => {};

let eventCount = 0;
let finished = false;
let pusher = null;

function finish(reason) {
  if (finished) return;
  finished = true;
  emit({ type: 'done', reason, events: eventCount });
  try {
    pusher?.disconnect();
  } catch (error) {
    process.stderr.write(`pusher_client: disconnect failed: ${error}\n`);
  }
  // stdout to a pipe or file is synchronous on Linux; exit on the next tick anyway.
  setImmediate(() => process.exit(0));
}

function member(m) {
  return m ? { id: m.id, info: m.info ?? null } : null;
}

pusher = new Pusher(options.key, {
  wsHost: host,
  wsPort: port,
  wssPort: port,
  forceTLS: false,
  enabledTransports: ['ws'],
  enableStats: false,
  cluster: 'mt1',
  channelAuthorization: {
    endpoint: options.authEndpoint ?? `http://${host}:${port}/no-auth-endpoint-configured`,
    transport: 'ajax',
    headers: options.authHeaders ?? {},
  },
});

pusher.connection.bind('state_change', ({ previous, current }) => {
  emit({ type: 'state', previous, current });
});
pusher.connection.bind('connected', () => {
  emit({ type: 'connected', socket_id: pusher.connection.socket_id });
});
pusher.connection.bind('error', (error) => {
  emit({ type: 'error', error: error?.data ?? error?.error ?? String(error) });
});

for (const name of channels) {
  const channel = pusher.subscribe(name);
  channel.bind('pusher:subscription_succeeded', (data) => {
    if (name.startsWith('presence-')) {
      const members = [];
      channel.members.each((m) => members.push(member(m)));
      emit({
        type: 'subscribed',
        channel: name,
        members,
        me: member(channel.members.me),
        count: channel.members.count,
      });
    } else {
      emit({ type: 'subscribed', channel: name });
    }
  });
  channel.bind('pusher:subscription_error', (error) => {
    emit({
      type: 'subscription_error',
      channel: name,
      status: error?.status ?? null,
      error: error?.error ?? error ?? null,
    });
  });
  channel.bind('pusher:member_added', (m) => {
    emit({ type: 'member_added', channel: name, member: member(m) });
  });
  channel.bind('pusher:member_removed', (m) => {
    emit({ type: 'member_removed', channel: name, member: member(m) });
  });
  channel.bind_global((event, data) => {
    if (event.startsWith('pusher:') || event.startsWith('pusher_internal:')) return;
    eventCount += 1;
    emit({ type: 'event', channel: name, event, data: data ?? null });
    if (maxEvents > 0 && eventCount >= maxEvents) finish('max_events');
  });
}

setTimeout(() => finish('timeout'), timeoutSeconds * 1000).unref();
// Keep the process alive until the timeout even with nothing else pending.
const keepAlive = setInterval(() => {}, 1000);
if (options.stdinControl) {
  process.stdin.on('end', () => finish('stdin_closed'));
  process.stdin.on('error', () => finish('stdin_closed'));
  process.stdin.resume();
}
process.on('SIGTERM', () => finish('terminated'));
process.on('exit', () => clearInterval(keepAlive));
