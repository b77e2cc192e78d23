/**
 * The user text the dispatcher sends for a Query, as ARK v0.1.67 computes it:
 * `spec.input` (a string for type `user`; for the legacy type `messages`,
 * which ARK's webhook rewrites, the LAST user message's text), with
 * `{{.name}}` references filled from `spec.parameters` (plain values or
 * ConfigMap/Secret keys) when there are parameters, a missing name rendering
 * `<no value>` as Go's `text/template` does. Where ARK fails to compute the
 * input (a parameter that does not resolve, a bad template) it sends EMPTY
 * text and carries on; so does the dispatcher, and it logs why. Only the
 * `{{.name}}` form of Go templates is evaluated; other actions count as a
 * failure (empty text, with a warning naming the action).
 */

import type { ValueSourceResolver } from "../ark/value-source.js";
import type { Query } from "../generated/index.js";
import { DispatchError } from "./dispatcher-errors.js";
import { isRecord } from "../core/json.js";
import { errorMessage } from "../core/errors.js";

/** The text the webhook keeps of a legacy `messages` input: the last user message's (string content, or its first text part). */
function lastUserText(input: unknown): string {
  if (!Array.isArray(input)) throw new DispatchError("failed to parse messages array: spec.input is not a list");
  for (let i = input.length - 1; i >= 0; i--) {
    const message: unknown = input[i];
    if (!isRecord(message) || message.role !== "user") continue;
    if (typeof message.content === "string") return message.content;
    if (Array.isArray(message.content)) {
      for (const part of message.content) if (isRecord(part) && part.type === "text") return typeof part.text === "string" ? part.text : "";
    }
    throw new DispatchError("could not extract text from user message content");
  }
  throw new DispatchError("no user message found in messages array");
}

// An action with the whitespace around it, so Go's trim markers (`{{- ` and ` -}}`) can remove it.
const ACTION = /(\s*)\{\{(-\s)?\s*(.*?)\s*(\s-)?\}\}(\s*)/g;

/** Fills `{{.name}}` references (with Go's trim markers; an unknown name renders `<no value>`). @throws DispatchError for template actions other than `{{.name}}` */
export function fillTemplate(input: string, values: ReadonlyMap<string, string>): string {
  return input.replace(ACTION, (whole, before: string, trimBefore: string | undefined, body: string, trimAfter: string | undefined, after: string) => {
    const action = whole.trim();
    const match = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
    if (!match) throw new DispatchError(`template resolution failed: unsupported template action ${action} (the ark-sdk dispatcher supports {{.name}} only)`);
    const value = values.get(match[1] as string) ?? "<no value>";
    return `${trimBefore ? "" : before}${value}${trimAfter ? "" : after}`;
  });
}

/** The text ARK would send for `query`, and why it is empty when ARK could not compute it. */
export async function resolveQueryInput(query: Query, values: ValueSourceResolver): Promise<{ text: string; problem?: string }> {
  try {
    return { text: await computeInput(query, values) };
  } catch (error) {
    if (!(error instanceof DispatchError)) throw error;
    return { text: "", problem: error.message };
  }
}

async function computeInput(query: Query, values: ValueSourceResolver): Promise<string> {
  const type = query.spec?.type || "user";
  let input: string;
  if (type === "messages") input = lastUserText(query.spec.input);
  else if (type === "user") {
    if (typeof query.spec?.input !== "string") throw new DispatchError("failed to get input string: failed to unmarshal input as string");
    input = query.spec.input;
  } else throw new DispatchError(`failed to get input string: cannot get string input for type=${type}, expected type=user or empty`);

  const parameters = query.spec?.parameters ?? [];
  if (parameters.length === 0) return input;
  const namespace = query.metadata?.namespace ?? "default";
  const resolved = new Map<string, string>();
  for (const [i, parameter] of parameters.entries()) {
    if (parameter.value) {
      resolved.set(parameter.name, parameter.value);
      continue;
    }
    if (!parameter.valueFrom) throw new DispatchError(`failed to resolve parameters: parameter ${parameter.name} must specify either value or valueFrom`);
    try {
      resolved.set(parameter.name, await values.resolve(parameter, namespace, `spec.parameters[${i}] (${parameter.name})`));
    } catch (error) {
      throw new DispatchError(`failed to resolve parameters: failed to resolve parameter ${parameter.name}: ${errorMessage(error)}`);
    }
  }
  if (input === "") return "";
  return fillTemplate(input, resolved);
}
