import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ndjsonLine, parseNdjson, splitLines, SSE_DONE_EVENT, sseData, sseEvent } from "../../src/protocol/framing.js";
import { WireFormatError } from "../../src/protocol/errors.js";

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  for (const part of parts) yield part;
}

describe("splitLines", () => {
  it("splits across chunk borders, keeps blank lines, drops \\r, and yields a last line without newline", async () => {
    assert.deepEqual(await collect(splitLines(chunks("a\nb", "c\r\n\n", "d\r\ne"))), ["a", "bc", "", "d", "e"]);
    assert.deepEqual(await collect(splitLines(chunks("x\n"))), ["x"]);
    assert.deepEqual(await collect(splitLines(chunks())), []);
  });

  it("decodes a multi-byte character split between two byte chunks", async () => {
    const bytes = new TextEncoder().encode("é€\n");
    const lines = await collect(splitLines(chunks(bytes.slice(0, 1), bytes.slice(1, 3), bytes.slice(3))));
    assert.deepEqual(lines, ["é€"]);
  });
});

describe("sseData", () => {
  it("joins an event's data lines, skips empty events and comments, and drops an event cut off by the end", async () => {
    const text = ": keep-alive\n\ndata: {\"a\":1}\n\nevent: x\ndata:one\ndata: two\nid: 7\n\ndata:\n\ndata: cut";
    assert.deepEqual(await collect(sseData(splitLines(chunks(text)))), ['{"a":1}', "one\ntwo"]);
  });

  it("reads back what sseEvent and SSE_DONE_EVENT write", async () => {
    const written = sseEvent({ text: "line\nbreak" }) + SSE_DONE_EVENT;
    assert.deepEqual(await collect(sseData(splitLines(chunks(written)))), ['{"text":"line\\nbreak"}', "[DONE]"]);
  });
});

describe("NDJSON", () => {
  it("reads back what ndjsonLine writes, skipping blank lines", () => {
    assert.deepEqual(parseNdjson(`${ndjsonLine({ a: 1 })}\n${ndjsonLine("two")}`), [{ a: 1 }, "two"]);
  });

  it("names the first line that is not JSON", () => {
    assert.throws(() => parseNdjson('{"ok":true}\n\n{broken\n[]'), (error: unknown) => error instanceof WireFormatError && error.path === "line 3");
  });
});
