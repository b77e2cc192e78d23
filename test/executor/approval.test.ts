// Tool approval without a cluster: the input-required Task and the streamed approval request against the golden
// fixture derived from ARK's Go source (test/fixtures/ark-wire/w13-approval-task.json), and how ctx.tools applies
// a pause and a resumption's decision, through a real execution context (the engine test kit) and a real http tool.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { BaseExecutor, ToolApprovalPendingError, type ExecutionContext, type ExecutionEngineRequest, type Message, type ToolConfig } from "ark-sdk/executor";
import { engineRequest, runEngine } from "ark-sdk/testing";
import { ApprovalGate, type ApprovalResumption } from "../../src/executor/tools/approval.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const golden: any = JSON.parse(readFileSync(new URL("../fixtures/ark-wire/w13-approval-task.json", import.meta.url), "utf8"));

let server: Server;
let url: string;
const ran: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").searchParams.get("path") ?? "";
    ran.push(path);
    res.writeHead(200).end(`deleted ${path}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function tools(onTimeout: "reject" | "proceed" = "reject"): ToolConfig[] {
  const http = { url: `${url}/delete?path={path}`, method: "GET", headers: {}, bodyParameters: {}, timeoutMs: 5_000 };
  return [
    { kind: "http", name: "delete_files", description: "Deletes", inputSchema: { type: "object" }, toolRef: "delete-files", http, approval: { required: true, timeoutMs: 300_000, onTimeout } },
    { kind: "builtin", name: "noop", description: "Nothing", inputSchema: { type: "object" }, toolRef: "", builtin: { name: "noop" } },
  ];
}

/** Calls the tools the input names ("delete:/a,noop,delete:/b"); records each result or error; swallows errors as some engines do. */
class Caller extends BaseExecutor {
  seen: string[] = [];
  constructor() {
    super("caller");
  }
  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    for (const [i, step] of request.userInput.content.split(",").entries()) {
      const [name, path] = step.split(":");
      try {
        const result = name === "noop" ? await ctx.tools.call("noop", {}, { toolCallId: `c${i}` }) : await ctx.tools.call("delete_files", `{"path":"${path}"}`, { toolCallId: `c${i}` });
        this.seen.push(`${result.rejected ? "rejected" : "ok"}:${result.content}`);
      } catch (error) {
        this.seen.push(`${(error as Error).name}`);
      }
    }
    return [{ role: "assistant", content: this.seen.join("|") }];
  }
}

const gateFor = (resumption?: ApprovalResumption) => new ApprovalGate({ name: "careful", namespace: "team-a", conversationId: "conv-1" }, resumption);
const resumption = (outcome: ApprovalResumption["outcome"], path = "/a"): ApprovalResumption => ({ taskId: "t0", outcome, toolCalls: [{ id: "c0", function: { arguments: `{"path":"${path}"}`, name: "delete_files" }, type: "function" }] });

describe("approval: the input-required Task ARK's engine returns", () => {
  it("has ARK's shape: id, contextId, state and the four metadata strings byte for byte (golden fixture W13)", async () => {
    const input = golden.input;
    const gate = new ApprovalGate({ ...input.agent, conversationId: input.conversationId });
    const request = engineRequest({ input: "x", agent: { tools: [{ ...tools()[0], approval: input.approval } as ToolConfig] } });
    const engine = new (class extends BaseExecutor {
      async executeAgent(_r: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
        await ctx.tools.call(input.call.name, input.call.arguments, { toolCallId: input.call.id });
        return [];
      }
    })("golden");
    const result = await runEngine(engine, request, { tools: { approvals: gate } });
    assert.ok(result.error instanceof ToolApprovalPendingError, String(result.error));
    assert.deepEqual(gate.task(input.taskId, input.contextId), golden.task);
    assert.deepEqual(gate.requestEvent(input.taskId), golden.streamedEvent);
    assert.deepEqual(Object.keys(gate.requestEvent(input.taskId)), Object.keys(golden.streamedEvent), "the event's field order is Go's");
    assert.deepEqual(ran, [], "a call awaiting approval is not made");
  });

  it("omits the stream's timeout when the agent sets none, and writes an empty timeout string", () => {
    const gate = gateFor();
    const tool = { name: "delete_files", approval: { required: true, onTimeout: "proceed" } } as never;
    assert.throws(() => gate.decide(tool, {}, "{}", "c1"), ToolApprovalPendingError);
    assert.equal(gate.task("t", "c").metadata?.timeout, "");
    assert.equal("timeout" in gate.requestEvent("t"), false);
    assert.equal(gate.requestEvent("t").onTimeout, "proceed");
  });
});

describe("approval: ctx.tools pauses and resumes as ARK does", () => {
  it("pauses on a tool requiring approval: it is not run, every later call (any tool) is not run either, all approval-needing calls are recorded", async () => {
    ran.length = 0;
    const gate = gateFor();
    const engine = new Caller();
    const result = await runEngine(engine, engineRequest({ input: "delete:/a,noop,delete:/b", agent: { tools: tools() } }), { tools: { approvals: gate } });
    assert.equal(result.error, undefined, "this engine swallows the pause");
    assert.deepEqual(engine.seen, ["ToolApprovalPendingError", "ToolApprovalPendingError", "ToolApprovalPendingError"]);
    assert.deepEqual(ran, []);
    assert.equal(gate.paused, true);
    assert.deepEqual(JSON.parse(String(gate.task("t", "c").metadata?.toolCalls)).map((c: { id: string }) => c.id), ["c0"]);
    assert.deepEqual(result.toolCalls, [], "nothing is streamed as a tool call before approval");
  });

  it("approved: the paused call runs once with the approved arguments and the loop continues; the next call needing approval pauses again (cascade)", async () => {
    ran.length = 0;
    const engine = new Caller();
    const gate = gateFor(resumption("approved", "/approved"));
    await runEngine(engine, engineRequest({ input: "delete:/replayed,noop,delete:/b", agent: { tools: tools() } }), { tools: { approvals: gate } });
    assert.deepEqual(ran, ["/approved"]);
    assert.equal(engine.seen[0], "ok:deleted /approved");
    assert.match(engine.seen[1] ?? "", /^ok:/, "the loop continues: the next tool runs");
    assert.equal(engine.seen[2], "ToolApprovalPendingError");
    assert.equal(gate.paused, true, "a second call of the tool needs a new approval");
  });

  it("rejected and timed out (reject): the tool is not run and the model gets ARK's texts; timed out (proceed) runs it", async () => {
    for (const [outcome, expected, runs] of [
      ["rejected", `rejected:${golden.rejectionTexts.rejected}`, []],
      ["timeout-rejected", `rejected:${golden.rejectionTexts["timeout-rejected"]}`, []],
      ["timeout-proceeded", "ok:deleted /a", ["/a"]],
    ] as const) {
      ran.length = 0;
      const engine = new Caller();
      await runEngine(engine, engineRequest({ input: "delete:/a", agent: { tools: tools() } }), { tools: { approvals: gateFor(resumption(outcome)) } });
      assert.deepEqual(engine.seen, [expected], outcome);
      assert.deepEqual(ran, runs, outcome);
    }
  });

  it("a user-supplied approve hook wins over the built-in approval", async () => {
    ran.length = 0;
    const engine = new Caller();
    const gate = gateFor();
    await runEngine(engine, engineRequest({ input: "delete:/a", agent: { tools: tools() } }), { tools: { approvals: gate, approve: async () => "approved" } });
    assert.deepEqual(ran, ["/a"]);
    assert.equal(gate.paused, false);
  });
});
