/**
 * The one request the control plane sends before a client can exist: is the
 * API server ready (`GET /readyz`)? Everything after it (CRD installation,
 * namespaces) goes through ark-sdk's own client.
 */
import { Agent, request } from "node:https";

/** Probes one API server's `/readyz` over a kept-alive connection; `close()` ends the connection. */
export class ReadinessProbe {
  private readonly agent: Agent;

  constructor(
    private readonly server: string,
    caPem: string,
    private readonly token: string,
  ) {
    this.agent = new Agent({ ca: caPem, keepAlive: true });
  }

  /** Whether `/readyz` answers 200 (false on any error, or after 10 s without an answer). */
  ready(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request(new URL("/readyz", this.server), { agent: this.agent, headers: { authorization: `Bearer ${this.token}` }, timeout: 10_000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(false));
      req.end();
    });
  }

  /** Ends the kept-alive connection. */
  close(): void {
    this.agent.destroy();
  }
}
