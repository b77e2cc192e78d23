// Optional peers stay unloaded (issue 13, definition of done): importing `ark-sdk` and `ark-sdk/executor`, and
// constructing an ExecutorApp without OTEL_EXPORTER_OTLP_ENDPOINT, loads none of openai, ai, @ai-sdk/*, the MCP SDK
// or OpenTelemetry; `ark-sdk/openai` loads only openai, `ark-sdk/ai-sdk` only the AI SDK, `ark-sdk/otel` the
// OpenTelemetry SDK (the hook sees each). Import time: bench/import-time.ts. Runs the built dist/ when it
// exists (CI builds it), else the sources under tsx.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url);
const built = existsSync(new URL("dist/index.js", root));

// A resolve hook that reports every package the process loads from node_modules.
const hook = `data:text/javascript,${encodeURIComponent(`
  export async function resolve(specifier, context, next) {
    const r = await next(specifier, context);
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(r.url);
    if (m) process.stderr.write("LOADED " + m[1] + "\\n");
    return r;
  }`)}`;
const register = `data:text/javascript,${encodeURIComponent(`import { register } from "node:module"; register(${JSON.stringify(hook)});`)}`;

async function packagesLoadedBy(script: string): Promise<Set<string>> {
  const env = { ...process.env };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const args = ["--import", register, ...(built ? [] : ["--import", "tsx"]), "--input-type=module", "-e", script];
  const { stderr } = await run(process.execPath, args, { cwd: root, env, timeout: 60_000 });
  return new Set(stderr.split("\n").filter((l) => l.startsWith("LOADED ")).map((l) => l.slice(7)));
}

const isOptionalPeer = (p: string) => p === "ai" || p === "openai" || p.startsWith("@ai-sdk/") || p.startsWith("@modelcontextprotocol/") || p.startsWith("@opentelemetry/");

describe(`optional peers load only with their subpath (${built ? "dist" : "sources"})`, () => {
  it("ark-sdk, ark-sdk/executor and an ExecutorApp without OTEL_EXPORTER_OTLP_ENDPOINT load no optional peer", async () => {
    const loaded = await packagesLoadedBy(`
      await import("ark-sdk");
      const { ExecutorApp, BaseExecutor, StaticQueryResolver } = await import("ark-sdk/executor");
      class E extends BaseExecutor { constructor() { super("E"); } async executeAgent() { return [{ role: "assistant", content: "ok" }]; } }
      const app = new ExecutorApp(new E(), { resolver: new StaticQueryResolver(), logger: { debug() {}, info() {}, warn() {}, error() {} } });
      await new Promise((r) => setTimeout(r, 50));
      await app.close();`);
    assert.ok(loaded.size > 0, "the hook sees packages");
    assert.deepEqual([...loaded].filter(isOptionalPeer), [], `optional peers loaded: ${[...loaded].join(", ")}`);
  });

  it("ark-sdk/openai loads openai and no other optional peer (the hook sees a subpath's peer)", async () => {
    const loaded = await packagesLoadedBy(`await import("ark-sdk/openai");`);
    assert.ok(loaded.has("openai"), `ark-sdk/openai loads openai (${[...loaded].join(", ")})`);
    assert.deepEqual([...loaded].filter((p) => isOptionalPeer(p) && p !== "openai"), [], "nothing of the AI SDK, the MCP SDK or OpenTelemetry");
  });

  it("ark-sdk/ai-sdk loads ai, and neither openai, the MCP SDK nor the OpenTelemetry SDK", async () => {
    const loaded = await packagesLoadedBy(`await import("ark-sdk/ai-sdk");`);
    assert.ok(loaded.has("ai"), `ark-sdk/ai-sdk loads ai (${[...loaded].join(", ")})`);
    // @opentelemetry/api (the API only, no SDK) is a dependency of the `ai` package itself.
    const aiOwn = (p: string) => p === "ai" || p.startsWith("@ai-sdk/") || p === "@opentelemetry/api";
    assert.deepEqual([...loaded].filter((p) => isOptionalPeer(p) && !aiOwn(p)), [], "only the AI SDK and what it imports itself");
  });

  it("ark-sdk/otel loads the OpenTelemetry SDK and exporter", async () => {
    const loaded = await packagesLoadedBy(`await import("ark-sdk/otel");`);
    for (const p of ["@opentelemetry/api", "@opentelemetry/sdk-trace-node", "@opentelemetry/exporter-trace-otlp-http"]) assert.ok(loaded.has(p), `${p} loaded (${[...loaded].join(", ")})`);
  });
});
