/**
 * The agent's tools as an engine sees them. Two views:
 *
 * - {@link ToolConfig}: what the resolver hands the engine in
 *   `request.agent.tools`: one entry per `Agent.spec.tools[]`, with the Tool
 *   CR's description and JSON input schema (for MCP tools: what ARK's
 *   MCPServer controller recorded from the server's `tools/list`), the
 *   kind-specific settings needed to run it, and the agent's approval rule.
 * - {@link AgentTool} and {@link ExecutionTools}: `ctx.tools`, which lists
 *   the tools and calls them by name (MCP through `@modelcontextprotocol/sdk`,
 *   http through `fetch`, agent/team as sub-Queries, builtins as ARK defines them).
 */


/** The kinds of Tool ARK v0.1.67 defines (`Tool.spec.type`). */
export type ToolKind = "mcp" | "http" | "agent" | "team" | "builtin";

/** The builtin tools ARK v0.1.67 accepts (`noop`, `terminate`). */
export type BuiltinToolName = "noop" | "terminate";

/** `Agent.spec.tools[].approval` of a tool that needs a human's approval before it runs. */
export interface ToolApproval {
  /** Whether a human must approve each call (`approval.required`). */
  required: boolean;
  /** How long to wait for a decision, ms (`approval.timeout`, a Go duration); absent: no limit. */
  timeoutMs?: number;
  /** What a timeout means: `reject` (ARK's default) fails the call, `proceed` runs it. */
  onTimeout: "reject" | "proceed";
}

/** What every kind of tool configuration has. */
export interface ToolConfigBase {
  /** The name the model sees and calls (`Agent.spec.tools[].name`). */
  name: string;
  /** What the tool does, for the model: the agent's override, else the Tool's `spec.description`, else ARK's default text. */
  description: string;
  /** JSON Schema of the arguments (`Tool.spec.inputSchema`, default `{ type: "object", properties: {} }`), without the partial's hidden parameters. */
  inputSchema: Record<string, unknown>;
  /** The Tool object's name (differs from `name` when `partial.name` renames it); `""` for built-ins without a Tool object. */
  toolRef: string;
  /** Arguments injected on every call, hidden from the model (`partial.parameters`, values resolved); the model's arguments win on conflict, as in ARK. */
  fixedArguments?: Record<string, string>;
  /** The approval rule, when the agent sets one. */
  approval?: ToolApproval;
  /**
   * Why the engine cannot run this tool, when the resolver could describe it
   * but not make it runnable (e.g. a `functions` jq filter). A call fails
   * with this reason; engines should not offer the tool to the model.
   */
  unsupported?: string;
}

/** A tool of an MCP server (`Tool.spec.type: mcp`). */
export interface MCPToolConfig extends ToolConfigBase {
  kind: "mcp";
  mcp: {
    /** The MCP server, by `name` in `request.mcpServers` (address, transport, headers, timeouts). */
    server: string;
    /** The tool's name on that server (`spec.mcp.toolName`). */
    toolName: string;
  };
}

/** An HTTP call (`Tool.spec.type: http`). */
export interface HTTPToolConfig extends ToolConfigBase {
  kind: "http";
  http: {
    /** URL template: each `{name}` is replaced by the URL-encoded argument of that name. */
    url: string;
    /** `GET` (default), `POST`, `PUT`, `PATCH` or `DELETE`. */
    method: string;
    /** Headers, values resolved. */
    headers: Record<string, string>;
    /** Body template (Go template fields: `{{.input.<arg>}}` and `{{.<bodyParameter>}}`), sent for POST/PUT/PATCH only. */
    body?: string;
    /** `spec.http.bodyParameters`, values resolved. */
    bodyParameters: Record<string, string>;
    /** Request timeout, ms (`spec.http.timeout`, default 30 s). */
    timeoutMs: number;
  };
}

/** Another agent, run as a sub-Query (`Tool.spec.type: agent`). */
export interface AgentRefToolConfig extends ToolConfigBase {
  kind: "agent";
  agent: { name: string; namespace: string };
}

/** A team, run as a sub-Query (`Tool.spec.type: team`). */
export interface TeamRefToolConfig extends ToolConfigBase {
  kind: "team";
  team: { name: string; namespace: string };
}

/** One of ARK's builtin tools (`Tool.spec.type: builtin`, or an agent tool of type `built-in`). */
export interface BuiltinToolConfig extends ToolConfigBase {
  kind: "builtin";
  builtin: { name: string };
}

/** One tool of the agent, resolved: a discriminated union on `kind`. */
export type ToolConfig = MCPToolConfig | HTTPToolConfig | AgentRefToolConfig | TeamRefToolConfig | BuiltinToolConfig;

/** A tool as `ctx.tools` lists it. */
export interface AgentTool {
  /** The name the model calls it by. */
  readonly name: string;
  /** What it does, for the model. */
  readonly description: string;
  /** JSON Schema of its arguments. */
  readonly inputSchema: Record<string, unknown>;
  /** How it runs. */
  readonly kind: ToolKind;
  /** Its approval rule, when it has one (see `ctx.tools.call`). */
  readonly approval?: ToolApproval;
  /** Why the engine cannot run it, when it cannot (a call fails with `ToolUnavailableError`). */
  readonly unsupported?: string;
  /** The full resolved configuration. */
  readonly config: ToolConfig;
}

/** Options of `ctx.tools.call`. */
export interface ToolCallOptions {
  /** Aborts the call (combined with `ctx.signal`). */
  signal?: AbortSignal | undefined;
  /** The model's id of this call (echoed in the result and the streamed tool-call chunk). */
  toolCallId?: string | undefined;
  /**
   * Stream the call to ARK's broker as a tool-call chunk before running it,
   * as ARK's own engine does (default true). Pass `false` when the engine
   * already streamed the model's tool call itself.
   */
  stream?: boolean | undefined;
}

/** What a tool call produced. */
export interface ToolResult {
  /** The tool's name (as called). */
  name: string;
  /** The call's id (`""` when none was given). */
  toolCallId: string;
  /** The result as text, as ARK hands it to the model (MCP text parts joined, other parts as JSON). */
  content: string;
  /** True when the tool reported an error in-band (an MCP result with `isError`, a rejected approval); the model should see it. */
  isError: boolean;
  /** True when the call was not run because a human (or the approval timeout) rejected it. */
  rejected?: boolean;
  /** True for ARK's `terminate` builtin: the engine should end the conversation with `content` as the answer. */
  terminate?: boolean;
  /** The tool's structured output, when it gave one (MCP `structuredContent`). */
  structured?: unknown;
}

/** A call waiting for a human decision (what the approval hook receives). */
export interface PendingToolCall {
  /** The tool. */
  tool: AgentTool;
  /** The model's arguments. */
  arguments: Record<string, unknown>;
  /** The call's id. */
  toolCallId: string;
  /** Fires when the execution (or the call) is aborted. */
  signal: AbortSignal;
}

/** A human's decision on a {@link PendingToolCall}: `timeout` applies the tool's `onTimeout`. */
export type ToolApprovalDecision = "approved" | "rejected" | "timeout";

/**
 * The approval seam: asked before every call of a tool whose `approval.required`
 * is true. Without one, such calls fail with `ToolApprovalRequiredError`.
 */
export type ToolApprover = (call: PendingToolCall) => Promise<ToolApprovalDecision>;

/** `ctx.tools`: the agent's tools, listed and called by name. Nothing is connected until a tool is called. */
export interface ExecutionTools {
  /** Every tool of the agent, in `spec.tools` order. */
  list(): readonly AgentTool[];
  /** The tool named `name`, or `undefined`. */
  get(name: string): AgentTool | undefined;
  /**
   * Calls the tool `name` with `args` (an object, or its JSON text as the
   * model produced it). Resolves with the tool's result; an error the tool
   * reports in-band (MCP `isError`) is a result with `isError: true`.
   * @throws ToolNotFoundError when the agent has no such tool
   * @throws ToolUnavailableError when the engine cannot run it (names the tool and why)
   * @throws ToolApprovalRequiredError when the tool needs approval and the engine has no approval support
   * @throws ToolCallError when the call failed (transport, HTTP status ≥ 400, bad arguments, sub-query failure)
   * @throws ExecutionAbortedError when the execution was aborted
   */
  call(name: string, args?: Record<string, unknown> | string, options?: ToolCallOptions): Promise<ToolResult>;
}
