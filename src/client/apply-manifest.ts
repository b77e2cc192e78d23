/**
 * `kubectl apply -f` for ARK manifests: every document of a multi-document
 * YAML text is checked, validated against its kind's schema and
 * server-side-applied, and each one's outcome is reported. A failure of one
 * document does not stop the others, but it is never hidden: if any failed,
 * the call rejects with a {@link ManifestError} that carries every outcome.
 */

import { parseAllDocuments } from "yaml";
import { ArgumentError, ArkSdkError } from "./errors.js";
import type { KubernetesObject } from "../core/meta.js";
import type { ApplyOptions } from "./options.js";
import type { ApplyObject, ResourceClient } from "./resource-client.js";
import { errorMessage } from "../core/errors.js";

/** What happened to one document. */
export interface ManifestOutcome {
  /** Position of the document in the text, from 0. */
  index: number;
  apiVersion: string;
  kind: string;
  name: string;
  /** Namespace it was applied in ("" for cluster-scoped kinds). */
  namespace: string;
  action: "created" | "configured" | "unchanged" | "failed";
  /** The object as stored (absent on failure). */
  object?: KubernetesObject;
  /** Why it failed (a `ValidationError`, an `ApiError`, …). */
  error?: unknown;
}

/** Some documents of a manifest failed; `outcomes` reports all of them. */
export class ManifestError extends ArkSdkError {
  readonly outcomes: ManifestOutcome[];
  constructor(outcomes: ManifestOutcome[]) {
    const failed = outcomes.filter((o) => o.action === "failed");
    const detail = failed.map((o) => `#${o.index} ${o.kind} "${o.name}": ${errorMessage(o.error)}`).join("; ");
    super(`${failed.length} of ${outcomes.length} manifest documents failed: ${detail}`);
    this.outcomes = outcomes;
  }
}

/** Finds the client of a kind (synchronously, or after asking the cluster); `undefined` for kinds that are not served. */
export type ClientResolver = (
  apiVersion: string,
  kind: string,
) => ResourceClient<KubernetesObject> | undefined | Promise<ResourceClient<KubernetesObject> | undefined>;

/** Options of applyManifest: those of server-side apply, plus the namespace of documents that name none. */
export type ApplyManifestOptions = ApplyOptions;

/** Parses a multi-document YAML into objects; throws `ArgumentError` naming the document and line of a syntax error or a non-object document. Empty documents are skipped. */
export function parseManifest(yamlText: string): { index: number; object: KubernetesObject }[] {
  const documents = parseAllDocuments(yamlText, { prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const objects: { index: number; object: KubernetesObject }[] = [];
  list.forEach((document, index) => {
    if (document.errors.length > 0) throw new ArgumentError(`document ${index}`, `invalid YAML: ${document.errors[0]?.message ?? "parse error"}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    if (typeof value !== "object" || Array.isArray(value)) throw new ArgumentError(`document ${index}`, "is not a Kubernetes object (a mapping)");
    const object = value as KubernetesObject;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") throw new ArgumentError(`document ${index}`, "has no apiVersion and kind");
    if (typeof object.metadata?.name !== "string" || object.metadata.name === "") throw new ArgumentError(`document ${index}`, `${object.kind} has no metadata.name`);
    objects.push({ index, object });
  });
  return objects;
}

/**
 * Applies every document, in order. Every document's kind is resolved before
 * anything is applied: a kind that is not served is rejected up front (nothing
 * is applied), since a half-applied manifest is the worst outcome of a typo.
 * With `dryRun: "All"` the server checks and defaults every object without
 * storing it, and the outcomes say what would have happened.
 */
export async function applyManifest(yamlText: string, resolve: ClientResolver, options: ApplyManifestOptions = {}): Promise<ManifestOutcome[]> {
  const documents = parseManifest(yamlText);
  const planned: { index: number; object: KubernetesObject; client: ResourceClient<KubernetesObject> }[] = [];
  for (const { index, object } of documents) {
    const client = await resolve(object.apiVersion as string, object.kind as string);
    if (!client) throw new ArgumentError(`document ${index}`, `${object.apiVersion} ${object.kind} is not a kind the cluster serves (check apiVersion and kind, or install its CRD first)`);
    planned.push({ index, object, client });
  }
  const outcomes: ManifestOutcome[] = [];
  for (const { index, object, client } of planned) {
    const namespaced = client.descriptor.namespaced;
    const namespace = namespaced ? (options.namespace ?? object.metadata?.namespace ?? client.namespace ?? "") : "";
    const name = object.metadata?.name ?? "";
    const base = { index, apiVersion: client.descriptor.apiVersion, kind: client.descriptor.kind, name, namespace };
    const scope = namespaced ? { ...options, namespace } : { ...options, namespace: undefined };
    try {
      const before = await client.getOrUndefined(name, { signal: options.signal, timeoutMs: options.timeoutMs, namespace: scope.namespace });
      const applied = await client.apply(object as ApplyObject<KubernetesObject>, scope);
      const action = !before ? "created" : before.metadata?.resourceVersion === applied.metadata?.resourceVersion ? "unchanged" : "configured";
      outcomes.push({ ...base, action, object: applied });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      outcomes.push({ ...base, action: "failed", error });
    }
  }
  if (outcomes.some((o) => o.action === "failed")) throw new ManifestError(outcomes);
  return outcomes;
}
