// Validation speed and import cost of the generated modules.
//
// 1. Validations per second of a typical Agent and a large Model, against
//    two baselines measured in the same run: a JSON round trip of the same
//    object (a cost everyone knows) and the bare Ajv function without
//    ark-sdk's Kubernetes layer (what that layer costs).
// 2. Cold import time of `ark-sdk` (the package root: client + generated
//    kinds) and of the generated modules alone, against a bare import('yaml').
//    The sources are transpiled with esbuild into .tmp/ first, so node loads
//    plain JavaScript as it does from dist/.
// 3. Lazy compilation (what ships) against precompiled Ajv standalone code:
//    cold import + first validation in a fresh process, and module size.
//
// Run: node --import tsx bench/validate.ts   (about 30-60 s on a busy 2-core machine)
import { spawnSync } from "node:child_process";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { arkDescriptors, validateAgent, validateModel } from "../src/generated/index.js";
import { agentSchema } from "../src/generated/agent.schema.js";
import { modelSchema } from "../src/generated/model.schema.js";
import { createKubernetesAjv, kubernetesAjv, toValidationSchema } from "../src/schema/index.js";
import { agent, model } from "../test/generator/fixtures/typed-objects.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, ".tmp", `bench-validate-${process.pid}`);
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- throughput

function opsPerSecond(fn: () => unknown, ms = 700): number {
  for (let i = 0; i < 200; i++) fn(); // warm up (and compile)
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

function largeModel(): typeof model {
  const big = structuredClone(model);
  const source = (i: number) => (i % 3 === 0 ? { value: `v${i}` } : i % 3 === 1 ? { valueFrom: { secretKeyRef: { name: `s${i}`, key: "k" } } } : { valueFrom: { serviceRef: { name: `svc${i}`, port: "8080", path: "/v1" } } });
  big.spec.config = {
    openai: { apiKey: source(1), baseUrl: source(2), headers: [], properties: {} },
    azure: { baseUrl: source(3), apiVersion: source(4), auth: { apiKey: source(5) }, headers: [], properties: {} },
    anthropic: { apiKey: source(6), baseUrl: source(7), version: source(8), headers: [], properties: {} },
    bedrock: { region: source(9), modelArn: source(10), maxTokens: 4096, temperature: "0.5", properties: {} },
  };
  for (const provider of [big.spec.config.openai!, big.spec.config.azure!, big.spec.config.anthropic!]) {
    for (let i = 0; i < 15; i++) provider.headers!.push({ name: `X-Header-${i}`, value: i % 2 ? { value: `h${i}` } : { valueFrom: { secretKeyRef: { name: "hdr", key: `k${i}` } } } });
    for (let i = 0; i < 20; i++) provider.properties![`prop_${i}`] = source(i);
  }
  big.status = { conditions: Array.from({ length: 10 }, (_, i) => ({ type: `Cond${i}`, status: "True", reason: "Ok", message: "fine", lastTransitionTime: "2026-01-02T03:04:05Z" })) };
  return big;
}

function throughput(): void {
  const bigModel = largeModel();
  const bytes = (o: unknown) => JSON.stringify(o).length;
  const rawAgent = kubernetesAjv().compile(toValidationSchema(agentSchema, { apiVersion: agent.apiVersion, kind: agent.kind }));
  const rawModel = kubernetesAjv().compile(toValidationSchema(modelSchema, { apiVersion: model.apiVersion, kind: model.kind }));
  if (validateAgent(agent).length + validateModel(bigModel).length !== 0) throw new Error("bench objects must be valid");
  console.log("\n## Validations per second (in process, validator already compiled)");
  for (const [name, obj, ours, raw] of [
    [`typical Agent (${bytes(agent)} B JSON)`, agent, () => validateAgent(agent), () => rawAgent(agent)],
    [`large Model (${bytes(bigModel)} B JSON)`, bigModel, () => validateModel(bigModel), () => rawModel(bigModel)],
  ] as const) {
    const json = opsPerSecond(() => JSON.parse(JSON.stringify(obj)));
    const bare = opsPerSecond(raw);
    const sdk = opsPerSecond(ours);
    console.log(`${name}: validate ${Math.round(sdk).toLocaleString("en")}/s`);
    console.log(`  = ${(sdk / json).toFixed(2)}x a JSON round trip (${Math.round(json).toLocaleString("en")}/s), ${(sdk / bare).toFixed(2)}x bare Ajv without the Kubernetes layer (${Math.round(bare).toLocaleString("en")}/s)`);
  }
}

// ---------------------------------------------------------------- cold start

async function transpileSources(): Promise<void> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) files.push(p);
    }
  };
  await walk(join(ROOT, "src"));
  buildSync({ entryPoints: files, outdir: join(OUT, "dist"), outbase: join(ROOT, "src"), format: "esm", platform: "node", target: "node20", bundle: false, logLevel: "error" });
}

/** Writes Ajv standalone code for every generated kind (the alternative to lazy compilation). */
async function writeStandalone(): Promise<number> {
  const ajv = createKubernetesAjv({ code: { source: true } });
  const schemas: Record<string, string> = {};
  const mod = (await import("../src/generated/index.js")) as Record<string, unknown>;
  for (const d of arkDescriptors) {
    const schemaName = `${d.kind[0]!.toLowerCase()}${d.kind.slice(1)}Schema`;
    const packed = Object.entries(mod).find(([k]) => k.toLowerCase() === schemaName.toLowerCase())?.[1];
    if (!packed) throw new Error(`no schema export for ${d.kind}`);
    ajv.addSchema(toValidationSchema(packed as Parameters<typeof toValidationSchema>[0], d), d.kind);
    schemas[d.kind] = d.kind;
  }
  const standaloneCode = (require("ajv/dist/standalone") as { default: (ajv: unknown, refs: Record<string, string>) => string }).default;
  const code = standaloneCode(ajv, schemas);
  await writeFile(join(OUT, "standalone.cjs"), code);
  return Buffer.byteLength(code);
}

function coldMs(script: string, runs = 9): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: OUT, encoding: "utf8" });
    if (res.status !== 0) throw new Error(`cold run failed: ${res.stderr}`);
    times.push(Number(res.stdout.trim()));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

const timed = (body: string) => `const t0 = performance.now(); ${body}; console.log(performance.now() - t0);`;

async function coldStart(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  await transpileSources();
  const standaloneBytes = await writeStandalone();
  const dist = (p: string) => `./${relative(OUT, join(OUT, "dist", p))}`;
  const agentJson = JSON.stringify(agent);

  const yamlMs = coldMs(timed(`await import("yaml")`));
  const rootMs = coldMs(timed(`await import("${dist("index.js")}")`));
  const generatedMs = coldMs(timed(`await import("${dist("generated/index.js")}")`));
  console.log("\n## Cold import (fresh node process, median of 9)");
  console.log(`import('yaml') baseline: ${yamlMs.toFixed(1)} ms`);
  console.log(`import('ark-sdk') (client + generated kinds): ${rootMs.toFixed(1)} ms = ${(rootMs / yamlMs).toFixed(2)}x baseline`);
  console.log(`import of the generated modules alone: ${generatedMs.toFixed(1)} ms = ${(generatedMs / yamlMs).toFixed(2)}x baseline`);

  const lazyMs = coldMs(timed(`const m = await import("${dist("generated/index.js")}"); if (m.validateAgent(${agentJson}).length) throw new Error("invalid")`));
  const standaloneMs = coldMs(
    timed(
      `const m = await import("${dist("generated/index.js")}"); const s = await import("${dist("schema/index.js")}"); const { createRequire } = await import("node:module");` +
        ` const v = createRequire(import.meta.url)("./standalone.cjs").Agent; const o = ${agentJson}; v(o); if (s.problemsFromAjv(v.errors, o).length) throw new Error("invalid")`,
    ),
  );
  const sizes = { lazy: 0 };
  for (const f of await readdir(join(OUT, "dist", "generated"))) sizes.lazy += (await stat(join(OUT, "dist", "generated", f))).size;
  console.log("\n## Lazy compilation (shipped) vs precompiled standalone validators");
  console.log(`cold import + first validateAgent, lazy: ${lazyMs.toFixed(1)} ms = ${(lazyMs / yamlMs).toFixed(2)}x baseline`);
  console.log(`cold import + first validateAgent, standalone: ${standaloneMs.toFixed(1)} ms = ${(standaloneMs / yamlMs).toFixed(2)}x baseline`);
  console.log(`generated modules ${(sizes.lazy / 1024).toFixed(0)} KiB; standalone validators would add ${(standaloneBytes / 1024).toFixed(0)} KiB`);
  console.log(
    "choice: lazy compilation. Import time (the stated aim) is the same or better without the standalone code; the standalone\n" +
      "variant only moves the one-off compile of each kind's validator (first use) to generation time, for ~7x the generated size.",
  );
}

try {
  console.log(`# bench/validate (node ${process.version})`);
  throughput();
  await coldStart();
} finally {
  await rm(OUT, { recursive: true, force: true });
}
