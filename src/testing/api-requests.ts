/**
 * Minimal JSON-over-HTTPS requests for the control plane's own bookkeeping
 * (readiness, CRD installation). Users talk to the plane through ArkClient or
 * any Kubernetes client; this file only serves the testing kit.
 */
import { Agent, request } from "undici";

/** A JSON response: status code and parsed body (undefined when not JSON). */
export interface JsonResponse {
  status: number;
  body: unknown;
  text: string;
}

/** An authenticated connection to one API server. */
export class ApiConnection {
  private readonly agent: Agent;

  constructor(
    readonly server: string,
    ca: string | Buffer,
    private readonly token: string,
  ) {
    this.agent = new Agent({ connect: { ca, timeout: 5_000 }, keepAliveTimeout: 10_000 });
  }

  /** Sends one request; network errors propagate, HTTP errors come back as statuses. */
  async send(method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH", path: string, body?: unknown, contentType = "application/json", signal?: AbortSignal): Promise<JsonResponse> {
    const res = await request(new URL(path, this.server), {
      method,
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${this.token}`, accept: "application/json", ...(body !== undefined ? { "content-type": contentType } : {}) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      signal,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await res.body.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.statusCode, body: parsed, text };
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}
