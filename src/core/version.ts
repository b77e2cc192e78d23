/**
 * The SDK's own version, read from its package.json at load time so the
 * `User-Agent` never drifts from the published version (the file sits two or
 * three folders up, from `src/client/` or from `dist/src/client/`).
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "ark-sdk" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no package.json at this level: keep walking up
    }
    dir = dirname(dir);
  }
  return "0.0.0";
}

/** The ark-sdk version, e.g. `0.1.0`. */
export const SDK_VERSION: string = findVersion();

/**
 * The ARK release whose CRDs the bundled types and schemas were generated
 * from (upstream `main` at f6dbda34). Clusters running another ARK may
 * declare fields these schemas do not know; see the client's `validation` option.
 */
export const BUNDLED_ARK_VERSION = "0.1.67";
