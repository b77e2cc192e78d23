/**
 * The CRD schemas installed in the target cluster, for `validation: "cluster"`:
 * a client pinned to older (or newer) generated types validates exactly what
 * the cluster it talks to declares. Also how each mode judges what a schema finds. Each kind's CRD is read once per client,
 * on first use, and read again only when the server's answers show it changed.
 */
import type { ResourceDescriptor } from "../core/descriptor.js";
import { ArkSdkError, errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { KubernetesObject } from "../core/meta.js";
import { BUNDLED_ARK_VERSION } from "../core/version.js";
import { createValidator, type CustomResourceDefinition, type ObjectValidator, type ValidationProblem } from "../schema/index.js";
import { ArgumentError, ForbiddenError, InvalidError, NotFoundError, ValidationError } from "./errors.js";
import type { Transport } from "./transport.js";

/**
 * How writes of ARK kinds are checked client-side before they are sent:
 * - `"lenient"` (default): against the schemas bundled with this SDK, but a
 *   field those schemas do not declare is only logged as a warning (a newer
 *   ARK may declare it; an older one drops it) and sent as is;
 * - `"strict"`: against the bundled schemas, every problem an error, unknown fields included;
 * - `"cluster"`: against the CRD schemas installed in the target cluster,
 *   every problem an error (needs `get` on `customresourcedefinitions`).
 */
export type ValidationMode = "lenient" | "strict" | "cluster";

/** The modes, for checking user input. */
export const VALIDATION_MODES: readonly ValidationMode[] = ["lenient", "strict", "cluster"];

/** `validation: "cluster"` could not get the schema of a kind from the cluster. */
export class ClusterSchemaError extends ArkSdkError {
  /** The CRD that was read, `<plural>.<group>`. */
  readonly crd: string;
  constructor(crd: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.crd = crd;
  }
}

interface Entry {
  resourceVersion: string;
  validator: ObjectValidator;
}

const CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/** The name of the CRD serving `descriptor`. */
export function crdName(descriptor: ResourceDescriptor): string {
  return `${descriptor.plural}.${descriptor.group}`;
}

/** The cluster's CRD schemas of one client, cached per kind. */
export class ClusterSchemas {
  private readonly entries = new Map<string, Promise<Entry>>();
  private readonly transport: Transport;
  private readonly logger: Logger | undefined;
  /** CRD reads done so far (for tests and diagnostics). */
  reads = 0;

  /** @internal The client builds one per client in `validation: "cluster"` mode. */
  constructor(transport: Transport, logger?: Logger) {
    this.transport = transport;
    this.logger = logger;
  }

  /** The validator of `descriptor`'s version as the cluster declares it (read on first use, then cached). */
  async validatorFor(descriptor: ResourceDescriptor, signal?: AbortSignal): Promise<ObjectValidator> {
    const key = crdName(descriptor);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.read(descriptor, undefined, signal);
      this.entries.set(key, entry);
      // A failed read is not cached: the next write tries again.
      entry.catch(() => this.entries.get(key) === entry && this.entries.delete(key));
    }
    return (await entry).validator;
  }

  /**
   * Reads the CRD again (the server's answer suggested it changed). Returns
   * whether its schema changed since the cached read; an unchanged CRD keeps
   * its compiled validator.
   */
  async refresh(descriptor: ResourceDescriptor, signal?: AbortSignal): Promise<boolean> {
    const key = crdName(descriptor);
    const previous = await this.entries.get(key)?.catch(() => undefined);
    const next = this.read(descriptor, previous, signal);
    this.entries.set(key, next);
    next.catch(() => this.entries.get(key) === next && this.entries.delete(key));
    return (await next) !== previous;
  }

  /** Forgets the cached schema of `descriptor` (the next write reads it again). */
  invalidate(descriptor: ResourceDescriptor): void {
    this.entries.delete(crdName(descriptor));
  }

  private async read(descriptor: ResourceDescriptor, previous: Entry | undefined, signal: AbortSignal | undefined): Promise<Entry> {
    const name = crdName(descriptor);
    this.reads++;
    let crd: CustomResourceDefinition;
    try {
      crd = await this.transport.request<CustomResourceDefinition>({ method: "GET", path: `${CRD_PATH}/${name}`, idempotent: true, kind: "CustomResourceDefinition", name, signal });
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new ClusterSchemaError(name, `validation "cluster": the cluster has no CustomResourceDefinition ${name}, so it does not serve ${descriptor.kind} (is ARK installed?)`, { cause: error });
      }
      if (error instanceof ForbiddenError) {
        throw new ClusterSchemaError(
          name,
          `validation "cluster" reads the CustomResourceDefinition ${name}, which this user may not get (403): grant "get" on customresourcedefinitions.apiextensions.k8s.io, or use validation "lenient"`,
          { cause: error },
        );
      }
      throw new ClusterSchemaError(name, `validation "cluster": reading the CustomResourceDefinition ${name} failed: ${errorMessage(error)}`, { cause: error });
    }
    const resourceVersion = crd.metadata?.resourceVersion ?? "";
    if (previous && previous.resourceVersion === resourceVersion) return previous;
    const version = crd.spec?.versions?.find((v) => v.name === descriptor.version);
    if (!version?.served) {
      const served = (crd.spec?.versions ?? []).filter((v) => v.served).map((v) => v.name).join(", ") || "none";
      throw new ClusterSchemaError(name, `validation "cluster": the cluster's ${name} does not serve version ${descriptor.version} (served: ${served})`);
    }
    const schema = version.schema?.openAPIV3Schema;
    if (!schema) throw new ClusterSchemaError(name, `validation "cluster": the cluster's ${name} has no schema for version ${descriptor.version}`);
    if (previous) this.logger?.info("the cluster's CRD changed; validating against its new schema", { crd: name, resourceVersion });
    return {
      resourceVersion,
      validator: createValidator({ apiVersion: descriptor.apiVersion, kind: descriptor.kind, namespaced: crd.spec.scope === "Namespaced", schema }),
    };
  }
}

/** Rules for values the API server prunes rather than rejects. */
const PRUNED_RULES = new Set(["unknown-field", "null"]);

/** The validation mode of `value`, or an `ArgumentError` naming the allowed ones. */
export function checkValidationMode(value: unknown): ValidationMode {
  if (value === undefined) return "lenient";
  if (typeof value === "string" && (VALIDATION_MODES as readonly string[]).includes(value)) return value as ValidationMode;
  throw new ArgumentError("validation", `must be one of ${VALIDATION_MODES.map((m) => JSON.stringify(m)).join(", ")} (got ${JSON.stringify(value)})`);
}

/** What a write is checked with. */
export interface SchemaCheck {
  /** The bundled validator of the kind. */
  bundled: ObjectValidator;
  /** Whether the object may be partial (server-side apply): missing required fields are no problem. */
  partial: boolean;
  signal?: AbortSignal;
}

/**
 * One client's validation mode and what it keeps between calls: the cluster's
 * schemas (mode `"cluster"`) and the unknown fields already warned about
 * (mode `"lenient"` warns once per kind and field).
 */
export class SchemaValidation {
  /** The mode. */
  readonly mode: ValidationMode;
  /** The cluster's schemas; only in mode `"cluster"`. */
  readonly clusterSchemas: ClusterSchemas | undefined;
  private readonly logger: Logger;
  private readonly warned = new Set<string>();

  /** @internal The client builds one per client from its `validation` option. */
  constructor(mode: ValidationMode, transport: Transport, logger: Logger) {
    this.mode = checkValidationMode(mode);
    this.logger = logger;
    this.clusterSchemas = this.mode === "cluster" ? new ClusterSchemas(transport, logger) : undefined;
  }

  /** Validates an object about to be written; throws `ValidationError` with every problem the mode counts. */
  async check(descriptor: ResourceDescriptor, object: KubernetesObject, check: SchemaCheck): Promise<void> {
    // With a status subresource the server ignores `status` on create/update/apply, so its problems are moot.
    const options = { status: descriptor.subresources.status ? "ignore" : "validate" } as const;
    const judge = (problems: ValidationProblem[]) => (check.partial ? problems.filter((p) => p.rule !== "required") : problems);
    const name = object.metadata?.name ?? object.metadata?.generateName ?? "";
    if (this.clusterSchemas) {
      let problems = judge((await this.clusterSchemas.validatorFor(descriptor, check.signal))(object, options));
      // The cached schema may predate a CRD upgrade: read it again once before failing.
      if (problems.length > 0 && (await this.clusterSchemas.refresh(descriptor, check.signal))) {
        problems = judge((await this.clusterSchemas.validatorFor(descriptor, check.signal))(object, options));
      }
      if (problems.length > 0) throw new ValidationError(descriptor.kind, name, problems.map((p) => withSource(p, `the cluster's CRD ${crdName(descriptor)}`)));
      return;
    }
    const problems = judge(check.bundled(object, options));
    if (this.mode === "strict") {
      if (problems.length > 0) throw new ValidationError(descriptor.kind, name, problems.map((p) => withSource(p, `the bundled ARK v${BUNDLED_ARK_VERSION} schema, validation "strict"`)));
      return;
    }
    const errors = problems.filter((p) => !PRUNED_RULES.has(p.rule));
    if (errors.length > 0) throw new ValidationError(descriptor.kind, name, errors);
    for (const p of problems) {
      if (!PRUNED_RULES.has(p.rule)) continue;
      const key = `${descriptor.apiVersion}/${descriptor.kind}\u0000${p.path}\u0000${p.rule}`;
      if (this.warned.has(key)) continue;
      this.warned.add(key);
      this.logger.warn(
        `${descriptor.kind} field ${p.path} is not declared by the bundled schema (ARK v${BUNDLED_ARK_VERSION}); sending it anyway: ` +
          `a newer ARK may declare it, an older one drops it (validation "cluster" checks against the cluster's own CRDs, "strict" rejects it)`,
        { kind: descriptor.kind, name, field: p.path, rule: p.rule, bundledArkVersion: BUNDLED_ARK_VERSION },
      );
    }
  }

  /**
   * Looks at the server's answer to a write: in mode `"cluster"`, a rejection
   * (422) of an object the cached schema accepted, or a returned object with
   * fields the cached schema does not declare, means the CRD changed; the
   * next write reads it again.
   */
  async observe(descriptor: ResourceDescriptor, answer: { object?: unknown; error?: unknown }): Promise<void> {
    const schemas = this.clusterSchemas;
    if (!schemas) return;
    if (answer.error instanceof InvalidError) {
      schemas.invalidate(descriptor);
      return;
    }
    if (answer.object === undefined) return;
    const validator = await schemas.validatorFor(descriptor).catch(() => undefined);
    if (validator?.(answer.object).some((p) => p.rule === "unknown-field")) schemas.invalidate(descriptor);
  }
}

function withSource(problem: ValidationProblem, source: string): ValidationProblem {
  return problem.rule === "unknown-field" ? { ...problem, message: `${problem.message} (checked against ${source})` } : problem;
}
