/**
 * Runs an http Tool as ARK's engine does: `{name}` placeholders of the URL
 * replaced by the URL-encoded arguments (Go's `url.QueryEscape`), headers
 * sent, the body template rendered for POST/PUT/PATCH with the arguments
 * under `.input` and the body parameters at the top level, the Tool's
 * timeout (default 30 s) and the caller's signal, a status ≥ 400 a failure,
 * and at most 10 MB of the answer read.
 */

import { linkAbort } from "../../core/abort.js";
import { ArkSdkError, errorMessage } from "../../core/errors.js";
import { goFormat } from "./builtin.js";
import type { HTTPToolConfig } from "./types.js";

/** ARK reads at most this much of an http tool's answer. */
export const HTTP_TOOL_MAX_BODY_BYTES = 10 << 20;

/** A failure of an http tool call, as a message (the caller wraps it in `ToolCallError`). */
export class HttpToolFailure {
  constructor(readonly message: string, readonly cause?: unknown) {}
}

/** Go's `url.QueryEscape`: everything but `A-Za-z0-9-_.~` percent-encoded, space as `+`. */
export function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

/** The value as Go's `%v` prints it (strings as they are). */
function show(value: unknown): string {
  return typeof value === "string" ? value : goFormat(value);
}

/** The URL template with each `{name}` that names an argument replaced (others stay as written, as in ARK). */
export function substituteUrl(template: string, args: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (whole, name: string) => (Object.prototype.hasOwnProperty.call(args, name) ? queryEscape(show(args[name])) : whole));
}

/**
 * Renders a Go text/template that uses only field references (`{{.a}}`,
 * `{{ .a.b }}`, with `{{-`/`-}}` trimming). A missing field prints
 * `<no value>`, as Go does for a map. Anything else (pipelines, `if`,
 * `range`, functions) throws: ark-sdk does not evaluate Go templates.
 */
export function renderFieldTemplate(template: string, data: Record<string, unknown>): string {
  let out = "";
  let rest = template;
  for (;;) {
    const open = rest.indexOf("{{");
    if (open === -1) return out + rest;
    let before = rest.slice(0, open);
    const close = rest.indexOf("}}", open + 2);
    if (close === -1) throw new ArkSdkError(`unclosed action in template: ${rest.slice(open, open + 40)}`);
    let action = rest.slice(open + 2, close);
    rest = rest.slice(close + 2);
    if (action.startsWith("-") && /^-\s/.test(action)) {
      before = before.replace(/\s+$/, "");
      action = action.slice(1);
    }
    if (/\s-$/.test(action)) {
      rest = rest.replace(/^\s+/, "");
      action = action.slice(0, -1);
    }
    out += before;
    const path = action.trim();
    if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) {
      throw new ArkSdkError(`template action {{${action}}} is not supported by ark-sdk (only field references such as {{.input.name}})`);
    }
    let value: unknown = data;
    for (const key of path.slice(1).split(".")) {
      value = value !== null && typeof value === "object" && Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
      if (value === undefined) break;
    }
    out += value === undefined ? "<no value>" : show(value);
  }
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < HTTP_TOOL_MAX_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = HTTP_TOOL_MAX_BODY_BYTES - size;
      parts.push(value.byteLength > room ? value.subarray(0, room) : value);
      size += Math.min(value.byteLength, room);
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).toString("utf8");
}

/**
 * Calls the http tool. Resolves with the answer's text; returns an
 * {@link HttpToolFailure} for a failed call. Rejects only with `signal`'s reason.
 */
export async function callHttpTool(config: HTTPToolConfig["http"], args: Record<string, unknown>, signal: AbortSignal): Promise<string | HttpToolFailure> {
  const url = substituteUrl(config.url, args);
  try {
    new URL(url);
  } catch (error) {
    return new HttpToolFailure(`invalid URL: ${url}`, error);
  }
  const method = (config.method || "GET").toUpperCase();
  let body: string | undefined;
  if (config.body && (method === "POST" || method === "PUT" || method === "PATCH")) {
    try {
      body = renderFieldTemplate(config.body, { ...config.bodyParameters, input: args });
    } catch (error) {
      return new HttpToolFailure(`failed to resolve body template: ${errorMessage(error)}`, error);
    }
  }
  const timeoutMs = config.timeoutMs;
  const link = linkAbort([signal], { timeoutMs });
  try {
    let response: Response;
    try {
      response = await fetch(url, { method, headers: config.headers, body, signal: link.signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (link.signal.aborted) return new HttpToolFailure(`no answer from ${method} ${url} within ${timeoutMs} ms (the Tool's spec.http.timeout)`, error);
      const cause = (error as { cause?: unknown }).cause;
      return new HttpToolFailure(`failed to fetch URL: ${errorMessage(error)}${cause ? ` (${errorMessage(cause)})` : ""}`, error);
    }
    try {
      if (response.status >= 400) {
        void response.body?.cancel().catch(() => undefined);
        return new HttpToolFailure(`HTTP error ${response.status}: ${response.status} ${response.statusText} (URL: ${url})`);
      }
      return await readCapped(response);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (link.signal.aborted) return new HttpToolFailure(`answer of ${method} ${url} not read within ${timeoutMs} ms (the Tool's spec.http.timeout)`, error);
      return new HttpToolFailure(`failed to read response: ${errorMessage(error)}`, error);
    }
  } finally {
    link.close();
  }
}
