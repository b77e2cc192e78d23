// Lint rules: typescript-eslint's recommended set, a ban on explicit `any` (the
// public API promises none), and the layer rule: each folder of src/ imports
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
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly" } },
  },
);
