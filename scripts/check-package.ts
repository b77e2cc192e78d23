/**
 * Packaging check (CI, after `npm run build`): what a user installs works.
 *
 *   node --import tsx scripts/check-package.ts
 *
 * 1. `npm pack`, then a production install of the tarball into a fresh
 *    project: prints its size and package count (and @kubernetes/client-node's
 *    share).
 * 2. No public declaration file imports `@kubernetes/client-node`.
 * 3. Every entry point typechecks in a consumer project with `strict`,
 *    `exactOptionalPropertyTypes` and `skipLibCheck: false`, under
 *    `module: nodenext` and under `moduleResolution: bundler`; the optional
 *    integrations (`ark-sdk/openai`, `ark-sdk/ai-sdk`, `ark-sdk/otel`) with their peers
 *    installed, the others without any optional peer. A round-trip file feeds
 *    SDK output back into SDK input under `exactOptionalPropertyTypes`.
 * 4. At run time: `import()` of every entry point loads, `require()` fails
 *    with ERR_ARK_SDK_ESM_ONLY, the packaged CLI runs.
 * 5. `publint` clean; `@arethetypeswrong/cli --profile esm-only` clean.
 *
 * Packages come from the registry or npm's cache (`--prefer-offline`).
 * Exits non-zero on the first failing step.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string; version: string; exports: Record<string, unknown>; devDependencies: Record<string, string>; peerDependencies: Record<string, string>;
};
const keep = process.argv.includes("--keep");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Entry points that need optional peers to typecheck or load, and the peers. */
const OPTIONAL_ENTRIES: Record<string, string[]> = {
  "./openai": ["openai"],
  "./ai-sdk": ["ai", "@ai-sdk/openai", "@ai-sdk/openai-compatible"],
  "./otel": ["@opentelemetry/api", "@opentelemetry/exporter-trace-otlp-http", "@opentelemetry/resources", "@opentelemetry/sdk-trace-base", "@opentelemetry/sdk-trace-node"],
};

async function run(cmd: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<string> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: "false" } });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed:\n${e.stdout ?? ""}${e.stderr ?? ""}${e.message}`);
  }
}

function step(name: string): void {
  console.log(`-- ${name}`);
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const specifier = (key: string) => (key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`);

const work = mkdtempSync(join(tmpdir(), "ark-sdk-package-"));
try {
  if (!existsSync(join(root, "dist", "index.js"))) throw new Error("dist/ is not built: run `npm run build` first");

  step("npm pack");
  await run(npm, ["pack", "--ignore-scripts", "--pack-destination", work], root);
  const tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
  console.log(`   ${readdirSync(work).join(", ")} (${mb(statSync(tarball).size)})`);

  step("production install into a fresh project");
  const app = join(work, "app");
  await run("mkdir", ["-p", app], work);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }, null, 2));
  await run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--omit=dev", tarball], app);
  const installed = (await run(npm, ["ls", "--all", "--omit=dev", "--parseable"], app)).trim().split("\n").filter((l) => l.includes("node_modules"));
  const total = dirBytes(join(app, "node_modules"));
  const kube = join(app, "node_modules", "@kubernetes", "client-node");
  const kubeBytes = existsSync(kube) ? dirBytes(kube) : 0;
  console.log(`   ${installed.length} packages, ${mb(total)} (ark-sdk ${mb(dirBytes(join(app, "node_modules", pkg.name)))}, @kubernetes/client-node ${mb(kubeBytes)})`);

  step("public declarations do not import @kubernetes/client-node");
  const dts = (await run("tar", ["-tzf", tarball], work)).split("\n").filter((f) => f.endsWith(".d.ts") || f.endsWith(".d.cts"));
  const offenders = dts.filter((f) => /(from|import\()\s*["']@kubernetes\/client-node["']/.test(readFileSync(join(app, "node_modules", pkg.name, f.replace(/^package\//, "")), "utf8")));
  if (offenders.length > 0) throw new Error(`declaration files importing @kubernetes/client-node: ${offenders.join(", ")}`);
  console.log(`   ${dts.length} declaration files checked`);

  step("runtime: import() of every entry point, require() refused, the packaged CLI");
  const entries = Object.keys(pkg.exports).filter((k) => k !== "./package.json");
  const coreEntries = entries.filter((k) => !(k in OPTIONAL_ENTRIES));
  const optionalEntries = entries.filter((k) => k in OPTIONAL_ENTRIES);
  const importScript = (keys: string[]) => `for (const e of ${JSON.stringify(keys.map(specifier))}) { const m = await import(e); if (Object.keys(m).length === 0) throw new Error(e + " exports nothing"); }`;
  await run(process.execPath, ["--input-type=module", "-e", importScript(coreEntries)], app);
  const requireScript = `for (const e of ${JSON.stringify(entries.map(specifier))}) { try { require(e); throw new Error(e + " loaded through require()"); } catch (err) { if (err.code !== "ERR_ARK_SDK_ESM_ONLY") throw err; } }`;
  await run(process.execPath, ["-e", requireScript], app);
  const cli = join(app, "node_modules", ".bin", "ark-sdk");
  if ((await run(cli, ["version"], app)).trim() !== pkg.version) throw new Error("ark-sdk version printed another version");
  const dry = await run(cli, ["init", "engine", "packaged", "--template", "minimal", "--dry-run"], app);
  if (!dry.includes("=== src/engine.ts")) throw new Error(`ark-sdk init --dry-run printed no engine:\n${dry}`);

  step("typecheck tools");
  await run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--save-dev", `typescript@${pkg.devDependencies.typescript}`, `@types/node@${pkg.devDependencies["@types/node"]}`], app);

  const tsc = join(app, "node_modules", ".bin", "tsc");
  const profiles = {
    nodenext: { module: "nodenext", moduleResolution: "nodenext" },
    bundler: { module: "esnext", moduleResolution: "bundler" },
  };
  async function typecheck(label: string, keys: string[], extraFiles: string[] = [], skipLibCheck = false): Promise<void> {
    const entryFile = `entries-${label}.ts`;
    writeFileSync(join(app, entryFile), `${keys.map((k, i) => `import * as e${i} from "${specifier(k)}";`).join("\n")}\nexport const all = [${keys.map((_, i) => `e${i}`).join(", ")}];\n`);
    for (const [profile, options] of Object.entries(profiles)) {
      const config = `tsconfig.${label}.${profile}.json`;
      writeFileSync(join(app, config), JSON.stringify({
        compilerOptions: { ...options, target: "es2022", lib: ["es2023", "esnext.disposable"], types: ["node"], strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck, noEmit: true },
        files: [entryFile, ...extraFiles],
      }, null, 2));
      await run(tsc, ["-p", config], app);
      console.log(`   ${label}: ${keys.map(specifier).join(", ")}${extraFiles.length ? ` + ${extraFiles.join(", ")}` : ""} — ${profile}, skipLibCheck ${skipLibCheck}: ok`);
    }
  }

  step("typecheck: entry points without optional peers (+ round trips under exactOptionalPropertyTypes)");
  writeFileSync(join(app, "round-trip.ts"), readFileSync(join(root, "test", "packaging", "fixtures", "round-trip.ts"), "utf8"));
  await typecheck("core", coreEntries, ["round-trip.ts"]);

  if (optionalEntries.length > 0) {
    step("typecheck: optional integrations with their peers installed");
    const peers = optionalEntries.flatMap((k) => OPTIONAL_ENTRIES[k] ?? []);
    await run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", ...peers.map((p) => `${p}@${pkg.devDependencies[p] ?? pkg.peerDependencies[p]}`)], app);
    // The `ai` package's own declarations do not compile with skipLibCheck false (they need the DOM lib and
    // @types/json-schema), so ark-sdk/ai-sdk is checked with skipLibCheck true; the others with false.
    const strictLib = optionalEntries.filter((k) => k !== "./ai-sdk");
    if (strictLib.length > 0) await typecheck("integrations", strictLib);
    if (optionalEntries.includes("./ai-sdk")) await typecheck("ai-sdk", ["./ai-sdk"], [], true);
    await run(process.execPath, ["--input-type=module", "-e", importScript(optionalEntries)], app);
  }

  step("publint");
  console.log(indent(await run(join(root, "node_modules", ".bin", "publint"), ["run", "--strict", tarball], root)));

  step("arethetypeswrong --profile esm-only");
  const attw = await run(join(root, "node_modules", ".bin", "attw"), [tarball, "--profile", "esm-only", "--format", "table-flipped"], root);
  console.log(indent(attw.split("\n").filter((l) => /No problems|ignoring|ark-sdk/.test(l)).join("\n")));
  console.log("package check: ok");
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

function indent(text: string): string {
  return text.trim().split("\n").map((l) => `   ${l}`).join("\n");
}
