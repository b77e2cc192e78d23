/**
 * The subset of the A2A v0.3 wire (JSON-RPC binding) an engine speaks.
 * Written from the A2A 0.3 specification; names carry an `A2A` prefix so
 * they never clash with ark-sdk's own `Message`.
 */

/** A text part of a message or artifact. */
export interface A2ATextPart {
  kind: "text";
  text: string;
  metadata?: Record<string, unknown>;
}

/** Any part; only text parts are produced, others are read as opaque data. */
export type A2APart = A2ATextPart | { kind: "file" | "data"; metadata?: Record<string, unknown>; [field: string]: unknown };

/** An A2A message (user → agent request, agent → user answer). */
export interface A2AMessage {
  kind: "message";
  role: "user" | "agent";
  messageId: string;
  parts: A2APart[];
  contextId?: string;
  taskId?: string;
  extensions?: string[];
  metadata?: Record<string, unknown>;
  referenceTaskIds?: string[];
}

/** Task lifecycle states of A2A 0.3. */
export type A2ATaskState =
  | "submitted"
  | "working"
  | "input-required"
  | "completed"
  | "canceled"
  | "failed"
  | "rejected"
  | "auth-required"
  | "unknown";

/** A task's current status. */
export interface A2AProtocolTaskStatus {
  state: A2ATaskState;
  message?: A2AMessage;
  /** ISO 8601. */
  timestamp?: string;
}

/** Output produced by a task. */
export interface A2AArtifact {
  artifactId: string;
  name?: string;
  parts: A2APart[];
  metadata?: Record<string, unknown>;
}

/** An A2A task. */
export interface A2AProtocolTask {
  kind: "task";
  id: string;
  contextId: string;
  status: A2AProtocolTaskStatus;
  history?: A2AMessage[];
  artifacts?: A2AArtifact[];
  metadata?: Record<string, unknown>;
}

/** Streaming event: the task's status changed. */
export interface A2ATaskStatusUpdateEvent {
  kind: "status-update";
  taskId: string;
  contextId: string;
  status: A2AProtocolTaskStatus;
  final: boolean;
  metadata?: Record<string, unknown>;
}

/** Streaming event: a chunk of an artifact. */
export interface A2ATaskArtifactUpdateEvent {
  kind: "artifact-update";
  taskId: string;
  contextId: string;
  artifact: A2AArtifact;
  append?: boolean;
  lastChunk?: boolean;
  metadata?: Record<string, unknown>;
}

/** What `message/stream` emits. */
export type A2AStreamEvent = A2AMessage | A2AProtocolTask | A2ATaskStatusUpdateEvent | A2ATaskArtifactUpdateEvent;

/** `params` of `message/send` and `message/stream`. */
export interface A2AMessageSendParams {
  message: A2AMessage;
  configuration?: {
    /** Go clients send `null` here. */
    acceptedOutputModes?: string[] | null;
    blocking?: boolean;
    historyLength?: number;
  };
  metadata?: Record<string, unknown>;
}

/** An extension an agent supports. */
export interface A2AAgentExtension {
  uri: string;
  description?: string;
  required?: boolean;
  params?: Record<string, unknown>;
}

/** A skill listed on the agent card. */
export interface A2AAgentSkill {
  id: string;
  name: string;
  description: string;
  tags: string[];
  examples?: string[];
  inputModes?: string[];
  outputModes?: string[];
}

/** The agent card served at `/.well-known/agent-card.json`. */
export interface A2AAgentCard {
  name: string;
  description: string;
  url: string;
  version: string;
  protocolVersion: string;
  preferredTransport: string;
  defaultInputModes: string[];
  defaultOutputModes: string[];
  capabilities: {
    streaming?: boolean;
    pushNotifications?: boolean;
    stateTransitionHistory?: boolean;
    extensions?: A2AAgentExtension[];
  };
  skills: A2AAgentSkill[];
}

/** Terminal task states: the task will not change any more. */
export const TERMINAL_TASK_STATES: ReadonlySet<A2ATaskState> = new Set(["completed", "canceled", "failed", "rejected"]);
