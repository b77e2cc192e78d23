import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { linkAbort, onAbort } from "../../src/core/abort.js";

const listeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

describe("onAbort", () => {
  it("calls the listener once with the reason, and its remover detaches it", () => {
    const parent = new AbortController();
    const seen: unknown[] = [];
    const remove = onAbort(parent.signal, (reason) => seen.push(reason));
    assert.equal(listeners(parent.signal), 1);
    remove();
    assert.equal(listeners(parent.signal), 0);
    parent.abort("late");
    assert.deepEqual(seen, []);

    const again = new AbortController();
    const reasons: unknown[] = [];
    onAbort(again.signal, (reason) => reasons.push(reason));
    again.abort("why");
    again.abort("twice");
    assert.deepEqual(reasons, ["why"]);
  });

  it("calls the listener at once for an aborted signal and adds no listener", () => {
    const seen: unknown[] = [];
    const signal = AbortSignal.abort("already");
    onAbort(signal, (reason) => seen.push(reason))();
    assert.deepEqual(seen, ["already"]);
    assert.equal(listeners(signal), 0);
    assert.doesNotThrow(() => onAbort(undefined, () => assert.fail("no signal, no call"))());
  });
});

describe("linkAbort", () => {
  it("aborts with the first parent's reason, and detaches from every parent", () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = linkAbort([a.signal, undefined, b.signal]);
    assert.equal(listeners(a.signal), 1);
    assert.equal(listeners(b.signal), 1);
    b.abort("b went");
    a.abort("a went");
    assert.equal(link.signal.reason, "b went");
    assert.equal(listeners(a.signal), 0, "the link detaches from the other parent once aborted");
    assert.equal(listeners(b.signal), 0);
  });

  it("starts aborted when a parent already is, without listening to the rest", () => {
    const live = new AbortController();
    const link = linkAbort([AbortSignal.abort("gone"), live.signal], { timeoutMs: 1 });
    assert.equal(link.signal.reason, "gone");
    assert.equal(listeners(live.signal), 0);
  });

  it("close() leaves a long-lived parent with no listener, however many links came and went", () => {
    const parent = new AbortController();
    for (let i = 0; i < 1_000; i++) linkAbort([parent.signal], { timeoutMs: 60_000 }).close();
    assert.equal(listeners(parent.signal), 0);
    parent.abort();
  });

  it("times out with the given reason, or a TimeoutError DOMException by default", async () => {
    const reason = new Error("too slow");
    const parent = new AbortController();
    const custom = linkAbort([parent.signal], { timeoutMs: 5, timeoutReason: () => reason });
    const plain = linkAbort([], { timeoutMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(custom.signal.reason, reason);
    assert.equal(listeners(parent.signal), 0, "a timed-out link detaches from its parents");
    assert.ok(plain.signal.reason instanceof DOMException);
    assert.equal((plain.signal.reason as DOMException).name, "TimeoutError");
  });

  it("close() stops the timer; abort() aborts the link only; a timeout past setTimeout's range does not fire at once", async () => {
    const closed = linkAbort([], { timeoutMs: 5 });
    closed.close();
    const huge = linkAbort([], { timeoutMs: Number.MAX_SAFE_INTEGER });
    const parent = new AbortController();
    const own = linkAbort([parent.signal]);
    own.abort("mine");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed.signal.aborted, false);
    assert.equal(huge.signal.aborted, false);
    huge.close();
    assert.equal(own.signal.reason, "mine");
    assert.equal(parent.signal.aborted, false);
    assert.equal(listeners(parent.signal), 0);
  });
});
