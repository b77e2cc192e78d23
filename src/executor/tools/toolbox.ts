/**
 * `ctx.tools`: lists the agent's tools and calls them by name. Built on first
 * use of `ctx.tools` (nothing per request otherwise); MCP clients are made
 * on the first MCP call and closed when the execution ends.
 */

import { errorMessage } from "../../core/errors.js";
import { isRecord } from "../../core/json.js";
import type { Logger } from "../../core/logger.js";
import type { TokenUsage } from "../../protocol/messages.js";
import type { QueryRef } from "../../protocol/query-extension.js";
import type { ExecutionEngineRequest } from "../types.js";
import { ApprovalGate, rejectionResult } from "./approval.js";
import { runBuiltin } from "./builtin.js";
import { ToolApprovalRequiredError, ToolCallError, ToolNotFoundError, ToolUnavailableError } from "./errors.js";
import { callHttpTool, HttpToolFailure } from "./http.js";
import { McpSessions, McpUnavailable } from "./mcp.js";
import type { SubQueryRunner } from "./sub-query.js";
import type { AgentTool, ExecutionTools, ToolApprover, ToolCallOptions, ToolConfig, ToolResult } from "./types.js";

/** ARK's input schema of a tool that declares none. */
export const DEFAULT_INPUT_SCHEMA: Readonly<Record<string, unknown>> = Object.freeze({ type: "object", properties: Object.freeze({}) });

/** What the toolbox needs from its execution. */
export interface ToolboxRun {
  readonly signal: AbortSignal;
  readonly aborted: boolean;
  readonly abortError: Error | undefined;
  readonly queryRef: QueryRef | undefined;
  readonly logger: Logger;
  streamToolCall(name: string, args: string, toolCallId: string): Promise<void>;
  reportUsage(usage: TokenUsage): void;
}

/** What the app (or the test kit) provides for running tools besides the request. */
export interface ToolHost {
  /** Runs agent and team tools as sub-Queries; absent: those tools are unavailable. */
  subQueries?: SubQueryRunner;
  /**
   * The approval seam, asked for each call of a tool whose `approval.required`
   * is true; it wins over the built-in approval. Absent, and without built-in
   * approval (`approvals`), such calls fail with `ToolApprovalRequiredError`.
   */
  approve?: ToolApprover;
  /**
   * @internal The built-in approval of an execution (the cluster resolver's):
   * a call needing approval pauses the execution (input-required) and the
   * re-sent Query resumes it with the decision.
   */
  approvals?: ApprovalGate;
}

/**
 * The tools of `request`: `request.agent.tools` when the resolver sent
 * them, else one MCP tool per name of each `request.mcpServers` entry
 * (description `""`, ARK's default schema), for requests from callers that
 * send only MCP servers.
 */
export function toolConfigsOf(request: ExecutionEngineRequest): ToolConfig[] {
  if (request.agent.tools) return request.agent.tools;
  const configs: ToolConfig[] = [];
  for (const server of request.mcpServers) {
    for (const toolName of server.tools) {
      configs.push({ kind: "mcp", name: toolName, description: "", inputSchema: { ...DEFAULT_INPUT_SCHEMA, properties: {} }, toolRef: "", mcp: { server: server.name, toolName } });
    }
  }
  return configs;
}

function describe(config: ToolConfig): AgentTool {
  const tool: AgentTool = {
    name: config.name,
    description: config.description,
    inputSchema: config.inputSchema,
    kind: config.kind,
    config,
    ...(config.approval ? { approval: config.approval } : {}),
    ...(config.unsupported ? { unsupported: config.unsupported } : {}),
  };
  return Object.freeze(tool);
}

/** The `ctx.tools` implementation. */
export class Toolbox implements ExecutionTools {
  private readonly request: ExecutionEngineRequest;
  private readonly run: ToolboxRun;
  private readonly host: ToolHost;
  private tools: readonly AgentTool[] | undefined;
  private byName: Map<string, AgentTool> | undefined;
  private mcp: McpSessions | undefined;

  constructor(request: ExecutionEngineRequest, run: ToolboxRun, host: ToolHost = {}) {
    this.request = request;
    this.run = run;
    this.host = host;
  }

  list(): readonly AgentTool[] {
    if (!this.tools) {
      const tools = toolConfigsOf(this.request).map(describe);
      this.tools = Object.freeze(tools);
      this.byName = new Map(tools.map((t) => [t.name, t]));
    }
    return this.tools;
  }

  get(name: string): AgentTool | undefined {
    this.list();
    return this.byName?.get(name);
  }

  async call(name: string, args: Record<string, unknown> | string = {}, options: ToolCallOptions = {}): Promise<ToolResult> {
    if (this.run.aborted) throw this.run.abortError;
    const tool = this.get(name);
    if (!tool) throw new ToolNotFoundError(name, this.list().map((t) => t.name));
    if (tool.unsupported) throw new ToolUnavailableError(name, tool.unsupported);
    // Paused for approval: nothing more runs in this execution (ARK runs none of the model's batch).
    if (this.host.approvals?.paused) throw this.host.approvals.pausedError(name);
    let parsed = parseArguments(name, args);
    const toolCallId = options.toolCallId ?? "";
    const signal = options.signal ? AbortSignal.any([this.run.signal, options.signal]) : this.run.signal;
    const rawArguments = typeof args === "string" && args !== "" ? args : JSON.stringify(parsed);

    if (tool.approval?.required) {
      const verdict = await this.approve(tool, parsed, rawArguments, toolCallId, signal);
      if ("result" in verdict) return verdict.result;
      parsed = verdict.run;
    }
    if (options.stream !== false) await this.run.streamToolCall(name, rawArguments, toolCallId);
    // Hidden partial parameters first: the model's arguments win on conflict, as in ARK.
    const merged = tool.config.fixedArguments ? { ...tool.config.fixedArguments, ...parsed } : parsed;
    try {
      return await this.dispatch(tool, merged, toolCallId, signal);
    } catch (error) {
      if (this.run.aborted) throw this.run.abortError;
      if (signal.aborted) throw new ToolCallError(name, "the call was aborted", { cause: signal.reason });
      throw error;
    }
  }

  /**
   * The approval hook's verdict (it wins), else the built-in approval's
   * (which may pause the execution); without either the call fails.
   */
  private async approve(tool: AgentTool, args: Record<string, unknown>, rawArguments: string, toolCallId: string, signal: AbortSignal): Promise<{ run: Record<string, unknown> } | { result: ToolResult }> {
    const approve = this.host.approve;
    if (!approve) {
      if (this.host.approvals) return this.host.approvals.decide(tool, args, rawArguments, toolCallId);
      throw new ToolApprovalRequiredError(tool.name);
    }
    const decision = await approve({ tool, arguments: args, toolCallId, signal });
    if (this.run.aborted) throw this.run.abortError;
    if (decision === "approved") return { run: args };
    if (decision === "timeout" && tool.approval?.onTimeout === "proceed") return { run: args };
    // ARK's texts for a rejected call, handed to the model as the tool's (error) result.
    return { result: rejectionResult(tool.name, toolCallId, decision === "timeout") };
  }

  private async dispatch(tool: AgentTool, args: Record<string, unknown>, toolCallId: string, signal: AbortSignal): Promise<ToolResult> {
    const config = tool.config;
    const name = tool.name;
    switch (config.kind) {
      case "builtin": {
        const result = runBuiltin(config.builtin.name, args, name, toolCallId);
        if (typeof result === "string") throw new ToolCallError(name, result);
        return result;
      }
      case "http": {
        const result = await callHttpTool(config.http, args, signal);
        if (result instanceof HttpToolFailure) throw new ToolCallError(name, result.message, { cause: result.cause });
        return { name, toolCallId, content: result, isError: false };
      }
      case "mcp": {
        const server = this.request.mcpServers.find((s) => s.name === config.mcp.server);
        if (!server) throw new ToolUnavailableError(name, `its MCP server '${config.mcp.server}' is not among the request's mcpServers`);
        this.mcp ??= new McpSessions(() => this.run.signal);
        const result = await this.mcp.call(server, config.mcp.toolName, args, signal);
        if (result instanceof McpUnavailable) throw new ToolUnavailableError(name, result.reason, { cause: result.cause });
        if (!("content" in result)) throw new ToolCallError(name, result.message, { cause: result.cause });
        return { name, toolCallId, ...result };
      }
      case "agent":
      case "team": {
        const target = config.kind === "agent" ? config.agent : config.team;
        const run = this.host.subQueries;
        if (!run) throw new ToolUnavailableError(name, `${config.kind} tools run as sub-Queries, and this execution has no ARK client to create them (run the engine with a cluster resolver, or give the test kit an ArkClient)`);
        const input = args.input;
        // ARK: the one argument of an agent or team tool is the string `input`.
        if (input === undefined) throw new ToolCallError(name, `input parameter is required for ${config.kind} tool ${target.name}`);
        if (typeof input !== "string") throw new ToolCallError(name, `input parameter must be a string for ${config.kind} tool ${target.name}`);
        let outcome;
        try {
          outcome = await run({ type: config.kind, name: target.name, namespace: target.namespace }, input, { signal, parent: this.run.queryRef });
        } catch (error) {
          if (signal.aborted) throw error;
          throw new ToolCallError(name, `failed to execute ${config.kind} ${target.name}: ${errorMessage(error)}`, { cause: error });
        }
        if (outcome.usage) this.run.reportUsage(outcome.usage);
        if (outcome.content === "") throw new ToolCallError(name, `${config.kind} ${target.name} execution returned no assistant message content`);
        return { name, toolCallId, content: outcome.content, isError: false };
      }
      default: {
        const kind = (config as { kind?: unknown }).kind;
        throw new ToolUnavailableError(name, `its kind '${String(kind)}' is not one ark-sdk can run (mcp, http, agent, team, builtin)`);
      }
    }
  }

  /** Whether any MCP server was connected. */
  get opened(): boolean {
    return this.mcp?.used ?? false;
  }

  /** Closes the MCP clients of this execution. */
  async close(): Promise<void> {
    const mcp = this.mcp;
    this.mcp = undefined;
    if (mcp) await mcp.close().catch((error: unknown) => this.run.logger.warn(`closing MCP clients failed: ${errorMessage(error)}`));
  }
}

/** The model's arguments as an object: `""` is `{}`; JSON text must be an object. */
function parseArguments(name: string, args: Record<string, unknown> | string): Record<string, unknown> {
  if (typeof args !== "string") {
    if (!isRecord(args)) throw new ToolCallError(name, "arguments must be an object or its JSON text");
    return args;
  }
  if (args.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch (error) {
    throw new ToolCallError(name, `failed to parse arguments: ${errorMessage(error)}`, { cause: error });
  }
  if (!isRecord(value)) throw new ToolCallError(name, "failed to parse arguments: not a JSON object");
  return value;
}
