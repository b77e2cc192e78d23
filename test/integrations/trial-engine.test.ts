// Issue 13's definition of done, checked: "the trial's engine rewritten with the kit is at most 40 lines (in
// examples/), and its tests use only the test kit". The README names the example and its kit-only test; this file
// counts the example's lines of code (non-blank, not only comments) and reads the test's imports.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("../../", import.meta.url));
const MAX_LINES = 40;

/** Lines of `source` holding code: not blank, not only comments (TypeScript's own comment ranges). */
function linesOfCode(source: string): number {
  const file = ts.createSourceFile("x.ts", source, ts.ScriptTarget.Latest, true);
  const comment = new Uint8Array(source.length);
  const mark = (ranges: ts.CommentRange[] | undefined) => ranges?.forEach((r) => comment.fill(1, r.pos, r.end));
  const visit = (node: ts.Node) => {
    mark(ts.getLeadingCommentRanges(source, node.getFullStart()));
    mark(ts.getTrailingCommentRanges(source, node.getEnd()));
    ts.forEachChild(node, visit);
  };
  visit(file);
  mark(ts.getLeadingCommentRanges(source, file.endOfFileToken.getFullStart()));
  const lines = new Set<number>();
  for (let i = 0; i < source.length; i++) {
    if (comment[i] === 0 && !/\s/.test(source[i]!)) lines.add(file.getLineAndCharacterOfPosition(i).line);
  }
  return lines.size;
}

/** The README's claim: "The trial's engine, rewritten with the kit: `<example>` … kit only in `<test>`". */
function readmeClaim(): { example: string; test: string } {
  const readme = readFileSync(join(root, "README.md"), "utf8").replace(/\s+/g, " ");
  const match = /The trial's engine, rewritten with the kit: `(examples\/[^`]+\.ts)`[^`]*?with the test kit only in `(test\/[^`]+\.test\.ts)`/.exec(readme);
  assert.ok(match, "the README names the trial's rewrite and its kit-only test");
  return { example: match[1]!, test: match[2]! };
}

describe("the trial's engine, rewritten with the kit", () => {
  it("counts code lines, not blanks or comments", () => {
    const source = ["// a comment", "", "/* a block", "   comment */", "const a = 1; // trailing", "/** doc */ const b = `x", "${a}`;", "  ", "/*", "*/"].join("\n");
    assert.equal(linesOfCode(source), 3);
  });

  it(`the example the README names is at most ${MAX_LINES} lines of code`, () => {
    const { example } = readmeClaim();
    const count = linesOfCode(readFileSync(join(root, example), "utf8"));
    assert.ok(count <= MAX_LINES, `${example}: ${count} lines of code`);
    assert.ok(count > 10, `${example}: ${count} lines of code is an engine, not a stub`);
    // The README states the count it is checked against.
    const stated = readFileSync(join(root, "README.md"), "utf8").replace(/\s+/g, " ").includes(`\`${example}\` (${count} lines of code`);
    assert.ok(stated, `the README states the count it is checked against (${count} lines of code)`);
  });

  it("its test uses only the test kit: node built-ins, ark-sdk/testing, types, the examples and test helpers", () => {
    const { test } = readmeClaim();
    const path = join(root, test);
    const file = ts.createSourceFile(test, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
    const imports = file.statements.filter(ts.isImportDeclaration);
    assert.ok(imports.length > 0);
    const allowed = (spec: string, typeOnly: boolean) =>
      spec.startsWith("node:") ||
      spec === "ark-sdk/testing" ||
      (typeOnly && spec.startsWith("ark-sdk")) ||
      resolve(dirname(path), spec.replace(/\.js$/, ".ts")).startsWith(join(root, "examples/")) ||
      spec.startsWith("../helpers/");
    const other = imports
      .map((i) => ({ spec: (i.moduleSpecifier as ts.StringLiteral).text, typeOnly: i.importClause?.isTypeOnly === true }))
      .filter(({ spec, typeOnly }) => !allowed(spec, typeOnly))
      .map(({ spec }) => spec);
    assert.deepEqual(other, [], `${test} imports more than the kit`);
    assert.ok(imports.some((i) => (i.moduleSpecifier as ts.StringLiteral).text === "ark-sdk/testing"), "it uses the kit");
  });
});
