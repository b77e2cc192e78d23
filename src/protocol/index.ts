/**
 * `ark-sdk/protocol`: the wire protocols between ARK's controller, engines and
 * the broker, for tools that play the controller's side (test harnesses,
 * dispatchers, proxies): A2A 0.3 types, JSON-RPC, ARK's query extension, the
 * controller's exact request and its reading of the engine's answer, and the
 * REST `/execute` wire conversions. Engine authors need none of it: use
 * `ark-sdk/executor`.
 * @module ark-sdk/protocol
 */

// The ARK query extension and the controller's side of the wire
export {
  QUERY_EXTENSION_URI,
  QUERY_EXTENSION_METADATA_KEY,
  extractQueryRef,
  type QueryRef,
  type QueryTargetRef,
} from "./query-extension.js";
export {
  CONTROLLER_DEFAULT_QUERY_TIMEOUT_MS,
  CONTROLLER_HTTP_TIMEOUT_MS,
  CONTROLLER_REQUEST_HEADERS,
  CONTROLLER_USER_AGENT,
  QUERY_EXECUTION_FAILED,
  buildMessageSendRequest,
  buildMessageSendBody,
  controllerRequestUrl,
  controllerTraceHeaders,
  encodeGoJson,
  fallbackRaw,
  readEngineReply,
  readEngineResponse,
  subTargetConversationId,
  textOfParts,
  transportFailure,
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
  A2AProtocolTask,
  A2ATaskArtifactUpdateEvent,
  A2ATaskState,
  A2AProtocolTaskStatus,
  A2ATaskStatusUpdateEvent,
  A2ATextPart,
} from "./a2a.js";
export { buildAgentCard, type AgentCardOptions } from "./agent-card.js";
export { WireFormatError, QueryRefError } from "./errors.js";

// Wire conversions (REST /execute, raw messages)
export { fromWireMessage, toWireMessage, toWireTokenUsage, type WireMessage, type WireTokenUsage } from "./messages.js";
