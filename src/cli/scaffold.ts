/**
 * The files of a new execution-engine project (`ark-sdk init engine`): a
 * package depending on ark-sdk, a strict tsconfig, the engine and its
 * `ExecutorApp`, a test on the engine test kit, a multi-stage Dockerfile,
 * `.dockerignore`, deployment manifests with least-privilege RBAC, a README.
 * Pure: {@link engineScaffold} returns the files; the command writes them.
 */

import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { ArgumentError, ArkSdkError } from "../core/errors.js";
import { DEFAULT_ENGINE_FEATURES, engineManifests, engineRbacRules } from "../executor/manifests.js";

/** The templates of `ark-sdk init engine`. */
export type EngineTemplate = "openai" | "ai-sdk" | "minimal";

/** Every template, the default first. */
export const ENGINE_TEMPLATES: readonly EngineTemplate[] = ["openai", "ai-sdk", "minimal"];

/** What a scaffold takes. */
export interface EngineScaffoldOptions {
  /** The engine's name: the npm package, Kubernetes objects and agent card (a DNS-1123 label). */
  name: string;
  /** Which engine to start from (default `openai`). */
  template?: EngineTemplate | undefined;
  /** The container image the manifests deploy (default `<name>:0.1.0`). */
  image?: string | undefined;
  /** The namespace of the manifests (default `default`). */
  namespace?: string | undefined;
  /** The ark-sdk package.json: its version becomes the dependency range, its dev/peer ranges the templates' package ranges. */
  arkSdk: { version: string; devDependencies?: Record<string, string> | undefined; peerDependencies?: Record<string, string> | undefined };
}

/** One file of a scaffold: a path relative to the project's root, and its content. */
export interface ScaffoldFile {
  path: string;
  content: string;
}

/** `ark-sdk init` would overwrite files: nothing was written. */
export class ScaffoldConflictError extends ArkSdkError {
  /** The files that exist already, relative to the project's directory. */
  readonly files: string[];
  /** The project's directory. */
  readonly dir: string;
  constructor(dir: string, files: string[]) {
    super(`refusing to overwrite ${files.length} existing file${files.length === 1 ? "" : "s"} in ${dir}: ${files.join(", ")} (nothing was written; choose another --dir or move them away)`);
    this.files = files;
    this.dir = dir;
  }
}

/** The `ark-sdk/ai-sdk` entry point is not in this ark-sdk: the `ai-sdk` template cannot be scaffolded yet. */
export class TemplateUnavailableError extends ArkSdkError {}

const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** `my-engine` → `MyEngine`. */
function pascal(name: string): string {
  return name.split("-").filter(Boolean).map((p) => p[0]!.toUpperCase() + p.slice(1)).join("");
}

/** The range of `pkg` ark-sdk itself is tested with (its devDependency), else its peer range. */
function rangeOf(arkSdk: EngineScaffoldOptions["arkSdk"], pkg: string, fallback: string): string {
  return arkSdk.devDependencies?.[pkg] ?? arkSdk.peerDependencies?.[pkg] ?? fallback;
}

/**
 * The files of a new engine project. The `ai-sdk` template needs ark-sdk's
 * `ark-sdk/ai-sdk` entry point; check for it with `aiSdkAvailable` first.
 * @throws ArgumentError for a name that is not a lowercase DNS-1123 label starting with a letter, or an unknown template
 */
export function engineScaffold(options: EngineScaffoldOptions): ScaffoldFile[] {
  const { name, arkSdk } = options;
  if (typeof name !== "string" || name.length > 63 || !NAME.test(name)) {
    throw new ArgumentError("name", `must be a lowercase DNS-1123 label starting with a letter (a-z, 0-9, '-'; at most 63), got ${JSON.stringify(name)}`);
  }
  const template = options.template ?? "openai";
  if (!ENGINE_TEMPLATES.includes(template)) throw new ArgumentError("template", `must be one of ${ENGINE_TEMPLATES.join(", ")}, got ${JSON.stringify(template)}`);
  const image = options.image ?? `${name}:0.1.0`;
  const namespace = options.namespace ?? "default";
  const cls = `${pascal(name)}Executor`;

  const deps: Record<string, string> = { "ark-sdk": `^${arkSdk.version}` };
  if (template === "openai") deps.openai = rangeOf(arkSdk, "openai", "^6.0.0");
  if (template === "ai-sdk") {
    deps.ai = rangeOf(arkSdk, "ai", "^6.0.0");
    deps["@ai-sdk/openai"] = rangeOf(arkSdk, "@ai-sdk/openai", "^3.0.0");
    deps["@ai-sdk/openai-compatible"] = rangeOf(arkSdk, "@ai-sdk/openai-compatible", "^2.0.0");
  }
  const pkg = {
    name,
    version: "0.1.0",
    private: true,
    description: `${name}: an ARK execution engine`,
    type: "module",
    engines: { node: ">=20" },
    scripts: {
      build: "tsc -p tsconfig.build.json",
      typecheck: "tsc -p tsconfig.json --noEmit",
      test: "node --import tsx --test test/*.test.ts",
      start: "node dist/main.js",
      dev: "node --import tsx src/main.ts",
      manifests: `ark-sdk engine manifests --name ${name} --image ${image} --namespace ${namespace}`,
    },
    dependencies: sortKeys(deps),
    devDependencies: {
      "@types/node": rangeOf(arkSdk, "@types/node", "^20.0.0"),
      tsx: rangeOf(arkSdk, "tsx", "^4.0.0"),
      typescript: rangeOf(arkSdk, "typescript", "^5.9.0"),
    },
  };

  const tsconfig = {
    compilerOptions: {
      target: "es2022",
      lib: ["es2023", "esnext.disposable"],
      module: "nodenext",
      moduleResolution: "nodenext",
      types: ["node"],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      noImplicitOverride: true,
      noImplicitReturns: true,
      noFallthroughCasesInSwitch: true,
      verbatimModuleSyntax: true,
      forceConsistentCasingInFileNames: true,
      skipLibCheck: true,
      sourceMap: true,
      noEmit: true,
    },
    include: ["src", "test"],
  };
  const tsconfigBuild = { extends: "./tsconfig.json", compilerOptions: { noEmit: false, rootDir: "src", outDir: "dist" }, include: ["src"] };

  const manifests = engineManifests({ name, namespace, image, features: DEFAULT_ENGINE_FEATURES });
  const why = engineRbacRules(DEFAULT_ENGINE_FEATURES).map((r) => `#   ${r.feature.padEnd(13)} ${r.verbs.join(",")} ${r.resources.join(",")}`);
  const deployYaml =
    `# Execution engine "${name}", generated by ark-sdk (regenerate: ${regenerateCommand(name)}).\n` +
    `# RBAC rules and the feature needing each:\n${why.join("\n")}\n` +
    manifests.map((o) => stringify(o, { aliasDuplicateObjects: false })).join("---\n");

  return [
    { path: "package.json", content: `${JSON.stringify(pkg, null, 2)}\n` },
    { path: "tsconfig.json", content: `${JSON.stringify(tsconfig, null, 2)}\n` },
    { path: "tsconfig.build.json", content: `${JSON.stringify(tsconfigBuild, null, 2)}\n` },
    { path: "src/engine.ts", content: ENGINES[template](name, cls) },
    { path: "src/main.ts", content: mainTs(name, cls) },
    { path: "test/engine.test.ts", content: TESTS[template](cls) },
    { path: "Dockerfile", content: dockerfile() },
    { path: ".dockerignore", content: DOCKERIGNORE },
    { path: ".gitignore", content: "node_modules/\ndist/\n" },
    { path: `deploy/${name}.yaml`, content: deployYaml },
    { path: "deploy/kustomization.yaml", content: kustomization(name, image) },
    { path: "README.md", content: readme(name, template, image, namespace) },
  ];
}

/** The command that rewrites the manifests for other features (`--silent`: npm's banner would land in the YAML). */
function regenerateCommand(name: string, features = "..."): string {
  return `npm run --silent manifests -- --features ${features} > deploy/${name}.yaml`;
}

/**
 * A Kustomize base over the generated manifests (`kubectl apply -k deploy/`),
 * so an overlay can change the namespace or image without editing them:
 * kustomize's namespace transformer also moves the RoleBinding's subject (the
 * ServiceAccount is in the base), and the ExecutionEngine's `serviceRef`
 * names the Service without a namespace, so it follows.
 */
function kustomization(name: string, image: string): string {
  const at = image.lastIndexOf("@");
  const colon = image.lastIndexOf(":");
  const imageName = at >= 0 ? image.slice(0, at) : colon > image.lastIndexOf("/") ? image.slice(0, colon) : image;
  return (
    `# Kustomize base: kubectl apply --server-side -k deploy/. An overlay changes the namespace or image:\n` +
    `#   resources: [<path to this directory>]\n` +
    `#   namespace: <namespace>\n` +
    `#   images: [{ name: ${imageName}, newName: <registry/image>, newTag: <tag> }]\n` +
    `# To change the engine's features (and so its RBAC rules), regenerate ${name}.yaml: ${regenerateCommand(name)}\n` +
    stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [`${name}.yaml`] })
  );
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

const ENGINES: Record<EngineTemplate, (name: string, cls: string) => string> = {
  minimal: (name, cls) => `import { BaseExecutor, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";

/**
 * The ${name} execution engine. ARK sends it each Query whose Agent names the
 * ExecutionEngine "${name}"; it answers with the messages executeAgent returns.
 * This one echoes the input: replace the body with your agent's logic.
 */
export class ${cls} extends BaseExecutor {
  constructor() {
    super("${name}");
  }

  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const answer = \`\${request.agent.name} received: \${request.userInput.content}\`;
    // Streamed to ARK's broker when the Query streams; a no-op otherwise.
    await ctx.streamChunk(answer);
    return [{ role: "assistant", content: answer }];
  }
}
`,
  openai: (name, cls) => `import { BaseExecutor, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { chatParams, openAIClientFor } from "ark-sdk/openai";

/**
 * The ${name} execution engine, on the official \`openai\` client: the Agent's
 * Model (any OpenAI-compatible or Azure endpoint) becomes a client with its
 * key, headers and API version and the Query's abort signal; the answer
 * streams to ARK's broker and the token usage is reported to the Query.
 */
export class ${cls} extends BaseExecutor {
  constructor() {
    super("${name}");
  }

  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const model = request.agent.model;
    const client = openAIClientFor(model, { signal: ctx.signal });
    const stream = await client.chat.completions.create({
      ...chatParams(model),
      messages: [
        { role: "system", content: this.resolvePrompt(request.agent) },
        { role: "user", content: request.userInput.content },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    let answer = "";
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta.content ?? "";
      if (text) await ctx.streamChunk(text);
      answer += text;
      if (chunk.usage) {
        ctx.reportUsage({ promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens, totalTokens: chunk.usage.total_tokens });
      }
    }
    return [{ role: "assistant", content: answer }];
  }
}
`,
  "ai-sdk": (name, cls) => `import { streamText } from "ai";
import { BaseExecutor, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { callSettingsFor, languageModelFor } from "ark-sdk/ai-sdk";

/**
 * The ${name} execution engine, on the Vercel AI SDK: the Agent's Model becomes
 * an AI SDK language model (key, headers, base URL, API version, abort signal)
 * and its properties (temperature, max_tokens, ...) call settings; the answer
 * streams to ARK's broker and the token usage is reported to the Query.
 */
export class ${cls} extends BaseExecutor {
  constructor() {
    super("${name}");
  }

  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const model = request.agent.model;
    const result = streamText({
      model: await languageModelFor(model, { signal: ctx.signal }),
      ...callSettingsFor(model, { signal: ctx.signal }),
      system: this.resolvePrompt(request.agent),
      prompt: request.userInput.content,
    });
    let answer = "";
    for await (const part of result.fullStream) {
      if (part.type === "error") throw part.error;
      if (part.type === "text-delta" && part.text) {
        await ctx.streamChunk(part.text);
        answer += part.text;
      }
    }
    const usage = await result.totalUsage;
    const promptTokens = usage.inputTokens ?? 0;
    const completionTokens = usage.outputTokens ?? 0;
    ctx.reportUsage({ promptTokens, completionTokens, totalTokens: usage.totalTokens ?? promptTokens + completionTokens });
    return [{ role: "assistant", content: answer }];
  }
}
`,
};

function mainTs(name: string, cls: string): string {
  return `// Starts the ${name} engine: the A2A endpoint ARK calls, /health and /ready for the
// probes, and a graceful drain on SIGTERM. Queries are resolved from the cluster
// with the pod's ServiceAccount (or your kubeconfig when run locally).
import { ExecutorApp } from "ark-sdk/executor";
import { ${cls} } from "./engine.js";

const app = new ExecutorApp(new ${cls}());
const port = Number(process.env.PORT ?? 8000);
await app.listen({ host: "0.0.0.0", port });
console.log(\`${name} listening on port \${port}\`);
`;
}

const TEST_HEADER = (cls: string) => `import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { engineRequest, runEngine, startLocalModelServer } from "ark-sdk/testing";
import { ${cls} } from "../src/engine.js";
`;

// The model templates' test: a real local OpenAI-compatible server, the engine run through the engine kit.
const modelTest = (cls: string) => `${TEST_HEADER(cls)}
describe("${cls}", () => {
  it("answers with the model's reply, streams it and reports the usage", async () => {
    const model = await startLocalModelServer({ replies: [{ content: "Hello from the model", usage: { promptTokens: 12, completionTokens: 4 } }] });
    try {
      const result = await runEngine(new ${cls}(), engineRequest({ input: "Say hello", modelUrl: model.url }), { timeoutMs: 10_000 });
      assert.equal(result.error, undefined);
      assert.equal(result.text, "Hello from the model");
      assert.equal(result.chunks.join(""), "Hello from the model");
      assert.deepEqual(result.usage, { promptTokens: 12, completionTokens: 4, totalTokens: 16 });
      assert.equal(model.requests.length, 1);
      assert.match(JSON.stringify(model.requests[0]?.body), /Say hello/);
    } finally {
      await model.close();
    }
  });

  it("fails the query when the model answers with an error", async () => {
    const model = await startLocalModelServer({ replies: [{ status: 400, errorMessage: "bad request" }] });
    try {
      const result = await runEngine(new ${cls}(), engineRequest({ modelUrl: model.url }), { timeoutMs: 10_000 });
      assert.ok(result.error instanceof Error);
      assert.equal(result.text, "");
    } finally {
      await model.close();
    }
  });
});
`;

const TESTS: Record<EngineTemplate, (cls: string) => string> = {
  openai: modelTest,
  "ai-sdk": modelTest,
  minimal: (cls) => `import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { engineRequest, runEngine } from "ark-sdk/testing";
import { ${cls} } from "../src/engine.js";

describe("${cls}", () => {
  it("answers the input and streams the answer", async () => {
    const result = await runEngine(new ${cls}(), engineRequest({ input: "ping", agent: { name: "echo" } }), { timeoutMs: 10_000 });
    assert.equal(result.error, undefined);
    assert.equal(result.text, "echo received: ping");
    assert.deepEqual(result.chunks, ["echo received: ping"]);
  });
});
`,
};

function dockerfile(): string {
  return `# syntax=docker/dockerfile:1
# Build stage: install everything, compile TypeScript, then drop the dev dependencies.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json* ./
RUN if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies and the compiled engine only, run as the image's non-root "node" user.
FROM node:24-slim
ENV NODE_ENV=production PORT=8000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 1000:1000
EXPOSE 8000
CMD ["node", "dist/main.js"]
`;
}

const DOCKERIGNORE = `node_modules
dist
test
deploy
.git
.gitignore
*.log
*.tgz
Dockerfile
.dockerignore
README.md
`;

function readme(name: string, template: EngineTemplate, image: string, namespace: string): string {
  const about = {
    openai: "It calls the Agent's Model with the official `openai` client (`ark-sdk/openai`).",
    "ai-sdk": "It calls the Agent's Model with the Vercel AI SDK (`ark-sdk/ai-sdk`).",
    minimal: "It echoes its input: replace `executeAgent` in `src/engine.ts` with your agent's logic.",
  }[template];
  return `# ${name}

An ARK execution engine written with [ark-sdk](https://www.npmjs.com/package/ark-sdk). ${about}

| Path | What |
| --- | --- |
| \`src/engine.ts\` | The engine: \`executeAgent(request, ctx)\` answers one Query |
| \`src/main.ts\` | Starts it with \`ExecutorApp\` (A2A endpoint, \`/health\`, \`/ready\`, drain on SIGTERM) |
| \`test/engine.test.ts\` | Tests with ark-sdk's engine test kit (\`ark-sdk/testing\`), no cluster needed |
| \`Dockerfile\` | Multi-stage image: production dependencies only, non-root, \`node dist/main.js\` |
| \`deploy/${name}.yaml\` | ServiceAccount, least-privilege Role + RoleBinding, Deployment, Service, ExecutionEngine |
| \`deploy/kustomization.yaml\` | A Kustomize base over them, for overlays that change the namespace or image |

## Develop

\`\`\`sh
npm install
npm test            # the engine test kit runs the engine directly${template === "minimal" ? "" : " against a local OpenAI-compatible model server"}
npm run typecheck
\`\`\`

Against a local control plane with ARK's CRDs and a query dispatcher: \`npx ark-sdk dev\` in one terminal,
\`PORT=8000 npm run dev\` in another, then \`npx ark-sdk query agent/<agent> "hello"\` (see \`npx ark-sdk dev --help\`).

## Deploy

\`\`\`sh
docker build -t ${image} .          # push it where your cluster pulls from
npx ark-sdk apply -f deploy/${name}.yaml   # or: kubectl apply --server-side -k deploy/
\`\`\`

The manifests deploy into namespace \`${namespace}\` with the RBAC rules of ark-sdk's default engine features (each rule
is commented with the feature needing it). Regenerate them for another image, namespace or feature set with
\`${regenerateCommand(name, "secrets,streaming")}\` (see \`npx ark-sdk engine manifests --help\`), then point an Agent
at the engine with \`spec.executionEngine.name: ${name}\`.
`;
}

/** The paths of `files` that exist under `dir`. */
export function existingFiles(dir: string, files: readonly ScaffoldFile[]): string[] {
  return files.filter((f) => existsSync(join(dir, f.path))).map((f) => f.path);
}

/**
 * Writes `files` under `dir`, creating directories as needed.
 * @throws ScaffoldConflictError when any file exists (nothing is written then; a file created meanwhile is never overwritten either)
 */
export async function writeScaffold(dir: string, files: readonly ScaffoldFile[]): Promise<void> {
  const existing = existingFiles(dir, files);
  if (existing.length > 0) throw new ScaffoldConflictError(dir, existing);
  for (const f of files) {
    const path = join(dir, f.path);
    await mkdir(dirname(path), { recursive: true });
    try {
      await writeFile(path, f.content, { flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new ScaffoldConflictError(dir, [f.path]);
      throw err;
    }
  }
}
