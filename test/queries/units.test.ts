// Pure pieces of the query workflows: request building and its errors, result reading, chunk reading with
// tool-call accumulation, the dispatcher's status shapes, Go durations, templates and approval decisions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArgumentError, approvalDecisionOf, isQuerySettled, readQueryResult, type A2ATask, type Condition, type Query } from "ark-sdk";
import { ChunkReader } from "../../src/ark/query-stream.js";
import { buildQuery } from "../../src/ark/query-request.js";
import { statusWithOutcome, completedCondition, errorResponse, formatGoDuration } from "../../src/dev/dispatcher-status.js";
import { fillTemplate } from "../../src/dev/dispatcher-input.js";
import { cascadeCount, phaseOfState, settleApproval } from "../../src/dev/dispatcher-approvals.js";

const query = (status: Query["status"], spec: Partial<Query["spec"]> = {}): Query => ({
  apiVersion: "ark.mckinsey.com/v1alpha1",
  kind: "Query",
  metadata: { name: "q1", namespace: "ns" },
  spec: { input: "hi", ...spec },
  status,
});

describe("buildQuery", () => {
  it("builds the Query ARK expects", () => {
    const built = buildQuery({ input: "Hi {{.name}}", target: { type: "agent", name: "Greeter_1" }, parameters: { name: "Ada" }, timeoutMs: 1500, conversationId: "c-1" });
    assert.deepEqual(built, {
      metadata: { generateName: "greeter-1-", annotations: { "ark.mckinsey.com/streaming-enabled": "true" } },
      spec: { input: "Hi {{.name}}", target: { type: "agent", name: "Greeter_1" }, parameters: [{ name: "name", value: "Ada" }], timeout: "1500ms", conversationId: "c-1" },
    });
    const named = buildQuery({ input: "x", target: { type: "team", name: "t" }, name: "mine", streaming: false, timeout: "2m" });
    assert.deepEqual(named.metadata, { name: "mine" });
    assert.equal(named.spec.timeout, "2m");
  });

  it("names the bad field", () => {
    const cases: [unknown, RegExp][] = [
      [{ input: "x" }, /^target: is required/],
      [{ input: "x", target: { type: "agent", name: "" } }, /^target\.name: must be a non-empty string/],
      [{ input: ["x"], target: { type: "agent", name: "a" } }, /^input: must be a string, got object/],
      [{ input: "x", target: { type: "agent", name: "a" }, timeoutMs: -5 }, /^timeoutMs: must be a positive number/],
      [{ input: "x", target: { type: "agent", name: "a" }, timeout: 5000 }, /^timeout: must be a Go duration string.*use timeoutMs/],
      [{ input: "x", target: { type: "agent", name: "a" }, timeout: "5s", timeoutMs: 5000 }, /^timeoutMs: give timeout .* not both/],
      [{ input: "x", target: { type: "agent", name: "a" }, timeout: "5 minutes" }, /^timeout: /],
      [{ input: "x", target: { type: "agent", name: "a" }, timeout: "0s" }, /^timeout: must be longer than zero/],
      [{ input: "x", target: { type: "agent", name: "a" }, parameters: { n: 3 } }, /^parameters\.n: must be a string, got number/],
      [{ input: "x", target: { type: "agent", name: "a" }, parameters: [{ value: "v" }] }, /^parameters\[0\]\.name: must be a non-empty string/],
    ];
    for (const [request, message] of cases) {
      assert.throws(() => buildQuery(request as Parameters<typeof buildQuery>[0]), (e: unknown) => e instanceof ArgumentError && message.test(e.message), String(message));
    }
  });
});

describe("readQueryResult", () => {
  it("reads content, raw, usage (absent counters 0), duration and conversation", () => {
    const result = readQueryResult(
      query({
        phase: "done",
        duration: "1m2.5s",
        conversationId: "conv",
        tokenUsage: { promptTokens: 4, totalTokens: 6 },
        response: { content: "Hi", raw: '[{"role":"assistant","content":"Hi"}]', phase: "done" },
      }),
    );
    assert.equal(result.content, "Hi");
    assert.deepEqual(result.raw, [{ role: "assistant", content: "Hi" }]);
    assert.deepEqual(result.tokenUsage, { promptTokens: 4, completionTokens: 0, totalTokens: 6, cachedTokens: 0 });
    assert.equal(result.durationMs, 62_500);
    assert.equal(result.conversationId, "conv");
  });

  it("keeps raw text it cannot parse, and reports no usage when none was spent", () => {
    const result = readQueryResult(query({ phase: "input-required", response: { raw: "{}" }, tokenUsage: {} }));
    assert.deepEqual(result.raw, []);
    assert.equal(result.rawText, "{}");
    assert.equal(result.tokenUsage, undefined);
    assert.equal(result.phase, "input-required");
    assert.equal(readQueryResult(query(undefined)).phase, "pending");
  });

  it("knows which phases end a wait", () => {
    for (const phase of ["done", "error", "canceled", "input-required"]) assert.equal(isQuerySettled(query({ phase })), true, phase);
    for (const phase of ["pending", "queued", "provisioning", "running", "something-new"]) assert.equal(isQuerySettled(query({ phase })), false, phase);
  });
});

describe("ChunkReader", () => {
  it("turns broker chunks into text, tool calls accumulated by index, and errors", () => {
    const reader = new ChunkReader();
    const chunk = (delta: Record<string, unknown>) => ({ object: "chat.completion.chunk", choices: [{ index: 0, delta }], ark: { agent: "a1" } });
    assert.deepEqual(reader.read(chunk({ content: "Hel" })), [{ type: "text", text: "Hel", agent: "a1" }]);
    assert.deepEqual(reader.read(chunk({ content: "", tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "get", arguments: '{"q":' } }] })), [
      { type: "tool-call", index: 0, id: "c1", name: "get", arguments: '{"q":', argumentsDelta: '{"q":', agent: "a1" },
    ]);
    assert.deepEqual(reader.read(chunk({ tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] })), [
      { type: "tool-call", index: 0, id: "c1", name: "get", arguments: '{"q":"x"}', argumentsDelta: '"x"}', agent: "a1" },
    ]);
    assert.deepEqual(reader.read({ id: "chatcmpl-final", choices: [{ delta: { content: "" }, finish_reason: "stop" }], ark: { completedQuery: {} } }), []);
    assert.deepEqual(reader.read({ error: { message: "boom", type: "execution_error" } }), [{ type: "stream-error", message: "boom", errorType: "execution_error" }]);
  });
});

describe("dispatcher status", () => {
  it("formats durations as Go does", () => {
    const cases: [number, string][] = [
      [0, "0s"], [0.0005, "500ns"], [0.0015, "1.5µs"], [1.5, "1.5ms"], [999, "999ms"], [1000, "1s"], [1234.5678, "1.2345678s"],
      [60_000, "1m0s"], [62_500, "1m2.5s"], [3_600_000, "1h0m0s"], [3_723_000, "1h2m3s"],
    ];
    for (const [ms, text] of cases) assert.equal(formatGoDuration(ms), text, String(ms));
  });

  it("writes ARK's response, usage, conversation, duration and conditions", () => {
    const status = statusWithOutcome(query({ phase: "running", conditions: [completedCondition("running", undefined) as Condition] }), {
      phase: "done",
      response: { content: "ok", raw: "[]", phase: "done", target: { type: "agent", name: "a" } },
      tokenUsage: { promptTokens: 1, completionTokens: 2, totalTokens: 3, cachedTokens: 0 },
      conversationId: "c",
      durationMs: 1500,
    });
    assert.equal(status.phase, "done");
    assert.equal(status.duration, "1.5s");
    assert.equal(status.conversationId, "c");
    assert.deepEqual(status.tokenUsage, { promptTokens: 1, completionTokens: 2, totalTokens: 3, cachedTokens: 0 });
    // W4: ARK v0.1.67 persists no MemoryUnavailable condition (its status write re-reads the Query and drops it).
    assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason]), [["Completed", "True", "QuerySucceeded"]]);
    const failed = completedCondition("error", errorResponse(undefined, "engine down"));
    assert.deepEqual([failed?.status, failed?.reason, failed?.message], ["True", "QueryErrored", "engine down"]);
    // W3: an error status without an error response carries the generic text; duration only comes with a result (D6).
    const early = statusWithOutcome(query({ phase: "running" }), { phase: "error", response: errorResponse(undefined, "x"), durationMs: 5 });
    assert.equal(early.duration, undefined);
    assert.equal(errorResponse(undefined, "x").raw, '[{"error":"target_execution_error","message":"x"}]');
  });

  it("fills {{.name}} templates as Go's text/template does (W3: a missing name renders <no value>) and refuses other actions", () => {
    const values = new Map([["who", "Ada"], ["n", "2"]]);
    assert.equal(fillTemplate("Hi {{.who}}, {{ .n }} items,  {{- .who -}}  !", values), "Hi Ada, 2 items,Ada!");
    assert.equal(fillTemplate("Hi {{.nobody}}", values), "Hi <no value>");
    assert.throws(() => fillTemplate("{{if .who}}x{{end}}", values), /unsupported template action \{\{if \.who\}\}/);
  });
});

describe("approval decisions", () => {
  const task = (input: string | undefined, status: A2ATask["status"] = { phase: "input-required" }): A2ATask => ({
    apiVersion: "ark.mckinsey.com/v1alpha1",
    kind: "A2ATask",
    metadata: { name: "a2a-task-1", namespace: "ns" },
    spec: { taskId: "1", queryRef: { name: "q" }, agentRef: { name: "a" }, ...(input === undefined ? {} : { input }) },
    status,
  });

  it("reads the decision and settles the task as ARK's A2ATask controller does", () => {
    assert.equal(approvalDecisionOf(task('{"decision":"approved"}')), "approved");
    assert.equal(approvalDecisionOf(task("not json")), undefined);
    assert.deepEqual(
      [settleApproval(task('{"decision":"approved"}'))?.phase, settleApproval(task('{"decision":"approved"}'))?.conditions?.[0]?.reason],
      ["completed", "ApprovalGranted"],
    );
    const rejected = settleApproval(task('{"decision":"rejected","reason":"no"}'));
    assert.deepEqual([rejected?.phase, rejected?.error, rejected?.conditions?.[0]?.reason], ["failed", "Tool execution rejected by user", "ApprovalRejected"]);
    assert.equal(settleApproval(task('{"decision":"maybe"}'))?.error, "Invalid decision value: maybe");
    assert.match(settleApproval(task("nope"))?.error ?? "", /^Invalid approval decision format/);
    assert.equal(settleApproval(task(undefined)), undefined, "undecided, no timeout");
    assert.equal(settleApproval(task('{"decision":"approved"}', { phase: "completed" })), undefined, "only input-required tasks settle");
  });

  it("applies the engine's approval timeout", () => {
    const started = "2026-01-01T00:00:00Z";
    const waiting = (onTimeout: string) => task(undefined, { phase: "input-required", startTime: started, protocolMetadata: { timeout: "30s", onTimeout } });
    const at = (seconds: number) => Date.parse(started) + seconds * 1000;
    assert.equal(settleApproval(waiting("reject"), at(29)), undefined);
    assert.equal(settleApproval(waiting("reject"), at(30))?.conditions?.[0]?.reason, "ApprovalTimeoutRejected");
    assert.equal(settleApproval(waiting("proceed"), at(31))?.phase, "completed");
  });

  it("maps A2A states to A2ATask phases and reads the cascade count", () => {
    assert.deepEqual(["submitted", "working", "canceled", "rejected", "weird"].map(phaseOfState), ["assigned", "running", "cancelled", "failed", "unknown"]);
    assert.equal(cascadeCount({ "ark.mckinsey.com/approval-cascade-count": "2" }), 2);
    assert.equal(cascadeCount({ "ark.mckinsey.com/approval-cascade-count": "x" }), 0);
    assert.equal(cascadeCount(undefined), 0);
  });
});
