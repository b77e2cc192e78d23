/**
 * Reading a conversation's earlier messages from ARK's memory, as ARK's
 * completions engine does: the Memory a Query names (`spec.memory`), else the
 * Memory `default` of the Query's namespace; its `spec.address` resolved like
 * every ARK value source; `GET <address>/messages?conversation_id=…` (the
 * ark-broker memory API: pages of `{ items: [{ message, sequence, … }],
 * hasMore, nextCursor }`, at most 1,000 items a page, `cursor` = the last
 * sequence seen). Without a Memory, ARK uses no memory at all (history is
 * empty and the engine's answer reports `memoryUnavailable`).
 */

import { ArgumentError, ArkSdkError, errorMessage } from "../core/errors.js";
import { linkAbort } from "../core/abort.js";
import { isRecord } from "../core/json.js";
import { fromWireMessage, type Message } from "../protocol/messages.js";
import { WireFormatError } from "../protocol/errors.js";
import type { Memory } from "../generated/memory.js";
import type { ValueSourceResolver } from "./value-source.js";
import { QueryResolutionError } from "./errors.js";

/** The Memory a Query uses when its `spec.memory` is unset. */
export const DEFAULT_MEMORY_NAME = "default";

/** Why the memory could not be read (stable words). */
export type MemoryFailureReason =
  /** The Memory the Query names does not exist. */
  | "NotFound"
  /** The Memory exists but its address or headers cannot be resolved (missing Service, Secret, RBAC…). */
  | "Unresolvable"
  /** The memory service could not be reached or answered with a failure status. */
  | "Unreachable"
  /** The memory service answered something that is not the memory API's message list. */
  | "BadResponse";

/**
 * ARK's memory could not be read. ARK's own engine logs this and continues
 * without history (its answer reports `memoryDegraded`); an engine
 * that wants the same catches it: `await ctx.history().catch(() => [])`.
 */
export class MemoryUnavailableError extends ArkSdkError {
  /** A stable word saying what failed. */
  readonly reason: MemoryFailureReason;
  /** The Memory, as `namespace/name`, when known. */
  readonly memory: string | undefined;
  constructor(message: string, reason: MemoryFailureReason, options: { memory?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.reason = reason;
    this.memory = options.memory;
  }
}

/** Bounds of a history read. */
export interface HistoryOptions {
  /** Most messages returned: the latest ones (default 100, ARK's page size). */
  limit?: number;
  /** Most bytes of message JSON returned; the oldest messages are dropped first (default 1 MiB). */
  maxBytes?: number;
  /** Aborts the read (combined with the execution's signal). */
  signal?: AbortSignal;
}

/** Where a Memory's API is: its resolved base URL and headers. */
export interface MemoryEndpoint {
  /** The Memory as `namespace/name` (for messages). */
  memory: string;
  /** Base URL without a trailing slash. */
  url: string;
  /** Headers of `spec.headers`, values resolved. */
  headers: Record<string, string>;
}

const DEFAULT_LIMIT = 100;
const DEFAULT_MAX_BYTES = 1024 * 1024;
/** ARK's broker serves at most this many items a page. */
const PAGE_SIZE = 1000;
/** Pages read before giving up (a million messages). */
const MAX_PAGES = 1000;
/** Largest page body accepted, bytes. */
const MAX_PAGE_BYTES = 32 * 1024 * 1024;
/** ARK's memory client timeout (ARK_MEMORY_HTTP_TIMEOUT_SECONDS default). */
const DEFAULT_TIMEOUT_MS = 30_000;
const USER_AGENT = "ark-sdk-memory-client";

/** The checked bounds of {@link HistoryOptions}, defaults applied. @throws ArgumentError for a bound that is not a non-negative integer */
export function historyBounds(options: HistoryOptions = {}): { limit: number; maxBytes: number } {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new ArgumentError("limit", `history({ limit }) must be a non-negative integer, got ${String(limit)}`);
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new ArgumentError("maxBytes", `history({ maxBytes }) must be a non-negative integer, got ${String(maxBytes)}`);
  return { limit, maxBytes };
}

/**
 * The latest messages of `messages` within the bounds: at most `limit`, at
 * most `maxBytes` of JSON (oldest dropped first), and never starting with a
 * `tool` message whose assistant call was dropped (models reject those).
 */
export function boundHistory(messages: readonly Message[], bounds: { limit: number; maxBytes: number }): Message[] {
  let start = Math.max(0, messages.length - bounds.limit);
  let bytes = 0;
  for (let i = messages.length - 1; i >= start; i--) {
    bytes += Buffer.byteLength(JSON.stringify(messages[i]));
    if (bytes > bounds.maxBytes) {
      start = i + 1;
      break;
    }
  }
  while (start < messages.length && messages[start]?.role === "tool") start++;
  return messages.slice(start);
}

/** A stored message as a {@link Message}; OpenAI content parts become their text. */
function readStoredMessage(value: unknown, path: string): Message {
  if (isRecord(value) && Array.isArray(value.content)) {
    const text = value.content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
    return fromWireMessage({ ...value, content: text }, path);
  }
  return fromWireMessage(value, path);
}

/**
 * The latest messages of `conversationId` from the memory at `endpoint`,
 * oldest first, within the bounds of `options`.
 * @throws MemoryUnavailableError when the service cannot be reached or answers badly; the signal's reason when aborted
 */
export async function readConversation(endpoint: MemoryEndpoint, conversationId: string, options: HistoryOptions & { timeoutMs?: number } = {}): Promise<Message[]> {
  const bounds = historyBounds(options);
  if (conversationId === "" || bounds.limit === 0) return [];
  const kept: Message[] = [];
  let cursor: number | undefined;
  for (let page = 0; ; page++) {
    if (page === MAX_PAGES) {
      throw new MemoryUnavailableError(`conversation ${conversationId} in Memory ${endpoint.memory} has more than ${MAX_PAGES * PAGE_SIZE} messages; not read`, "BadResponse", { memory: endpoint.memory });
    }
    const url = `${endpoint.url}/messages?conversation_id=${encodeURIComponent(conversationId)}&limit=${PAGE_SIZE}${cursor === undefined ? "" : `&cursor=${cursor}`}`;
    const body = await getPage(endpoint, url, options);
    const items = body.items;
    for (const [i, item] of items.entries()) {
      if (!isRecord(item)) throw badResponse(endpoint, url, `items[${i}] is not an object`);
      try {
        kept.push(readStoredMessage(item.message, `items[${i}].message`));
      } catch (error) {
        if (error instanceof WireFormatError) throw badResponse(endpoint, url, error.message);
        throw error;
      }
    }
    if (kept.length > bounds.limit) kept.splice(0, kept.length - bounds.limit);
    if (body.hasMore !== true) break;
    const next = typeof body.nextCursor === "number" ? body.nextCursor : (items.at(-1) as { sequence?: unknown } | undefined)?.sequence;
    if (typeof next !== "number" || (cursor !== undefined && next <= cursor)) throw badResponse(endpoint, url, "hasMore is true but no usable nextCursor was given");
    cursor = next;
  }
  return boundHistory(kept, bounds);
}

function badResponse(endpoint: MemoryEndpoint, url: string, what: string): MemoryUnavailableError {
  return new MemoryUnavailableError(`Memory ${endpoint.memory} answered GET ${url} with an unreadable message list: ${what}`, "BadResponse", { memory: endpoint.memory });
}

async function getPage(endpoint: MemoryEndpoint, url: string, options: HistoryOptions & { timeoutMs?: number }): Promise<{ items: unknown[]; hasMore?: unknown; nextCursor?: unknown }> {
  let timedOut = false;
  const link = linkAbort([options.signal], {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    timeoutReason: () => {
      timedOut = true;
      return new Error("timeout");
    },
  });
  try {
    let response: Response;
    try {
      response = await fetch(url, { headers: { ...endpoint.headers, Accept: "application/json", "User-Agent": USER_AGENT }, signal: link.signal });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const why = timedOut ? `no answer within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : errorMessage(error);
      throw new MemoryUnavailableError(`cannot reach Memory ${endpoint.memory} at ${endpoint.url}: ${why}`, "Unreachable", { memory: endpoint.memory, cause: error });
    }
    const text = await readLimited(response, endpoint, options);
    if (response.status < 200 || response.status >= 300) {
      throw new MemoryUnavailableError(`Memory ${endpoint.memory} answered GET ${url} with HTTP ${response.status}: ${text.slice(0, 200)}`, "Unreachable", { memory: endpoint.memory });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw badResponse(endpoint, url, "the body is not JSON");
    }
    if (!isRecord(body) || !Array.isArray(body.items)) throw badResponse(endpoint, url, "no 'items' array");
    return body as { items: unknown[] };
  } finally {
    link.close();
  }
}

async function readLimited(response: Response, endpoint: MemoryEndpoint, options: HistoryOptions): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_PAGE_BYTES || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    if (declared > MAX_PAGE_BYTES) throw new MemoryUnavailableError(`Memory ${endpoint.memory} answered a page of ${declared} bytes (limit ${MAX_PAGE_BYTES})`, "BadResponse", { memory: endpoint.memory });
    return "";
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += part.length;
      if (size > MAX_PAGE_BYTES) throw new MemoryUnavailableError(`Memory ${endpoint.memory} answered a page larger than ${MAX_PAGE_BYTES} bytes`, "BadResponse", { memory: endpoint.memory });
      parts.push(part);
    }
  } catch (error) {
    if (error instanceof MemoryUnavailableError) throw error;
    if (options.signal?.aborted) throw options.signal.reason;
    throw new MemoryUnavailableError(`reading Memory ${endpoint.memory}'s answer failed: ${errorMessage(error)}`, "Unreachable", { memory: endpoint.memory, cause: error });
  }
  return Buffer.concat(parts).toString("utf8");
}

/** What {@link memoryEndpointFor} reads with. */
export interface MemoryLookup {
  /** Reads a Memory (`undefined` when absent). */
  getMemory(namespace: string, name: string, signal: AbortSignal): Promise<Memory | undefined>;
  /** Resolves the Memory's address and header values. */
  values: ValueSourceResolver;
}

/**
 * The endpoint of the Memory a Query uses: `memoryRef` (the Query's
 * `spec.memory`, namespace defaulting to the Query's), else the Memory
 * `default` of `namespace`. `undefined` when there is no `memoryRef` and no
 * `default` Memory: ARK then keeps no memory.
 * @throws MemoryUnavailableError when a named Memory is missing or its address or headers cannot be resolved
 */
export async function memoryEndpointFor(
  lookup: MemoryLookup,
  memoryRef: { name?: string; namespace?: string } | undefined,
  namespace: string,
  signal: AbortSignal,
): Promise<MemoryEndpoint | undefined> {
  const name = memoryRef?.name || DEFAULT_MEMORY_NAME;
  const ns = memoryRef?.namespace || namespace;
  const id = `${ns}/${name}`;
  let memory: Memory | undefined;
  try {
    memory = await lookup.getMemory(ns, name, signal);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new MemoryUnavailableError(`cannot read Memory ${id}: ${errorMessage(error)}`, "Unresolvable", { memory: id, cause: error });
  }
  if (!memory) {
    if (!memoryRef?.name) return undefined;
    throw new MemoryUnavailableError(`Memory ${id} (the Query's spec.memory) not found`, "NotFound", { memory: id });
  }
  try {
    const address = await lookup.values.resolve(memory.spec?.address, ns, `Memory ${id} spec.address`);
    if (address === "") throw new MemoryUnavailableError(`Memory ${id} has no address (spec.address)`, "Unresolvable", { memory: id });
    const headers: Record<string, string> = {};
    for (const [i, header] of (memory.spec?.headers ?? []).entries()) {
      if (!header?.name) continue;
      const value = await lookup.values.resolve(header.value, ns, `Memory ${id} spec.headers[${i}] (${header.name})`);
      if (value !== "") headers[header.name] = value;
    }
    return { memory: id, url: address.replace(/\/+$/, ""), headers };
  } catch (error) {
    if (error instanceof MemoryUnavailableError) throw error;
    if (signal.aborted) throw signal.reason;
    if (error instanceof QueryResolutionError) throw new MemoryUnavailableError(`cannot resolve Memory ${id}: ${error.message}`, "Unresolvable", { memory: id, cause: error });
    throw error;
  }
}
