// The `openai` integration (issue 13: models and the engine test kit), with no network: the real `openai` client
// against ark-sdk's local OpenAI-compatible model server, and engines run directly through runEngine().
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { ModelConfigError, typedModel, parseModelProperty, type ModelConfig } from "ark-sdk/executor";
import { BaseExecutor, type ExecutionContext, type ExecutionEngineRequest, type Message, type ToolConfig } from "ark-sdk/executor";
import { chatParams, fromOpenAIMessages, openAIClientFor, openAITools, runOpenAIToolCalls, toOpenAIMessages } from "ark-sdk/openai";
import { engineRequest, runEngine, startLocalModelServer, testModel, type LocalModelServer } from "ark-sdk/testing";
import { OpenAIChatExecutor } from "../../examples/engines/openai-chat.js";

describe("typedModel", () => {
  it("names each provider's keys and parses properties", () => {
    const model: ModelConfig = {
      name: "gpt-4.1",
      type: "openai",
      config: { openai: { baseUrl: "https://llm.example/v1", apiKey: "sk-1", headers: { "X-Team": "a" }, properties: { temperature: "0.2", max_tokens: "256", stream: "true", user: "ops" } } },
    };
    assert.deepEqual(typedModel(model), {
      provider: "openai", model: "gpt-4.1", baseUrl: "https://llm.example/v1", apiKey: "sk-1", headers: { "X-Team": "a" },
      properties: { temperature: 0.2, max_tokens: 256, stream: true, user: "ops" },
    });
    const azure = typedModel({ name: "dep", type: "azure", config: { azure: { baseUrl: "https://x.openai.azure.com", apiVersion: "2024-10-21", auth: { apiKey: "k" } } } });
    assert.deepEqual(azure, { provider: "azure", model: "dep", baseUrl: "https://x.openai.azure.com", apiKey: "k", apiVersion: "2024-10-21", headers: {}, properties: {} });
    assert.deepEqual(typedModel({ name: "", type: "", config: {} }), { provider: "none" });
    const bedrock = typedModel({ name: "claude", type: "bedrock", config: { bedrock: { region: "eu-west-1", maxTokens: 512, temperature: "0.5" } } });
    assert.equal(bedrock.provider === "bedrock" && bedrock.maxTokens, 512);
    assert.equal(bedrock.provider === "bedrock" && bedrock.temperature, 0.5);
    assert.deepEqual(typedModel({ name: "m", type: "gemini", config: { gemini: { project: "p" } } }), { provider: "other", name: "gemini", model: "m", headers: {}, properties: {}, config: { project: "p" } });
  });

  it("a missing required value is a ModelConfigError naming the key", () => {
    assert.throws(() => typedModel({ name: "m", type: "openai", config: { openai: { apiKey: "k" } } }), (e: unknown) => e instanceof ModelConfigError && e.field === "openai.baseUrl" && e.name === "ModelConfigError");
  });

  it("parses property text like ARK's string values", () => {
    assert.deepEqual(["0.2", "-1", "1e3", ".5", "true", "false", "0x10", "12abc", "", " 7 "].map(parseModelProperty), [0.2, -1, 1000, 0.5, true, false, "0x10", "12abc", "", 7]);
  });
});

describe("openAIClientFor against the local model server", () => {
  let server: LocalModelServer;
  before(async () => {
    server = await startLocalModelServer({ apiKey: "test-key", replies: [] });
  });
  after(async () => {
    await server.close();
  });

  it("passes base URL, key, headers and properties through", async () => {
    server.reply({ content: "Paris.", usage: { promptTokens: 7, completionTokens: 2 } });
    const model: ModelConfig = { name: "test-model", type: "openai", config: { openai: { baseUrl: server.url, apiKey: "test-key", headers: { "X-Team": "forecast" }, properties: { temperature: "0.2" } } } };
    const answer = await openAIClientFor(model).chat.completions.create({ ...chatParams(model), messages: [{ role: "user", content: "Capital of France?" }] });
    assert.equal(answer.choices[0]?.message.content, "Paris.");
    assert.deepEqual(answer.usage, { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
    const seen = server.requests.at(-1)!;
    assert.equal(seen.headers["x-team"], "forecast");
    assert.equal(seen.body.temperature, 0.2);
    assert.equal(seen.body.model, "test-model");
  });

  it("streams text and tool-call arguments split across deltas", async () => {
    server.reply({ content: "Looking it up", toolCalls: [{ id: "call_1", name: "search", arguments: { q: "weather in Paris" } }], chunkSize: 3 });
    const client = new OpenAI({ apiKey: "test-key", baseURL: server.url });
    const stream = await client.chat.completions.create({ model: "test-model", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let args = "";
    let deltas = 0;
    let finish: string | null | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? "";
      for (const call of choice?.delta.tool_calls ?? []) {
        args += call.function?.arguments ?? "";
        deltas++;
      }
      finish = choice?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, "Looking it up");
    assert.deepEqual(JSON.parse(args), { q: "weather in Paris" });
    assert.ok(deltas > 3, `arguments arrive in several deltas (${deltas})`);
    assert.equal(finish, "tool_calls");
    assert.ok(usage, "usage arrives in the last chunk");
  });

  it("answers errors as OpenAI does: 401, 404, 429 with Retry-After", async () => {
    const wrongKey = new OpenAI({ apiKey: "nope", baseURL: server.url, maxRetries: 0 });
    await assert.rejects(wrongKey.chat.completions.create({ model: "m", messages: [] }), (e: unknown) => e instanceof OpenAI.AuthenticationError);
    server.reply({ status: 404, errorMessage: "The model `gpt-9` does not exist" });
    const client = new OpenAI({ apiKey: "test-key", baseURL: server.url, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: "gpt-9", messages: [] }), (e: unknown) => e instanceof OpenAI.NotFoundError && /gpt-9/.test(e.message));
    server.reply({ status: 429, retryAfterSeconds: 0 }, { content: "after the retry" });
    const retrying = new OpenAI({ apiKey: "test-key", baseURL: server.url, maxRetries: 1 });
    const before = server.requests.length;
    const ok = await retrying.chat.completions.create({ model: "m", messages: [] });
    assert.equal(ok.choices[0]?.message.content, "after the retry");
    assert.equal(server.requests.length - before, 2, "the client retried the 429 once");
  });

  it("the context's signal aborts a slow call", async () => {
    server.reply({ content: "too late", delayMs: 5_000 });
    const controller = new AbortController();
    const client = openAIClientFor(testModel(server.url), { signal: controller.signal, maxRetries: 0 });
    const call = client.chat.completions.create({ model: "test-model", messages: [] });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await assert.rejects(call, (e: unknown) => e instanceof OpenAI.APIUserAbortError);
    assert.ok(Date.now() - started < 2_000);
    await waitFor(() => server.requests.at(-1)?.aborted === true, 2_000, "the server saw the connection close");
  });
});

describe("the example OpenAI engine, run with the engine test kit", () => {
  let server: LocalModelServer;
  before(async () => {
    server = await startLocalModelServer({ apiKey: "test-key", replies: [] });
  });
  after(async () => {
    await server.close();
  });

  it("streams the model's answer, reports usage and sends the agent's prompt", async () => {
    server.reply({ content: "Bonjour from the model", usage: { promptTokens: 12, completionTokens: 5 }, chunkSize: 5 });
    const request = engineRequest({ input: "Say hi", modelUrl: server.url, agent: { prompt: "You greet in French." } });
    const result = await runEngine(new OpenAIChatExecutor(), request);
    assert.equal(result.error, undefined);
    assert.equal(result.text, "Bonjour from the model");
    assert.deepEqual(result.chunks, ["Bonjo", "ur fr", "om th", "e mod", "el"]);
    assert.deepEqual(result.usage, { promptTokens: 12, completionTokens: 5, totalTokens: 17 });
    assert.deepEqual(server.requests.at(-1)?.body.messages, [{ role: "system", content: "You greet in French." }, { role: "user", content: "Say hi" }]);
  });

  it("a model error fails the execution with the provider's message", async () => {
    server.reply({ status: 400, errorMessage: "upstream refused the prompt" });
    const result = await runEngine(new OpenAIChatExecutor(), engineRequest({ modelUrl: server.url }));
    assert.match(String(result.error), /400 upstream refused the prompt/);
    assert.deepEqual(result.messages, []);
  });

  it("a timeout aborts the call through ctx.signal", async () => {
    server.reply({ content: "never", delayMs: 5_000 }, { content: "never", delayMs: 5_000 }, { content: "never", delayMs: 5_000 });
    const result = await runEngine(new OpenAIChatExecutor(), engineRequest({ modelUrl: server.url }), { timeoutMs: 100 });
    assert.ok(result.error, "the execution failed");
    assert.ok(result.durationMs < 2_000, `it ended promptly (${result.durationMs} ms)`);
    assert.match(String((result.error as Error).name), /ExecutionAbortedError/);
  });
});

describe("tools and messages in the openai client's formats", () => {
  it("ARK messages ⇄ Chat Completions messages, tool calls included", () => {
    const ark: Message[] = [
      { role: "system", content: "be brief" },
      { role: "user", content: "hi" },
      { role: "assistant", content: "", toolCalls: [{ id: "c1", type: "function", function: { name: "noop", arguments: "{}" } }] },
      { role: "tool", content: "done", toolCallId: "c1" },
      { role: "assistant", content: "ok" },
    ];
    const wire = toOpenAIMessages(ark);
    assert.deepEqual(wire[2], { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "noop", arguments: "{}" } }] });
    assert.deepEqual(wire[3], { role: "tool", tool_call_id: "c1", content: "done" });
    assert.deepEqual(fromOpenAIMessages(wire), ark);
    assert.throws(() => toOpenAIMessages([{ role: "narrator", content: "x" }]), /messages\[0\]\.role/);
  });

  it("a loop of one's own: openAITools for create(), runOpenAIToolCalls runs the calls through ctx.tools", async () => {
    await using server = await startLocalModelServer({ apiKey: "test-key", replies: [{ toolCalls: [{ id: "c1", name: "noop", arguments: { message: "a" } }, { id: "c2", name: "noop", arguments: { message: "b" } }] }, { content: "both ran" }] });
    const noop: ToolConfig = { kind: "builtin", name: "noop", description: "Does nothing", inputSchema: { type: "object", properties: { message: { type: "string" } } }, toolRef: "noop", builtin: { name: "noop" } };
    class Loop extends BaseExecutor {
      constructor() {
        super("loop");
      }
      async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
        const client = openAIClientFor(request.agent.model, { signal: ctx.signal });
        const messages = toOpenAIMessages([request.userInput]);
        for (;;) {
          const answer = (await client.chat.completions.create({ ...chatParams(request.agent.model), messages, tools: openAITools(ctx) })).choices[0]!.message;
          messages.push(answer);
          if (!answer.tool_calls?.length) return fromOpenAIMessages(messages.slice(1));
          messages.push(...(await runOpenAIToolCalls(ctx, answer.tool_calls)));
        }
      }
    }
    const result = await runEngine(new Loop(), engineRequest({ modelUrl: server.url, agent: { tools: [noop] } }));
    assert.equal(result.error, undefined, String(result.error));
    assert.deepEqual(server.requests[0]?.body.tools, [{ type: "function", function: { name: "noop", description: "Does nothing", parameters: noop.inputSchema } }]);
    assert.deepEqual(result.toolCalls.map((c) => c.id), ["c1", "c2"], "each call streamed to ARK");
    assert.deepEqual(result.messages.map((m) => [m.role, m.toolCallId ?? null]), [["assistant", null], ["tool", "c1"], ["tool", "c2"], ["assistant", null]]);
    assert.equal(result.text, "both ran");
  });
});

async function waitFor(check: () => boolean, deadlineMs: number, what: string): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out after ${deadlineMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
