// Every example the README, the CLI's texts (help banners, `ark-sdk dev`'s instructions: all of src/, which ships)
// and a scaffolded project's README point to exists in this repository, and is either in the npm package (package.json
// "files") or named as repository-only where it is pointed to: in the same README paragraph, or on the same line of
// a shipped text (a user of the installed package has no examples/ folder).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { ENGINE_TEMPLATES, engineScaffold } from "../../src/cli/scaffold.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const PKG = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string; files: string[] };
const LABEL = /repository-only/i;

/** The `examples/...` paths a text names (a leading `./` dropped). */
function examplePaths(text: string): string[] {
  return [...text.matchAll(/(?<![\w/.-])(?:\.\/)?(examples\/[\w./-]*[\w/])/g)].map((m) => m[1] ?? "");
}

/** Whether the package ships `path` (package.json "files": a listed file or a folder holding it). */
function shipped(path: string, files: readonly string[] = PKG.files): boolean {
  return files.some((f) => path === f || path.startsWith(`${f.replace(/\/$/, "")}/`));
}

/** Whether `path` exists in the repository (an import's `.js` names its `.ts` source). */
function exists(path: string): boolean {
  return existsSync(join(REPO_ROOT, path)) || (path.endsWith(".js") && existsSync(join(REPO_ROOT, path.replace(/\.js$/, ".ts"))));
}

/**
 * The problems of one text cut into units (README paragraphs, lines of shipped text): a named example that does not
 * exist, or that the package does not ship and the unit does not call repository-only.
 */
function problems(where: string, units: readonly { at: string; text: string }[], files: readonly string[] = PKG.files): string[] {
  const found: string[] = [];
  for (const unit of units) {
    for (const path of examplePaths(unit.text)) {
      if (!exists(path)) found.push(`${where} ${unit.at}: ${path} does not exist`);
      else if (!shipped(path, files) && !LABEL.test(unit.text)) found.push(`${where} ${unit.at}: ${path} is not in the package and not called repository-only there`);
    }
  }
  return found;
}

/** Markdown cut into paragraphs (runs of non-blank lines), each with the line it starts on. */
function paragraphs(markdown: string): { at: string; text: string }[] {
  const out: { at: string; text: string }[] = [];
  let start = -1;
  const lines = markdown.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() !== "" && start < 0) start = i;
    if ((line.trim() === "" || i === lines.length - 1) && start >= 0) {
      out.push({ at: `line ${start + 1}`, text: lines.slice(start, line.trim() === "" ? i : i + 1).join("\n") });
      start = -1;
    }
  });
  return out;
}

const linesOf = (text: string): { at: string; text: string }[] => text.split("\n").map((t, i) => ({ at: `line ${i + 1}`, text: t }));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

async function cliOutput(argv: string[]): Promise<string> {
  let text = "";
  const io: CliIo = { out: (t) => void (text += t), err: (t) => void (text += t), isTty: false };
  await main(argv, io);
  return text;
}

describe("examples named by the README, the CLI and the scaffold", () => {
  it("the README: each named example exists, and is shipped or called repository-only in its paragraph", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    assert.ok(examplePaths(readme).length >= 10, "the README names its examples");
    assert.deepEqual(problems("README.md", paragraphs(readme)), []);
  });

  it("the CLI's help texts and every shipped source line: no unshipped example without the label", async () => {
    const banners = ["--help", "control-plane", "generate", "dev", "query", "apply", "engine", "init"].map((c) => (c === "--help" ? ["--help"] : [c, "--help"]));
    const found: string[] = [];
    for (const argv of banners) {
      const text = await cliOutput(argv);
      assert.ok(text.length > 40, `ark-sdk ${argv.join(" ")} printed a help text`);
      found.push(...problems(`ark-sdk ${argv.join(" ")}`, linesOf(text)));
    }
    for (const file of sourceFiles(join(REPO_ROOT, "src"))) found.push(...problems(relative(REPO_ROOT, file), linesOf(readFileSync(file, "utf8"))));
    assert.deepEqual(found, []);
  });

  it("a scaffolded project's files name no example of this repository", () => {
    for (const template of ENGINE_TEMPLATES) {
      const files = engineScaffold({ name: "my-engine", template, arkSdk: PKG });
      assert.ok(files.some((f) => f.path === "README.md"));
      for (const f of files) assert.deepEqual(examplePaths(f.content), [], `${template}: ${f.path}`);
    }
  });

  it("the checks can fail: a missing example, an unshipped unlabelled one, a shipped one", () => {
    const para = (text: string) => [{ at: "line 1", text }];
    assert.deepEqual(problems("X", para("see `examples/no-such-example.ts`")), ["X line 1: examples/no-such-example.ts does not exist"]);
    assert.deepEqual(problems("X", para("see `examples/client-crud.ts`")), ["X line 1: examples/client-crud.ts is not in the package and not called repository-only there"]);
    assert.deepEqual(problems("X", para("see `examples/client-crud.ts` (repository-only)")), []);
    assert.deepEqual(problems("X", para("see `examples/client-crud.ts`"), [...PKG.files, "examples"]), []);
    assert.deepEqual(examplePaths('import { A } from "./examples/engines/ai-sdk-agent.js"; `myexamples/x.ts`'), ["examples/engines/ai-sdk-agent.js"]);
    assert.deepEqual(paragraphs("a\nb\n\nc").map((p) => p.at), ["line 1", "line 4"]);
  });
});
