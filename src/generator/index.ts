/**
 * `ark-sdk generate` as a library: CRDs (files or a live cluster) in,
 * TypeScript types, packed schemas, descriptors, guards and validators out.
 */
export { generate, writeGeneratedFiles, type GenerateOptions, type GenerateResult } from "./generate.js";
export { readCrdFiles, parseCrdText, asCrd, type CrdSource } from "./read-crds.js";
export { readClusterCrds, type ClusterCrdOptions } from "./from-cluster.js";
export { GeneratorError, type GeneratorErrorLocation } from "./errors.js";
export { INTERNAL_IMPORTS, packageImports, GENERATED_MARKER, type GeneratedFile, type RuntimeImports } from "./emit-modules.js";
export type { KindVersionModel } from "./model.js";
export { contentHash, canonicalJson } from "./hash.js";
