/**
 * One keep-alive undici dispatcher per API server + TLS identity, shared by
 * every client, view, watch and informer that talks to that server with that
 * identity. client-node builds a fresh https.Agent (so a fresh TLS handshake)
 * per request; sharing is where most of our speed comes from.
 */

import type { Dispatcher } from "undici";
import type { CredentialSnapshot } from "./credentials.js";
import { ConfigError } from "./errors.js";

/** Tuning of the shared dispatchers. */
export interface PoolOptions {
  /** How long an idle connection stays open, ms (default 60,000; the API server keeps them longer). */
  keepAliveTimeoutMs?: number | undefined;
  /** Maximum connections per server (default unlimited: each watch holds one). */
  connections?: number | undefined;
}

interface SharedEntry {
  dispatcher: Dispatcher;
  refs: number;
}

const shared = new Map<string, SharedEntry>();

/** A reference to a shared dispatcher; call {@link PoolLease.release} exactly once when done. */
export interface PoolLease {
  readonly key: string;
  readonly dispatcher: Dispatcher;
  release(): Promise<void>;
}

/** Number of distinct shared dispatchers alive (for tests and diagnostics). */
export function sharedPoolCount(): number {
  return shared.size;
}

/** Takes a reference on the dispatcher for `snapshot`'s pool key, creating it on first use. */
export async function leasePool(snapshot: CredentialSnapshot, options: PoolOptions = {}): Promise<PoolLease> {
  const undici = await loadUndici();
  const key = `${snapshot.poolKey}:${options.keepAliveTimeoutMs ?? ""}:${options.connections ?? ""}`;
  let entry = shared.get(key);
  if (!entry) {
    entry = { dispatcher: createDispatcher(undici, snapshot, options), refs: 0 };
    shared.set(key, entry);
  }
  entry.refs += 1;
  const held = entry;
  let released = false;
  return {
    key,
    dispatcher: held.dispatcher,
    async release() {
      if (released) return;
      released = true;
      held.refs -= 1;
      if (held.refs === 0 && shared.get(key) === held) {
        shared.delete(key);
        // destroy, not close: a close would wait for open watch streams forever.
        await held.dispatcher.destroy();
      }
    },
  };
}

type Undici = typeof import("undici");
let undiciModule: Promise<Undici> | undefined;

/** undici is loaded with the first request, not with ark-sdk: it is a third of the package's import time. */
function loadUndici(): Promise<Undici> {
  undiciModule ??= import("undici");
  return undiciModule;
}

function createDispatcher({ Agent, ProxyAgent }: Undici, snapshot: CredentialSnapshot, options: PoolOptions): Dispatcher {
  const keepAlive = options.keepAliveTimeoutMs ?? 60_000;
  const common = {
    keepAliveTimeout: keepAlive,
    keepAliveMaxTimeout: Math.max(keepAlive, 600_000),
    ...(options.connections !== undefined ? { connections: options.connections } : {}),
  };
  const tls = { ...snapshot.tls };
  const proxy = snapshot.proxyUrl;
  if (proxy) {
    if (!/^https?:/i.test(proxy)) throw new ConfigError(`kubeconfig proxy-url "${proxy}": only http(s) proxies are supported`);
    return new ProxyAgent({ uri: proxy, requestTls: tls, ...common });
  }
  return new Agent({ ...common, connect: tls });
}
