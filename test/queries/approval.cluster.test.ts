// The human-in-the-loop round trip on a real control plane: an engine answers with an input-required A2A task,
// the dispatcher records the A2ATask and pauses the Query, ark.a2aTasks.approve/reject decides, the dispatcher
// settles the task and resumes the Query, and the engine (reading its Query and A2ATask from the cluster) finishes.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ApprovalStateError, ArkClient, consoleLogger, QueryCanceledError, QueryFailedError, isQueryTerminal } from "ark-sdk";
import { QUERY_EXTENSION_METADATA_KEY } from "ark-sdk/protocol";
import { startDispatcher, type QueryDispatcher } from "ark-sdk/testing";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { silent } from "./helpers.js";

let cluster: TestCluster;
let ark: ArkClient;
let dispatcher: QueryDispatcher;
let server: Server;
const canceledTasks: string[] = [];
const agent = { type: "agent" as const, name: "careful-agent" };

/**
 * An A2A engine that asks approval for its tool call: the first `message/send` of a Query answers with an
 * input-required task; a resumed one (the Query's status names the task) reads the A2ATask's outcome and answers.
 * Inputs containing "insist" ask again after every rejection; "quick" publishes a 1s approval timeout.
 */
async function answer(body: { id: string; method: string; params: { id?: string; message?: { contextId?: string; messageId: string; metadata: Record<string, { name: string; namespace: string }>; parts: { text: string }[] } } }): Promise<unknown> {
  if (body.method === "tasks/cancel") {
    canceledTasks.push(body.params.id ?? "");
    return { jsonrpc: "2.0", id: body.id, result: { kind: "task", id: body.params.id, contextId: "c", status: { state: "canceled" } } };
  }
  const message = body.params.message!;
  const ref = message.metadata[QUERY_EXTENSION_METADATA_KEY]!;
  const input = message.parts[0]?.text ?? "";
  const query = await ark.queries.get(ref.name, { namespace: ref.namespace });
  const taskId = query.status?.response?.a2a?.taskId;
  const task = taskId ? await ark.a2aTasks.getOrUndefined(`a2a-task-${taskId}`, { namespace: ref.namespace }) : undefined;
  const settled = task && task.status?.phase !== "input-required";
  if (settled && !(task.status?.phase === "failed" && input.includes("insist"))) {
    const decision = task.status?.phase === "completed" ? "approved: deleted 3 files" : `not deleting: ${task.status?.error} (${task.spec.input ?? "no input"})`;
    return { jsonrpc: "2.0", id: body.id, result: { kind: "message", role: "agent", messageId: `${message.messageId}-r`, contextId: message.contextId, parts: [{ kind: "text", text: decision }] } };
  }
  const metadata = input.includes("quick") ? { timeout: "1s", onTimeout: "reject" } : { timeout: "10m", onTimeout: "reject" };
  return {
    jsonrpc: "2.0",
    id: body.id,
    result: {
      kind: "task",
      id: randomUUID(),
      contextId: message.contextId ?? "ctx-1",
      status: { state: "input-required", message: { kind: "message", role: "agent", messageId: randomUUID(), parts: [{ kind: "text", text: "May I run delete_files(/tmp/x)?" }] } },
      metadata: { ...metadata, toolCalls: [{ name: "delete_files", arguments: { path: "/tmp/x" } }] },
    },
  };
}

before(async () => {
  cluster = await testCluster();
  const namespace = await cluster.namespace("approvals");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace, logger: silent });
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      answer(JSON.parse(text) as Parameters<typeof answer>[0]).then(
        (reply) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(reply)),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await ark.executionEngines.create({ metadata: { name: "careful" }, spec: { address: { value: url } } });
  await ark.agents.create({ metadata: { name: "careful-agent" }, spec: { prompt: "ask first", executionEngine: { name: "careful" } } });
  dispatcher = await startDispatcher({ client: ark, namespace, logger: process.env.DEBUG_DISPATCH ? consoleLogger("debug", "dispatcher") : silent });
});

after(async () => {
  await dispatcher?.close();
  await new Promise((resolve) => server?.close(resolve));
  await ark?.close();
  await cluster?.close();
});

describe("approval round trip", () => {
  it("pauses in input-required with the pending A2ATask, resumes after approve(), ends done", async () => {
    const paused = await ark.queries.run({ input: "clean up", target: agent });
    assert.equal(paused.phase, "input-required");
    assert.equal(paused.content, "May I run delete_files(/tmp/x)?");
    const task = paused.pendingTask;
    assert.ok(task, "the pending A2ATask comes with the result");
    assert.equal(task.status?.phase, "input-required");
    assert.equal(task.spec.queryRef.name, paused.name);
    assert.equal(task.spec.agentRef.name, "careful-agent");
    assert.equal(task.status?.protocolMetadata?.onTimeout, "reject");
    assert.match(task.status?.protocolMetadata?.toolCalls ?? "", /delete_files/);
    assert.equal(paused.query.status?.response?.a2a?.taskId, task.spec.taskId);

    await ark.a2aTasks.approve(task.metadata.name ?? "");
    const done = await ark.queries.wait(paused.name, { timeoutMs: 15_000 });
    assert.equal(done.phase, "done");
    assert.equal(done.content, "approved: deleted 3 files");
    const settled = await ark.a2aTasks.get(task.metadata.name ?? "");
    assert.equal(settled.status?.phase, "completed");
    assert.equal(settled.status?.conditions?.find((c) => c.type === "Completed")?.reason, "ApprovalGranted");
  });

  it("reject() resumes the agent so it can react, counting the cascade", async () => {
    const paused = await ark.queries.run({ input: "clean up", target: agent });
    const name = paused.pendingTask?.metadata.name ?? "";
    await ark.a2aTasks.reject(name, "not today");
    const done = await ark.queries.wait(paused.name, { timeoutMs: 15_000 });
    assert.equal(done.content, 'not deleting: Tool execution rejected by user ({"decision":"rejected","reason":"not today"})');
    assert.equal(done.query.metadata.annotations?.["ark.mckinsey.com/approval-cascade-count"], "1");
    assert.equal((await ark.a2aTasks.get(name)).status?.conditions?.find((c) => c.type === "Completed")?.reason, "ApprovalRejected");
  });

  it("refuses a second decision and decisions on tasks not awaiting one", async () => {
    const paused = await ark.queries.run({ input: "clean up", target: agent });
    const name = paused.pendingTask?.metadata.name ?? "";
    await ark.a2aTasks.approve(name);
    await assert.rejects(ark.a2aTasks.reject(name), (e: unknown) => e instanceof ApprovalStateError && /already made \(approved\)|phase completed/.test(e.message));
    await ark.queries.wait(paused.name, { timeoutMs: 15_000 });
    await assert.rejects(ark.a2aTasks.approve(name), (e: unknown) => e instanceof ApprovalStateError && e.phase === "completed");
  });

  it("an agent that keeps retrying a rejected tool stops at ARK's cascade limit", async () => {
    let result = await ark.queries.run({ input: "insist", target: agent });
    for (let round = 0; round < 3; round++) {
      const previous = result.pendingTask?.spec.taskId;
      await ark.a2aTasks.reject(result.pendingTask?.metadata.name ?? "");
      result = await ark.queries.wait(result.name, { timeoutMs: 15_000 });
      assert.equal(result.phase, "input-required");
      assert.notEqual(result.pendingTask?.spec.taskId, previous, "a new approval round");
    }
    await ark.a2aTasks.reject(result.pendingTask?.metadata.name ?? "");
    const error = await ark.queries.wait(result.name, { timeoutMs: 15_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof QueryFailedError, String(error));
    assert.match(error.result.content, /Approval cascade limit reached \(3\)/);
  });

  it("the engine's approval timeout rejects by itself (onTimeout: reject)", async () => {
    // run() may see the pause or, with a 1s timeout stamped in whole seconds, already the resumed answer.
    const first = await ark.queries.run({ input: "quick", target: agent });
    const done = await ark.queries.waitFor(first.name, isQueryTerminal, { timeoutMs: 15_000 });
    assert.match(done.status?.response?.content ?? "", /^not deleting: Approval timeout exceeded after 1s/);
    const tasks = (await ark.a2aTasks.list()).filter((t) => t.spec.queryRef.name === first.name);
    assert.equal(tasks.length, 1);
    const task = tasks[0]!;
    assert.equal(task.status?.conditions?.find((c) => c.type === "Completed")?.reason, "ApprovalTimeoutRejected");
  });

  it("canceling a paused query sends no tasks/cancel, as ARK never does (D5)", async () => {
    const paused = await ark.queries.run({ input: "clean up", target: agent });
    await ark.queries.cancel(paused.name);
    const error = await ark.queries.wait(paused.name, { timeoutMs: 15_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof QueryCanceledError && error.reason === "canceled", String(error));
    assert.ok(paused.pendingTask?.spec.taskId, "the query was paused on a task");
    assert.deepEqual(canceledTasks, []);
  });
});
