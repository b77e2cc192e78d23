/**
 * `ark-sdk/testing`: a real local Kubernetes control plane with ARK's CRDs,
 * for tests, benchmarks and development.
 * @module ark-sdk/testing
 */
export { startControlPlane, type ControlPlane, type ControlPlaneOptions, type StaticUser } from "./control-plane.js";
export { testCluster, publishControlPlane, SHARED_PLANE_ENV, type TestCluster, type PlaneInfo } from "./test-cluster.js";
export { findBinaries, binaryCandidates, controlPlaneCacheDir, CONTROL_PLANE_VERSION, type ControlPlaneBinaries } from "./binaries.js";
export { ControlPlaneError, type ControlPlaneFailure } from "./errors.js";
export { TcpProxy, redirectKubeConfig, type DropAnswersOptions } from "./tcp-proxy.js";
export { readCrdDir, type CrdObject } from "./crd-install.js";
export {
  startLocalOidcIssuer,
  type LocalOidcIssuer,
  type LocalOidcIssuerOptions,
  type LocalIssuerAlgorithm,
  type SignOptions,
} from "./local-oidc-issuer.js";
// The development dispatcher and local broker (`src/dev`), for tests that run queries end to end.
export * from "../dev/index.js";
// The engine test kit: requests with defaults, running an executor directly, a local OpenAI-compatible model server.
export {
  engineRequest, runEngine, testModel,
  type EngineRequestInit, type EngineRunResult, type RunEngineOptions, type RecordedPhase,
} from "./engine-kit.js";
export {
  startLocalModelServer, LocalModelServerError,
  type LocalModelServer, type LocalModelServerOptions, type ModelScript, type ScriptedReply, type ScriptedToolCall, type RecordedChatRequest,
} from "./local-model-server.js";
// A local MCP server (streamable HTTP and SSE) for tests of MCP tools.
export {
  startLocalMcpServer, LocalMcpServerError,
  type LocalMcpServer, type LocalMcpServerOptions, type LocalMcpTool, type LocalMcpToolAnswer, type LocalMcpToolContext, type LocalMcpCall,
} from "./local-mcp-server.js";
