// The README's TypeScript snippets compile: every ```ts block is type-checked in-process against ark-sdk's sources
// (the repository's tsconfig paths, so `ark-sdk/*` resolves to src) with the strict settings of a scaffolded
// project (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess). A block is a complete module unless its
// first line names, visibly, the context it runs in (CONTEXTS below); such a block is compiled inside that context,
// and must NOT compile without it (a marked block that stopped being a fragment is reported, so markers never
// pile up on complete snippets). No block is skipped.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

/** One fenced TypeScript block of a Markdown text: its code and the line its fence opens on (1-based). */
interface Snippet {
  readonly line: number;
  readonly code: string;
}

/** Every ```ts / ```typescript block of `markdown`, in order. An unclosed fence is an error, not a silent drop. */
function tsBlocks(markdown: string): Snippet[] {
  const lines = markdown.split("\n");
  const blocks: Snippet[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i] ?? "");
    if (!open) continue;
    const fence = open[2] ?? "```";
    const end = lines.findIndex((l, j) => j > i && l.trim() === fence);
    if (end < 0) throw new Error(`README.md line ${i + 1}: unclosed code fence`);
    if (open[3] === "ts" || open[3] === "typescript") blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return blocks;
}

/**
 * The contexts a block may declare on its first line. `wrap` puts the block (minus its import lines, hoisted
 * above) where it runs; the executor names come from ark-sdk/executor.
 */
const EXECUTOR_IMPORTS = `import { BaseExecutor, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";`;
const CONTEXTS: ReadonlyArray<{ readonly marker: RegExp; readonly wrap: (body: string) => string }> = [
  {
    // The body of an engine's executeAgent: `this`, `request`, `ctx` (and `return`) are in scope.
    marker: /^\/\/ Inside executeAgent\(request, ctx\)/,
    wrap: (body) =>
      `${EXECUTOR_IMPORTS}\nexport class SnippetExecutor extends BaseExecutor {\n` +
      `  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {\n${body}\n    return [];\n  }\n}\n`,
  },
  {
    // Code that uses the engine class of the README's first engine snippet.
    marker: /^\/\/ MyExecutor: the engine above/,
    wrap: (body) =>
      `${EXECUTOR_IMPORTS}\nclass MyExecutor extends BaseExecutor {\n  constructor() { super("MyEngine"); }\n` +
      `  async executeAgent(_request: ExecutionEngineRequest, _ctx: ExecutionContext): Promise<Message[]> { return []; }\n}\n${body}\n`,
  },
];

/** Splits a block into its import statements (whole lines starting with `import `, possibly multi-line) and the rest. */
function hoistImports(code: string): { imports: string; rest: string } {
  const imports: string[] = [];
  const rest: string[] = [];
  let inImport = false;
  for (const l of code.split("\n")) {
    if (inImport || /^import\s/.test(l)) {
      imports.push(l);
      inImport = !/;\s*(\/\/.*)?$/.test(l);
    } else rest.push(l);
  }
  return { imports: imports.join("\n"), rest: rest.join("\n") };
}

/** The module a block is compiled as: itself (a module even without imports), or wrapped in its declared context. */
function moduleFor(snippet: Snippet): { source: string; context: number } {
  const first = snippet.code.split("\n")[0] ?? "";
  const context = CONTEXTS.findIndex((c) => c.marker.test(first));
  if (context < 0) return { source: `${snippet.code}\nexport {};\n`, context };
  const { imports, rest } = hoistImports(snippet.code);
  return { source: `${imports}\n${CONTEXTS[context]!.wrap(rest)}\nexport {};\n`, context };
}

const compilerOptions: ts.CompilerOptions = (() => {
  const read = ts.readConfigFile(join(REPO_ROOT, "tsconfig.json"), (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, REPO_ROOT);
  // A scaffolded project's settings (src/cli/scaffold.ts writes them), stricter than the repository's own.
  return { ...parsed.options, strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noEmit: true, incremental: false };
})();

/** Type-checks in-memory modules (name → source) in one program; returns each one's diagnostics as tsc prints them. */
// One host for every check: the standard library and ark-sdk's sources are parsed once per file, not once per program.
const base = ts.createCompilerHost(compilerOptions);
const parsed = new Map<string, ts.SourceFile>();

function typeCheckModules(modules: ReadonlyMap<string, string>): Map<string, string> {
  const host: ts.CompilerHost = {
    ...base,
    fileExists: (f) => modules.has(f) || base.fileExists(f),
    readFile: (f) => modules.get(f) ?? base.readFile(f),
    getSourceFile(fileName, languageVersion, onError, shouldCreate) {
      const text = modules.get(fileName);
      if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
      const hit = parsed.get(fileName);
      if (hit) return hit;
      const file = base.getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (file) parsed.set(fileName, file);
      return file;
    },
  };
  const program = ts.createProgram({ rootNames: [...modules.keys()], options: compilerOptions, host });
  const format = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => REPO_ROOT, getNewLine: () => "\n" };
  const out = new Map<string, string>();
  for (const name of modules.keys()) {
    const file = program.getSourceFile(name);
    assert.ok(file, `${name} was not part of the program`);
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    out.set(name, ts.formatDiagnostics(diagnostics, format));
  }
  return out;
}

// At the repository's root, so `./examples/...` resolves as it does for a reader of the repository and the
// package.json's "type": "module" makes each block an ES module (top-level await).
const snippetFile = (s: Snippet, suffix = ""): string => join(REPO_ROOT, `readme-line-${s.line}${suffix}.ts`);

describe("README snippets", () => {
  const snippets = tsBlocks(readFileSync(join(REPO_ROOT, "README.md"), "utf8"));

  it("finds the README's TypeScript blocks", () => {
    assert.ok(snippets.length >= 9, `found ${snippets.length} blocks`);
  });

  it("each ```ts block type-checks under strict settings; a block marked as a fragment compiles only in its context", () => {
    const modules = new Map<string, string>();
    const fragments: Snippet[] = [];
    for (const s of snippets) {
      const { source, context } = moduleFor(s);
      modules.set(snippetFile(s), source);
      if (context >= 0) {
        fragments.push(s);
        modules.set(snippetFile(s, "-bare"), `${s.code}\nexport {};\n`);
      }
    }
    const results = typeCheckModules(modules);
    const failures: string[] = [];
    for (const s of snippets) {
      const errors = results.get(snippetFile(s)) ?? "";
      if (errors !== "") failures.push(`README.md line ${s.line}:\n${errors}`);
    }
    for (const s of fragments) {
      if ((results.get(snippetFile(s, "-bare")) ?? "") === "") {
        failures.push(`README.md line ${s.line}: marked as a fragment (first line "${s.code.split("\n")[0]}") but compiles on its own: drop the marker`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it("the check can fail: a wrong option name and a fragment without its context are errors", () => {
    const wrong: Snippet = { line: 1, code: `import { ArkClient } from "ark-sdk";\nconst ark = await ArkClient.fromEnv({ namespaces: "x" });\nawait ark.close();` };
    const fragment: Snippet = { line: 2, code: "// Inside executeAgent(request, ctx):\nawait ctx.streamChunk(request.userInput.content);" };
    const results = typeCheckModules(new Map([
      [snippetFile(wrong, "-neg"), moduleFor(wrong).source],
      [snippetFile(fragment, "-neg"), moduleFor(fragment).source],
      [snippetFile(fragment, "-neg-bare"), `${fragment.code}\nexport {};\n`],
    ]));
    assert.match(results.get(snippetFile(wrong, "-neg")) ?? "", /namespaces/);
    assert.equal(results.get(snippetFile(fragment, "-neg")), "");
    assert.match(results.get(snippetFile(fragment, "-neg-bare")) ?? "", /Cannot find name 'ctx'/);
  });

  it("reads fences as Markdown does (language tag, unclosed fence)", () => {
    assert.deepEqual(tsBlocks("a\n```ts\nx\n```\n```sh\ny\n```\n```typescript\nz\n```\n").map((b) => b.code), ["x", "z"]);
    assert.throws(() => tsBlocks("```ts\nx\n"), /unclosed code fence/);
  });
});
