// Where the generator tests find their inputs and put scratch output.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** ARK's CRDs: `ARK_SDK_CRDS`, else `../shared/ark-crds` next to the repository. */
export const SHARED_CRDS = process.env.ARK_SDK_CRDS ?? join(REPO_ROOT, "..", "shared", "ark-crds");
export const GENERATED_DIR = join(REPO_ROOT, "src", "generated");
export const sharedCrdsPresent = existsSync(SHARED_CRDS);
/** Why a test needing ARK's CRDs is skipped. */
export const NO_SHARED_CRDS = `skipped: ARK's CRDs are absent at ${SHARED_CRDS} (set ARK_SDK_CRDS)`;
const inCi = process.env.CI === "true" || process.env.CI === "1";

/**
 * A test that reads ARK's CRDs. Without them it is skipped visibly (each such
 * test counts in the summary's "skipped"), except under `CI=true`, where it
 * fails: CI must never pass without running it.
 */
export function itWithCrds(name: string, fn: () => Promise<void>): void {
  if (sharedCrdsPresent) it(name, fn);
  else if (inCi) it(name, () => assert.fail(`ARK's CRDs are absent at ${SHARED_CRDS} (set ARK_SDK_CRDS); under CI=true this test must run`));
  else it(name, { skip: NO_SHARED_CRDS }, fn);
}

/** A fresh folder under the repository's (git-ignored) .tmp/, so generated code resolves ark-sdk's sources and node_modules. */
export async function scratchDir(prefix: string): Promise<string> {
  const root = join(REPO_ROOT, ".tmp");
  await mkdir(root, { recursive: true });
  return mkdtemp(join(root, `${prefix}-`));
}
