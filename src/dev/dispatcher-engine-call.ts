/**
 * The dispatcher's one call to an engine, as ARK's controller (v0.1.67, with
 * trpc-a2a-go v0.2.5 and Go's `net/http`) makes it: a blocking A2A
 * `message/send` with the exact bytes and headers, posted to the address with
 * a trailing `/`, bounded by `spec.timeout` and by the controller's 5-minute
 * HTTP client ceiling, abortable when the Query is canceled or deleted; every
 * failure worded as Go words it. ARK never sends `tasks/cancel`, so neither
 * does this.
 */

import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { gunzipSync } from "node:zlib";
import {
  CONTROLLER_HTTP_TIMEOUT_MS, CONTROLLER_REQUEST_HEADERS, controllerRequestUrl, readEngineReply, transportFailure, type EngineOutcome,
} from "../protocol/controller-wire.js";
import { onAbort } from "../core/abort.js";
import { errorMessage } from "../core/errors.js";

/** How a `message/send` ended. */
export type EngineCall =
  | { kind: "answered"; outcome: EngineOutcome }
  | { kind: "aborted" };

/** One `message/send`. */
export interface EngineRequest {
  /** The engine's resolved address (`status.lastResolvedAddress`). */
  address: string;
  /** The JSON-RPC body (from `buildMessageSendBody`). */
  body: string;
  /** Its JSON-RPC id (Go names it when the answer has no result). */
  rpcId: string;
  /** The Query's `spec.timeout` in ms. */
  timeoutMs: number;
  /** The controller's hard HTTP ceiling (default 5 minutes, ARK ≤ 0.1.67). */
  ceilingMs?: number;
  /** Extra headers (`traceparent`, `baggage`). */
  headers?: Readonly<Record<string, string>>;
}

interface NodeNetError {
  code?: string;
  address?: string;
  port?: number;
  syscall?: string;
}

/** A Node socket error as Go's `net/http` would word it. */
function goNetCause(error: unknown, url: URL): string {
  const e = (error ?? {}) as NodeNetError;
  const hostPort = e.address ? `${e.address.includes(":") ? `[${e.address}]` : e.address}:${e.port ?? ""}` : url.host;
  switch (e.code) {
    case "ECONNREFUSED":
      return `dial tcp ${hostPort}: connect: connection refused`;
    case "EHOSTUNREACH":
      return `dial tcp ${hostPort}: connect: no route to host`;
    case "ENETUNREACH":
      return `dial tcp ${hostPort}: connect: network is unreachable`;
    case "ETIMEDOUT":
      return `dial tcp ${hostPort}: i/o timeout`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `dial tcp: lookup ${url.hostname}: no such host`;
    case "ECONNRESET":
      return e.syscall === "read" ? `read tcp ${hostPort}: read: connection reset by peer` : "EOF";
    default:
      return errorMessage(error);
  }
}

function readBody(response: IncomingMessage, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("end", () => resolve());
    response.on("error", () => resolve()); // Go logs a failed body read and goes on with what it has
    response.on("close", () => resolve());
  });
}

function decode(response: IncomingMessage, chunks: Buffer[]): string {
  const raw = Buffer.concat(chunks);
  // Go's transport asked for gzip itself, so it also undoes it transparently.
  if (String(response.headers["content-encoding"] ?? "").toLowerCase() === "gzip") {
    try {
      return gunzipSync(raw).toString("utf8");
    } catch {
      return raw.toString("utf8");
    }
  }
  return raw.toString("utf8");
}

/**
 * Posts a `message/send` and reads the answer as ARK's controller does.
 * Never rejects: every failure is an `error` outcome with Go's message, and a
 * canceled call is `aborted`.
 */
export function sendMessage(call: EngineRequest, signal: AbortSignal): Promise<EngineCall> {
  const url = controllerRequestUrl(call.address);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ kind: "answered", outcome: transportFailure(url, `unsupported protocol scheme ""`) });
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    return Promise.resolve({ kind: "answered", outcome: transportFailure(url, `unsupported protocol scheme ${JSON.stringify(target.protocol.slice(0, -1))}`) });
  }
  if (signal.aborted) return Promise.resolve({ kind: "aborted" });
  const ceilingMs = call.ceilingMs ?? CONTROLLER_HTTP_TIMEOUT_MS;
  // The Query's context is created before the HTTP client's timer starts, so on a tie the context wins.
  const bySpec = call.timeoutMs <= ceilingMs;
  const deadlineMs = Math.max(0, bySpec ? call.timeoutMs : ceilingMs);

  return new Promise<EngineCall>((resolve) => {
    let settled = false;
    let headersIn = false;
    const chunks: Buffer[] = [];
    let response: IncomingMessage | undefined;
    const finish = (result: EngineCall) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unlisten();
      resolve(result);
    };
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(target, {
      method: "POST",
      headers: { ...CONTROLLER_REQUEST_HEADERS, ...call.headers, "Content-Length": String(Buffer.byteLength(call.body)) },
    });
    const timer = setTimeout(() => {
      if (headersIn && response) {
        // Go reads the body until its deadline, logs the failed read and decodes what it got.
        finish({ kind: "answered", outcome: readEngineReply({ status: response.statusCode ?? 0, body: decode(response, chunks) }, call.rpcId) });
      } else {
        const cause = bySpec ? "context deadline exceeded" : "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
        finish({ kind: "answered", outcome: transportFailure(url, cause) });
      }
      req.destroy();
    }, deadlineMs);
    const unlisten = onAbort(signal, () => {
      finish({ kind: "aborted" });
      req.destroy();
    });
    req.on("response", (res) => {
      headersIn = true;
      response = res;
      void readBody(res, chunks).then(() => {
        finish({ kind: "answered", outcome: readEngineReply({ status: res.statusCode ?? 0, body: decode(res, chunks) }, call.rpcId) });
      });
    });
    req.on("error", (error) => {
      if (settled) return;
      const hungUp = /socket hang up/i.test(errorMessage(error));
      finish({ kind: "answered", outcome: transportFailure(url, hungUp ? "EOF" : goNetCause(error, target)) });
    });
    req.end(call.body);
  });
}
