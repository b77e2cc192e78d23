/**
 * The generator: CRDs in, TypeScript modules out. Pure (no I/O) apart from
 * {@link writeGeneratedFiles}, so tests can compare outputs directly.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PackedSchema } from "../schema/json-schema.js";
import { emitModules, GENERATED_MARKER, INTERNAL_IMPORTS, type GeneratedFile, type RuntimeImports } from "./emit-modules.js";
import { GeneratorError } from "./errors.js";
import { contentHash } from "./hash.js";
import { buildModels, type KindVersionModel } from "./model.js";
import { countSubtrees, packSchema } from "./pack.js";
import type { CrdSource } from "./read-crds.js";
import { buildTypeGraph } from "./shapes.js";

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Where the generated code imports the SDK from (default: this repository's layout). */
  imports?: RuntimeImports | undefined;
}

/** What {@link generate} produced. */
export interface GenerateResult {
  files: GeneratedFile[];
  /** One per served version of each CRD, sorted by kind and version. */
  models: KindVersionModel[];
  /** Constructs kept but not checked client-side (CEL rules), one line each. */
  warnings: string[];
  /** Content hash over all input CRDs. */
  inputHash: string;
}

/** Generates types, schemas, descriptors, guards and validators for `sources`. */
export function generate(sources: readonly CrdSource[], options: GenerateOptions = {}): GenerateResult {
  if (sources.length === 0) throw new GeneratorError({}, "no CustomResourceDefinitions in the input");
  const models = buildModels(sources);
  const graph = buildTypeGraph(models);
  const schemas = new Map<KindVersionModel, PackedSchema>();
  const counts = countSubtrees(models.map((m) => m.schema));
  // Shape names by model and object path, to name the `$defs` entries.
  const shapeAt = new Map<KindVersionModel, Map<string, string>>(models.map((m) => [m, new Map()]));
  for (const s of graph.shapes) for (const o of s.occurrences) shapeAt.get(o.model)!.set(o.path, s.name);
  for (const model of models) {
    const names = shapeAt.get(model)!;
    schemas.set(model, packSchema(model.schema, (path) => names.get(path), counts));
  }
  const crdHashes = [...new Set(models.map((m) => m.crdHash))].sort();
  const inputHash = contentHash(crdHashes);
  const source = `${crdHashes.length} CustomResourceDefinition${crdHashes.length === 1 ? "" : "s"} (content ${inputHash})`;
  return {
    files: emitModules(graph, schemas, options.imports ?? INTERNAL_IMPORTS, source),
    models,
    warnings: models.flatMap((m) => m.warnings.map((w) => `${m.kind} ${m.version}: ${w}`)),
    inputHash,
  };
}

/**
 * Writes `files` into `outDir` and removes files there that an earlier run
 * generated but this one did not (recognised by their first line).
 * @returns the paths removed
 */
export async function writeGeneratedFiles(outDir: string, files: readonly GeneratedFile[]): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const wanted = new Set(files.map((f) => f.path));
  const removed: string[] = [];
  for (const entry of await readdir(outDir, { withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts") || wanted.has(entry.name)) continue;
    const text = await readFile(join(outDir, entry.name), "utf8");
    if (text.startsWith(GENERATED_MARKER)) {
      await rm(join(outDir, entry.name));
      removed.push(entry.name);
    }
  }
  for (const file of files) await writeFile(join(outDir, file.path), file.content);
  return removed;
}
