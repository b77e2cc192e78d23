/**
 * The older REST protocol (`POST /execute`, ARK before A2A): the request
 * carries the whole `ExecutionEngineRequest`, the answer is
 * `{ messages, error, token_usage? }`. A malformed request is answered 400;
 * an execution failure 200 with `error` set, as ARK's old client expects
 * (it treats a non-empty `error` as failure).
 */

import { wasLogged } from "./execution-log.js";
import type { Claims } from "../core/request-guard.js";
import type { Logger } from "../core/logger.js";
import { WireFormatError } from "../protocol/errors.js";
import { errorMessage } from "../core/errors.js";
import type { ExecutionResult, ExecutionRuntime } from "./execution-runtime.js";
import { jsonReply, type Reply } from "./http-io.js";
import { fromWireRequest, toWireResponse, type ExecutionEngineRequest } from "./types.js";

/** Serves one `/execute` call whose body has been read. */
export async function handleRestExecute(
  body: string,
  call: { caller?: Claims; onClientGone: (listener: () => void) => () => void },
  runtime: ExecutionRuntime,
  logger: Logger,
): Promise<Reply> {
  let request: ExecutionEngineRequest;
  try {
    request = fromWireRequest(JSON.parse(body));
  } catch (error) {
    const problem = error instanceof WireFormatError ? error.message : `the body is not valid JSON (${errorMessage(error)})`;
    return jsonReply(400, toWireResponse({ messages: [], error: `Invalid request: ${problem}` }));
  }
  let result: ExecutionResult;
  try {
    result = await runtime.runRequest(request, call);
  } catch (error) {
    if (!wasLogged(error)) logger.error(`execution failed: ${errorMessage(error)}`, { agent: request.agent.name });
    return jsonReply(200, toWireResponse({ messages: [], error: errorMessage(error) }));
  }
  try {
    return jsonReply(200, toWireResponse({ messages: result.messages, error: "", tokenUsage: result.usage }));
  } catch (error) {
    const message = `the engine's answer cannot be serialised as JSON (${errorMessage(error)})`;
    logger.error(`execution failed: ${message}`, { agent: request.agent.name });
    return jsonReply(200, toWireResponse({ messages: [], error: message }));
  }
}
