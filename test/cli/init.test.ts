// `ark-sdk init engine` (issue 14, point 1): what it writes, that it never overwrites, --dry-run, bad input.
// The slow end-to-end proof (install the packed tarball into a scaffold, run its npm test) is
// test/packaging/scaffold.test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { ScaffoldConflictError, engineScaffold, writeScaffold } from "../../src/cli/scaffold.js";

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: "", stderr: "", isTty: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string; exports: Record<string, unknown>; devDependencies: Record<string, string> };

function withTmp(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "ark-init-"));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)])).sort();
}

describe("ark-sdk init engine", () => {
  it("writes a complete project: package, strict tsconfig, engine, test, Dockerfile, manifests, README", withTmp(async (tmp) => {
    const dir = join(tmp, "hello-engine");
    const io = capture();
    assert.equal(await main(["init", "engine", "hello-engine", "--dir", dir, "--image", "registry.example/hello:1", "-n", "agents"], io), 0, io.stderr);
    assert.deepEqual(listFiles(dir), [".dockerignore", ".gitignore", "Dockerfile", "README.md", "deploy/hello-engine.yaml", "deploy/kustomization.yaml", "package.json", "src/engine.ts", "src/main.ts", "test/engine.test.ts", "tsconfig.build.json", "tsconfig.json"].sort());
    const project = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; type: string; dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
    assert.equal(project.name, "hello-engine");
    assert.equal(project.type, "module");
    assert.deepEqual(project.dependencies, { "ark-sdk": `^${pkg.version}`, openai: pkg.devDependencies.openai });
    assert.deepEqual(Object.keys(project.devDependencies).sort(), ["@types/node", "tsx", "typescript"]);
    assert.match(project.scripts.test!, /--test/);
    const tsconfig = JSON.parse(readFileSync(join(dir, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
    assert.equal(tsconfig.compilerOptions.strict, true);
    assert.equal(tsconfig.compilerOptions.module, "nodenext");
    assert.match(readFileSync(join(dir, "src/main.ts"), "utf8"), /new ExecutorApp\(new HelloEngineExecutor\(\)\)/);
    assert.match(readFileSync(join(dir, "src/engine.ts"), "utf8"), /from "ark-sdk\/openai"/);
    assert.match(readFileSync(join(dir, "test/engine.test.ts"), "utf8"), /from "ark-sdk\/testing"/);
    const docker = readFileSync(join(dir, "Dockerfile"), "utf8");
    assert.equal(docker.match(/^FROM node:\S+/gm)?.length, 2, "multi-stage on the official Node image");
    assert.match(docker, /npm prune --omit=dev/);
    assert.match(docker, /^USER 1000:1000$/m);
    assert.match(docker, /^CMD \["node", "dist\/main.js"\]$/m);
    assert.match(readFileSync(join(dir, ".dockerignore"), "utf8"), /^node_modules$/m);
    const objects = parseAllDocuments(readFileSync(join(dir, "deploy/hello-engine.yaml"), "utf8")).map((d) => d.toJS() as { kind: string; metadata: { namespace: string }; spec?: { template?: { spec: { containers: { image: string }[] } } } });
    assert.deepEqual(objects.map((o) => o.kind), ["ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "ExecutionEngine"]);
    assert.ok(objects.every((o) => o.metadata.namespace === "agents"));
    assert.equal(objects[3]!.spec!.template!.spec.containers[0]!.image, "registry.example/hello:1");
    assert.doesNotMatch(readFileSync(join(dir, "deploy/hello-engine.yaml"), "utf8"), /[&*]a\d/, "no YAML anchors/aliases");
  }));

  it("the minimal template needs no model client", withTmp(async (tmp) => {
    const files = engineScaffold({ name: "echo", template: "minimal", arkSdk: pkg });
    const project = JSON.parse(files.find((f) => f.path === "package.json")!.content) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(project.dependencies), ["ark-sdk"]);
    assert.doesNotMatch(files.find((f) => f.path === "src/engine.ts")!.content, /openai|"ai"/);
    await writeScaffold(tmp, files);
    assert.equal(listFiles(tmp).length, files.length);
  }));

  it("refuses to overwrite: names every existing file and writes nothing", withTmp(async (tmp) => {
    mkdirSync(join(tmp, "src"));
    writeFileSync(join(tmp, "package.json"), "mine");
    writeFileSync(join(tmp, "src/engine.ts"), "mine too");
    const io = capture();
    assert.equal(await main(["init", "engine", "clash", "--dir", tmp], io), 1);
    assert.match(io.stderr, /refusing to overwrite 2 existing files in .*: package\.json, src\/engine\.ts \(nothing was written/);
    assert.deepEqual(listFiles(tmp), ["package.json", "src/engine.ts"]);
    assert.equal(readFileSync(join(tmp, "package.json"), "utf8"), "mine");
    const err = await writeScaffold(tmp, engineScaffold({ name: "clash", arkSdk: pkg })).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ScaffoldConflictError);
    assert.equal(err.name, "ScaffoldConflictError");
    assert.deepEqual(err.files, ["package.json", "src/engine.ts"]);
  }));

  it("--dry-run prints every file and writes nothing", withTmp(async (tmp) => {
    const dir = join(tmp, "dry");
    const io = capture();
    assert.equal(await main(["init", "engine", "dry", "--template", "minimal", "--dir", dir, "--dry-run"], io), 0, io.stderr);
    assert.equal(existsSync(dir), false);
    const headers = [...io.stdout.matchAll(/^=== (\S+)/gm)].map((m) => m[1]);
    assert.deepEqual(headers, engineScaffold({ name: "dry", template: "minimal", arkSdk: pkg }).map((f) => f.path));
    assert.match(io.stdout, /class DryExecutor extends BaseExecutor/);
  }));

  it("--dry-run over existing files says it would refuse (exit 1)", withTmp(async (tmp) => {
    writeFileSync(join(tmp, "Dockerfile"), "FROM scratch\n");
    const io = capture();
    assert.equal(await main(["init", "engine", "dry", "--dir", tmp, "--dry-run"], io), 1);
    assert.match(io.stdout, /=== Dockerfile \(exists: would refuse\)/);
    assert.equal(readFileSync(join(tmp, "Dockerfile"), "utf8"), "FROM scratch\n");
  }));

  it("rejects bad names, templates and targets with exit code 2", async () => {
    for (const [args, message] of [
      [["init", "engine", "Bad_Name"], /lowercase DNS-1123 label/],
      [["init", "engine", "9lives"], /starting with a letter/],
      [["init", "engine", "ok", "--template", "langchain"], /--template must be one of openai, ai-sdk, minimal/],
      [["init", "engine"], /a name is required/],
      [["init", "agent", "x"], /unknown init target "agent"/],
      [["init", "engine", "a", "b"], /unexpected arguments: b/],
    ] as const) {
      const io = capture();
      assert.equal(await main([...args], io), 2, args.join(" "));
      assert.match(io.stderr, message);
    }
  });

  it("the ai-sdk template uses ark-sdk/ai-sdk, or says it is not available yet", withTmp(async (tmp) => {
    const io = capture();
    const code = await main(["init", "engine", "vercel", "--template", "ai-sdk", "--dir", tmp], io);
    if (pkg.exports["./ai-sdk"] === undefined) {
      assert.equal(code, 1);
      assert.match(io.stderr, /ai-sdk template is not available yet: ark-sdk .* has no ark-sdk\/ai-sdk entry point/);
      assert.deepEqual(readdirSync(tmp), []);
    } else {
      assert.equal(code, 0, io.stderr);
      assert.match(readFileSync(join(tmp, "src/engine.ts"), "utf8"), /from "ark-sdk\/ai-sdk"/);
      const project = JSON.parse(readFileSync(join(tmp, "package.json"), "utf8")) as { dependencies: Record<string, string> };
      assert.deepEqual(Object.keys(project.dependencies), ["@ai-sdk/openai", "@ai-sdk/openai-compatible", "ai", "ark-sdk"]);
    }
  }));
});
