/**
 * `ark-sdk query <target> <input>`: runs a query and prints the answer
 * (streamed from ARK's broker when the engine streams), then its token usage
 * and duration. The answer goes to stdout, progress and the summary to
 * stderr, so the answer can be piped.
 */
import { parseArgs } from "node:util";
import { ArkClient } from "../ark/ark-client.js";
import { ArgumentError } from "../client/errors.js";
import { consoleLogger } from "../core/logger.js";
import { QueryFailedError } from "../ark/query-errors.js";
import { BrokerStreamError } from "../ark/query-stream.js";
import { normalizeTimeout, type QueryRunRequest, type QueryTargetType } from "../ark/query-request.js";
import type { QueryResult } from "../ark/query-result.js";
import { UsageError, type CliIo } from "./io.js";
import { ConfigError, errorMessage } from "../core/errors.js";
import { linkAbort } from "../core/abort.js";
import { checkBrokerUrl, resolveServiceUrls } from "../ark/service-urls.js";

const HELP = `Usage: ark-sdk query <target> <input> [options]

Runs a query and prints the answer, then its token usage and duration.

  <target>                 agent/<name>, team/<name>, model/<name> or tool/<name>
                           (a bare name is an agent)
  <input>                  The input; "-" reads it from stdin.

Options:
  --stream                 Print the answer as the engine streams it to ARK's broker
                           (the default; the whole answer is printed at the end when
                           the engine does not stream)
  --wait                   Do not read the broker; print the answer when the query ends
  -p, --param <name=value> A parameter for {{.name}} in the input (repeatable)
  --timeout <duration>     The query's spec.timeout, e.g. 30s or 5m (ARK's default: 5m);
                           the command also gives up, and cancels the query, after it
  --conversation-id <id>   Continue a conversation (each answer prints its id)
  --broker-url <url>       The broker to stream from (default: ARK_SDK_BROKER_URL, else
                           the namespace's ark-config-streaming ConfigMap, its Service
                           mapped by ARK_SDK_SERVICE_URLS=cluster|loopback, default cluster)
  -n, --namespace <ns>     Namespace (default: the context's)
  --context <name>         Kubeconfig context (default: the current one)
  --kubeconfig <file>      Kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)
  -o, --output <format>    text (default) or json (the result as one JSON object)
  -h, --help               Show this help.

Ctrl-C cancels the query (spec.cancel) before exiting.

Exit codes: 0 answered, 1 failed (query error, canceled, deleted, timed out,
cluster unreachable), 2 usage error, 3 the query waits for approval of a tool
call, 130 interrupted (the query was canceled).
`;

const TARGET_TYPES = ["agent", "team", "model", "tool"];

/** `agent/name` (or a bare agent name) → target. */
export function parseTarget(text: string): QueryRunRequest["target"] {
  const slash = text.indexOf("/");
  const [type, name] = slash === -1 ? ["agent", text] : [text.slice(0, slash), text.slice(slash + 1)];
  if (!TARGET_TYPES.includes(type)) throw new UsageError(`target type must be one of ${TARGET_TYPES.join(", ")}, got "${type}" (in "${text}")`);
  if (!name) throw new UsageError(`target "${text}" has no name`);
  return { type: type as QueryTargetType, name };
}

/** `name=value` pairs → parameters. */
export function parseParams(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--param must be name=value, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of process.stdin as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts).toString("utf8").replace(/\n$/, "");
}

/** A spinner with elapsed time on stderr, for terminals only. */
function progress(io: CliIo, label: string): { stop(): void } {
  if (!io.isTty) return { stop() {} };
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
  const started = Date.now();
  let i = 0;
  const timer = setInterval(() => io.err(`\r${frames[i++ % frames.length]} ${label} ${((Date.now() - started) / 1000).toFixed(1)}s`), 100);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      io.err("\r\x1b[K");
    },
  };
}

function summary(result: QueryResult): string {
  const usage = result.tokenUsage ? ` · tokens ${result.tokenUsage.promptTokens} prompt + ${result.tokenUsage.completionTokens} completion = ${result.tokenUsage.totalTokens}` : " · no token usage reported";
  const conversation = result.conversationId ? ` · conversation ${result.conversationId}` : "";
  return `${result.phase} in ${result.duration ?? "?"}${usage} · query ${result.name}${conversation}\n`;
}

function toJson(result: QueryResult, error?: string): string {
  const { query: _query, pendingTask, ...rest } = result;
  return `${JSON.stringify({ ...rest, pendingTask: pendingTask?.metadata.name ?? null, ...(error ? { error } : {}) })}\n`;
}

/** Entry point of `ark-sdk query`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stream: { type: "boolean" },
      wait: { type: "boolean" },
      param: { type: "string", short: "p", multiple: true },
      timeout: { type: "string" },
      "conversation-id": { type: "string" },
      "broker-url": { type: "string" },
      namespace: { type: "string", short: "n" },
      context: { type: "string" },
      kubeconfig: { type: "string" },
      output: { type: "string", short: "o" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected <target> and <input>, got ${positionals.length} argument(s)\n\n${HELP}`);
  if (values.stream && values.wait) throw new UsageError("--stream and --wait exclude each other");
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json") throw new UsageError(`--output must be text or json, got "${output}"`);
  const target = parseTarget(positionals[0] as string);
  const parameters = parseParams(values.param ?? []);
  let timeoutMs: number | undefined;
  try {
    timeoutMs = normalizeTimeout(values.timeout)?.ms;
  } catch (error) {
    if (error instanceof ArgumentError) throw new UsageError(`--timeout: ${error.message.replace(/^timeout: /, "")}`);
    throw error;
  }
  // The service-URL rule ark.queries.stream() applies, checked before anything is created.
  const brokerUrl = values.wait ? null : brokerUrlFlag(values["broker-url"]);
  const input = positionals[1] === "-" ? await readStdin() : (positionals[1] as string);
  const request: QueryRunRequest = { input, target, parameters, timeout: values.timeout, conversationId: values["conversation-id"] };

  const ark = await ArkClient.fromEnv({ namespace: values.namespace, context: values.context, kubeconfig: values.kubeconfig, logger: consoleLogger(undefined, "ark-sdk") });
  const stop = linkAbort([], { timeoutMs, timeoutReason: () => new Error("timeout") });
  const onSigint = () => stop.abort(new Error("interrupted"));
  process.once("SIGINT", onSigint);
  let name = "";
  try {
    const query = await ark.queries.start(request, { signal: stop.signal });
    name = query.metadata.name ?? "";
    const spinner = progress(io, `${name} running`);
    let streamed: string | undefined; // the last piece of text streamed, if any
    let result: QueryResult;
    try {
      result = await follow(ark, name, brokerUrl, stop.signal, io, output, spinner, (text) => (streamed = text));
    } finally {
      spinner.stop();
    }
    if (output === "json") io.out(toJson(result));
    else {
      const printed = streamed ?? result.content;
      if (streamed === undefined) io.out(result.content);
      if (!printed.endsWith("\n")) io.out("\n");
      io.err(summary(result));
    }
    if (result.phase !== "input-required") return 0;
    const task = result.pendingTask?.metadata.name ?? "(task not found)";
    io.err(`waiting for approval: A2ATask ${task} (approve with ark.a2aTasks.approve("${task}") or reject("${task}", reason))\n`);
    return 3;
  } catch (error) {
    if (stop.signal.aborted && name) await ark.queries.cancel(name).catch(() => undefined);
    return report(error, stop.signal, io, output);
  } finally {
    stop.close();
    process.off("SIGINT", onSigint);
    await ark.close();
  }
}

/** `--broker-url` checked, and the environment's service-URL variables too. @throws UsageError naming the flag or variable */
function brokerUrlFlag(flag: string | undefined): string | undefined {
  try {
    const url = flag === undefined ? undefined : checkBrokerUrl(flag, "--broker-url");
    resolveServiceUrls({ brokerUrl: url });
    return url;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** Streams (or waits for) the query; text deltas go to stdout as they come. */
async function follow(
  ark: ArkClient, name: string, brokerUrl: string | null | undefined, signal: AbortSignal, io: CliIo, output: string, spinner: { stop(): void }, onText: (text: string) => void,
): Promise<QueryResult> {
  const seenTools = new Set<number>();
  for await (const event of ark.queries.stream(name, { brokerUrl, signal })) {
    if (event.type === "result") return event.result;
    if (output === "json") continue;
    spinner.stop();
    if (event.type === "text") {
      onText(event.text);
      io.out(event.text);
    } else if (event.type === "tool-call" && !seenTools.has(event.index)) {
      seenTools.add(event.index);
      io.err(`[tool call] ${event.name}\n`);
    } else if (event.type === "stream-error") io.err(`[engine error] ${event.message}\n`);
  }
  throw new BrokerStreamError(`the stream of Query "${name}" ended without a result`);
}

function report(error: unknown, signal: AbortSignal, io: CliIo, output: string): number {
  if (error instanceof QueryFailedError) {
    if (output === "json") io.out(toJson(error.result, error.message));
    io.err(`✗ ${error.message}\n`);
    return 1;
  }
  if (error instanceof UsageError) throw error;
  if (error instanceof ArgumentError) throw new UsageError(error.message);
  const timedOut = signal.aborted && signal.reason instanceof Error && signal.reason.message === "timeout";
  const why = signal.aborted ? (timedOut ? "timed out; spec.cancel was set" : "interrupted; spec.cancel was set") : undefined;
  const message = why ?? errorMessage(error);
  if (output === "json") io.out(`${JSON.stringify({ error: message })}\n`);
  io.err(`✗ ${message}\n`);
  return signal.aborted && !timedOut ? 130 : 1;
}
