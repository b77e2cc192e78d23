// The AI SDK integration (issue 13: models): the real `ai` package and its provider packages against ark-sdk's
// local OpenAI-compatible model server, over real HTTP on loopback. No network.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { APICallError, generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { ArgumentError } from "ark-sdk";
import type { ModelConfig } from "ark-sdk/executor";
import { callSettingsFor, languageModelFor, ProviderPackageMissingError } from "ark-sdk/ai-sdk";
import { startLocalModelServer, testModel, type LocalModelServer } from "ark-sdk/testing";
import { eventually, within } from "../helpers/deadline.js";


function openAIModel(baseUrl: string, extra: { headers?: Record<string, string>; properties?: Record<string, string> } = {}): ModelConfig {
  return { name: "test-model", type: "openai", config: { openai: { baseUrl, apiKey: "test-key", headers: extra.headers ?? {}, properties: extra.properties ?? {} } } };
}

describe("languageModelFor against the local model server", () => {
  let server: LocalModelServer;
  before(async () => {
    server = await startLocalModelServer({ apiKey: "test-key", replies: [] });
  });
  after(async () => {
    await server.close();
  });

  for (const compatible of [true, false]) {
    const pkg = compatible ? "@ai-sdk/openai-compatible" : "@ai-sdk/openai";
    it(`${pkg}: passes base URL, key, headers and properties (as call settings and provider options)`, async () => {
      server.reply({ content: "Paris.", usage: { promptTokens: 7, completionTokens: 2 } });
      const model = openAIModel(server.url, { headers: { "X-Team": "forecast" }, properties: { temperature: "0.2", max_tokens: "64", top_p: "0.9", stop: "END", user: "ops", service_tier: "flex" } });
      const result = await generateText({ model: await languageModelFor(model, { compatible }), ...callSettingsFor(model), maxRetries: 0, prompt: "Capital of France?" });
      assert.equal(result.text, "Paris.");
      assert.equal(result.usage.inputTokens, 7);
      assert.equal(result.usage.outputTokens, 2);
      const seen = server.requests.at(-1)!;
      assert.equal(seen.headers.authorization, "Bearer test-key");
      assert.equal(seen.headers["x-team"], "forecast");
      assert.equal(seen.body.model, "test-model");
      assert.equal(seen.body.temperature, 0.2);
      assert.equal(seen.body.top_p, 0.9);
      assert.deepEqual(seen.body.stop, ["END"]);
      assert.equal(seen.body.max_completion_tokens ?? seen.body.max_tokens, 64);
      // Other properties reach the body as provider options: raw with the compatible provider, known keys with @ai-sdk/openai.
      assert.equal(seen.body.user, "ops");
      if (compatible) assert.equal(seen.body.service_tier, "flex");
    });

    it(`${pkg}: a streamed tool loop is one streamText call (split deltas, parallel calls, usage in the last chunk)`, async () => {
      server.reply(
        { content: "Checking", toolCalls: [{ id: "c1", name: "weather", arguments: { city: "Paris" } }, { id: "c2", name: "weather", arguments: { city: "Oslo" } }], chunkSize: 3, usage: { promptTokens: 10, completionTokens: 6 } },
        { content: "Paris 21C, Oslo 9C", usage: { promptTokens: 30, completionTokens: 5 } },
      );
      const calls: string[] = [];
      const result = streamText({
        model: await languageModelFor(openAIModel(server.url), { compatible }),
        maxRetries: 0,
        prompt: "Weather in Paris and Oslo?",
        stopWhen: stepCountIs(3),
        tools: {
          weather: tool({
            description: "Current weather",
            inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }),
            execute: async ({ city }) => (calls.push(city), city === "Paris" ? "21C" : "9C"),
          }),
        },
      });
      let deltas = 0;
      for await (const part of result.fullStream) if (part.type === "tool-input-delta") deltas++;
      assert.deepEqual((await result.steps).map((s) => s.text), ["Checking", "Paris 21C, Oslo 9C"]);
      assert.deepEqual(calls.sort(), ["Oslo", "Paris"]);
      assert.ok(deltas >= 4, `tool arguments arrived in several deltas (${deltas})`);
      assert.deepEqual(await result.totalUsage.then((u) => [u.inputTokens, u.outputTokens]), [40, 11]);
      const [first, second] = server.requests.slice(-2);
      assert.equal(first!.body.stream, true);
      assert.deepEqual(first!.body.stream_options, { include_usage: true });
      assert.deepEqual((first!.body.tools as { function: { name: string } }[]).map((t) => t.function.name), ["weather"]);
      const toolMessages = (second!.body.messages as { role: string; tool_call_id?: string; content: unknown }[]).filter((m) => m.role === "tool");
      assert.deepEqual(toolMessages.map((m) => m.tool_call_id).sort(), ["c1", "c2"]);
    });
  }

  it("errors arrive as the AI SDK's APICallError with the status: 401, 404, 500; a 429 is retried", async () => {
    const wrongKey = { ...openAIModel(server.url) };
    wrongKey.config = { openai: { baseUrl: server.url, apiKey: "nope" } };
    await assert.rejects(generateText({ model: await languageModelFor(wrongKey), maxRetries: 0, prompt: "x" }), (e: unknown) => APICallError.isInstance(e) && e.statusCode === 401);
    server.reply({ status: 404, errorMessage: "The model `gpt-9` does not exist" });
    await assert.rejects(generateText({ model: await languageModelFor(openAIModel(server.url)), maxRetries: 0, prompt: "x" }), (e: unknown) => APICallError.isInstance(e) && e.statusCode === 404 && /gpt-9/.test(e.message));
    server.reply({ status: 500 });
    await assert.rejects(generateText({ model: await languageModelFor(openAIModel(server.url)), maxRetries: 0, prompt: "x" }), (e: unknown) => APICallError.isInstance(e) && e.statusCode === 500 && e.isRetryable);
    server.reply({ status: 429, retryAfterSeconds: 0 }, { content: "after the retry" });
    const before = server.requests.length;
    const ok = await generateText({ model: await languageModelFor(openAIModel(server.url)), maxRetries: 1, prompt: "x" });
    assert.equal(ok.text, "after the retry");
    assert.equal(server.requests.length - before, 2, "the AI SDK retried the 429 once");
  });

  it("the signal given to languageModelFor aborts every request of the model", async () => {
    server.reply({ content: "too late", delayMs: 5_000 });
    const controller = new AbortController();
    const model = await languageModelFor(testModel(server.url), { signal: controller.signal });
    const call = generateText({ model, maxRetries: 0, prompt: "x" });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await within(3_000, "the aborted call to reject", assert.rejects(call));
    assert.ok(Date.now() - started < 2_000);
    await eventually(() => server.requests.at(-1)?.aborted === true, "the server to see the connection close", 2_000);
  });

  it("a stream cancelled mid-answer, a stalled stream and a dropped stream", async () => {
    const model = await languageModelFor(testModel(server.url));
    // Cancelled mid-stream: frames come every 50 ms; abort after the first text arrives.
    server.reply({ content: "a long answer that streams slowly", chunkSize: 2, chunkDelayMs: 50 });
    const controller = new AbortController();
    const cancelled = streamText({ model, maxRetries: 0, prompt: "x", abortSignal: controller.signal });
    let seen = "";
    await within(5_000, "the cancelled stream to end", (async () => {
      for await (const text of cancelled.textStream) {
        seen += text;
        controller.abort();
      }
    })().catch(() => undefined));
    assert.ok(seen.length > 0 && seen.length < "a long answer that streams slowly".length, `part of the answer arrived (${JSON.stringify(seen)})`);
    await eventually(() => server.requests.at(-1)?.aborted === true, "the server to see the cancelled stream close", 2_000);

    // Stalled: headers and two frames, then silence; the caller's timeout ends it.
    server.reply({ content: "never finished", stallAfterChunks: 2 });
    const stalled = streamText({ model, maxRetries: 0, prompt: "x", abortSignal: AbortSignal.timeout(300), onError: () => undefined });
    await within(5_000, "the stalled call to time out", assert.rejects(Promise.resolve(stalled.text)));
    await eventually(() => server.requests.at(-1)?.aborted === true, "the server to see the stalled stream close", 2_000);

    // Dropped: the connection resets after two frames.
    server.reply({ content: "dropped halfway", dropAfterChunks: 2 });
    const dropped = streamText({ model, maxRetries: 0, prompt: "x", onError: () => undefined });
    const parts: string[] = [];
    await within(5_000, "the dropped stream to end", (async () => {
      for await (const part of dropped.fullStream) parts.push(part.type);
    })().catch((e: unknown) => parts.push(`threw:${String(e)}`)));
    assert.ok(parts.some((p) => p === "error" || p.startsWith("threw:")), `the dropped stream surfaced an error (${parts.join(",")})`);
  });
});

describe("languageModelFor: providers whose package is not installed here", () => {
  const cases: { pkg: string; model: ModelConfig }[] = [
    { pkg: "@ai-sdk/azure", model: { name: "dep", type: "azure", config: { azure: { baseUrl: "https://x.openai.azure.com", apiKey: "k", apiVersion: "2024-10-21" } } } },
    { pkg: "@ai-sdk/anthropic", model: { name: "claude", type: "anthropic", config: { anthropic: { baseUrl: "https://api.anthropic.com", apiKey: "k", version: "2023-06-01" } } } },
    { pkg: "@ai-sdk/amazon-bedrock", model: { name: "claude", type: "bedrock", config: { bedrock: { region: "eu-west-1" } } } },
  ];
  for (const { pkg, model } of cases) {
    it(`a ${model.type} model needs ${pkg}: a ProviderPackageMissingError names it`, async () => {
      let installed = true;
      try {
        import.meta.resolve(pkg);
      } catch {
        installed = false;
      }
      if (installed) {
        // Someone installed it: then the adapter must build a model with it.
        const built = await languageModelFor(model);
        assert.equal(typeof built, "object");
        return;
      }
      await assert.rejects(languageModelFor(model), (e: unknown) => e instanceof ProviderPackageMissingError && e.packageName === pkg && e.provider === model.type && e.name === "ProviderPackageMissingError" && e.message.includes(`npm install ${pkg}`));
    });
  }

  it("no model, an unknown provider and an Azure model without a key are ArgumentErrors", async () => {
    await assert.rejects(languageModelFor({ name: "", type: "", config: {} }), ArgumentError);
    await assert.rejects(languageModelFor({ name: "m", type: "gemini", config: { gemini: {} } }), (e: unknown) => e instanceof ArgumentError && /gemini/.test(e.message));
    await assert.rejects(languageModelFor({ name: "d", type: "azure", config: { azure: { baseUrl: "https://x", auth: { managedIdentity: {} } } } }), (e: unknown) => e instanceof ArgumentError && /API key/.test(e.message));
  });
});

describe("callSettingsFor", () => {
  it("maps ARK's property names to AI SDK call settings and the rest to provider options", () => {
    const signal = new AbortController().signal;
    const settings = callSettingsFor(openAIModel("https://llm.example/v1", { properties: { temperature: "0.2", max_completion_tokens: "99", top_k: "5", presence_penalty: "0.1", frequency_penalty: "-0.1", seed: "7", stop: "END", reasoning_effort: "low" } }), { signal });
    assert.deepEqual(settings, {
      temperature: 0.2, maxOutputTokens: 99, topK: 5, presencePenalty: 0.1, frequencyPenalty: -0.1, seed: 7, stopSequences: ["END"], abortSignal: signal,
      providerOptions: { openaiCompatible: { reasoning_effort: "low" }, openai: { reasoningEffort: "low" }, azure: { reasoningEffort: "low" }, anthropic: { reasoningEffort: "low" }, bedrock: { reasoningEffort: "low" } },
    });
    assert.deepEqual(callSettingsFor({ name: "c", type: "bedrock", config: { bedrock: { temperature: "0.5", maxTokens: "300" } } }), { temperature: 0.5, maxOutputTokens: 300 });
    assert.deepEqual(callSettingsFor(openAIModel("https://llm.example/v1")), {});
  });

  it("a numeric setting that is not a number is an ArgumentError naming the property", () => {
    assert.throws(() => callSettingsFor(openAIModel("https://x/v1", { properties: { temperature: "warm" } })), (e: unknown) => e instanceof ArgumentError && /model\.properties\.temperature/.test(e.message));
    assert.throws(() => callSettingsFor({ name: "", type: "", config: {} }), ArgumentError);
  });
});

describe("ARK messages ⇄ AI SDK model messages", () => {
  it("tool calls and results survive the round trip; tool results are named after their call", async () => {
    const { fromModelMessages, toModelMessages } = await import("ark-sdk/ai-sdk");
    const ark = [
      { role: "system", content: "be brief" },
      { role: "user", content: "weather?" },
      { role: "assistant", content: "checking", toolCalls: [{ id: "c1", type: "function" as const, function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", content: "21C", toolCallId: "c1" },
      { role: "assistant", content: "21C in Paris" },
    ];
    const model = toModelMessages(ark);
    assert.deepEqual(model[2], { role: "assistant", content: [{ type: "text", text: "checking" }, { type: "tool-call", toolCallId: "c1", toolName: "weather", input: { city: "Paris" } }] });
    assert.deepEqual(model[3], { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "weather", output: { type: "text", value: "21C" } }] });
    assert.deepEqual(fromModelMessages(model), ark);
    assert.deepEqual(fromModelMessages([{ role: "tool", content: [{ type: "tool-result", toolCallId: "x", toolName: "t", output: { type: "json", value: { a: 1 } } }] }]), [{ role: "tool", content: '{"a":1}', toolCallId: "x" }]);
    assert.throws(() => toModelMessages([{ role: "function", content: "x" }]), (e: unknown) => e instanceof ArgumentError && /messages\[0\]\.role/.test(e.message));
  });
});
