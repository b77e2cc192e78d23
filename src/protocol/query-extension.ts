/**
 * ARK's A2A "query extension" (v1): the only ARK-specific data that crosses
 * the wire is a reference to the Query, stored in the user message's
 * `metadata` under {@link QUERY_EXTENSION_METADATA_KEY}. The engine reads
 * everything else from Kubernetes.
 */

import { QueryRefError } from "./errors.js";
import { isRecord } from "../core/json.js";

/** URI of the extension, listed in the message's `extensions` and the agent card. */
export const QUERY_EXTENSION_URI = "https://github.com/mckinsey/agents-at-scale-ark/tree/main/ark/api/extensions/query/v1";

/** Metadata key holding the {@link QueryRef} (request) and ARK's response metadata (response). */
export const QUERY_EXTENSION_METADATA_KEY = `${QUERY_EXTENSION_URI}/ref`;

/** The member of a team a sub-target request asks the engine to run. */
export interface QueryTargetRef {
  type: string;
  name: string;
}

/** What ARK sends to identify the Query an engine must execute. */
export interface QueryRef {
  name: string;
  namespace: string;
  /** Set only for sub-target requests (a team member dispatched by ARK's completions engine). */
  target?: QueryTargetRef;
  /** Conversation scope chosen by the caller for sub-targets; `""` when absent. */
  conversationId: string;
}

const MAX_ECHO = 200;

function echo(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/**
 * Reads and validates the QueryRef from a message's `metadata`, with the
 * Python SDK's rules and messages. Unknown fields are ignored so that newer
 * ARK versions can add some.
 * @throws QueryRefError naming the offending field
 */
export function extractQueryRef(metadata: unknown): QueryRef {
  const raw = isRecord(metadata) ? metadata[QUERY_EXTENSION_METADATA_KEY] : undefined;
  if (!isRecord(raw)) {
    throw new QueryRefError(`Missing or invalid Ark query extension metadata at key '${QUERY_EXTENSION_METADATA_KEY}'`, "metadata");
  }
  if (!nonEmptyString(raw.name) || !nonEmptyString(raw.namespace)) {
    const field = nonEmptyString(raw.name) ? "namespace" : "name";
    throw new QueryRefError(`QueryRef must contain 'name' and 'namespace', got: ${echo(raw)}`, field);
  }
  const ref: QueryRef = { name: raw.name, namespace: raw.namespace, conversationId: "" };
  if (raw.target !== undefined && raw.target !== null) {
    if (!isRecord(raw.target)) {
      throw new QueryRefError(`QueryRef 'target' must be an object, got: ${echo(raw.target)}`, "target");
    }
    if (!nonEmptyString(raw.target.type) || !nonEmptyString(raw.target.name)) {
      throw new QueryRefError(`QueryRef 'target' must contain 'type' and 'name', got: ${echo(raw.target)}`, "target");
    }
    ref.target = { type: raw.target.type, name: raw.target.name };
  }
  if (raw.conversationId !== undefined && raw.conversationId !== null) {
    if (typeof raw.conversationId !== "string") {
      throw new QueryRefError(`QueryRef 'conversationId' must be a string, got: ${echo(raw.conversationId)}`, "conversationId");
    }
    ref.conversationId = raw.conversationId;
  }
  return ref;
}
