// Where the generator tests find their inputs and put scratch output.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const SHARED_CRDS = join(REPO_ROOT, "..", "shared", "ark-crds");
export const GENERATED_DIR = join(REPO_ROOT, "src", "generated");
export const sharedCrdsPresent = existsSync(SHARED_CRDS);
/** Why a test needing ../shared/ark-crds is skipped. */
export const NO_SHARED_CRDS = `skipped: ${SHARED_CRDS} is absent`;

/** A fresh folder under the repository's (git-ignored) .tmp/, so generated code resolves ark-sdk's sources and node_modules. */
export async function scratchDir(prefix: string): Promise<string> {
  const root = join(REPO_ROOT, ".tmp");
  await mkdir(root, { recursive: true });
  return mkdtemp(join(root, `${prefix}-`));
}
