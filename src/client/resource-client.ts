/**
 * The typed client of one kind: CRUD, patches, server-side apply, the status
 * subresource, pagination, watch, informers and waiting. It serves any kind
 * from its descriptor, ARK's generated ones, the core kinds in
 * `core-kinds.ts`, or a user's own.
 */

import type { ResourceDescriptor } from "../core/descriptor.js";
import type { ValidateOptions, ValidationProblem } from "../schema/index.js";
import { checkJsonPatch, checkMergePatch, encodeBody, escapeFieldSelectorValue, formatLabelSelector, isPlainObject } from "./input.js";
import { ArgumentError, GoneError, NotFoundError, WaitTimeoutError } from "./errors.js";
import { Informer, type InformerOptions } from "./informer.js";
import { silentLogger, type Logger } from "../core/logger.js";
import type { KubernetesList, KubernetesObject } from "../core/meta.js";
import type {
  ApplyOptions, CallOptions, DeleteOptions, JsonPatchOperation, LabelSelectorInput, ListOptions, ListPage, ListPageOptions,
  PatchOptions, PatchType, WaitOptions, WatchOptions, WriteOptions,
} from "./options.js";
import { checkName, checkNamespace, collectionPath, objectPath } from "./paths.js";
import type { HttpRequest, QueryParams, Transport } from "./transport.js";
import { listWatch, type ListWatchSource, type SyncedEvent, type WatchEvent } from "./watch.js";
import { linkAbort } from "../core/abort.js";
import { SchemaValidation } from "./schema-validation.js";
import { definedProps } from "../core/defined.js";

/** Checks an object against its kind's schema; returns every problem (empty when valid). The generated `validateObject` is one. */
export type Validator = (object: unknown, options?: ValidateOptions) => ValidationProblem[];

/** Every field optional, recursively: the shape of a server-side apply configuration. */
export type DeepPartial<T> = T extends readonly (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A JSON merge patch of `T`: any field may be omitted, or `null` to remove it; arrays are replaced whole. */
export type MergePatch<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: MergePatch<T[K]> | null } : T;

/** An object to create: `apiVersion` and `kind` may be left out (the client fills them in). */
export type NewObject<T extends KubernetesObject> = Omit<T, "apiVersion" | "kind"> & { apiVersion?: T["apiVersion"]; kind?: T["kind"] };

/** A server-side apply configuration: the fields this manager wants to own, with `metadata.name`. */
export type ApplyObject<T extends KubernetesObject> = DeepPartial<Omit<T, "metadata">> & { metadata: DeepPartial<NonNullable<T["metadata"]>> & { name: string } };

/** Options shared by every {@link ResourceClient} of one {@link ArkClient} (or built by hand). */
export interface ResourceClientOptions {
  transport: Transport;
  /** Default namespace of namespaced kinds (default `"default"`). */
  namespace?: string | undefined;
  /** Default field manager of writes (default `"ark-sdk"`). */
  fieldManager?: string | undefined;
  /** Schema validator run before create/update/apply; `false` or absent: none. */
  validate?: Validator | false | undefined;
  /**
   * How `validate`'s findings are judged and which schema is used (see
   * `ValidationMode`); default: lenient, unknown fields logged as warnings.
   * Share one per client so the cluster's schemas are read once.
   */
  schemaValidation?: SchemaValidation | undefined;
  logger?: Logger | undefined;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
};

export { formatLabelSelector } from "./input.js";

/** A client of one kind, in one namespace (or all namespaces, or cluster scope). */
export class ResourceClient<T extends KubernetesObject> {
  /** The kind this client serves. */
  readonly descriptor: ResourceDescriptor<T>;
  /** The namespace single-object calls use when none is given; `undefined` on an all-namespaces view or a cluster-scoped kind. */
  readonly namespace: string | undefined;
  /** @internal What this client was built with; subclasses derive their views and helper clients from it. */
  protected readonly options: ResourceClientOptions;
  protected readonly logger: Logger;
  private readonly fieldManager: string;
  private defaultPolicy: SchemaValidation | undefined;

  /** @internal Made by `ArkClient` (`ark.agents`, `ark.resource(descriptor)`, …). */
  constructor(descriptor: ResourceDescriptor<T>, options: ResourceClientOptions, scope?: { allNamespaces: true }) {
    this.descriptor = descriptor;
    this.options = options;
    this.logger = options.logger ?? options.transport.logger ?? silentLogger;
    this.fieldManager = options.fieldManager ?? "ark-sdk";
    this.namespace = descriptor.namespaced && !scope?.allNamespaces ? checkNamespace("namespace", options.namespace ?? "default") : undefined;
  }

  /** The same client, defaulting to namespace `ns`. */
  inNamespace(ns: string): ResourceClient<T> {
    if (!this.descriptor.namespaced) throw new ArgumentError("namespace", `${this.descriptor.kind} is cluster-scoped`);
    return new ResourceClient(this.descriptor, { ...this.options, namespace: checkNamespace("namespace", ns) });
  }

  /** The same client spanning every namespace: list, watch and informers see all; single-object calls need a namespace (argument or `metadata.namespace`). */
  allNamespaces(): ResourceClient<T> {
    return new ResourceClient(this.descriptor, this.options, { allNamespaces: true });
  }

  // ---- reading -------------------------------------------------------------

  /** Reads one object. Throws `NotFoundError` if it does not exist. */
  async get(name: string, options: CallOptions = {}): Promise<T> {
    return this.send<T>({ method: "GET", path: this.path(name, options), idempotent: true, name }, options);
  }

  /** Reads one object, or `undefined` if it does not exist. */
  async getOrUndefined(name: string, options: CallOptions = {}): Promise<T | undefined> {
    try {
      return await this.get(name, options);
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** Reads one object through its status subresource. */
  async getStatus(name: string, options: CallOptions = {}): Promise<T> {
    this.requireStatus();
    return this.send<T>({ method: "GET", path: this.path(name, options, "status"), idempotent: true, name }, options);
  }

  /** Reads one page. */
  async listPage(options: ListPageOptions = {}): Promise<ListPage<T>> {
    const query: QueryParams = {
      labelSelector: formatLabelSelector(options.labelSelector),
      fieldSelector: options.fieldSelector,
      limit: options.limit,
      continue: options.continue,
      resourceVersion: options.resourceVersion,
    };
    if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit <= 0)) throw new ArgumentError("limit", "must be a positive integer");
    const list = await this.send<KubernetesList<T>>(
      { method: "GET", path: collectionPath(this.descriptor, this.scopeNamespace(options)), query, idempotent: true },
      options,
    );
    const items = list.items ?? [];
    for (const item of items) this.fillTypeMeta(item);
    return {
      items,
      continue: list.metadata?.continue || undefined,
      remainingItemCount: list.metadata?.remainingItemCount,
      resourceVersion: list.metadata?.resourceVersion ?? "",
    };
  }

  /**
   * Every object matching the selectors, one at a time, fetched in pages of
   * `limit` (default 500) as the loop asks for more. If the continue token
   * expires between pages (etcd compacted meanwhile) it throws `GoneError`:
   * the objects already yielded cannot be made consistent. See {@link pages}
   * for the pages themselves.
   */
  async *iterate(options: ListOptions = {}): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages(options)) yield* page.items;
  }

  /**
   * Yields the list page by page (`limit` items each, default 500). If the
   * continue token expires between pages (etcd compacted meanwhile) it throws
   * `GoneError`: the pages already yielded cannot be made consistent.
   */
  async *pages(options: ListOptions = {}): AsyncGenerator<ListPage<T>, void, undefined> {
    const limit = options.limit ?? 500;
    let token: string | undefined;
    do {
      const page = await this.listPage({ ...options, limit, continue: token });
      yield page;
      token = page.continue;
    } while (token);
  }

  /**
   * Every object matching the selectors, fetched in pages of `limit`
   * (default 500). Starts over once if a continue token expires mid-way.
   */
  async list(options: ListOptions = {}): Promise<T[]> {
    for (let attempt = 1; ; attempt++) {
      const all: T[] = [];
      try {
        for await (const page of this.pages(options)) all.push(...page.items);
        return all;
      } catch (error) {
        if (!(error instanceof GoneError) || all.length === 0 || attempt > 1) throw error;
        this.logger.info("continue token expired; restarting list", { kind: this.descriptor.kind });
      }
    }
  }

  // ---- writing -------------------------------------------------------------

  /** Creates an object (`apiVersion`/`kind` filled in). Validated client-side first unless disabled. */
  async create(object: NewObject<T>, options: WriteOptions = {}): Promise<T> {
    const body = this.withTypeMeta(object);
    const name = body.metadata?.name ?? body.metadata?.generateName ?? "";
    if (name === "") throw new ArgumentError("metadata.name", "is required (or metadata.generateName)");
    if (body.metadata?.name !== undefined) checkName("metadata.name", body.metadata.name);
    const payload = this.encode(body, name);
    const validated = await this.validate(body, options, false);
    return this.sendWrite(validated,
      { method: "POST", path: collectionPath(this.descriptor, this.objectNamespace(options, body)), query: this.writeQuery(options), payload, idempotent: false, name },
      options,
    );
  }

  /** Replaces an object. With `metadata.resourceVersion` set, fails with `ConflictError` if the object changed since it was read. */
  async update(object: T, options: WriteOptions = {}): Promise<T> {
    const body = this.withTypeMeta(object);
    const name = checkName("metadata.name", body.metadata?.name);
    const payload = this.encode(body, name);
    const validated = await this.validate(body, options, false);
    return this.sendWrite(validated,
      { method: "PUT", path: objectPath(this.descriptor, this.objectNamespace(options, body), name), query: this.writeQuery(options), payload, idempotent: false, name },
      options,
    );
  }

  /** Patches an object: a JSON merge patch by default, a JSON patch with `{ type: "json" }`. */
  patch(name: string, patch: JsonPatchOperation[], options: PatchOptions & { type: "json" }): Promise<T>;
  patch(name: string, patch: MergePatch<T>, options?: PatchOptions & { type?: "merge" | "strategic" }): Promise<T>;
  async patch(name: string, patch: MergePatch<T> | JsonPatchOperation[], options: PatchOptions = {}): Promise<T> {
    return this.sendPatch(name, patch, options, undefined);
  }

  /**
   * Server-side apply: declares the fields this field manager owns. Fails
   * with `ConflictError` when another manager owns a field it sets, unless
   * `force`. Validated client-side (ignoring missing required fields, since an
   * apply configuration may be partial) unless disabled.
   */
  async apply(object: ApplyObject<T>, options: ApplyOptions = {}): Promise<T> {
    const body = this.withTypeMeta(object as KubernetesObject);
    const name = checkName("metadata.name", body.metadata?.name);
    const payload = this.encode(body, name);
    const validated = await this.validate(body, options, true);
    const query = { ...this.writeQuery(options), fieldManager: options.fieldManager ?? this.fieldManager, force: options.force ? true : undefined };
    return this.sendWrite(validated,
      {
        method: "PATCH", path: objectPath(this.descriptor, this.objectNamespace(options, body), name), query, payload,
        contentType: "application/apply-patch+yaml", idempotent: false, name,
      },
      options,
    );
  }

  /** Deletes an object. Throws `NotFoundError` if it does not exist. */
  async delete(name: string, options: DeleteOptions = {}): Promise<void> {
    const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.preconditions) body.preconditions = options.preconditions;
    if (options.gracePeriodMs !== undefined) {
      if (!Number.isFinite(options.gracePeriodMs) || options.gracePeriodMs < 0) throw new ArgumentError("gracePeriodMs", "must be a number >= 0");
      body.gracePeriodSeconds = Math.ceil(options.gracePeriodMs / 1000);
    }
    if (options.dryRun) body.dryRun = [options.dryRun];
    await this.send<unknown>({ method: "DELETE", path: this.path(name, options), payload: this.encode(body, name), idempotent: false, name }, options);
  }

  /** Replaces the status of an object (the status subresource ignores changes outside `status`). */
  async updateStatus(object: T, options: WriteOptions = {}): Promise<T> {
    this.requireStatus();
    const body = this.withTypeMeta(object);
    const name = checkName("metadata.name", body.metadata?.name);
    const payload = this.encode(body, name);
    return this.send<T>(
      { method: "PUT", path: objectPath(this.descriptor, this.objectNamespace(options, body), name, "status"), query: this.writeQuery(options), payload, idempotent: false, name },
      options,
    );
  }

  /** Patches the status subresource. The body is a patch of the whole object, e.g. `{ status: { phase: "done" } }`. */
  patchStatus(name: string, patch: JsonPatchOperation[], options: PatchOptions & { type: "json" }): Promise<T>;
  patchStatus(name: string, patch: MergePatch<T>, options?: PatchOptions & { type?: "merge" | "strategic" }): Promise<T>;
  async patchStatus(name: string, patch: MergePatch<T> | JsonPatchOperation[], options: PatchOptions = {}): Promise<T> {
    this.requireStatus();
    return this.sendPatch(name, patch, options, "status");
  }

  // ---- watching ------------------------------------------------------------

  /**
   * Typed change events. Resumes from the last seen resourceVersion after a
   * dropped or silent connection, relists after `410 Gone` (reporting what
   * changed meanwhile), and retries transient failures with backoff; throws
   * on errors retrying cannot fix (403, 404). Ends when `signal` aborts or the
   * consumer stops iterating.
   */
  watch(options: WatchOptions & { synced: true }): AsyncGenerator<WatchEvent<T> | SyncedEvent, void, undefined>;
  watch(options?: WatchOptions): AsyncGenerator<WatchEvent<T>, void, undefined>;
  async *watch(options: WatchOptions = {}): AsyncGenerator<WatchEvent<T> | SyncedEvent, void, undefined> {
    if (options.signal?.aborted) return;
    // From a given resourceVersion there is no initial list: the consumer is in sync at once.
    if (options.synced && options.resourceVersion !== undefined) yield { type: "SYNCED", resourceVersion: options.resourceVersion };
    const controller = linkAbort([options.signal]);
    try {
      const events = listWatch(this.source(options), {
        resourceVersion: options.resourceVersion,
        store: new Map<string, T>(),
        signal: controller.signal,
        idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
        serverTimeoutMs: options.serverTimeoutMs,
        backoff: { initialMs: 200, maxMs: 30_000, ...definedProps(options.backoff) },
        pageSize: 500,
        retryAllErrors: false,
        logger: this.logger,
      });
      for await (const event of events) {
        if (event.type === "SYNCED") {
          if (options.synced) yield { type: "SYNCED", resourceVersion: event.resourceVersion };
          continue;
        }
        if (event.type === "BOOKMARK") {
          if (options.bookmarks) yield { type: "BOOKMARK", object: event.object };
          continue;
        }
        yield { type: event.type, object: event.object };
      }
    } finally {
      controller.abort(new Error("watch closed"));
    }
  }

  /** A started list+watch cache of this kind in this client's scope (or `namespace`). See {@link Informer}. */
  informer(options: InformerOptions<T> & { namespace?: string; labelSelector?: LabelSelectorInput; fieldSelector?: string } = {}): Informer<T> {
    return new Informer(this.source(options), options, this.logger, this.scopeNamespace(options));
  }

  /**
   * Resolves with the object once `predicate` holds for it, checking the
   * current state first and then every change. A missing or deleted object
   * does not match; keep waiting. Rejects with `WaitTimeoutError` after
   * `timeoutMs`.
   */
  waitFor<S extends T>(name: string, predicate: (object: T) => object is S, options?: WaitOptions): Promise<S>;
  waitFor(name: string, predicate: (object: T) => boolean, options?: WaitOptions): Promise<T>;
  async waitFor(name: string, predicate: (object: T) => boolean, options: WaitOptions = {}): Promise<T> {
    const found = await this.waitUntil(name, (object) => object !== undefined && predicate(object), options, "the condition");
    return found as T;
  }

  /** Resolves once the object does not exist (deleted, or never created). */
  async waitForDeletion(name: string, options: WaitOptions = {}): Promise<void> {
    await this.waitUntil(name, (object) => object === undefined, options, "deletion");
  }

  private async waitUntil(name: string, done: (object: T | undefined) => boolean, options: WaitOptions, what: string): Promise<T | undefined> {
    checkName("name", name);
    if (options.signal?.aborted) throw options.signal.reason;
    const controller = linkAbort([options.signal], {
      timeoutMs: options.timeoutMs,
      timeoutReason: () => new WaitTimeoutError({
        timeoutMs: options.timeoutMs ?? 0, kind: this.descriptor.kind, objectName: name,
        message: `${this.descriptor.kind} "${name}" did not reach ${what} within ${options.timeoutMs} ms`,
      }),
    });
    try {
      // The field selector on metadata.name works for every kind, custom resources included.
      // The name is escaped, so it cannot add terms to the selector (checkName already refused the worst).
      const fieldSelector = `metadata.name=${escapeFieldSelectorValue(name)}`;
      const page = await this.listPage({ namespace: options.namespace, fieldSelector, signal: controller.signal, timeoutMs: 0 });
      let current = page.items[0];
      if (done(current)) return current;
      const events = this.watch({ namespace: options.namespace, fieldSelector, resourceVersion: page.resourceVersion, signal: controller.signal });
      for await (const event of events) {
        if (event.type === "BOOKMARK") continue;
        current = event.type === "DELETED" ? undefined : event.object;
        if (done(current)) return current;
      }
      throw controller.signal.reason;
    } catch (error) {
      if (controller.signal.aborted) throw controller.signal.reason;
      throw error;
    } finally {
      controller.abort(new Error("wait finished"));
    }
  }

  // ---- internals -----------------------------------------------------------

  private source(options: { namespace?: string; labelSelector?: LabelSelectorInput; fieldSelector?: string }): ListWatchSource<T> {
    const namespace = this.scopeNamespace(options);
    const path = collectionPath(this.descriptor, namespace);
    const labelSelector = formatLabelSelector(options.labelSelector);
    const fieldSelector = options.fieldSelector;
    const transport = this.options.transport;
    const kind = this.descriptor.kind;
    return {
      kind,
      listPage: (page) => this.listPage({ namespace: options.namespace, labelSelector, fieldSelector, limit: page.limit, continue: page.continue, signal: page.signal }),
      watchLines: (watch) => transport.streamLines({
        method: "GET",
        path,
        query: {
          watch: true, allowWatchBookmarks: true, resourceVersion: watch.resourceVersion, timeoutSeconds: watch.timeoutSeconds,
          labelSelector, fieldSelector,
        },
        signal: watch.signal,
        idleTimeoutMs: watch.idleTimeoutMs,
        kind,
      }),
    };
  }

  // Not async: one promise layer less per call; its callers are async, so a throw here still rejects their promise.
  private send<R>(request: HttpRequest, options: CallOptions): Promise<R> {
    request.kind = this.descriptor.kind;
    request.signal = options.signal;
    request.timeoutMs = options.timeoutMs;
    return this.options.transport.request<R>(request);
  }

  private async sendPatch(name: string, patch: unknown, options: PatchOptions, subresource: string | undefined): Promise<T> {
    const type = options.type ?? "merge";
    if (!Object.hasOwn(PATCH_CONTENT_TYPES, type)) throw new ArgumentError("type", `unknown patch type "${type}" (merge, json or strategic)`);
    if (type === "json") checkJsonPatch(patch);
    else checkMergePatch(patch);
    const path = this.path(name, options, subresource);
    return this.send<T>(
      {
        method: "PATCH", path, query: this.writeQuery(options), payload: this.encode(patch, name),
        contentType: PATCH_CONTENT_TYPES[type], idempotent: false, name,
      },
      options,
    );
  }

  /** The JSON text of a request body, checked before anything is sent (see {@link encodeBody}). */
  private encode(body: unknown, name: string): string {
    return encodeBody(body, { kind: this.descriptor.kind, name }, this.logger);
  }

  private writeQuery(options: WriteOptions): QueryParams {
    return { dryRun: options.dryRun, fieldManager: options.fieldManager };
  }

  private requireStatus(): void {
    if (!this.descriptor.subresources.status) throw new ArgumentError("status", `${this.descriptor.kind} has no status subresource`);
  }

  private path(name: string, options: CallOptions, subresource?: string): string {
    checkName("name", name);
    return objectPath(this.descriptor, this.objectNamespace(options, undefined), name, subresource);
  }

  /** Namespace of a list/watch: the call's, else this client's (undefined = all namespaces). */
  private scopeNamespace(options: { namespace?: string }): string | undefined {
    if (!this.descriptor.namespaced) {
      if (options.namespace !== undefined) throw new ArgumentError("namespace", `${this.descriptor.kind} is cluster-scoped`);
      return undefined;
    }
    return options.namespace !== undefined ? checkNamespace("namespace", options.namespace) : this.namespace;
  }

  /** Namespace of a single-object call: the call's, else the object's, else this client's. */
  private objectNamespace(options: CallOptions, object: KubernetesObject | undefined): string | undefined {
    const fromObject = object?.metadata?.namespace;
    if (!this.descriptor.namespaced) {
      if (options.namespace !== undefined) throw new ArgumentError("namespace", `${this.descriptor.kind} is cluster-scoped`);
      return undefined;
    }
    if (options.namespace !== undefined && fromObject !== undefined && fromObject !== "" && fromObject !== options.namespace) {
      throw new ArgumentError("metadata.namespace", `"${fromObject}" differs from the namespace of the call, "${options.namespace}"`);
    }
    const ns = options.namespace ?? (fromObject || undefined) ?? this.namespace;
    if (ns === undefined) throw new ArgumentError("namespace", `required for ${this.descriptor.kind} on an all-namespaces client (pass { namespace } or set metadata.namespace)`);
    return checkNamespace("namespace", ns);
  }

  private withTypeMeta<O extends KubernetesObject>(object: O): O & { apiVersion: string; kind: string } {
    if (!isPlainObject(object)) throw new ArgumentError("object", `expected a plain ${this.descriptor.kind} object`);
    const { apiVersion, kind } = this.descriptor;
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) throw new ArgumentError("apiVersion", `"${object.apiVersion}" does not match this client's "${apiVersion}"`);
    if (object.kind !== undefined && object.kind !== kind) throw new ArgumentError("kind", `"${object.kind}" does not match this client's "${kind}"`);
    if (object.metadata !== undefined && (typeof object.metadata !== "object" || object.metadata === null)) throw new ArgumentError("metadata", "must be an object");
    return { ...object, apiVersion, kind };
  }

  private fillTypeMeta(item: T): void {
    // Built-in kinds' list items come without apiVersion/kind; typed objects always carry them.
    const target = item as KubernetesObject;
    target.apiVersion ??= this.descriptor.apiVersion;
    target.kind ??= this.descriptor.kind;
  }

  /** Validates a write as the client's mode says; returns the policy that did it, to observe the server's answer (or undefined when nothing was checked). */
  private async validate(object: KubernetesObject, options: WriteOptions, partial: boolean): Promise<SchemaValidation | undefined> {
    const validator = this.options.validate;
    if (!validator || options.validate === false) return undefined;
    const policy = this.options.schemaValidation ?? (this.defaultPolicy ??= new SchemaValidation("lenient", this.options.transport, this.logger));
    await policy.check(this.descriptor, object, { bundled: validator, partial, signal: options.signal });
    return policy;
  }

  /** Sends a validated write and lets the validation policy see the answer (a changed cluster schema shows there). */
  private async sendWrite(policy: SchemaValidation | undefined, request: HttpRequest, options: CallOptions): Promise<T> {
    try {
      const written = await this.send<T>(request, options);
      await policy?.observe(this.descriptor, { object: written });
      return written;
    } catch (error) {
      await policy?.observe(this.descriptor, { error });
      throw error;
    }
  }
}
