// The types of what `require("ark-sdk")` loads: nothing, it throws ERR_ARK_SDK_ESM_ONLY. ark-sdk is ESM-only
// (Node >= 20): `import { ArkClient } from "ark-sdk"` in an ES module, or `await import("ark-sdk")` from CommonJS.
declare const esmOnly: never;
export = esmOnly;
