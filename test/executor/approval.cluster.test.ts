// Approval built into the engine runtime, end to end on the real local control plane: a real engine (the
// repository's openai-client example, no approval code in it) behind ExecutorApp + ClusterQueryResolver, the local
// dispatcher, the local broker, the local model server and an http tool server that counts its calls. A tool call
// needing approval pauses the Query in input-required with ARK's Task; ark.a2aTasks.approve/reject (or the approval
// timeout) decides; the dispatcher re-sends the Query and the engine resumes as ARK's engine does.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ArkClient, isQueryTerminal, loopbackServiceUrl, type QueryResult } from "ark-sdk";
import { ClusterQueryResolver, ExecutorApp } from "ark-sdk/executor";
import { startDispatcher, startLocalBroker, startLocalModelServer, type LocalBroker, type LocalModelServer, type QueryDispatcher } from "ark-sdk/testing";
import { AiSdkAgentExecutor } from "../../examples/engines/ai-sdk-agent.js";
import { OpenAIAgentExecutor } from "../../examples/engines/openai-agent.js";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { within } from "../helpers/deadline.js";
import { silent } from "../queries/helpers.js";

let cluster: TestCluster;
let ark: ArkClient;
let broker: LocalBroker;
let dispatcher: QueryDispatcher;
let model: LocalModelServer;
let tool: Server;
let app: ExecutorApp;
let aiApp: ExecutorApp;
let resolver: ClusterQueryResolver;
/** Paths the delete tool was called with, at the tool's server. */
const deleted: string[] = [];

const deleteCall = (id: string) => ({ toolCalls: [{ id, name: "delete_files", arguments: { path: "/tmp/x" } }] });

before(async () => {
  cluster = await testCluster();
  const ns = await cluster.namespace("engine-approval");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: silent });
  broker = await startLocalBroker();
  await broker.publish(ark, ns);
  model = await startLocalModelServer({ apiKey: "test-key", replies: [] });
  tool = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").searchParams.get("path") ?? "";
    deleted.push(path);
    res.writeHead(200, { "content-type": "text/plain" }).end(`deleted ${path}`);
  });
  await new Promise<void>((resolve) => tool.listen(0, "127.0.0.1", resolve));
  dispatcher = await startDispatcher({ client: ark, namespace: ns, logger: silent });
  resolver = new ClusterQueryResolver(ark, { serviceUrl: loopbackServiceUrl, logger: silent });
  app = new ExecutorApp(new OpenAIAgentExecutor(), { resolver, logger: silent, shutdownGracePeriodMs: 500 });
  const engineUrl = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  aiApp = new ExecutorApp(new AiSdkAgentExecutor(), { resolver, logger: silent, shutdownGracePeriodMs: 500 });
  const aiEngineUrl = await aiApp.listen({ host: "127.0.0.1", port: 0, handleSignals: false });

  await ark.executionEngines.create({ metadata: { name: "approving" }, spec: { address: { value: engineUrl } } });
  await ark.executionEngines.create({ metadata: { name: "approving-ai-sdk" }, spec: { address: { value: aiEngineUrl } } });
  await ark.models.create({ metadata: { name: "local" }, spec: { provider: "openai", model: { value: "test-model" }, config: { openai: { apiKey: { value: "test-key" }, baseUrl: { value: model.url } } } } });
  await ark.tools.create({
    metadata: { name: "delete-files" },
    spec: { type: "http", description: "Deletes files", inputSchema: { type: "object", properties: { path: { type: "string" } } }, http: { url: `http://127.0.0.1:${(tool.address() as AddressInfo).port}/delete?path={path}`, timeout: "5s" } },
  });
  const agent = (name: string, approval: Record<string, unknown>, engine = "approving") =>
    ark.agents.create({
      metadata: { name },
      spec: { prompt: "clean up carefully", modelRef: { name: "local" }, executionEngine: { name: engine }, tools: [{ type: "http", name: "delete_files", partial: { name: "delete-files" }, approval: { required: true, ...approval } }] },
    } as never);
  await agent("careful", { timeout: "5m" });
  await agent("hasty", { timeout: "1s", onTimeout: "reject" });
  await agent("eager", { timeout: "1s", onTimeout: "proceed" });
  await agent("careful-ai-sdk", { timeout: "5m" }, "approving-ai-sdk");
});

after(async () => {
  await dispatcher?.close();
  await app?.close({ gracePeriodMs: 200 });
  await aiApp?.close({ gracePeriodMs: 200 });
  await resolver?.close();
  await broker?.close();
  await model?.close();
  if (tool) await new Promise((resolve) => tool.close(resolve));
  await ark?.close();
  await cluster?.close();
});

/** The tool messages the model was sent in its last request. */
function lastToolMessages(): string[] {
  const messages = (model.requests.at(-1)?.body.messages ?? []) as { role: string; content?: unknown }[];
  return messages.filter((m) => m.role === "tool").map((m) => String(m.content));
}

async function pausedRun(agentName: string, id: string): Promise<QueryResult> {
  const paused = await within(30_000, "the query to pause", ark.queries.run({ input: "clean up /tmp/x", target: { type: "agent", name: agentName } }, { timeoutMs: 25_000 }));
  assert.equal(paused.phase, "input-required", `paused: ${paused.content}`);
  assert.ok(paused.pendingTask, "the pending A2ATask comes with the result");
  assert.equal(JSON.parse(paused.pendingTask.status?.protocolMetadata?.toolCalls ?? "[]")[0]?.id, id);
  return paused;
}

describe("approval: an engine pauses a tool call for human approval and resumes as ARK does", () => {
  it("approve round trip: the Query pauses input-required with ARK's Task, approve() resumes it, the tool runs exactly once, done", async () => {
    deleted.length = 0;
    const firstRequest = model.requests.length;
    model.reply(deleteCall("call_1"), deleteCall("call_1"), { content: "Deleted /tmp/x." });
    const paused = await pausedRun("careful", "call_1");
    const task = paused.pendingTask!;
    assert.deepEqual(deleted, [], "nothing ran before the approval");
    // ARK's input-required Task, as recorded by the dispatcher.
    const meta = task.status?.protocolMetadata ?? {};
    assert.deepEqual(JSON.parse(meta.toolCalls ?? ""), [{ id: "call_1", function: { arguments: '{"path":"/tmp/x"}', name: "delete_files" }, type: "function" }]);
    assert.equal(meta.timeout, "5m0s");
    assert.equal(meta.onTimeout, "reject");
    assert.deepEqual(JSON.parse(meta.context ?? ""), { ConversationID: "", PendingToolCallIndex: 0, CompletedToolResults: [], AgentName: "careful", AgentNamespace: ark.namespace });
    assert.equal(task.spec.agentRef.name, "careful");
    assert.ok(task.spec.contextId, "the task carries the conversation");
    assert.equal(paused.query.status?.response?.a2a?.taskId, task.spec.taskId);
    // The streamed approval request, as ARK streams it.
    const events = broker.chunks(paused.name) as { type?: string; taskId?: string; agentName?: string; timeout?: string }[];
    const request = events.find((e) => e.type === "tool_approval_request");
    assert.deepEqual(request && { taskId: request.taskId, agentName: request.agentName, timeout: request.timeout }, { taskId: task.spec.taskId, agentName: "careful", timeout: "5m0s" });

    await ark.a2aTasks.approve(task.metadata.name ?? "");
    const done = await ark.queries.waitFor(paused.name, isQueryTerminal, { timeoutMs: 30_000 });
    assert.equal(done.status?.phase, "done", done.status?.response?.content);
    assert.equal(done.status?.response?.content, "Deleted /tmp/x.");
    assert.deepEqual(deleted, ["/tmp/x"], "the approved tool ran exactly once");
    assert.deepEqual(lastToolMessages(), ["deleted /tmp/x"], "the model got the tool's result");
    assert.equal(model.requests.length - firstRequest, 3, "first run, resumed run, answer after the tool");
    assert.equal(done.status?.response?.a2a?.taskId, undefined, "the resumed answer carries no task (ARK clears it)");
  });

  it("reject: the tool never runs, the agent resumes with ARK's rejection text and ends done, the cascade counted", async () => {
    deleted.length = 0;
    model.reply(deleteCall("call_2"), deleteCall("call_2"), { content: "OK, I will not delete anything." });
    const paused = await pausedRun("careful", "call_2");
    await ark.a2aTasks.reject(paused.pendingTask?.metadata.name ?? "", "not today");
    const done = await ark.queries.waitFor(paused.name, isQueryTerminal, { timeoutMs: 30_000 });
    assert.equal(done.status?.phase, "done", done.status?.response?.content);
    assert.equal(done.status?.response?.content, "OK, I will not delete anything.");
    assert.deepEqual(deleted, [], "a rejected tool never runs");
    assert.deepEqual(lastToolMessages(), ["Tool execution rejected by user"]);
    assert.equal(done.metadata?.annotations?.["ark.mckinsey.com/approval-cascade-count"], "1");
  });

  it("timeout with onTimeout reject: the tool never runs and the model is told the approval timed out", async () => {
    deleted.length = 0;
    model.reply(deleteCall("call_3"), deleteCall("call_3"), { content: "Nobody answered; nothing deleted." });
    const first = await within(30_000, "the query to start", ark.queries.run({ input: "clean up /tmp/x", target: { type: "agent", name: "hasty" } }, { timeoutMs: 25_000 }));
    const done = await ark.queries.waitFor(first.name, isQueryTerminal, { timeoutMs: 30_000 });
    assert.equal(done.status?.phase, "done");
    assert.equal(done.status?.response?.content, "Nobody answered; nothing deleted.");
    assert.deepEqual(deleted, []);
    assert.deepEqual(lastToolMessages(), ["Tool execution rejected: approval timeout exceeded"]);
    const task = (await ark.a2aTasks.list()).find((t) => t.spec.queryRef.name === first.name);
    assert.equal(task?.status?.conditions?.find((c) => c.type === "Completed")?.reason, "ApprovalTimeoutRejected");
  });

  it("timeout with onTimeout proceed: the tool runs once after the timeout", async () => {
    deleted.length = 0;
    model.reply(deleteCall("call_4"), deleteCall("call_4"), { content: "Deleted after the timeout." });
    const first = await within(30_000, "the query to start", ark.queries.run({ input: "clean up /tmp/x", target: { type: "agent", name: "eager" } }, { timeoutMs: 25_000 }));
    const done = await ark.queries.waitFor(first.name, isQueryTerminal, { timeoutMs: 30_000 });
    assert.equal(done.status?.phase, "done");
    assert.equal(done.status?.response?.content, "Deleted after the timeout.");
    assert.deepEqual(deleted, ["/tmp/x"]);
    const task = (await ark.a2aTasks.list()).find((t) => t.spec.queryRef.name === first.name);
    assert.equal(task?.status?.conditions?.find((c) => c.type === "Completed")?.reason, "ApprovalTimeoutProceeded");
  });

  it("approve round trip through the AI SDK tool loop (streamText): pauses, approve() resumes, the tool runs exactly once, done", async () => {
    deleted.length = 0;
    model.reply(deleteCall("call_5"), deleteCall("call_5"), { content: "Deleted via the AI SDK." });
    const paused = await pausedRun("careful-ai-sdk", "call_5");
    assert.deepEqual(deleted, []);
    await ark.a2aTasks.approve(paused.pendingTask?.metadata.name ?? "");
    const done = await ark.queries.waitFor(paused.name, isQueryTerminal, { timeoutMs: 30_000 });
    assert.equal(done.status?.phase, "done", done.status?.response?.content);
    assert.equal(done.status?.response?.content, "Deleted via the AI SDK.");
    assert.deepEqual(deleted, ["/tmp/x"]);
  });
});
