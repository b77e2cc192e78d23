/**
 * Regenerates the committed `src/generated/` from ARK's CRDs in the steering
 * checkout (`../shared/ark-crds`, or the folder given as the first argument).
 */
import { main } from "../src/cli/main.js";
import { sharedCrdDir } from "../src/testing/crd-install.js";

const crds = process.argv[2] ?? sharedCrdDir();
process.exitCode = await main(["generate", "--crds", crds, "--out", "src/generated", "--import-from", "../"]);
