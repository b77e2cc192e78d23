/**
 * `ark-sdk/executor`: build ARK execution engines.
 *
 * ```ts
 * import { BaseExecutor, ExecutorApp, type ExecutionEngineRequest, type ExecutionContext, type Message } from "ark-sdk/executor";
 * class MyExecutor extends BaseExecutor {
 *   constructor() { super("MyEngine"); }
 *   async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
 *     return [{ role: "assistant", content: "Hello from my engine!" }];
 *   }
 * }
 * await new ExecutorApp(new MyExecutor()).listen({ port: 8000 });
 * ```
 * @module ark-sdk/executor
 */

// Writing an engine
export { BaseExecutor } from "./base-executor.js";
export type { ExecutionContext } from "./execution-context.js";
export { ExecutorApp, type ExecutorAppOptions, type ListenOptions, type CloseOptions } from "./executor-app.js";
export type {
  AgentConfig,
  ExecutionEngineRequest,
  ExecutionEngineResponse,
  MCPServerConfig,
  ModelConfig,
  ResolvedParameter,
  ToolDefinition,
} from "./types.js";
export type { Message, ToolCall, TokenUsage } from "../protocol/messages.js";

// The agent's tools (ctx.tools)
export type {
  ToolKind, BuiltinToolName, ToolApproval, ToolConfigBase, ToolConfig, MCPToolConfig, HTTPToolConfig, AgentRefToolConfig, TeamRefToolConfig, BuiltinToolConfig,
  AgentTool, ExecutionTools, ToolCallOptions, ToolResult, PendingToolCall, ToolApprovalDecision, ToolApprover,
} from "./tools/types.js";
export { ToolError, ToolNotFoundError, ToolUnavailableError, ToolApprovalRequiredError, ToolCallError } from "./tools/errors.js";
export { ToolApprovalPendingError } from "./tools/approval.js";
export { BUILTIN_TOOLS } from "./tools/builtin.js";
export { subQueryRunner, PARENT_QUERY_LABEL, type SubQueryRunner, type SubQueryTarget, type SubQueryOutcome } from "./tools/sub-query.js";
export type { ToolHost } from "./tools/toolbox.js";
export { renderTemplate } from "./prompt-template.js";
// Conversation history (ctx.history())
export { MemoryUnavailableError, DEFAULT_MEMORY_NAME, readConversation, type HistoryOptions, type MemoryEndpoint, type MemoryFailureReason } from "../ark/memory.js";

// Query resolution
export type { BrokerInput, QueryResolver, ResolvedQuery, ResolveInput } from "./query-resolver.js";
export { ClusterQueryResolver, DEFAULT_QUERY_TIMEOUT, type ClusterQueryResolverOptions } from "./cluster-resolver.js";
export { StaticQueryResolver, type StaticQuery } from "./static-resolver.js";
export type { CacheMode, CacheStats } from "../client/object-cache.js";

// The ARK query reference an engine receives
export type { QueryRef, QueryTargetRef } from "../protocol/query-extension.js";
export { BrokerStream, type StreamedToolCall, type BrokerStreamOptions, type BrokerChunk } from "./broker-client.js";
export type { QueryPhaseWriter } from "../ark/query-status.js";

// Errors
export { ExecutorError, ExecutionAbortedError, type AbortCause } from "./errors.js";
export { GoDurationError } from "../core/go-duration.js";
export { QueryRefError, WireFormatError } from "../protocol/errors.js";
export { QueryResolutionError, type ResolutionFailureReason } from "../ark/errors.js";

// Shipping an engine: deployment manifests with least-privilege RBAC
export {
  engineManifests, engineRbacRules, ENGINE_FEATURES, DEFAULT_ENGINE_FEATURES,
  type EngineFeature, type EngineManifestOptions, type EngineRbacRule,
} from "./manifests.js";

// The agent's model, typed per provider
export {
  typedModel, parseModelProperty, ModelConfigError,
  type TypedModel, type OpenAIModel, type AzureModel, type AnthropicModel, type BedrockModel, type OtherModel, type NoModel, type ModelProperties,
} from "./model-config.js";
