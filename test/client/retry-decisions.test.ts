// The transport's retry rules, one by one: which failures may be sent again (a write only when the server provably
// did not act), what the server's Retry-After adds to the pause, and when attempts or the deadline end the retries.
// Transport tests on loopback servers (transport.test.ts) check that Transport applies these rules end to end.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeApiError } from "../../src/client/errors.js";
import { NEVER_SENT_CODES, RETRYABLE_STATUS, afterConnectionFailure, afterErrorAnswer, retryPause } from "../../src/client/retry-decisions.js";

const request = { method: "POST", path: "/apis/ark.mckinsey.com/v1alpha1/namespaces/ns/agents", kind: "Agent" };
const status = (code: number, reason: string, details?: Record<string, unknown>) =>
  JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message: `m-${reason}`, ...(details ? { details } : {}) });
const answer = (code: number, body: string, retryAfter?: string) => ({ error: decodeApiError(code, body, retryAfter, request), retryAfter });

describe("afterConnectionFailure", () => {
  it("resends a write only when the connection failed before the request left", () => {
    assert.deepEqual([...NEVER_SENT_CODES].sort(), ["EAI_AGAIN", "ECONNREFUSED", "ENOTFOUND", "UND_ERR_CONNECT_TIMEOUT"]);
    for (const code of NEVER_SENT_CODES) assert.equal(afterConnectionFailure(code, false), "retry", `a write refused with ${code} never left`);
    for (const code of ["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT", undefined]) {
      assert.equal(afterConnectionFailure(code, false), "ambiguous", `a write cut off with ${code} may have been applied`);
    }
  });

  it("resends a read after any connection failure", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "UND_ERR_SOCKET", undefined]) assert.equal(afterConnectionFailure(code, true), "retry");
  });
});

describe("afterErrorAnswer", () => {
  const decide = (code: number, body: string, idempotent: boolean, retryAfter?: string) => {
    const a = answer(code, body, retryAfter);
    return afterErrorAnswer(a.error, idempotent, a.retryAfter);
  };

  it("resends any call the server did not act on: 429, a 5xx with Retry-After, a 404 without a Status body", () => {
    assert.deepEqual(decide(429, status(429, "TooManyRequests"), false, "3"), { retryAfterSeconds: 3 });
    assert.deepEqual(decide(429, status(429, "TooManyRequests"), false), { retryAfterSeconds: undefined });
    assert.deepEqual(decide(429, status(429, "TooManyRequests", { retryAfterSeconds: 7 }), false), { retryAfterSeconds: 7 });
    assert.deepEqual(decide(503, status(503, "ServiceUnavailable"), false, "2"), { retryAfterSeconds: 2 });
    assert.deepEqual(decide(500, status(500, "InternalError", { retryAfterSeconds: 4 }), false), { retryAfterSeconds: 4 });
    assert.deepEqual(decide(500, status(500, "InternalError", { retryAfterSeconds: 4 }), false, "1"), { retryAfterSeconds: 1 }, "the header wins over the body");
    assert.deepEqual(decide(404, "404 page not found", false), { retryAfterSeconds: undefined }, "no route yet: not acted on");
  });

  it("resends a read, never a write, after a 502, 503 or 504 without Retry-After", () => {
    assert.deepEqual([...RETRYABLE_STATUS].sort(), [502, 503, 504]);
    for (const code of [502, 503, 504]) {
      assert.deepEqual(decide(code, status(code, "ServiceUnavailable"), true), { retryAfterSeconds: undefined }, `a read after ${code}`);
      assert.equal(decide(code, status(code, "ServiceUnavailable"), false), undefined, `a write after ${code} may have been applied`);
    }
    assert.equal(decide(500, status(500, "InternalError"), true), undefined, "a 500 without Retry-After is not transient");
    assert.equal(decide(501, "", true), undefined);
  });

  it("never resends a call the server refused on its merits", () => {
    for (const [code, reason] of [[400, "BadRequest"], [401, "Unauthorized"], [403, "Forbidden"], [404, "NotFound"], [409, "AlreadyExists"], [409, "Conflict"], [410, "Expired"], [422, "Invalid"]] as const) {
      assert.equal(decide(code, status(code, reason), true), undefined, `a read answered ${code} ${reason}`);
      assert.equal(decide(code, status(code, reason), false), undefined, `a write answered ${code} ${reason}`);
    }
    assert.equal(decide(400, status(400, "BadRequest"), true, "5"), undefined, "Retry-After on a 4xx other than 429 does not make it transient");
  });
});

describe("retryPause", () => {
  const policy = { attempts: 4, initialMs: 100, maxMs: 1_000, jitter: 0.5 };
  const none = () => 0;
  const most = () => 0.999_999;

  it("backs off exponentially up to maxMs, with jitter taking up to half of each pause", () => {
    assert.equal(retryPause(1, policy, undefined, 0, Infinity, none), 100);
    assert.equal(retryPause(2, policy, undefined, 0, Infinity, none), 200);
    assert.equal(retryPause(3, policy, undefined, 0, Infinity, none), 400);
    assert.equal(retryPause(3, { ...policy, attempts: 10 }, undefined, 0, Infinity, none), 400);
    assert.equal(retryPause(9, { ...policy, attempts: 10 }, undefined, 0, Infinity, none), 1_000, "capped at maxMs");
    assert.ok(Math.abs((retryPause(1, policy, undefined, 0, Infinity, most) ?? 0) - 50) < 0.01, "jitter 0.5 halves at most");
  });

  it("stops when the attempts are used up", () => {
    assert.notEqual(retryPause(3, policy, undefined, 0, Infinity, none), undefined, "attempt 3 of 4 may retry");
    assert.equal(retryPause(4, policy, undefined, 0, Infinity, none), undefined, "attempt 4 of 4 was the last");
    assert.equal(retryPause(1, { ...policy, attempts: 1 }, undefined, 0, Infinity, none), undefined, "attempts: 1 disables retries");
  });

  it("waits at least as long as the server's Retry-After", () => {
    assert.equal(retryPause(1, policy, 3, 0, Infinity, none), 3_000);
    assert.equal(retryPause(3, policy, 0.1, 0, Infinity, none), 400, "a shorter Retry-After does not shorten the backoff");
    assert.equal(retryPause(1, policy, 0, 0, Infinity, none), 100);
  });

  it("gives up rather than sleep past the call's deadline", () => {
    assert.equal(retryPause(1, policy, undefined, 1_000, 1_101, none), 100, "ends before the deadline");
    assert.equal(retryPause(1, policy, undefined, 1_000, 1_100, none), undefined, "would end at the deadline");
    assert.equal(retryPause(1, policy, 5, 1_000, 5_000, none), undefined, "Retry-After reaches past the deadline");
  });
});
