/**
 * The one Ajv instance behind every generated validator, with the keywords
 * Kubernetes adds. Ajv is loaded on first use (synchronously, it is CommonJS),
 * so importing ark-sdk does not pay for it.
 */
import { createRequire } from "node:module";
import type { Ajv, CodeKeywordDefinition, KeywordCxt, Options } from "ajv";
import { formatPattern } from "./formats.js";

type AjvModule = typeof import("ajv");
type CodeModule = typeof import("ajv/dist/vocabularies/code.js");

const require = createRequire(import.meta.url);
let instance: Ajv | undefined;

/**
 * `format`, checked only where the API server checks it (see formats.ts);
 * replaces Ajv's own, which knows other formats than Kubernetes.
 */
function formatKeyword(ajv: AjvModule, code: CodeModule): CodeKeywordDefinition {
  const { _ } = ajv;
  return {
    keyword: "format",
    type: "string",
    schemaType: "string",
    error: { message: "format", params: ({ schemaCode }) => _`{format: ${schemaCode}}` },
    code(cxt: KeywordCxt) {
      const pattern = formatPattern(cxt.schema as string);
      if (pattern === undefined) return;
      const regExp = code.usePattern(cxt, pattern);
      cxt.fail(_`!${regExp}.test(${cxt.data})`);
    },
  };
}

/**
 * `x-kubernetes-list-type`: `set` items must be unique, `map` items unique by
 * their `x-kubernetes-list-map-keys`. Reports the first repeated index.
 */
function listTypeKeyword(ajv: AjvModule): CodeKeywordDefinition {
  const { _ } = ajv;
  return {
    keyword: "x-kubernetes-list-type",
    type: "array",
    schemaType: "string",
    error: { message: "duplicate", params: ({ params }) => _`{index: ${params.index}, listType: ${params.listType}}` },
    code(cxt: KeywordCxt) {
      const { gen, data, schema, parentSchema } = cxt;
      if (schema !== "set" && schema !== "map") return;
      const keys = schema === "map" ? ((parentSchema["x-kubernetes-list-map-keys"] as string[] | undefined) ?? []) : [];
      const seen = gen.let("seen", _`new Set()`);
      const duplicate = gen.let("duplicate", -1);
      gen.forRange("i", 0, _`${data}.length`, (i) => {
        const item = _`${data}[${i}]`;
        const identity =
          schema === "set"
            ? _`JSON.stringify(${item})`
            : _`JSON.stringify([${keys.map((k, n) => (n === 0 ? _`${item}?.[${k}]` : _`, ${item}?.[${k}]`)).reduce((a, b) => _`${a}${b}`, _``)}])`;
        const key = gen.const("key", identity);
        gen.if(_`${seen}.has(${key})`, () => {
          gen.assign(duplicate, i);
          gen.break();
        });
        gen.code(_`${seen}.add(${key})`);
      });
      cxt.setParams({ index: duplicate, listType: _`${schema}` });
      cxt.fail(_`${duplicate} >= 0`);
    },
  };
}

/**
 * A new Ajv instance with the Kubernetes keywords. `options` are merged into
 * ark-sdk's (e.g. `{ code: { source: true } }` to emit standalone code).
 */
export function createKubernetesAjv(options: Options = {}): Ajv {
  const ajvModule = require("ajv") as AjvModule;
  const codeModule = require("ajv/dist/vocabularies/code.js") as CodeModule;
  const ajv = new ajvModule.Ajv({
    allErrors: true,
    messages: false,
    allowUnionTypes: true,
    strictSchema: true,
    strictTypes: false,
    strictRequired: false,
    validateFormats: false,
    logger: false,
    ...options,
    code: { optimize: true, ...options.code },
  });
  ajv.removeKeyword("format");
  ajv.addKeyword(formatKeyword(ajvModule, codeModule));
  ajv.addKeyword(listTypeKeyword(ajvModule));
  ajv.addKeyword({ keyword: "x-kubernetes-list-map-keys", schemaType: "array" });
  return ajv;
}

/** The shared Ajv instance behind every generated validator (created on first call). */
export function kubernetesAjv(): Ajv {
  instance ??= createKubernetesAjv();
  return instance;
}
