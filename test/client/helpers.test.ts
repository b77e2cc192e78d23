// Pure functions of the client: error decoding, backoff, tags and annotations,
// manifest parsing, secret input checks. No cluster needed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AlreadyExistsError, ApiError, ArgumentError, BadRequestError, ConflictError, ForbiddenError, GoneError, InvalidError, NotFoundError,
  ServerError, ServerTimeoutError, TooManyRequestsError, UnauthorizedError, ValidationError, decodeApiError, isAlreadyExists, isConflict, isInvalid,
  isNotFound, isRouteNotFound, parseRetryAfter,
} from "../../src/client/errors.js";
import { backoffDelay } from "../../src/core/backoff.js";
import { calculateSecretLength, validateAndEncodeToken } from "../../src/ark/secrets.js";
import { filterArkAnnotations } from "../../src/ark/annotations.js";
import { labelsToTags, stripTagLabels, tagsToLabels, validateLegacyTag, validateTag, validateUpdatedTags } from "../../src/ark/labels.js";
import { formatLabelSelector } from "../../src/client/resource-client.js";
import { parseManifest } from "../../src/client/apply-manifest.js";
import { stripManagedFields } from "../../src/client/informer.js";
import { buildLabelsAndAnnotations } from "../../src/ark/configurations.js";
import { collectionPath, objectPath } from "../../src/client/paths.js";
import { namespaceDescriptor, secretDescriptor } from "../../src/client/core-kinds.js";
import type { ResourceDescriptor } from "../../src/core/descriptor.js";

const request = { method: "GET", path: "/apis/x", kind: "Agent", name: "a" };
const status = (code: number, reason: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message: `m-${reason}`, ...extra });

describe("decodeApiError", () => {
  it("maps each status and reason to its class", () => {
    const cases: [number, string, new (...a: never[]) => ApiError][] = [
      [404, "NotFound", NotFoundError], [409, "AlreadyExists", AlreadyExistsError], [409, "Conflict", ConflictError], [410, "Expired", GoneError],
      [422, "Invalid", InvalidError], [401, "Unauthorized", UnauthorizedError], [403, "Forbidden", ForbiddenError], [429, "TooManyRequests", TooManyRequestsError],
      [504, "Timeout", ServerTimeoutError], [500, "Timeout", ServerTimeoutError], [500, "InternalError", ServerError], [503, "ServiceUnavailable", ServerError], [400, "BadRequest", BadRequestError],
    ];
    for (const [code, reason, cls] of cases) {
      const error = decodeApiError(code, status(code, reason), undefined, request);
      assert.ok(error instanceof cls, `${code} ${reason} → ${error.constructor.name}`);
      assert.equal(error.status, code);
      assert.equal(error.reason, reason);
      assert.equal(error.message, `m-${reason}`);
    }
  });

  it("takes the object name from details, else from the request; kind is the request's Kind, resource the server's plural", () => {
    const withDetails = decodeApiError(404, status(404, "NotFound", { details: { name: "x", kind: "agents" } }), undefined, request);
    assert.equal(withDetails.name, "NotFoundError");
    assert.equal(withDetails.objectName, "x");
    assert.equal(withDetails.kind, "Agent");
    assert.equal(withDetails.resource, "agents");
    const without = decodeApiError(403, status(403, "Forbidden"), undefined, request);
    assert.equal(without.objectName, "a");
    assert.equal(without.kind, "Agent");
    assert.equal(without.resource, "");
    assert.match(String(without.stack), /^ForbiddenError: m-Forbidden/);
  });

  it("keeps every cause of an Invalid answer", () => {
    const body = status(422, "Invalid", { details: { causes: [{ field: "spec.prompt", reason: "FieldValueRequired", message: "Required value" }, { reason: "X" }] } });
    const error = decodeApiError(422, body, undefined, request);
    assert.ok(isInvalid(error));
    assert.deepEqual(error.causes, [
      { field: "spec.prompt", reason: "FieldValueRequired", message: "Required value" },
      { field: "", reason: "X", message: "" },
    ]);
  });

  it("reads Retry-After from the header, else from details", () => {
    const fromHeader = decodeApiError(429, status(429, "TooManyRequests"), "7", request) as TooManyRequestsError;
    assert.equal(fromHeader.retryAfter, 7);
    const fromBody = decodeApiError(429, status(429, "TooManyRequests", { details: { retryAfterSeconds: 3 } }), undefined, request) as TooManyRequestsError;
    assert.equal(fromBody.retryAfter, 3);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6);
    assert.equal(parseRetryAfter("soon"), undefined);
  });

  it("keeps a non-Status body as the message", () => {
    const error = decodeApiError(502, "<html>bad gateway</html>", undefined, request);
    assert.ok(error instanceof ServerError);
    assert.equal(error.reason, "InternalError");
    assert.equal(error.message, "<html>bad gateway</html>");
    assert.equal(error.body, undefined);
    // A 404 without a Status body names no object: the server has no route for the path (yet).
    const empty = decodeApiError(404, "", undefined, request);
    assert.match(empty.message, /^HTTP 404 from GET \/apis\/x/);
    assert.ok(isRouteNotFound(empty));
    assert.equal(isNotFound(empty), false);
    assert.ok(isNotFound(decodeApiError(404, status(404, "NotFound"), undefined, request)));
  });

  it("type guards discriminate", () => {
    const conflict = decodeApiError(409, status(409, "Conflict"), undefined, request);
    assert.ok(isConflict(conflict));
    assert.ok(!isAlreadyExists(conflict));
    assert.ok(!isNotFound(new Error("x")));
  });
});

describe("backoffDelay", () => {
  it("grows exponentially, is capped, and jitters within [d*(1-j), d]", () => {
    const opts = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
    assert.equal(backoffDelay(1, opts, () => 0), 100);
    assert.equal(backoffDelay(3, opts, () => 0), 400);
    assert.equal(backoffDelay(10, opts, () => 0), 1000);
    assert.equal(backoffDelay(10, opts, () => 0.999999) > 500, true);
    assert.equal(backoffDelay(2, opts, () => 0.5), 150);
  });
});

describe("tags, labels and annotations", () => {
  it("validates tags with the Python SDK's rules", () => {
    validateTag("abc123");
    assert.throws(() => validateTag(""), (e: unknown) => e instanceof ArgumentError && /Tag cannot be empty/.test(e.message));
    assert.throws(() => validateTag("has space"), /use only letters and digits/);
    assert.throws(() => validateTag("my-key"), /use only letters and digits/);
    assert.throws(() => validateTag("a".repeat(58)), /too long: 58 characters, maximum is 57/);
    validateTag("a".repeat(57));
    validateLegacyTag("my-key.v_2");
    assert.throws(() => validateLegacyTag("-x"), /starting and ending/);
    validateUpdatedTags(["my-key", "new1"], ["my-key"]);
    assert.throws(() => validateUpdatedTags(["my-key", "new-2"], ["my-key"]), /new-2/);
  });

  it("converts between tags and labels", () => {
    assert.deepEqual(tagsToLabels(["b", "a"]), { "ark.mckinsey.com/label.b": "true", "ark.mckinsey.com/label.a": "true" });
    const labels = { "ark.mckinsey.com/label.z": "true", "ark.mckinsey.com/label.a": "true", app: "x", "ark.mckinsey.com/other": "y" };
    assert.deepEqual(labelsToTags(labels), ["a", "z"]);
    assert.deepEqual(stripTagLabels(labels), { app: "x", "ark.mckinsey.com/other": "y" });
    assert.deepEqual(labelsToTags(undefined), []);
  });

  it("keeps only ARK annotations", () => {
    const annotations = {
      "kubectl.kubernetes.io/last-applied-configuration": '{"stringData":{"token":"s3cret"}}',
      "ark.mckinsey.com/description": "d",
      "example.com/x": "y",
    };
    assert.deepEqual(filterArkAnnotations(annotations), { "ark.mckinsey.com/description": "d" });
    assert.deepEqual(filterArkAnnotations(null), {});
  });

  it("builds configuration labels and annotations, keeping foreign ones", () => {
    const { labels, annotations } = buildLabelsAndAnnotations(undefined, "al", ["t1"],
      { app: "x", "ark.mckinsey.com/label.old": "true" },
      { "ark.mckinsey.com/description": "old", "example.com/keep": "1" });
    assert.deepEqual(labels, { app: "x", "ark.mckinsey.com/label.t1": "true" });
    assert.deepEqual(annotations, { "example.com/keep": "1", "ark.mckinsey.com/resource-type": "configuration", "ark.mckinsey.com/alias": "al" });
  });
});

describe("secret input", () => {
  it("accepts only a token", () => {
    assert.deepEqual(validateAndEncodeToken({ token: "t" }), { token: "t" });
    assert.throws(() => validateAndEncodeToken({}), /Secret data cannot be empty/);
    assert.throws(() => validateAndEncodeToken({ token: "t", password: "p" }), /Only 'token' field is allowed. Invalid fields: password/);
    assert.equal(calculateSecretLength({ a: "dG9r", b: "é" }), 6);
  });
});

describe("parseManifest", () => {
  it("returns each object with its document index, skipping empty documents", () => {
    const text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n";
    const docs = parseManifest(text);
    assert.deepEqual(docs.map((d) => [d.index, d.object.kind, d.object.metadata?.name]), [[0, "ConfigMap", "a"], [3, "Secret", "b"]]);
  });

  it("names the document at fault", () => {
    assert.throws(() => parseManifest("apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\nkind: [unclosed\n"), (e: unknown) => e instanceof ArgumentError && e.field === "document 1");
    assert.throws(() => parseManifest("- a\n- b\n"), /document 0: is not a Kubernetes object/);
    assert.throws(() => parseManifest("metadata: {name: a}\n"), /document 0: has no apiVersion and kind/);
    assert.throws(() => parseManifest("apiVersion: v1\nkind: Secret\nmetadata: {}\n"), /Secret has no metadata.name/);
  });
});

describe("paths and selectors", () => {
  const agent: ResourceDescriptor = {
    group: "ark.mckinsey.com", version: "v1alpha1", apiVersion: "ark.mckinsey.com/v1alpha1", kind: "Agent", listKind: "AgentList",
    plural: "agents", singular: "agent", shortNames: [], namespaced: true, storage: true, subresources: { status: true }, printerColumns: [],
  };
  it("builds core and group paths", () => {
    assert.equal(collectionPath(agent, "ns"), "/apis/ark.mckinsey.com/v1alpha1/namespaces/ns/agents");
    assert.equal(collectionPath(agent, undefined), "/apis/ark.mckinsey.com/v1alpha1/agents");
    assert.equal(objectPath(agent, "ns", "a b", "status"), "/apis/ark.mckinsey.com/v1alpha1/namespaces/ns/agents/a%20b/status");
    assert.equal(objectPath(secretDescriptor, "ns", "s"), "/api/v1/namespaces/ns/secrets/s");
    assert.equal(objectPath(namespaceDescriptor, "ignored", "n"), "/api/v1/namespaces/n");
  });
  it("formats label selectors", () => {
    assert.equal(formatLabelSelector({ app: "x", tier: "web" }), "app=x,tier=web");
    assert.equal(formatLabelSelector("app in (x,y)"), "app in (x,y)");
  });
});

describe("stripManagedFields", () => {
  it("drops managedFields without touching the input", () => {
    const input = { metadata: { name: "a", managedFields: [{ manager: "m" }] }, spec: { x: 1 } };
    const out = stripManagedFields(input);
    assert.deepEqual(out, { metadata: { name: "a" }, spec: { x: 1 } });
    assert.equal(input.metadata.managedFields.length, 1);
  });
});

describe("ValidationError", () => {
  it("lists every problem with its path", () => {
    const error = new ValidationError("Agent", "a", [{ path: "spec.prompt", rule: "type", message: "must be string" }, { path: "", rule: "required", message: "spec is required" }]);
    assert.equal(error.message, 'Agent "a" failed validation: spec.prompt: must be string (type); (object): spec is required (required)');
    assert.equal(error.problems.length, 2);
  });
});

describe("timerDelay", () => {
  it("keeps delays setTimeout would otherwise fire at once", async () => {
    const { timerDelay, TIMER_MAX } = await import("../../src/core/backoff.js");
    assert.equal(timerDelay(1_000), 1_000);
    assert.equal(timerDelay(-5), 0);
    assert.equal(timerDelay(30 * 24 * 3600 * 1000), TIMER_MAX);
    assert.equal(timerDelay(Number.POSITIVE_INFINITY), TIMER_MAX);
  });
});
