/**
 * The lookup behind the generated `descriptorFor`, `validateObject` and
 * `arkCustomResourceDefinitions`: from `apiVersion` + `kind` to what the SDK
 * knows about it.
 */
import type { ResourceDescriptor } from "../core/descriptor.js";
import type { CustomResourceDefinition } from "./crd.js";
import { buildCustomResourceDefinitions, type KindVersionEntry } from "./crd-builder.js";
import type { ValidationProblem } from "./problem.js";
import type { ObjectValidator, ValidateOptions } from "./validator.js";

/** A generated kind's version: descriptor, schema and validator. */
export interface KindRegistryEntry extends KindVersionEntry {
  validate: ObjectValidator;
}

/** Everything generated, indexed by `apiVersion` and `kind`. */
export interface KindRegistry {
  /** The descriptor of every kind version in the registry. */
  readonly descriptors: readonly ResourceDescriptor[];
  /** The descriptor of `kind` in `apiVersion`, or `undefined` when the registry does not know it. */
  descriptorFor(apiVersion: string, kind: string): ResourceDescriptor | undefined;
  /** Validates an object of any registered kind (chosen by its `apiVersion` and `kind`); an unknown kind is a problem, not an exception. */
  validate(obj: unknown, options?: ValidateOptions): ValidationProblem[];
  /** One CustomResourceDefinition per kind, every registered version in it, ready to install on an API server. */
  customResourceDefinitions(): CustomResourceDefinition[];
}

const keyOf = (apiVersion: string, kind: string) => `${apiVersion}\u0000${kind}`;

/** Builds the registry of generated kinds. */
export function createKindRegistry(entries: readonly KindRegistryEntry[]): KindRegistry {
  const byKey = new Map(entries.map((e) => [keyOf(e.descriptor.apiVersion, e.descriptor.kind), e]));
  return {
    descriptors: Object.freeze(entries.map((e) => e.descriptor)),
    descriptorFor: (apiVersion, kind) => byKey.get(keyOf(apiVersion, kind))?.descriptor,
    validate(obj, options) {
      if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
        return [{ path: "", rule: "type", message: "must be an object", params: { type: "object" } }];
      }
      const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
      const entry = typeof apiVersion === "string" && typeof kind === "string" ? byKey.get(keyOf(apiVersion, kind)) : undefined;
      if (!entry) {
        return [{ path: "", rule: "kind", message: `has no known schema for apiVersion ${JSON.stringify(apiVersion ?? null)} and kind ${JSON.stringify(kind ?? null)}`, params: { apiVersion, kind } }];
      }
      return entry.validate(obj, options);
    },
    customResourceDefinitions: () => buildCustomResourceDefinitions(entries),
  };
}
