/**
 * Errors of the wire protocols: a JSON document of the wrong shape, and a
 * malformed ARK query reference.
 */

import { ArkSdkError } from "../core/errors.js";

/** A JSON document does not have the expected shape; `path` names the bad field (e.g. `params.message.parts[0].text`). */
export class WireFormatError extends ArkSdkError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

/** The ARK query reference in a message is missing or malformed (answered with JSON-RPC `-32602`). */
export class QueryRefError extends ArkSdkError {
  /** The offending field of the reference, e.g. `namespace` or `target`. */
  readonly field: string;
  constructor(message: string, field: string) {
    super(message);
    this.field = field;
  }
}

