/**
 * The one request the control plane sends before a client can exist: is the
 * API server ready (`GET /readyz`)? Everything after it (CRD installation,
 * namespaces) goes through ark-sdk's own client.
 */
import { request } from "node:https";

/** Whether the API server at `server` answers `/readyz` with 200 (false on any error, or after 5 s). */
export function apiServerReady(server: string, caPem: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(new URL("/readyz", server), { ca: caPem, headers: { authorization: `Bearer ${token}` }, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}
