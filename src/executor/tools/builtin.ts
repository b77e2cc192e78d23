/**
 * ARK's builtin tools (v0.1.67 accepts `noop` and `terminate` on Tool objects
 * and as agent tools of type `built-in`): their definitions, as ARK's own
 * engine offers them to the model, and what a call returns.
 */

import type { ToolResult } from "./types.js";

/** The definition of each builtin: description and JSON input schema, as ARK's engine has them. */
export const BUILTIN_TOOLS: Readonly<Record<string, { description: string; inputSchema: Record<string, unknown> }>> = Object.freeze({
  noop: {
    description: "A no-operation tool that does nothing and returns success",
    inputSchema: { type: "object", properties: { message: { type: "string", description: "Optional message to include in the response" } } },
  },
  terminate: {
    description: "Use this function to provide a final response to the user and then end the current conversation",
    inputSchema: {
      type: "object",
      properties: { response: { type: "string", description: "The message to send before ending the conversation" } },
      required: ["response"],
    },
  },
});

/** Go's `%v` of a JSON value, as ARK's noop formats its arguments (`map[message:hi]`). */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goFormat).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, v]) => `${k}:${goFormat(v)}`).join(" ")}]`;
  }
  return String(value);
}

/**
 * Runs builtin `builtin` with `args`: `noop` answers its arguments in Go's
 * `%v` form, as ARK's does; `terminate` answers its `response` argument and
 * marks the result `terminate` (ARK ends the conversation with it).
 * @returns the result, or a string saying why the call failed
 */
export function runBuiltin(builtin: string, args: Record<string, unknown>, name: string, toolCallId: string): ToolResult | string {
  switch (builtin) {
    case "noop":
      return { name, toolCallId, content: goFormat(args), isError: false };
    case "terminate": {
      const response = args.response;
      // ARK: a terminate call without a string `response` fails with "no response".
      if (typeof response !== "string") return "no response";
      return { name, toolCallId, content: response, isError: false, terminate: true };
    }
    default:
      return `unsupported builtin tool '${builtin}': ARK v0.1.67 supports noop and terminate`;
  }
}
