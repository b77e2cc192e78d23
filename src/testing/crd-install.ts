/**
 * Installs CustomResourceDefinitions into a control plane and waits until the
 * API server serves them (condition `Established`).
 */
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { sleep } from "../core/backoff.js";
import type { ResourceDescriptor } from "../core/descriptor.js";
import { errorMessage } from "../core/errors.js";
import { isAlreadyExists } from "../client/errors.js";
import type { ResourceClient } from "../client/resource-client.js";
import type { CustomResourceDefinition } from "../schema/index.js";
import { ControlPlaneError } from "./errors.js";

/** A CRD as plain JSON (`apiextensions.k8s.io/v1`). */
export type CrdObject = CustomResourceDefinition;

/** Descriptor of `apiextensions.k8s.io/v1` CustomResourceDefinitions (cluster-scoped). */
export const crdDescriptor: ResourceDescriptor<CrdObject> = {
  group: "apiextensions.k8s.io",
  version: "v1",
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  listKind: "CustomResourceDefinitionList",
  plural: "customresourcedefinitions",
  singular: "customresourcedefinition",
  shortNames: ["crd"],
  namespaced: false,
  storage: true,
  subresources: { status: true },
  printerColumns: [],
};

function isCrd(doc: unknown): doc is CrdObject {
  if (typeof doc !== "object" || doc === null) return false;
  const d = doc as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown }; spec?: unknown };
  return d.apiVersion === "apiextensions.k8s.io/v1" && d.kind === "CustomResourceDefinition" && typeof d.metadata?.name === "string" && typeof d.spec === "object";
}

/** Reads every CRD document of the YAML files directly in `dir`. */
export async function readCrdDir(dir: string): Promise<CrdObject[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
  const out: CrdObject[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, f), "utf8"))) {
      const json: unknown = doc.toJSON();
      if (isCrd(json)) out.push(json);
    }
  }
  return out;
}

/** The ARK CRD folder of this repository's steering checkout (`../shared/ark-crds`), or `ARK_SDK_CRD_DIR`. */
export function sharedCrdDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ARK_SDK_CRD_DIR) return env.ARK_SDK_CRD_DIR;
  // src/testing/ or dist/testing/ → package root → its sibling shared/.
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  return join(root, "..", "shared", "ark-crds");
}

async function installOne(crds: ResourceClient<CrdObject>, crd: CrdObject): Promise<void> {
  const name = crd.metadata.name;
  try {
    await crds.create(crd);
    return;
  } catch (error) {
    if (!isAlreadyExists(error)) throw new ControlPlaneError("crd-install-failed", `Installing CRD ${name} failed: ${errorMessage(error)}`);
  }
  try {
    const current = await crds.get(name);
    await crds.update({ ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata.resourceVersion } });
  } catch (error) {
    throw new ControlPlaneError("crd-install-failed", `Replacing CRD ${name} failed: ${errorMessage(error)}`);
  }
}

function isEstablished(crd: CrdObject): boolean {
  const conditions = (crd as { status?: { conditions?: { type?: string; status?: string }[] } }).status?.conditions ?? [];
  return conditions.some((c) => c.type === "Established" && c.status === "True");
}

/** Creates (or replaces) each CRD through `client` (a client of {@link crdDescriptor}), then waits until all are Established. */
export async function installCrds(client: ResourceClient<CrdObject>, crds: readonly CrdObject[], timeoutMs = 30_000): Promise<void> {
  // In parallel: the API server rebuilds its OpenAPI document after each CRD change, and
  // concurrent creates let it coalesce that work instead of paying it once per CRD in turn.
  await Promise.all(crds.map((crd) => installOne(client, crd)));
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(crds.map((c) => c.metadata.name));
  while (pending.size > 0) {
    const items = await client.list();
    for (const item of items) {
      if (item.metadata?.name && pending.has(item.metadata.name) && isEstablished(item)) pending.delete(item.metadata.name);
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      throw new ControlPlaneError("crd-not-established", `CRDs not Established within ${timeoutMs} ms: ${[...pending].join(", ")}. The API server log may say why.`, "kube-apiserver");
    }
    await sleep(50);
  }
}
