/**
 * The generator's view of its input: one {@link KindVersionModel} per served
 * version of each CRD, with cleaned schema, descriptor facts and the names
 * the generated code uses.
 */
import type { PrinterColumn, ScaleSubresource } from "../core/descriptor.js";
import type { CustomResourceDefinition } from "../schema/crd.js";
import type { JsonSchemaProps } from "../schema/json-schema.js";
import { GeneratorError } from "./errors.js";
import { contentHash } from "./hash.js";
import { camelKind, kebabKind, pascal } from "./naming.js";
import type { CrdSource } from "./read-crds.js";
import { cleanSchema } from "./structural.js";

/** One served version of one kind. */
export interface KindVersionModel {
  origin: string;
  /** `metadata.name` of the CRD, `<plural>.<group>`. */
  crdName: string;
  /** Content hash of the CRD (without metadata and documentation text). */
  crdHash: string;
  group: string;
  version: string;
  apiVersion: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  storage: boolean;
  subresources: { status: boolean; scale?: ScaleSubresource };
  printerColumns: PrinterColumn[];
  /** The version's schema, checked structural, without documentation text. */
  schema: JsonSchemaProps;
  warnings: string[];
  /** Type name: `Agent`, or `AgentV1beta1` for a non-storage version of a multi-version kind. */
  typeName: string;
  /** Value-name stem: `agent`, `mcpServer`, `agentV1beta1`. */
  valueName: string;
  /** File-name stem: `agent`, `mcp-server`, `agent-v1beta1`. */
  fileName: string;
}

function printerColumns(columns: NonNullable<CustomResourceDefinition["spec"]["versions"][number]["additionalPrinterColumns"]>): PrinterColumn[] {
  return columns.map((c) => {
    const column: PrinterColumn = { name: c.name, type: c.type, jsonPath: c.jsonPath };
    if (c.format !== undefined) column.format = c.format;
    if (c.priority !== undefined && c.priority !== 0) column.priority = c.priority;
    return column;
  });
}

function modelsOf(source: CrdSource): KindVersionModel[] {
  const { crd, origin } = source;
  const { group, names, scope } = crd.spec;
  if (crd.spec.preserveUnknownFields === true) {
    throw new GeneratorError({ file: origin, kind: names.kind }, "sets spec.preserveUnknownFields: true, so its schema is not structural");
  }
  const served = crd.spec.versions.filter((v) => v.served !== false);
  if (served.length === 0) throw new GeneratorError({ file: origin, kind: names.kind }, "serves no version");
  const singular = names.singular ?? names.kind.toLowerCase();
  const listKind = names.listKind ?? `${names.kind}List`;
  const cleaned = served.map((v) => ({ version: v, ...cleanSchema(v.schema?.openAPIV3Schema, { file: origin, kind: names.kind, version: v.name }) }));
  const crdHash = contentHash({
    group,
    names: { kind: names.kind, listKind, plural: names.plural, singular, shortNames: names.shortNames ?? [], categories: names.categories ?? [] },
    scope,
    versions: cleaned
      .map(({ version: v, schema }) => ({
        name: v.name,
        storage: v.storage,
        schema,
        subresources: v.subresources ?? {},
        printerColumns: printerColumns(v.additionalPrinterColumns ?? []),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
  });
  const plainVersion = served.length === 1 ? served[0]!.name : served.find((v) => v.storage)?.name;
  return cleaned.map(({ version: v, schema, warnings }) => {
    const suffix = v.name === plainVersion ? "" : pascal(v.name);
    const subresources: KindVersionModel["subresources"] = { status: v.subresources?.status !== undefined };
    if (v.subresources?.scale) subresources.scale = { ...v.subresources.scale };
    return {
      origin,
      crdName: `${names.plural}.${group}`,
      crdHash,
      group,
      version: v.name,
      apiVersion: `${group}/${v.name}`,
      kind: names.kind,
      listKind,
      plural: names.plural,
      singular,
      shortNames: [...(names.shortNames ?? [])],
      categories: [...(names.categories ?? [])],
      namespaced: scope === "Namespaced",
      storage: v.storage === true,
      subresources,
      printerColumns: printerColumns(v.additionalPrinterColumns ?? []),
      schema,
      warnings,
      typeName: pascal(names.kind) + suffix,
      valueName: camelKind(names.kind) + suffix,
      fileName: kebabKind(names.kind) + (suffix ? `-${v.name.toLowerCase()}` : ""),
    };
  });
}

/** Models of every served version of every CRD, sorted by kind and version; rejects duplicates and clashing names. */
export function buildModels(sources: readonly CrdSource[]): KindVersionModel[] {
  const models = sources.flatMap(modelsOf).sort((a, b) => (a.typeName < b.typeName ? -1 : a.typeName > b.typeName ? 1 : 0));
  const byName = new Map<string, KindVersionModel>();
  for (const m of models) {
    for (const key of [`type ${m.typeName}`, `value ${m.valueName.toLowerCase()}`, `file ${m.fileName}`]) {
      const other = byName.get(key);
      if (other) {
        const same = other.crdName === m.crdName ? `the CRD ${m.crdName} twice` : `both ${other.apiVersion} ${other.kind} (${other.origin}) and ${m.apiVersion} ${m.kind}`;
        throw new GeneratorError({ file: m.origin, kind: m.kind, version: m.version }, `name clash between generated types: the ${key.replace(" ", " name ")} would be generated for ${same}`);
      }
      byName.set(key, m);
    }
  }
  return models;
}
