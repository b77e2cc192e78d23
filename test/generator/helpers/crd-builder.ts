// Small CRDs written in the tests, for the constructs ARK's own CRDs lack.
import type { CustomResourceDefinition } from "../../../src/schema/crd.js";
import type { JsonSchemaProps } from "../../../src/schema/json-schema.js";
import type { CrdSource } from "../../../src/generator/index.js";

export interface TestCrdOptions {
  kind: string;
  group?: string;
  plural?: string;
  version?: string;
  scope?: "Namespaced" | "Cluster";
  spec?: JsonSchemaProps;
  status?: JsonSchemaProps;
  /** Replaces the whole root schema. */
  root?: unknown;
  statusSubresource?: boolean;
}

export function testCrd(o: TestCrdOptions): CustomResourceDefinition {
  const group = o.group ?? "test.ark-sdk.io";
  const plural = o.plural ?? `${o.kind.toLowerCase()}s`;
  const root = o.root ?? {
    type: "object",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: o.spec ?? { type: "object" },
      ...(o.status ? { status: o.status } : {}),
    },
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: { kind: o.kind, listKind: `${o.kind}List`, plural, singular: o.kind.toLowerCase() },
      scope: o.scope ?? "Namespaced",
      versions: [{ name: o.version ?? "v1", served: true, storage: true, schema: { openAPIV3Schema: root as JsonSchemaProps }, ...(o.statusSubresource === false ? {} : { subresources: { status: {} } }) }],
    },
  };
}

export function source(crd: CustomResourceDefinition, origin = `test/${crd.metadata.name}.yaml`): CrdSource {
  return { crd, origin };
}
