/**
 * The A2A agent card an engine serves. Unlike the Python SDK (which always
 * advertises `https://localhost:8000`), `url` is the address the card was
 * actually fetched from, or the configured public URL.
 */

import type { A2AAgentCard, A2AAgentSkill } from "./a2a.js";
import { QUERY_EXTENSION_URI } from "./query-extension.js";

/** Inputs of {@link buildAgentCard}. */
export interface AgentCardOptions {
  /** Engine name; the card's `name` is its lower-case form. */
  engineName: string;
  /** Where the JSON-RPC endpoint is reachable, e.g. `http://10.0.0.7:8000`. */
  url: string;
  description?: string | undefined;
  version?: string | undefined;
  skills?: A2AAgentSkill[] | undefined;
}

/** The default skill: "executes agents with <engine>". */
export function defaultSkill(engineName: string): A2AAgentSkill {
  const id = engineName.toLowerCase();
  return {
    id: `${id}-execute`,
    name: `${engineName} Agent Execution`,
    description: `Executes agents using ${engineName}`,
    tags: [id, "execution-engine"],
  };
}

/** Builds the card: streaming supported, ARK's query extension declared but not required. */
export function buildAgentCard(options: AgentCardOptions): A2AAgentCard {
  return {
    name: options.engineName.toLowerCase(),
    description: options.description || `${options.engineName} execution engine`,
    url: options.url,
    version: options.version ?? "1.0.0",
    protocolVersion: "0.3.0",
    preferredTransport: "JSONRPC",
    defaultInputModes: ["text"],
    defaultOutputModes: ["text"],
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extensions: [{ uri: QUERY_EXTENSION_URI, description: "Ark query context", required: false }],
    },
    skills: options.skills ?? [defaultSkill(options.engineName)],
  };
}
