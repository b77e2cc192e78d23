// What `require("ark-sdk")` loads: ark-sdk is an ES module package (Node >= 20).
"use strict";
const error = new Error(
  'ark-sdk is ESM-only (Node >= 20): load it with `import { ArkClient } from "ark-sdk"` in an ES module ' +
    '(a .mjs file, or "type": "module" in package.json), or with `await import("ark-sdk")` from CommonJS.',
);
error.code = "ERR_ARK_SDK_ESM_ONLY";
throw error;
