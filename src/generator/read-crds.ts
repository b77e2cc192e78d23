/**
 * Reads CustomResourceDefinitions from YAML or JSON files (several documents
 * per file allowed) and from directories (their `*.yaml`, `*.yml` and
 * `*.json` files, not sub-directories), checking each document is a v1 CRD.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { CustomResourceDefinition } from "../schema/crd.js";
import { GeneratorError } from "./errors.js";
import { isRecord } from "../core/json.js";

/** A CRD and where it came from (for error messages). */
export interface CrdSource {
  crd: CustomResourceDefinition;
  /** `path/to/file.yaml`, `path/to/file.yaml#2` for the third document, or `cluster:<context>`. */
  origin: string;
}

const CRD_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** Checks that `doc` is an `apiextensions.k8s.io/v1` CRD with the fields the generator reads. */
export function asCrd(doc: unknown, origin: string): CustomResourceDefinition {
  if (!isRecord(doc)) throw new GeneratorError({ file: origin }, "is not a Kubernetes object (expected a CustomResourceDefinition)");
  if (doc.kind !== "CustomResourceDefinition") {
    throw new GeneratorError({ file: origin }, `is a ${JSON.stringify(doc.kind ?? null)}, not a CustomResourceDefinition`);
  }
  if (doc.apiVersion !== "apiextensions.k8s.io/v1") {
    throw new GeneratorError({ file: origin }, `has apiVersion ${JSON.stringify(doc.apiVersion ?? null)}; only apiextensions.k8s.io/v1 CustomResourceDefinitions are supported`);
  }
  const spec = doc.spec;
  const names = isRecord(spec) ? spec.names : undefined;
  if (!isRecord(spec) || typeof spec.group !== "string" || !isRecord(names) || typeof names.kind !== "string" || typeof names.plural !== "string") {
    throw new GeneratorError({ file: origin }, "lacks spec.group, spec.names.kind or spec.names.plural");
  }
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    throw new GeneratorError({ file: origin, kind: names.kind }, `has scope ${JSON.stringify(spec.scope ?? null)}; expected Namespaced or Cluster`);
  }
  if (!Array.isArray(spec.versions) || spec.versions.length === 0 || !spec.versions.every((v) => isRecord(v) && typeof v.name === "string")) {
    throw new GeneratorError({ file: origin, kind: names.kind }, "has no spec.versions (or a version without a name)");
  }
  return doc as unknown as CustomResourceDefinition;
}

/** The CRDs held by one file's YAML (or JSON) text. */
export function parseCrdText(text: string, file: string): CrdSource[] {
  const docs = parseAllDocuments(text);
  const sources: CrdSource[] = [];
  docs.forEach((doc, index) => {
    const origin = docs.length > 1 ? `${file}#${index}` : file;
    if (doc.errors.length > 0) throw new GeneratorError({ file: origin }, `is not valid YAML: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document (e.g. a trailing `---`)
    sources.push({ crd: asCrd(value, origin), origin });
  });
  return sources;
}

async function filesOf(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new GeneratorError({ file: path }, "does not exist");
  }
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && CRD_EXTENSIONS.has(extname(e.name)))
    .map((e) => join(path, e.name))
    .sort();
}

/** Reads the CRDs of files and directories, in a stable order (paths as given, directory entries sorted). */
export async function readCrdFiles(paths: readonly string[]): Promise<CrdSource[]> {
  const sources: CrdSource[] = [];
  for (const path of paths) {
    const files = await filesOf(path);
    if (files.length === 0) throw new GeneratorError({ file: path }, "holds no .yaml, .yml or .json files");
    for (const file of files) sources.push(...parseCrdText(await readFile(file, "utf8"), file));
  }
  return sources;
}
