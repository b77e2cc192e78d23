// Lint rules: typescript-eslint's recommended set, a ban on explicit `any` (the
// public API promises none), one error root (src/ throws only ArkSdkError subclasses), and the layer rule: each folder of src/ imports
// only from the layers below it (see "Architecture" in the README). The layers,
// lowest first, are listed once in scripts/layers.mjs, shared with deps:check.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { LAYERS, forbiddenFor } from "./scripts/layers.mjs";

const layerRules = LAYERS.flatMap((layer) =>
  layer.folders.map((folder) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${forbiddenFor(folder).join("|")})(/|$)`,
              message: `src/${folder} is in layer "${layer.name}": it may import only from ${layer.mayImport.join(", ") || "nothing else in src"}.`,
            },
            { regex: "^ark-sdk(/|$)", message: "Inside src, import by relative path, not through the package's own entry points." },
          ],
        },
      ],
    },
  })),
);

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "bin/**", "reports/**", "docs/api/**", ".stryker-tmp/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...layerRules,
  {
    // One error root: what src/ throws on purpose is an ArkSdkError (its name is its class, guards work across
    // package copies). Abort reasons (`controller.abort(new Error(...))`) are not thrown at callers and stay free.
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "ThrowStatement > NewExpression[callee.name=/^(Error|TypeError|RangeError|SyntaxError)$/]",
          message: "Throw an ArkSdkError subclass (src/core/errors.ts and each layer's errors.ts), not a built-in Error.",
        },
        {
          selector: "CallExpression[callee.property.name='reject'] > NewExpression[callee.name=/^(Error|TypeError|RangeError)$/]",
          message: "Reject with an ArkSdkError subclass, not a built-in Error.",
        },
      ],
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly" } },
  },
);
