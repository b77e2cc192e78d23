// Test files attach to the run's shared control plane (see scripts/run-tests.mjs).
export { testCluster, type TestCluster } from "../../src/testing/index.js";
