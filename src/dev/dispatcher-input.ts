/**
 * The user text the dispatcher sends for a Query, as ARK computes it:
 * `spec.input` (a string for type `user`; the first user message's text for
 * the legacy type `messages`), with `{{.name}}` references filled from
 * `spec.parameters` (plain values or ConfigMap/Secret keys). Only the
 * `{{.name}}` form of Go templates is supported; anything else is an error
 * naming the template, not a silently wrong input.
 */

import type { ValueSourceResolver } from "../ark/value-source.js";
import type { Query } from "../generated/index.js";
import { DispatchError } from "./dispatcher-errors.js";
import { isRecord } from "../core/json.js";
import { errorMessage } from "../core/errors.js";

/** The first user message's text of a legacy `messages` input (string content, or the first text part). */
function firstUserText(input: unknown): string {
  if (!Array.isArray(input)) throw new DispatchError("spec.input of a Query of type messages must be a list of chat messages");
  for (const message of input) {
    if (!isRecord(message) || message.role !== "user") continue;
    if (typeof message.content === "string" && message.content !== "") return message.content;
    if (Array.isArray(message.content)) {
      for (const part of message.content) if (isRecord(part) && part.type === "text" && typeof part.text === "string" && part.text !== "") return part.text;
    }
  }
  return "";
}

// An action with the whitespace around it, so Go's trim markers (`{{- ` and ` -}}`) can remove it.
const ACTION = /(\s*)\{\{(-\s)?\s*(.*?)\s*(\s-)?\}\}(\s*)/g;

/** Fills `{{.name}}` references (with Go's trim markers). @throws DispatchError for unknown names and unsupported template actions */
export function fillTemplate(input: string, values: ReadonlyMap<string, string>): string {
  return input.replace(ACTION, (whole, before: string, trimBefore: string | undefined, body: string, trimAfter: string | undefined, after: string) => {
    const action = whole.trim();
    const match = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
    if (!match) throw new DispatchError(`template resolution failed: unsupported template action ${action} (the ark-sdk dispatcher supports {{.name}} only)`);
    const value = values.get(match[1] as string);
    if (value === undefined) throw new DispatchError(`template resolution failed: ${action} names no parameter of the Query`);
    return `${trimBefore ? "" : before}${value}${trimAfter ? "" : after}`;
  });
}

/** The text ARK would send for `query`. @throws DispatchError naming what is wrong with the input or a parameter */
export async function resolveQueryInput(query: Query, values: ValueSourceResolver): Promise<string> {
  const type = query.spec?.type || "user";
  let input: string;
  if (type === "messages") input = firstUserText(query.spec.input);
  else if (type === "user") {
    if (typeof query.spec?.input !== "string") throw new DispatchError(`spec.input must be a string for a Query of type user, got ${Array.isArray(query.spec?.input) ? "a list" : typeof query.spec?.input}`);
    input = query.spec.input;
  } else throw new DispatchError(`unknown query input type: ${type}`);

  const parameters = query.spec?.parameters ?? [];
  if (parameters.length === 0) return input;
  const namespace = query.metadata?.namespace ?? "default";
  const resolved = new Map<string, string>();
  for (const [i, parameter] of parameters.entries()) {
    const field = `spec.parameters[${i}] (${parameter.name})`;
    if (!parameter.value && !parameter.valueFrom) throw new DispatchError(`failed to resolve parameters: parameter ${parameter.name} must specify either value or valueFrom`);
    try {
      resolved.set(parameter.name, await values.resolve(parameter, namespace, field));
    } catch (error) {
      throw new DispatchError(`failed to resolve parameter ${parameter.name}: ${errorMessage(error)}`);
    }
  }
  return fillTemplate(input, resolved);
}
