// Test files attach to the run's shared control plane (see scripts/run-tests.ts).
// Only `*.cluster.test.ts` files may use it: `npm run test:unit` runs the others
// without a control plane, and a file there that asks for one fails at once.
import { testCluster as attach, type TestCluster } from "../../src/testing/index.js";

export type { TestCluster };

/** The run's shared control plane (or a private one when run alone). */
export function testCluster(...args: Parameters<typeof attach>): Promise<TestCluster> {
  if (process.env.ARK_SDK_TEST_NO_CONTROL_PLANE === "1") {
    return Promise.reject(new Error("this test needs a control plane: name its file *.cluster.test.ts (test:unit runs without one)"));
  }
  return attach(...args);
}
