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
 * await new ExecutorApp(new MyExecutor(), "MyEngine").listen({ port: 8000 });
 * ```
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
  Parameter,
  ToolDefinition,
} from "./types.js";
export type { Message, ToolCall, TokenUsage, WireMessage, WireTokenUsage } from "./messages.js";
export { renderTemplate } from "./prompt-template.js";

// Query resolution
export type { QueryResolver, ResolvedQuery, ResolveInput } from "./query-resolver.js";
export { ClusterQueryResolver, DEFAULT_QUERY_TIMEOUT, type ClusterQueryResolverOptions } from "./cluster-resolver.js";
export { StaticQueryResolver, type StaticQuery } from "./static-resolver.js";
export type { CacheMode, CacheStats } from "./object-cache.js";
export { clusterServiceUrl, loopbackServiceUrl, serviceUrlFromEnv, type ServiceAddress, type ServiceUrlResolver } from "./value-source.js";
export { teamReachesAgent, type TeamReader, type TeamShape } from "./team-membership.js";

// The ARK query extension and the controller's side of the wire
export {
  QUERY_EXTENSION_URI,
  QUERY_EXTENSION_METADATA_KEY,
  extractQueryRef,
  type QueryRef,
  type QueryTargetRef,
} from "./query-extension.js";
export {
  CONTROLLER_REQUEST_HEADERS,
  buildMessageSendRequest,
  buildMessageSendBody,
  encodeGoJson,
  readEngineResponse,
  subTargetConversationId,
  textOfParts,
  type EngineOutcome,
  type QueryDispatch,
  type QueryTokenUsage,
} from "./controller-wire.js";
export { JsonRpcErrorCode, type JsonRpcErrorObject, type JsonRpcId, type JsonRpcResponse } from "./jsonrpc.js";
export type {
  A2AAgentCard,
  A2AAgentExtension,
  A2AAgentSkill,
  A2AArtifact,
  A2AMessage,
  A2AMessageSendParams,
  A2APart,
  A2AStreamEvent,
  A2ATask,
  A2ATaskArtifactUpdateEvent,
  A2ATaskState,
  A2ATaskStatus,
  A2ATaskStatusUpdateEvent,
  A2ATextPart,
} from "./a2a.js";
export { buildAgentCard, type AgentCardOptions } from "./agent-card.js";

// Wire conversions (REST /execute, raw messages)
export { fromWireMessage, toWireMessage, toWireTokenUsage } from "./messages.js";
export { fromWireRequest, toWireRequest, toWireResponse } from "./types.js";

// Broker, status, durations
export { BrokerStream, type BrokerStreamOptions, type BrokerChunk, type StreamedToolCall } from "./broker-client.js";
export { BrokerDiscovery, STREAMING_CONFIG_NAME, parseStreamingConfig, type StreamingConfig } from "./broker-discovery.js";
export { QueryStatusWriter, mergeCondition } from "./query-status.js";
export { parseGoDuration, goDurationToSeconds } from "./go-duration.js";

// Errors
export {
  ExecutorError,
  ExecutionAbortedError,
  GoDurationError,
  QueryRefError,
  QueryResolutionError,
  WireFormatError,
  type AbortCause,
  type ResolutionFailureReason,
} from "./errors.js";
