/**
 * Runtime support for generated kinds: the validation problem type, the
 * Kubernetes-aware validator, schema and CRD types, and the kind registry.
 */
export { childPath, formatProblems, type ValidationProblem } from "./problem.js";
export { createValidator, filterProblems, type ObjectValidator, type ValidateOptions, type ValidatorSpec } from "./validator.js";
export { validateObjectMeta, qualifiedNameError, labelValueError } from "./object-meta.js";
export { hasIdentity } from "./guards.js";
export { deref, refTo, resolveRef, unpackSchema, type JsonSchemaProps, type PackedSchema, type SchemaType, type ValidationRule } from "./json-schema.js";
export { toValidationSchema, type ValidationSchemaNode } from "./validation-schema.js";
export { createKubernetesAjv, kubernetesAjv } from "./ajv-instance.js";
export { problemsFromAjv, pointerToPath } from "./ajv-problems.js";
export { pruneNulls } from "./prune-nulls.js";
export type {
  CustomResourceColumnDefinition,
  CustomResourceDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionVersion,
  CustomResourceSubresources,
} from "./crd.js";
export { buildCustomResourceDefinitions, type KindVersionEntry } from "./crd-builder.js";
export { createKindRegistry, type KindRegistry, type KindRegistryEntry } from "./kind-registry.js";
