// The list-watch loop's decisions (src/client/watch-decisions.ts) one rule at a
// time: what each failure leads to, the repeat count that turns a recurring
// server error into a permanent one, the watch request's timeout, and which
// stream lines are refused. (The loop applying them: watch-protocol.test.ts.)
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BadRequestError,
  ClientClosedError,
  ConnectionError,
  ForbiddenError,
  GoneError,
  ServerError,
  ServerTimeoutError,
  TimeoutError,
  TooManyRequestsError,
  TransportError,
} from "../../src/client/errors.js";
import { PERMANENT_ERROR_REPEATS, WatchRestart, afterWatchFailure, parseWatchLine, repeatKey, watchTimeoutSeconds } from "../../src/client/watch-decisions.js";

const server = (status: number, message = "boom") => new ServerError({ status, reason: "InternalError", message });
const api = { status: 403, reason: "Forbidden", message: "no" };

describe("afterWatchFailure", () => {
  it("410 Gone relists, with or without retryAllErrors", () => {
    const gone = new GoneError({ status: 410, reason: "Expired", message: "too old resource version" });
    assert.deepEqual(afterWatchFailure(gone, false, undefined), { action: "relist" });
    assert.deepEqual(afterWatchFailure(gone, true, { key: "500 boom", count: 3 }), { action: "relist" });
  });

  it("a silent stream and an expired continue token reconnect at once; a call's own deadline is a failure to retry", () => {
    assert.deepEqual(afterWatchFailure(new TimeoutError({ message: "idle", timeoutMs: 10, idle: true }), false, undefined), { action: "reconnect" });
    assert.deepEqual(afterWatchFailure(new WatchRestart("continue token expired"), false, undefined), { action: "reconnect" });
    assert.deepEqual(afterWatchFailure(new TimeoutError({ message: "deadline", timeoutMs: 10 }), false, undefined), { action: "retry", repeated: undefined });
  });

  it("a closed client ends the watch even with retryAllErrors", () => {
    const closed = new ClientClosedError({ message: "closed" });
    assert.deepEqual(afterWatchFailure(closed, false, undefined), { action: "throw" });
    assert.deepEqual(afterWatchFailure(closed, true, undefined), { action: "throw" });
  });

  it("transient failures are retried: no answer, 5xx, server timeout, 429", () => {
    for (const error of [
      new ConnectionError({ message: "reset", code: "ECONNRESET" }),
      new TransportError({ message: "bad line" }),
      server(503),
      new ServerTimeoutError({ status: 504, reason: "Timeout", message: "slow" }),
      new TooManyRequestsError({ status: 429, reason: "TooManyRequests", message: "slow down", retryAfter: 1 }),
    ]) {
      assert.deepEqual(afterWatchFailure(error, false, undefined), { action: "retry", repeated: undefined }, error.name);
    }
  });

  it("other errors end the watch, unless retryAllErrors", () => {
    for (const error of [new ForbiddenError(api), new BadRequestError({ ...api, status: 400, reason: "BadRequest" }), new Error("bug"), "not even an error"]) {
      assert.deepEqual(afterWatchFailure(error, false, undefined), { action: "throw" }, String(error));
      assert.deepEqual(afterWatchFailure(error, true, undefined), { action: "retry", repeated: undefined }, String(error));
    }
  });

  it(`the same 500 (or route-less 404) ${PERMANENT_ERROR_REPEATS} times in a row ends the watch; a different one starts counting again`, () => {
    assert.equal(PERMANENT_ERROR_REPEATS, 5);
    let repeated: { key: string; count: number } | undefined;
    for (let count = 1; count < PERMANENT_ERROR_REPEATS; count++) {
      const next = afterWatchFailure(server(500), false, repeated);
      assert.deepEqual(next, { action: "retry", repeated: { key: "500 boom", count } });
      repeated = next.action === "retry" ? next.repeated : undefined;
    }
    assert.deepEqual(afterWatchFailure(server(500), false, repeated), { action: "throw" });
    // retryAllErrors keeps counting but never gives up.
    assert.deepEqual(afterWatchFailure(server(500), true, repeated), { action: "retry", repeated: { key: "500 boom", count: 5 } });
    // Another message, another status: the count restarts.
    assert.deepEqual(afterWatchFailure(server(500, "other"), false, repeated), { action: "retry", repeated: { key: "500 other", count: 1 } });
    assert.deepEqual(afterWatchFailure(server(404, "boom"), false, repeated), { action: "retry", repeated: { key: "404 boom", count: 1 } });
    assert.deepEqual(afterWatchFailure(server(404, "boom"), false, { key: "404 boom", count: 4 }), { action: "throw" });
    // A 503 is not "the same failure": it clears the count.
    assert.deepEqual(afterWatchFailure(server(503), false, { key: "500 boom", count: 4 }), { action: "retry", repeated: undefined });
  });

  it("repeatKey names only 500 and 404 server errors, by status and message", () => {
    assert.equal(repeatKey(server(500, "x")), "500 x");
    assert.equal(repeatKey(server(404, "x")), "404 x");
    assert.equal(repeatKey(server(502, "x")), undefined);
    assert.equal(repeatKey(new ForbiddenError(api)), undefined);
    assert.equal(repeatKey(new Error("x")), undefined);
  });
});

describe("watchTimeoutSeconds", () => {
  it("sends serverTimeoutMs in whole seconds, rounded up, at least 1", () => {
    assert.equal(watchTimeoutSeconds(0), 1);
    assert.equal(watchTimeoutSeconds(1), 1);
    assert.equal(watchTimeoutSeconds(1000), 1);
    assert.equal(watchTimeoutSeconds(1001), 2);
    assert.equal(watchTimeoutSeconds(30_000), 30);
  });

  it("without one, spreads watchers over 300 to 599 s", () => {
    assert.equal(watchTimeoutSeconds(undefined, () => 0), 300);
    assert.equal(watchTimeoutSeconds(undefined, () => 0.5), 450);
    assert.equal(watchTimeoutSeconds(undefined, () => 0.9999), 599);
  });
});

describe("parseWatchLine", () => {
  it("reads an event of each type with its object", () => {
    for (const type of ["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]) {
      const object = { metadata: { name: "a", resourceVersion: "7" } };
      assert.deepEqual(parseWatchLine(JSON.stringify({ type, object }), "Agent"), { type, object });
    }
  });

  it("refuses, as a TransportError naming the kind and the line, anything else", () => {
    const cases: [string, RegExp][] = [
      ["{not json", /^Agent watch sent a line that is not JSON: \{not json$/],
      ["null", /^Agent watch sent an unexpected event: null$/],
      ["[]", /^Agent watch sent an unexpected event: \[\]$/],
      ['{"type":"ADDED"}', /unexpected event: \{"type":"ADDED"\}$/],
      ['{"type":"ADDED","object":null}', /unexpected event/],
      ['{"type":"ADDED","object":"a"}', /unexpected event/],
      ['{"type":"RENAMED","object":{}}', /unexpected event/],
      ['{"type":1,"object":{}}', /unexpected event/],
      ['{"object":{}}', /unexpected event/],
    ];
    for (const [line, message] of cases) {
      assert.throws(() => parseWatchLine(line, "Agent"), (e: unknown) => e instanceof TransportError && message.test(e.message), line);
    }
  });

  it("quotes at most 200 characters of a bad line", () => {
    const line = `x${"y".repeat(500)}`;
    assert.throws(() => parseWatchLine(line, "Agent"), (e: unknown) => e instanceof TransportError && e.message.endsWith(`: ${line.slice(0, 200)}`));
    const event = JSON.stringify({ type: "RENAMED", object: { pad: "z".repeat(500) } });
    assert.throws(() => parseWatchLine(event, "Agent"), (e: unknown) => e instanceof TransportError && e.message.endsWith(`unexpected event: ${event.slice(0, 200)}`));
  });
});
