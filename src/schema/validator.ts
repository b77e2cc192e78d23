/**
 * A kind's validator: compiled on first use (so importing the generated
 * modules stays cheap), then reused for every call.
 */
import type { ValidateFunction } from "ajv";
import { kubernetesAjv } from "./ajv-instance.js";
import { problemsFromAjv } from "./ajv-problems.js";
import type { PackedSchema } from "./json-schema.js";
import { validateObjectMeta } from "./object-meta.js";
import type { ValidationProblem } from "./problem.js";
import { pruneNulls } from "./prune-nulls.js";
import { toValidationSchema } from "./validation-schema.js";

/** How strict a validation is. */
export interface ValidateOptions {
  /**
   * What to do with values the API server silently drops: fields the schema
   * does not declare and nulls in non-nullable fields. `"report"` (default)
   * returns them as `unknown-field` / `null` problems (typos surface before a
   * request); `"ignore"` accepts them, e.g. to write back an object read from
   * a server with a newer schema.
   */
  unknownFields?: "report" | "ignore" | undefined;
  /**
   * `"ignore"` skips problems under `status`: on create and update of a kind
   * with a status subresource the server ignores `status` altogether.
   * Default `"validate"`.
   */
  status?: "validate" | "ignore" | undefined;
}

/** Validates one object; returns every problem found (empty when valid). */
export type ObjectValidator = (obj: unknown, options?: ValidateOptions) => ValidationProblem[];

/** What a validator needs to know about its kind's version. */
export interface ValidatorSpec {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
  /** The packed structural schema. */
  schema: PackedSchema;
}

const PRUNED_RULES = new Set(["unknown-field", "null"]);

function isUnderStatus(path: string): boolean {
  return path === "status" || path.startsWith("status.") || path.startsWith("status[");
}

/** Keeps the problems `options` asks for. */
export function filterProblems(problems: ValidationProblem[], options: ValidateOptions | undefined): ValidationProblem[] {
  const ignorePruned = options?.unknownFields === "ignore";
  const ignoreStatus = options?.status === "ignore";
  if (!ignorePruned && !ignoreStatus) return problems;
  return problems.filter((p) => !(ignorePruned && PRUNED_RULES.has(p.rule)) && !(ignoreStatus && isUnderStatus(p.path)));
}

/** Builds the validator of one kind's version; nothing is compiled until the first call. */
export function createValidator(spec: ValidatorSpec): ObjectValidator {
  let compiled: ValidateFunction | undefined;
  return (obj, options) => {
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
      return [{ path: "", rule: "type", message: `must be an object (got ${obj === null ? "null" : Array.isArray(obj) ? "array" : typeof obj})`, params: { type: "object" } }];
    }
    const check = (compiled ??= kubernetesAjv().compile(toValidationSchema(spec.schema, spec)));
    const { value, problems: nullProblems } = pruneNulls(obj, spec.schema);
    check(value);
    const problems = [
      ...validateObjectMeta((value as { metadata?: unknown }).metadata, spec.namespaced),
      ...nullProblems,
      ...problemsFromAjv(check.errors, value),
    ];
    return filterProblems(problems, options);
  };
}
