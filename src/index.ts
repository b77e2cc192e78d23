/**
 * ark-sdk: the typed client of ARK (Agents at Scale ARK) resources, plus the
 * generated types, descriptors and validators of every ARK kind.
 * @module ark-sdk
 */

export * from "./client/index.js";
export * from "./ark/index.js";
export * from "./generated/index.js";
// What code generated with `ark-sdk generate --import-from ark-sdk` needs at run time.
export {
  createValidator, filterProblems, formatProblems, hasIdentity, createKindRegistry,
  type ValidationProblem, type ObjectValidator, type ValidateOptions, type ValidatorSpec,
  type JsonSchemaProps, type PackedSchema, type SchemaType, type ValidationRule, type KindRegistry, type KindRegistryEntry,
  type CustomResourceDefinition, type CustomResourceDefinitionVersion, type CustomResourceDefinitionNames,
  type CustomResourceColumnDefinition, type CustomResourceSubresources,
} from "./schema/index.js";
// Durations as ARK writes them, and the error root's guard.
export { parseGoDuration, goDurationToSeconds, GoDurationError } from "./core/go-duration.js";
export { isArkSdkError } from "./core/errors.js";
// The shape of every long-lived object: close() and `await using`.
export type { Closeable } from "./core/closeable.js";
// A loaded kubeconfig as ark-sdk takes it (client-node's KubeConfig is one), without client-node's types.
export type { KubeConfigLike, KubeClusterEntry, KubeUserEntry, KubeContextEntry, KubeHttpsOptions } from "./core/kubeconfig-like.js";
