/**
 * The API report: one file per entry point (`api/<entry>.api.md`) listing every
 * export with its kind and declared signature, as the TypeScript compiler emits
 * it in the `.d.ts`. Any change to the public surface shows as a diff of these
 * files in review.
 *
 *   npm run api:report            rewrite the reports
 *   npm run api:report -- --check fail (showing the diff) when a report is stale
 *
 * Both modes also fail when an entry point exports a declaration tagged
 * `@internal`, when one name means two different declarations in two entry
 * points, when a name is exported from two entry points without being listed
 * in SHARED, or when the root stops exporting a name that generated code
 * (`ark-sdk generate --import-from ark-sdk`) imports.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPORT_DIR = join(ROOT, "api");
const HINT = "After changing exports, run `npm run api:report` and commit the updated api/*.api.md with your change.";

/** The package's entry points: import specifier, source file, report file. */
export const ENTRIES = [
  { specifier: "ark-sdk", source: "src/index.ts", report: "ark-sdk.api.md" },
  { specifier: "ark-sdk/executor", source: "src/executor/index.ts", report: "executor.api.md" },
  { specifier: "ark-sdk/auth", source: "src/auth/index.ts", report: "auth.api.md" },
  { specifier: "ark-sdk/testing", source: "src/testing/index.ts", report: "testing.api.md" },
  { specifier: "ark-sdk/protocol", source: "src/protocol/index.ts", report: "protocol.api.md" },
  { specifier: "ark-sdk/openai", source: "src/integrations/openai.ts", report: "openai.api.md" },
  { specifier: "ark-sdk/ai-sdk", source: "src/integrations/ai-sdk.ts", report: "ai-sdk.api.md" },
  { specifier: "ark-sdk/otel", source: "src/integrations/otel.ts", report: "otel.api.md" },
] as const;

/**
 * Names exported from more than one entry point on purpose (always the same
 * declaration). Every other name has one home: a second export of it fails
 * the check, so a user never wonders which import is the right one.
 */
const SHARED: Record<string, string> = {
  GoDurationError: "thrown by the root's duration helpers and by engine-side resolvers",
  QueryRef: "what an engine receives (executor) and what the controller sends (protocol)",
  QueryTargetRef: "part of QueryRef",
  QueryRefError: "thrown by extractQueryRef (protocol) and by ExecutorApp on a bad query reference (executor)",
  WireFormatError: "thrown when parsing either side of the wire (executor, protocol)",
};

interface ExportEntry {
  name: string;
  kind: string;
  text: string;
  /** Where the declaration lives (file:name), to tell one declaration from another. */
  identity: string;
  internal: boolean;
}

function createProgram(): ts.Program {
  const configPath = join(ROOT, "tsconfig.build.json");
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, configPath);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
    inlineSources: false,
    stripInternal: false,
  };
  return ts.createProgram({ rootNames: parsed.fileNames, options });
}

/** Emits every `.d.ts` into memory: source file name → parsed declaration file. */
function emitDeclarations(program: ts.Program): Map<string, ts.SourceFile> {
  const emitted = new Map<string, string>();
  const result = program.emit(undefined, (fileName, text) => emitted.set(resolve(fileName), text), undefined, true);
  const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" };
    throw new Error(`the sources do not compile:\n${ts.formatDiagnostics(errors, host)}`);
  }
  const options = program.getCompilerOptions();
  const rootDir = options.rootDir ?? join(ROOT, "src");
  const outDir = options.outDir ?? join(ROOT, "dist");
  const out = new Map<string, ts.SourceFile>();
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile) continue;
    const dts = resolve(outDir, relative(rootDir, file.fileName)).replace(/\.ts$/, ".d.ts");
    const text = emitted.get(dts);
    if (text !== undefined) out.set(resolve(file.fileName), ts.createSourceFile(dts, text, ts.ScriptTarget.Latest, true));
  }
  return out;
}

function declaredNames(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  }
  const name = (statement as { name?: ts.Node }).name;
  return name !== undefined && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? [name.text] : [];
}

function kindOf(statement: ts.Statement): string {
  if (ts.isClassDeclaration(statement)) return statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.AbstractKeyword) ? "abstract class" : "class";
  if (ts.isInterfaceDeclaration(statement)) return "interface";
  if (ts.isTypeAliasDeclaration(statement)) return "type";
  if (ts.isFunctionDeclaration(statement)) return "function";
  if (ts.isEnumDeclaration(statement)) return "enum";
  if (ts.isModuleDeclaration(statement)) return "namespace";
  if (ts.isVariableStatement(statement)) return statement.declarationList.flags & ts.NodeFlags.Const ? "const" : "let";
  return ts.SyntaxKind[statement.kind];
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

function isPrivate(member: ts.ClassElement): boolean {
  return (member.name !== undefined && ts.isPrivateIdentifier(member.name)) || (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private) !== 0;
}

/** A class or interface without its private and `@internal` members (they are no part of the surface). */
function withoutPrivate(statement: ts.Statement): ts.Statement {
  if (ts.isClassDeclaration(statement)) {
    const members = statement.members.filter((m) => !isPrivate(m) && !isInternal(m));
    return ts.factory.updateClassDeclaration(statement, statement.modifiers, statement.name, statement.typeParameters, statement.heritageClauses, members);
  }
  if (ts.isInterfaceDeclaration(statement)) {
    const members = statement.members.filter((m) => !isInternal(m));
    return ts.factory.updateInterfaceDeclaration(statement, statement.modifiers, statement.name, statement.typeParameters, statement.heritageClauses, members);
  }
  return statement;
}

/** The statement as the report shows it: comments, private members, `export` and `declare` removed, 2-space indent. */
function render(statement: ts.Statement, file: ts.SourceFile): string {
  const text = printer.printNode(ts.EmitHint.Unspecified, withoutPrivate(statement), file);
  return text
    .replace(/^export (default )?/, "")
    .replace(/^declare /, "")
    .split("\n")
    .map((line) => line.replace(/^( {4})+/, (indent) => " ".repeat(indent.length / 2)))
    .join("\n");
}

function isInternal(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === "internal");
}

function entryExports(program: ts.Program, declarations: Map<string, ts.SourceFile>, source: string): ExportEntry[] {
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(join(ROOT, source));
  if (file === undefined) throw new Error(`${source} is not part of the build`);
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (moduleSymbol === undefined) throw new Error(`${source} is not a module`);
  const out: ExportEntry[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const texts: string[] = [];
    const kinds = new Set<string>();
    const identities: string[] = [];
    let internal = false;
    for (const declaration of target.declarations ?? []) {
      const sourceFile = declaration.getSourceFile();
      internal ||= isInternal(declaration);
      const dts = sourceFile.isDeclarationFile ? sourceFile : declarations.get(resolve(sourceFile.fileName));
      identities.push(`${relative(ROOT, sourceFile.fileName)}:${target.name}`);
      if (dts === undefined) continue;
      for (const statement of dts.statements) {
        if (!declaredNames(statement).includes(target.name)) continue;
        const rendered = render(statement, dts);
        if (texts.includes(rendered)) continue;
        texts.push(rendered);
        kinds.add(kindOf(statement));
      }
    }
    if (texts.length === 0) throw new Error(`${source}: found no declaration of ${exported.name}`);
    const alias = target.name !== exported.name ? ` (exported as ${exported.name})` : "";
    out.push({
      name: exported.name,
      kind: [...kinds].join(" + ") + alias,
      text: texts.join("\n"),
      identity: [...new Set(identities)].sort().join(", "),
      internal,
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function reportText(specifier: string, exports: ExportEntry[]): string {
  const lines = [
    `# API report: \`${specifier}\``,
    "",
    `<!-- Generated by \`npm run api:report\` (scripts/api-report.ts). Do not edit: ${HINT} -->`,
    "",
    `${exports.length} exports.`,
    "",
    "| Export | Kind |",
    "| --- | --- |",
    ...exports.map((e) => `| \`${e.name}\` | ${e.kind} |`),
    "",
    "## Declarations",
    "",
    "```ts",
    ...exports.flatMap((e) => [`// ${e.name}: ${e.kind}`, e.text, ""]),
    "```",
    "",
  ];
  return lines.join("\n");
}

function showDiff(path: string, expected: string): void {
  const dir = mkdtempSync(join(tmpdir(), "api-report-"));
  try {
    const fresh = join(dir, "expected.api.md");
    writeFileSync(fresh, expected);
    const current = existsSync(path) ? path : "/dev/null";
    const diff = spawnSync("diff", ["-u", "--label", `${relative(ROOT, path)} (committed)`, "--label", `${relative(ROOT, path)} (sources)`, current, fresh], {
      encoding: "utf8",
    });
    if (diff.error !== undefined) console.error(`(no diff tool: compare ${relative(ROOT, path)} with npm run api:report's output)`);
    else process.stderr.write(diff.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The names code generated with `ark-sdk generate --import-from ark-sdk`
 * imports from the package, read from the generator's `imports.*` calls.
 */
function generatedCodeImports(): string[] {
  const text = readFileSync(join(ROOT, "src/generator/emit-modules.ts"), "utf8");
  return [...new Set([...text.matchAll(/\.add\(imports\.\w+, "(\w+)"/g)].map((m) => m[1] ?? ""))].sort();
}

/** Builds every report; returns the reports and the problems (internal names, clashes, what generated code misses). */
export function buildReports(): { reports: { path: string; text: string; specifier: string; count: number }[]; problems: string[] } {
  const program = createProgram();
  const declarations = emitDeclarations(program);
  const problems: string[] = [];
  const seen = new Map<string, { specifier: string; identity: string }>();
  const reports = ENTRIES.map((entry) => {
    const exports = entryExports(program, declarations, entry.source);
    for (const e of exports) {
      if (e.internal) problems.push(`${entry.specifier} exports \`${e.name}\`, which is tagged @internal: stop exporting it (or drop the tag if it is public).`);
      const earlier = seen.get(e.name);
      if (earlier === undefined) seen.set(e.name, { specifier: entry.specifier, identity: e.identity });
      else if (earlier.identity !== e.identity) {
        problems.push(`\`${e.name}\` means two things: ${earlier.identity} in ${earlier.specifier} and ${e.identity} in ${entry.specifier}; rename one.`);
      } else if (SHARED[e.name] === undefined) {
        problems.push(`\`${e.name}\` is exported from both ${earlier.specifier} and ${entry.specifier}: give it one home (or list it in SHARED in scripts/api-report.ts with the reason).`);
      }
    }
    if (entry.specifier === "ark-sdk") {
      const needed = generatedCodeImports();
      if (needed.length === 0) problems.push("found no `imports.*` names in src/generator/emit-modules.ts: update generatedCodeImports() in scripts/api-report.ts");
      const names = new Set(exports.map((e) => e.name));
      for (const name of needed) {
        if (!names.has(name)) problems.push(`ark-sdk no longer exports \`${name}\`, which code generated with \`--import-from ark-sdk\` imports.`);
      }
    }
    return { path: join(REPORT_DIR, entry.report), text: reportText(entry.specifier, exports), specifier: entry.specifier, count: exports.length };
  });
  return { reports, problems };
}

function main(): void {
  const check = process.argv.includes("--check");
  const { reports, problems } = buildReports();
  let stale = 0;
  for (const report of reports) {
    const current = existsSync(report.path) ? readFileSync(report.path, "utf8") : undefined;
    if (current === report.text) continue;
    if (check) {
      stale++;
      console.error(`${relative(ROOT, report.path)} does not match the exports of ${report.specifier}:`);
      showDiff(report.path, report.text);
    } else {
      mkdirSync(REPORT_DIR, { recursive: true });
      writeFileSync(report.path, report.text);
      console.log(`wrote ${relative(ROOT, report.path)}`);
    }
  }
  console.log(reports.map((r) => `${r.specifier}: ${r.count} exports`).join("; "));
  for (const problem of problems) console.error(`api: ${problem}`);
  if (stale > 0) console.error(`api: ${stale} API report(s) out of date. ${HINT}`);
  else if (!check) console.log(`api: ${HINT}`);
  if (stale > 0 || problems.length > 0) process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
