// The one error root: class names in `name`, the object in `objectName`,
// transport failures apart from API answers, timeouts recognised whichever
// layer threw them, and guards that hold across two copies of the package.
// No cluster needed.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as root from "../../src/index.js";
import * as executorEntry from "../../src/executor/index.js";
import * as authEntry from "../../src/auth/index.js";
import * as protocolEntry from "../../src/protocol/index.js";
import * as testingEntry from "../../src/testing/index.js";
import {
  ApiError, ArkSdkError, ClientClosedError, ConnectionError, NotFoundError, ServerTimeoutError, TimeoutError, TransportError, ValidationError,
  WaitTimeoutError, decodeApiError, isApiError, isArkSdkError, isClientClosed, isConflict, isConnectionError, isNotFound, isTimeout,
  isTransportError, isValidationError,
} from "../../src/client/errors.js";
import { QueryCanceledError, QueryTimeoutError } from "../../src/ark/query-errors.js";
import { ExpiredTokenError, isAuthenticationError } from "../../src/auth/errors.js";
import { GeneratorError } from "../../src/generator/errors.js";
import { JsonRpcError } from "../../src/protocol/jsonrpc.js";
import { BodyTooLargeError } from "../../src/executor/http-io.js";

const request = { method: "GET", path: "/apis/ark.mckinsey.com/v1alpha1/namespaces/ns/agents/a", kind: "Agent", name: "a" };
const notFoundBody = JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 404, reason: "NotFound", message: 'agents "a" not found', details: { name: "a", kind: "agents", group: "ark.mckinsey.com" } });

describe("error names", () => {
  it("every error class of every entry point extends ArkSdkError", () => {
    const entries = { "ark-sdk": root, "ark-sdk/executor": executorEntry, "ark-sdk/auth": authEntry, "ark-sdk/protocol": protocolEntry, "ark-sdk/testing": testingEntry };
    const classes: string[] = [];
    for (const [entry, exports] of Object.entries(entries)) {
      for (const [name, value] of Object.entries(exports)) {
        if (typeof value !== "function" || !(value.prototype instanceof Error)) continue;
        classes.push(name);
        assert.ok(value === ArkSdkError || value.prototype instanceof ArkSdkError, `${entry} exports ${name}, which does not extend ArkSdkError`);
        assert.equal(value.name, name, `${entry} exports ${name} under another name than its class name`);
      }
    }
    // The walk saw the classes it claims to check.
    for (const expected of ["NotFoundError", "TransportError", "QueryTimeoutError", "ManifestError", "ExecutorError", "ExpiredTokenError", "WireFormatError", "ControlPlaneError", "DispatchError"]) {
      assert.ok(classes.includes(expected), `${expected} not among the exported error classes: ${classes.join(", ")}`);
    }
  });

  it("name is the class name and String(err) starts with it; the object's name is objectName", () => {
    const error = decodeApiError(404, notFoundBody, undefined, request);
    assert.ok(error instanceof NotFoundError, "error instanceof NotFoundError");
    assert.equal(error.name, "NotFoundError");
    assert.ok(String(error).startsWith('NotFoundError: agents "a" not found'), String(error));
    assert.ok(String(error.stack).startsWith("NotFoundError: "), error.stack);
    assert.equal(error.objectName, "a");
    assert.equal(error.kind, "Agent", "kind is the Kind");
    assert.equal(error.resource, "agents", "the server's plural is resource");
    assert.equal(Object.prototype.hasOwnProperty.call(NotFoundError.prototype, "name"), false, "no per-class prototype name");

    const invalid = new ValidationError("Agent", "Bad_Name", [{ path: "metadata.name", message: "bad", rule: "format" } as never]);
    assert.equal(invalid.name, "ValidationError");
    assert.equal(invalid.objectName, "Bad_Name");
    assert.equal(invalid.kind, "Agent");
    assert.ok(String(invalid).startsWith('ValidationError: Agent "Bad_Name" failed validation'), String(invalid));
  });

  it("names the classes of every layer after themselves", () => {
    const samples: [Error, string][] = [
      [new root.ManifestError([]), "ManifestError"],
      [new QueryTimeoutError("q", 5), "QueryTimeoutError"],
      [new ExpiredTokenError("expired"), "ExpiredTokenError"],
      [new authEntry.AuthConfigurationError("issuer", "missing"), "AuthConfigurationError"],
      [new JsonRpcError(-32600, "bad"), "JsonRpcError"],
      [new BodyTooLargeError(10), "BodyTooLargeError"],
      [new testingEntry.ControlPlaneError("not-ready", "down"), "ControlPlaneError"],
      [new testingEntry.DispatchError("no target"), "DispatchError"],
      [new ClientClosedError({ message: "closed" }), "ClientClosedError"],
      [new root.ArgumentError("name", "missing"), "ArgumentError"],
      [new GeneratorError({ kind: "Widget" }, "not structural"), "GeneratorError"],
    ];
    for (const [error, name] of samples) {
      assert.equal(error.name, name);
      assert.ok(String(error).startsWith(`${name}: `), String(error));
      assert.ok(isArkSdkError(error), name);
    }
    assert.ok(isAuthenticationError(new ExpiredTokenError("expired")), "isAuthenticationError(new ExpiredTokenError(\"expired\"))");
  });
});

describe("transport errors", () => {
  it("are not API errors and carry no invented status or reason", () => {
    const samples: TransportError[] = [
      new ConnectionError({ message: "refused", request, code: "ECONNREFUSED" }),
      new TimeoutError({ message: "slow", request, timeoutMs: 300 }),
      new ClientClosedError({ message: "closed" }),
      new TransportError({ message: "garbled watch line" }),
    ];
    for (const error of samples) {
      assert.ok(isTransportError(error), error.name);
      assert.ok(!(error instanceof ApiError) && !isApiError(error), `${error.name} poses as an ApiError`);
      assert.ok(!("status" in error) && !("reason" in error), `${error.name} has a status or reason`);
    }
    const connection = samples[0] as ConnectionError;
    assert.equal(connection.kind, "Agent");
    assert.equal(connection.objectName, "a");
    assert.deepEqual(connection.request, { method: "GET", path: request.path });
    assert.ok(isConnectionError(connection) && !isConnectionError(samples[1]) && !isConnectionError(samples[2]), "isConnectionError(connection) && !isConnectionError(samples[1]) && !isConnectionError(samples[2])");
    assert.ok(isClientClosed(samples[2]) && !isClientClosed(connection), "isClientClosed(samples[2]) && !isClientClosed(connection)");
  });
});

describe("timeouts", () => {
  it("isTimeout holds for every timeout, whichever layer gave up, and for nothing else", () => {
    const timeouts = [
      new TimeoutError({ message: "slow", request, timeoutMs: 300 }),
      new TimeoutError({ message: "idle", request, timeoutMs: 60_000, idle: true }),
      decodeApiError(504, JSON.stringify({ kind: "Status", code: 504, reason: "Timeout", message: "server gave up" }), undefined, request),
      new WaitTimeoutError({ message: "never", timeoutMs: 100, kind: "Agent", objectName: "a" }),
      new QueryTimeoutError("q", 1_000),
    ];
    for (const error of timeouts) assert.ok(isTimeout(error), `${error.name} is not a timeout`);
    assert.ok(timeouts[2] instanceof ServerTimeoutError && isApiError(timeouts[2]), "a server timeout is an API answer");
    assert.ok(timeouts[4] instanceof QueryCanceledError, "a query timeout is still a cancellation");

    const others: unknown[] = [
      new ConnectionError({ message: "refused", code: "ECONNREFUSED" }),
      decodeApiError(404, notFoundBody, undefined, request),
      new QueryCanceledError("q", "aborted", "stopped"),
      Object.assign(new Error("not ours"), { name: "TimeoutError" }),
      new DOMException("signal timed out", "TimeoutError"),
      { name: "TimeoutError", message: "a plain object" },
      undefined,
    ];
    for (const value of others) assert.ok(!isTimeout(value), `${String(value)} taken for a timeout`);
  });
});

// A second copy of the sources, loaded as separate modules before any test
// runs: its classes are distinct from ours (instanceof fails), as with two
// installed copies of the package.
const copyDir = await mkdtemp(join(tmpdir(), "ark-sdk-copy-"));
await cp(join(dirname(fileURLToPath(import.meta.url)), "../../src"), join(copyDir, "src"), { recursive: true });
const loadCopy = (path: string) => import(pathToFileURL(join(copyDir, "src", path)).href);
const copy: {
  client: typeof import("../../src/client/errors.js");
  query: typeof import("../../src/ark/query-errors.js");
  auth: typeof import("../../src/auth/errors.js");
} = { client: await loadCopy("client/errors.ts"), query: await loadCopy("ark/query-errors.ts"), auth: await loadCopy("auth/errors.ts") };

describe("guards across two copies of ark-sdk", () => {
  after(async () => {
    await rm(copyDir, { recursive: true, force: true });
  });

  it("loads a genuinely separate copy", () => {
    assert.notEqual(copy.client.NotFoundError, NotFoundError);
    assert.notEqual(copy.client.ArkSdkError, ArkSdkError);
    assert.ok(!(new copy.client.NotFoundError({ status: 404, reason: "NotFound", message: "x" }) instanceof NotFoundError), "!(new copy.client.NotFoundError({ status: 404, reason: \"NotFound\", message: \"x\" }) instanceof NotFoundError)");
  });

  it("our guards recognise the other copy's errors, and theirs ours", () => {
    const theirs = copy.client.decodeApiError(404, notFoundBody, undefined, request);
    assert.ok(isNotFound(theirs) && isApiError(theirs) && isArkSdkError(theirs), "isNotFound(theirs) && isApiError(theirs) && isArkSdkError(theirs)");
    assert.ok(!isConflict(theirs) && !isTransportError(theirs) && !isTimeout(theirs), "!isConflict(theirs) && !isTransportError(theirs) && !isTimeout(theirs)");
    const ours = decodeApiError(404, notFoundBody, undefined, request);
    assert.ok(copy.client.isNotFound(ours) && copy.client.isApiError(ours) && copy.client.isArkSdkError(ours), "copy.client.isNotFound(ours) && copy.client.isApiError(ours) && copy.client.isArkSdkError(ours)");
    assert.ok(!copy.client.isConflict(ours), "!copy.client.isConflict(ours)");

    const theirTimeout = new copy.client.TimeoutError({ message: "slow", timeoutMs: 1 });
    assert.ok(isTimeout(theirTimeout) && isTransportError(theirTimeout) && !isApiError(theirTimeout) && !isConnectionError(theirTimeout), "isTimeout(theirTimeout) && isTransportError(theirTimeout) && !isApiError(theirTimeout) && !isConnectionError(theirTimeout)");
    assert.ok(isTimeout(new copy.query.QueryTimeoutError("q", 1)), "isTimeout(new copy.query.QueryTimeoutError(\"q\", 1))");
    assert.ok(!isTimeout(new copy.query.QueryCanceledError("q", "aborted", "stopped")), "!isTimeout(new copy.query.QueryCanceledError(\"q\", \"aborted\", \"stopped\"))");
    assert.ok(copy.client.isTimeout(new QueryTimeoutError("q", 1)), "copy.client.isTimeout(new QueryTimeoutError(\"q\", 1))");
    assert.ok(isValidationError(new copy.client.ValidationError("Agent", "a", [])), "isValidationError(new copy.client.ValidationError(\"Agent\", \"a\", []))");
    assert.ok(isClientClosed(new copy.client.ClientClosedError({ message: "closed" })), "isClientClosed(new copy.client.ClientClosedError({ message: \"closed\" }))");
    assert.ok(isAuthenticationError(new copy.auth.ExpiredTokenError("expired")), "isAuthenticationError(new copy.auth.ExpiredTokenError(\"expired\"))");
  });

  it("a look-alike that is not an ark-sdk error does not pass", () => {
    class NotFoundError extends Error {}
    class TimeoutError extends Error {}
    assert.ok(!isNotFound(new NotFoundError("x")) && !isApiError(new NotFoundError("x")), "!isNotFound(new NotFoundError(\"x\")) && !isApiError(new NotFoundError(\"x\"))");
    assert.ok(!isTimeout(new TimeoutError("x")), "!isTimeout(new TimeoutError(\"x\"))");
    assert.ok(!isArkSdkError(Object.create(null)), "!isArkSdkError(Object.create(null))");
  });
});
