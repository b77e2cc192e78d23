/**
 * A loopback TCP proxy for fault tests: put it between a client and the API
 * server (or any TCP service) and it can silence, cut or refuse connections,
 * or forward a request and drop its answer, so that "the server applied it
 * but the client never heard" is a deterministic test case rather than a
 * race with a killed process. It works below TLS: it never sees HTTP, only
 * the order of bytes on each connection.
 */

import net from "node:net";
import { KubeConfig, type Cluster, type Context, type User } from "@kubernetes/client-node";
import type { KubeConfigLike } from "../core/kubeconfig-like.js";
import { ConfigError } from "../core/errors.js";

/** Options of {@link TcpProxy.dropAnswers}. */
export interface DropAnswersOptions {
  /**
   * Bytes of each answer still forwarded before the connection is cut
   * (default 0: nothing of the answer arrives). A few kilobytes let the
   * response head through and cut the body, as a peer dying mid-answer does.
   */
  keepBytes?: number | undefined;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  /** Who sent the last bytes. */
  lastFrom: "client" | "upstream" | undefined;
  /** Flights so far: runs of bytes in one direction (the client's first flight is 1). */
  flights: number;
  /** Set while the answer to a forwarded request is being dropped. */
  dropping: { keepBytes: number; forwarded: number } | undefined;
  /** Being cut: nothing more passes. */
  cut: boolean;
  /** Silenced by {@link TcpProxy.freeze}. */
  frozen: boolean;
}

/**
 * The first client flight that can be an HTTP request. A TLS handshake takes
 * the client's flights 1 and 3 (TLS 1.3 sends the first request with its
 * Finished, in flight 3; TLS 1.2 sends it in flight 5); from flight 5 on,
 * every client flight is a request.
 */
const FIRST_REQUEST_FLIGHT = 5;

/**
 * A TCP proxy on 127.0.0.1 in front of one target port. `freeze()` silences
 * the open connections without closing them (a dead peer, as after a network
 * partition); `block()` also cuts them and refuses new ones until
 * `unblock()`; `dropAnswers()` lets requests through and swallows their
 * answers.
 * @example
 * const proxy = await TcpProxy.start(Number(new URL(cluster.server).port));
 * const client = new ArkClient({ kubeConfig: proxy.redirect(cluster.kubeConfig) });
 * await client.agents.get("a");   // opens (and keeps alive) a connection
 * proxy.dropAnswers(1);           // the next request is applied, its answer lost
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private blocked = false;
  private armed: { keepBytes: number }[] = [];
  private dropped = 0;
  private acceptedCount = 0;
  private readonly server: net.Server;
  private listeningPort = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.accept(client));
  }

  /** Starts a proxy on a free loopback port forwarding to `target` (a port on 127.0.0.1, or a host and port). */
  static async start(target: number | { host?: string; port: number }): Promise<TcpProxy> {
    const where = typeof target === "number" ? { host: "127.0.0.1", port: target } : { host: target.host ?? "127.0.0.1", port: target.port };
    const proxy = new TcpProxy(where);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once("error", reject);
      proxy.server.listen(0, "127.0.0.1", () => {
        proxy.server.off("error", reject);
        resolve();
      });
    });
    proxy.listeningPort = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  /** The proxy's port on 127.0.0.1. */
  get port(): number {
    return this.listeningPort;
  }

  /** The proxy's URL for a scheme, e.g. `https://127.0.0.1:40123`. */
  url(scheme = "https"): string {
    return `${scheme}://127.0.0.1:${this.listeningPort}`;
  }

  /** Open connections. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Connections accepted so far (refused ones included): 0 proves a client never tried to send anything. */
  get accepted(): number {
    return this.acceptedCount;
  }

  /** Answers dropped so far by {@link dropAnswers}. */
  get answersDropped(): number {
    return this.dropped;
  }

  /** Answers {@link dropAnswers} armed that no request has met yet. */
  get answersPending(): number {
    return this.armed.length;
  }

  /**
   * A copy of `kubeConfig` whose current cluster points at this proxy (same
   * CA, TLS server name check and credentials).
   */
  redirect(kubeConfig: KubeConfigLike, scheme = "https"): KubeConfigLike {
    return redirectKubeConfig(kubeConfig, this.url(scheme));
  }

  /**
   * Forwards each of the next `count` requests to the target and drops its
   * answer: once the target starts answering, the client's connection is cut
   * (after `keepBytes` of the answer). The target received the whole request
   * and answered it, so a write was applied; the client sees its connection
   * close without (all of) the answer.
   *
   * A request is the client's next flight of bytes (after the target's answer
   * to the previous one) on a connection that is past its TLS handshake and
   * has carried one request and answer already, as a kept-alive HTTP
   * connection has. The first request of a new connection is not counted, so
   * make one call through the proxy first (keep-alive clients then reuse the
   * connection). A keep-alive pool may still open a new connection for a
   * call made the moment the previous answer arrived; a client limited to
   * one connection (ark-sdk: `pool: { connections: 1 }`) always reuses it,
   * so the drop meets exactly the next request.
   */
  dropAnswers(count = 1, options: DropAnswersOptions = {}): void {
    const keepBytes = Math.max(0, Math.floor(options.keepBytes ?? 0));
    for (let i = 0; i < count; i++) this.armed.push({ keepBytes });
  }

  /** Stops forwarding bytes on every open connection; they stay open (until {@link unblock}). New connections work. */
  freeze(): void {
    for (const pair of this.pairs) {
      pair.frozen = true;
      pair.client.pause();
      pair.upstream.pause();
    }
  }

  /** Cuts every open connection and refuses new ones until {@link unblock}. */
  block(): void {
    this.blocked = true;
    for (const pair of this.pairs) this.cut(pair);
    this.pairs.clear();
  }

  /** Accepts connections again and forwards bytes normally; anything {@link dropAnswers} armed stays armed. */
  unblock(): void {
    this.blocked = false;
    for (const pair of this.pairs) {
      if (!pair.frozen) continue;
      pair.frozen = false;
      pair.client.resume();
      pair.upstream.resume();
    }
  }

  /** Cuts every connection and stops listening. */
  async close(): Promise<void> {
    this.block();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Same as {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private accept(client: net.Socket): void {
    this.acceptedCount += 1;
    if (this.blocked) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    const pair: Pair = { client, upstream, lastFrom: undefined, flights: 0, dropping: undefined, cut: false, frozen: false };
    this.pairs.add(pair);
    client.on("data", (chunk: Buffer) => this.fromClient(pair, chunk));
    upstream.on("data", (chunk: Buffer) => this.fromUpstream(pair, chunk));
    const end = () => {
      this.cut(pair);
      this.pairs.delete(pair);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  }

  private fromClient(pair: Pair, chunk: Buffer): void {
    if (pair.cut) return;
    if (pair.lastFrom !== "client") {
      pair.lastFrom = "client";
      pair.flights += 1;
      if (this.armed.length > 0 && pair.dropping === undefined && pair.flights >= FIRST_REQUEST_FLIGHT) {
        pair.dropping = { keepBytes: this.armed.shift()!.keepBytes, forwarded: 0 };
      }
    }
    this.forward(pair, chunk, pair.client, pair.upstream);
  }

  private fromUpstream(pair: Pair, chunk: Buffer): void {
    if (pair.cut) return;
    if (pair.lastFrom !== "upstream") {
      pair.lastFrom = "upstream";
      pair.flights += 1;
    }
    const dropping = pair.dropping;
    if (!dropping) {
      this.forward(pair, chunk, pair.upstream, pair.client);
      return;
    }
    const room = dropping.keepBytes - dropping.forwarded;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      dropping.forwarded += part.length;
      pair.client.write(part);
      if (part.length === chunk.length) return;
    }
    // The rest of the answer never reaches the client.
    this.dropped += 1;
    pair.dropping = undefined;
    pair.cut = true;
    pair.upstream.pause();
    pair.client.end(() => this.cut(pair));
  }

  /** Writes `chunk` on, pausing `from` while `to` is full. */
  private forward(pair: Pair, chunk: Buffer, from: net.Socket, to: net.Socket): void {
    if (to.destroyed) return;
    if (!to.write(chunk)) {
      from.pause();
      to.once("drain", () => {
        if (!pair.frozen) from.resume();
      });
    }
  }

  private cut(pair: Pair): void {
    pair.cut = true;
    pair.client.destroy();
    pair.upstream.destroy();
  }
}

/** A copy of `kubeConfig` whose current cluster points at `server` (same CA, credentials and context). */
export function redirectKubeConfig(kubeConfig: KubeConfigLike, server: string): KubeConfigLike {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new ConfigError("the kubeconfig has no current cluster");
  const copy = new KubeConfig();
  copy.loadFromOptions({
    // The entries are client-node's own when the kubeconfig is one (every kubeconfig ark-sdk hands out is).
    clusters: kubeConfig.getClusters().map((c) => (c.name === cluster.name ? { ...c, server } : c)) as Cluster[],
    users: kubeConfig.getUsers() as User[],
    contexts: kubeConfig.getContexts() as Context[],
    currentContext: kubeConfig.getCurrentContext(),
  });
  return copy;
}
