// Pure wire logic: QueryRef rules, Go durations, the controller's exact request bytes, response reading,
// message/usage conversions, templating, condition merging, streaming config, trace headers.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { QUERY_EXTENSION_METADATA_KEY, QUERY_EXTENSION_URI, buildMessageSendBody, encodeGoJson, extractQueryRef, fromWireMessage, readEngineResponse, subTargetConversationId, toWireMessage, toWireTokenUsage } from "ark-sdk/protocol";
import { QueryRefError, WireFormatError, renderTemplate } from "ark-sdk/executor";
import { fromWireRequest, toWireRequest } from "../../src/executor/types.js";
import { goDurationToSeconds, parseGoDuration } from "ark-sdk";
import { mergeCondition } from "../../src/ark/query-status.js";
import { parseStreamingConfig } from "../../src/ark/broker-discovery.js";
import type { Condition } from "ark-sdk";
import { parseBaggage, parseTraceparent } from "../../src/executor/telemetry.js";
import { parseJsonRpcRequest, JsonRpcError } from "../../src/protocol/jsonrpc.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("query extension constants", () => {
  it("match ARK's extension URI and metadata key", () => {
    assert.equal(QUERY_EXTENSION_URI, "https://github.com/mckinsey/agents-at-scale-ark/tree/main/ark/api/extensions/query/v1");
    assert.equal(QUERY_EXTENSION_METADATA_KEY, `${QUERY_EXTENSION_URI}/ref`);
  });
});

describe("extractQueryRef", () => {
  const meta = (ref: unknown) => ({ [QUERY_EXTENSION_METADATA_KEY]: ref });
  const refError = (metadata: unknown, field: string, text: string) =>
    assert.throws(() => extractQueryRef(metadata), (e: unknown) => e instanceof QueryRefError && e.field === field && e.message.includes(text));

  it("reads a top-level reference", () => {
    assert.deepEqual(extractQueryRef(meta({ name: "q", namespace: "ns" })), { name: "q", namespace: "ns", conversationId: "" });
  });
  it("reads a sub-target reference with its conversation", () => {
    assert.deepEqual(extractQueryRef(meta({ name: "q", namespace: "ns", target: { type: "agent", name: "a" }, conversationId: "c1" })), {
      name: "q", namespace: "ns", target: { type: "agent", name: "a" }, conversationId: "c1",
    });
  });
  it("ignores unknown fields (newer ARK versions may add some)", () => {
    assert.equal(extractQueryRef(meta({ name: "q", namespace: "ns", future: 1 })).name, "q");
  });
  it("rejects missing or non-object metadata with Python's message", () => {
    refError(undefined, "metadata", `Missing or invalid Ark query extension metadata at key '${QUERY_EXTENSION_METADATA_KEY}'`);
    refError(null, "metadata", "Missing or invalid");
    refError({}, "metadata", "Missing or invalid");
    refError(meta("q"), "metadata", "Missing or invalid");
    refError(meta([1]), "metadata", "Missing or invalid");
  });
  it("rejects a missing name or namespace", () => {
    refError(meta({ namespace: "ns" }), "name", "QueryRef must contain 'name' and 'namespace', got: {\"namespace\":\"ns\"}");
    refError(meta({ name: "q" }), "namespace", "QueryRef must contain 'name' and 'namespace'");
    refError(meta({ name: "", namespace: "ns" }), "name", "QueryRef must contain");
    refError(meta({ name: 7, namespace: "ns" }), "name", "QueryRef must contain");
  });
  it("rejects a malformed target", () => {
    refError(meta({ name: "q", namespace: "ns", target: "agent" }), "target", "QueryRef 'target' must be an object, got: \"agent\"");
    refError(meta({ name: "q", namespace: "ns", target: { type: "agent" } }), "target", "QueryRef 'target' must contain 'type' and 'name'");
  });
  it("rejects a non-string conversationId", () => {
    refError(meta({ name: "q", namespace: "ns", conversationId: 5 }), "conversationId", "QueryRef 'conversationId' must be a string, got: 5");
  });
});

describe("Go durations", () => {
  it("parses what ARK writes, as Go does", () => {
    const cases: [string, number][] = [
      ["1h", 3_600_000], ["720h0m0s", 2_592_000_000], ["1h30m", 5_400_000], ["90s", 90_000], ["500ms", 500],
      ["1.5h", 5_400_000], ["1.1s", 1100], ["250us", 0.25], ["250µs", 0.25], ["10ns", 0.00001], [".5s", 500], ["0", 0], ["+2m", 120_000], ["-0s", 0],
    ];
    for (const [input, ms] of cases) assert.equal(parseGoDuration(input), ms, input);
  });
  it("rejects negatives, missing units, unknown units and garbage", () => {
    for (const bad of ["-1s", "-5m30s", "5", "", "1x", "1d", "s", ".s", "1h-2m", "1 h"]) {
      assert.throws(() => parseGoDuration(bad), /invalid duration/, bad);
    }
    assert.throws(() => parseGoDuration("-1s"), /negative durations are not allowed/);
    assert.throws(() => parseGoDuration("5"), /missing unit/);
  });
  it("rounds TTLs up to whole seconds and treats zero/empty as no TTL", () => {
    assert.equal(goDurationToSeconds("720h0m0s"), 2_592_000);
    assert.equal(goDurationToSeconds("500ms"), 1);
    assert.equal(goDurationToSeconds("0s"), undefined);
    assert.equal(goDurationToSeconds(""), undefined);
    assert.equal(goDurationToSeconds(undefined), undefined);
  });
});

describe("the controller's request", () => {
  it("is byte-identical to the golden top-level request (Go field order, HTML escaping, null acceptedOutputModes)", () => {
    const body = buildMessageSendBody({
      queryName: "weather-query", namespace: "team-a", input: "Is 2 < 3 & why?", contextId: "conv-123",
      rpcId: "3f1c0c9e-5a57-4d5e-9a54-2f1d6b0f7a11", messageId: "msg-7c9e6679-7425-40de-944b-e07fc1f90ae7",
    });
    assert.equal(body, fixture("controller-message-send.json"));
  });
  it("omits contextId when the Query has no conversation", () => {
    const body = buildMessageSendBody({
      queryName: "weather-query", namespace: "team-a", input: "hello",
      rpcId: "0b6f3c55-8f0e-4c0e-9d7b-3b8f1e4f2a90", messageId: "msg-1d3b2a40-7f5e-4c8e-a3c1-5e9f0b7d6c21",
    });
    assert.equal(body, fixture("controller-message-send-no-context.json"));
  });
  it("adds target and the member's conversation scope for sub-targets", () => {
    const conversationId = subTargetConversationId("team-a", "parent-ctx-9", "member-a");
    assert.match(conversationId, /^[0-9a-f]{32}$/);
    const body = buildMessageSendBody({
      queryName: "team-query", namespace: "team-a", input: "# user:\nplan a trip\n\nplan a trip", contextId: "parent-ctx-9",
      target: { type: "agent", name: "member-a" }, conversationId,
      rpcId: "6e2d9f1a-3c4b-4a5d-8e7f-9a0b1c2d3e4f", messageId: "msg-a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d",
    });
    assert.equal(body, fixture("controller-message-send-subtarget.json"));
  });
  it("generates Go-style ids when none are given", () => {
    const sent = JSON.parse(buildMessageSendBody({ queryName: "q", namespace: "n", input: "x" })) as { id: string; params: { message: { messageId: string } } };
    assert.match(sent.id, /^[0-9a-f-]{36}$/);
    assert.match(sent.params.message.messageId, /^msg-[0-9a-f-]{36}$/);
  });
  it("escapes like Go's json.Marshal", () => {
    assert.equal(encodeGoJson({ t: "<a href='x'>&</a>\u2028" }), '{"t":"\\u003ca href=\'x\'\\u003e\\u0026\\u003c/a\\u003e\\u2028"}');
  });
});

describe("readEngineResponse (the controller's reading of an answer)", () => {
  it("reads content, conversation, raw messages and token usage from the golden answer", () => {
    const outcome = readEngineResponse(JSON.parse(fixture("engine-response.json")));
    assert.equal(outcome.kind, "message");
    if (outcome.kind !== "message") return;
    assert.equal(outcome.content, "echo: Is 2 < 3 & why?");
    assert.equal(outcome.conversationId, "conv-123");
    assert.deepEqual(outcome.tokenUsage, { promptTokens: 12, completionTokens: 5, totalTokens: 17, cachedTokens: 3 });
    assert.equal((JSON.parse(outcome.raw) as unknown[]).length, 3);
    assert.deepEqual(outcome.a2a, { contextId: "conv-123" });
  });
  it("falls back to one assistant message and ignores zero usage", () => {
    const outcome = readEngineResponse({
      jsonrpc: "2.0", id: 1,
      result: { kind: "message", role: "agent", messageId: "m", contextId: "c", parts: [{ kind: "text", text: "hi" }],
        metadata: { [QUERY_EXTENSION_METADATA_KEY]: { tokenUsage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } } } },
    });
    assert.equal(outcome.kind, "message");
    if (outcome.kind !== "message") return;
    assert.equal(outcome.raw, '[{"role":"assistant","content":"hi"}]');
    assert.equal(outcome.tokenUsage, undefined);
    assert.equal(outcome.conversationId, "c");
  });
  it("turns JSON-RPC errors into failures with Go's message form (W2)", () => {
    assert.deepEqual(readEngineResponse({ jsonrpc: "2.0", id: 1, error: { code: -32011, message: "Execution failed: boom" } }), {
      kind: "error", code: -32011, message: "a2aClient.SendMessage: jsonrpc error -32011: Execution failed: boom",
    });
    assert.equal(readEngineResponse({ jsonrpc: "2.0", id: 1 }).kind, "error");
    assert.equal(readEngineResponse("nope").kind, "error");
  });
  it("reports a Task (human in the loop at top level)", () => {
    const outcome = readEngineResponse({ jsonrpc: "2.0", id: 1, result: { kind: "task", id: "t", contextId: "c", status: { state: "input-required" }, artifacts: [{ artifactId: "a", parts: [{ kind: "text", text: "approve?" }] }] } });
    assert.equal(outcome.kind, "task");
    if (outcome.kind === "task") assert.equal(outcome.content, "approve?");
  });
});

describe("messages on the wire", () => {
  it("uses OpenAI names, drops an empty name and keeps extra fields", () => {
    assert.deepEqual(
      toWireMessage({ role: "assistant", content: "", name: "", toolCalls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }], reasoning: "r" }),
      { reasoning: "r", role: "assistant", content: "", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
    );
    assert.deepEqual(toWireMessage({ role: "tool", content: "ok", toolCallId: "c" }), { role: "tool", content: "ok", tool_call_id: "c" });
  });
  it("reads both spellings, null content and object arguments", () => {
    const m = fromWireMessage({ role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: { a: 1 } } }], extra: true });
    assert.deepEqual(m, { extra: true, role: "assistant", content: "", toolCalls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"a":1}' } }] });
    assert.throws(() => fromWireMessage({ role: "user", content: 3 }), (e: unknown) => e instanceof WireFormatError && e.path === "message.content");
    assert.throws(() => fromWireMessage({ content: "x" }), (e: unknown) => e instanceof WireFormatError && e.path === "message.role");
  });
  it("writes token usage in ARK's snake_case", () => {
    assert.deepEqual(toWireTokenUsage({ promptTokens: 1, completionTokens: 2, totalTokens: 3 }), { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, cached_tokens: 0 });
  });
});

describe("ExecutionEngineRequest on the wire (/execute)", () => {
  it("round-trips the Python SDK's field names", () => {
    const wire = {
      agent: { name: "a", namespace: "ns", prompt: "p", description: "", parameters: [{ name: "x", value: "1" }], model: { name: "gpt", type: "openai", config: { openai: { apiKey: "k" } } }, labels: {}, annotations: {} },
      userInput: { role: "user", content: "hi" },
      mcpServers: [{ name: "m", url: "http://m", transport: "http", timeout: "30s", headers: {}, tools: ["t"] }],
      conversationId: "c",
      query_annotations: { a: "b" },
      execution_engine_annotations: {},
      message_ttl_seconds: 60,
    };
    const request = fromWireRequest(wire);
    assert.equal(request.messageTtlSeconds, 60);
    assert.deepEqual(request.queryAnnotations, { a: "b" });
    assert.deepEqual(toWireRequest(request), wire);
  });
  it("accepts the older form (history, tools) and names bad fields", () => {
    const request = fromWireRequest({ agent: { name: "a" }, userInput: { role: "user", content: "hi" }, history: [{ role: "user", content: "before" }], tools: [{ name: "t", description: "d", parameters: { type: "object" } }] });
    assert.equal(request.history?.length, 1);
    assert.equal(request.tools?.[0]?.name, "t");
    assert.deepEqual(request.agent.model, { name: "", type: "", config: {} });
    assert.throws(() => fromWireRequest({ userInput: { role: "user", content: "x" } }), (e: unknown) => e instanceof WireFormatError && e.path === "agent");
    assert.throws(() => fromWireRequest({ agent: { name: "a", parameters: [{ value: "v" }] }, userInput: { role: "user", content: "x" } }), (e: unknown) => e instanceof WireFormatError && e.path === "agent.parameters[0].name");
    assert.throws(() => fromWireRequest({ agent: { name: "a" }, userInput: { role: "user", content: "x" }, message_ttl_seconds: -1 }), /message_ttl_seconds/);
  });
});

describe("renderTemplate", () => {
  it("substitutes ARK's Go-template fields and the Python form for declared names only", () => {
    const params = [{ name: "city", value: "Paris" }, { name: "unit", value: "C" }];
    assert.equal(renderTemplate("Weather in {{.city}} ({{ .unit }}), {city}; keep {{.other}} and {\"json\": 1}", params), "Weather in Paris (C), Paris; keep {{.other}} and {\"json\": 1}");
    assert.equal(renderTemplate("no params {{.x}}", []), "no params {{.x}}");
  });
});

describe("mergeCondition", () => {
  const c = (type: string, status: Condition["status"], reason: string, time = "2026-01-01T00:00:00Z"): Condition => ({ type, status, reason, message: "", lastTransitionTime: time });
  it("replaces the condition of the same type and keeps the others (Python replaced them all)", () => {
    const merged = mergeCondition([c("MemoryUnavailable", "True", "NoMemoryBackend"), c("Completed", "False", "QueryRunning")], c("Completed", "False", "ExecutorProvisioning", "2026-02-02T00:00:00Z"));
    assert.equal(merged.length, 2);
    assert.deepEqual(merged[0], c("MemoryUnavailable", "True", "NoMemoryBackend"));
    assert.equal(merged[1]?.reason, "ExecutorProvisioning");
    assert.equal(merged[1]?.lastTransitionTime, "2026-01-01T00:00:00Z", "status unchanged: transition time kept");
    assert.equal(mergeCondition([], c("Completed", "False", "X")).length, 1);
  });
});

describe("streaming config", () => {
  it("W12: parses ark-config-streaming as ARK does (port optional, a name required only when enabled)", () => {
    assert.deepEqual(parseStreamingConfig({ enabled: "True", serviceRef: "name: ark-broker\nport: http\nnamespace: ark-system\n" }), {
      enabled: true, serviceRef: { name: "ark-broker", port: "http", namespace: "ark-system" },
    });
    assert.equal(parseStreamingConfig({ enabled: "false", serviceRef: "name: b\nport: 80" }).enabled, false);
    assert.deepEqual(parseStreamingConfig({ enabled: "true", serviceRef: "name: b" }).serviceRef, { name: "b", port: "" }, "no port: the Service's first port");
    assert.throws(() => parseStreamingConfig({ enabled: "true", serviceRef: "port: http" }), /serviceRef must have a name/);
    assert.equal(parseStreamingConfig({ enabled: "false" }).enabled, false);
  });
});

describe("trace context headers", () => {
  it("reads W3C traceparent and baggage", () => {
    assert.deepEqual(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true });
    assert.equal(parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), undefined);
    assert.equal(parseTraceparent("garbage"), undefined);
    assert.deepEqual(parseBaggage("ark.session.id=abc%20d;prop=1, user = x,bad"), { "ark.session.id": "abc d", user: "x" });
  });
});

describe("JSON-RPC envelope", () => {
  const code = (body: string) => {
    try {
      parseJsonRpcRequest(body);
      return 0;
    } catch (e) {
      return e instanceof JsonRpcError ? e.code : -1;
    }
  };
  it("classifies malformed JSON, bad versions, batches and missing ids", () => {
    assert.equal(code("{nope"), -32700);
    assert.equal(code('{"jsonrpc":"1.0","id":1,"method":"x"}'), -32600);
    assert.equal(code('[{"jsonrpc":"2.0","id":1,"method":"x"}]'), -32600);
    assert.equal(code('{"jsonrpc":"2.0","method":"x"}'), -32600);
    assert.equal(code('{"jsonrpc":"2.0","id":{},"method":"x"}'), -32600);
    assert.equal(code('{"jsonrpc":"2.0","id":"a","method":"x"}'), 0);
  });
});
