// `npm run deps:check`: the dependency graph of src/, drawn by dependency-cruiser
// from the code's own imports. Prints the folder-level graph (which layer imports
// which, with how many import edges) and fails on any module cycle or any edge
// that points up a layer (the layers are in scripts/layers.mjs, shared with the
// lint rule). CI runs it.
import { cruise } from "dependency-cruiser";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { FOLDERS, LAYERS, forbiddenFor } from "./layers.mjs";

const rules = [
  { name: "no-cycles", severity: "error", from: { path: "^src/" }, to: { circular: true } },
  ...FOLDERS.map((folder) => ({
    name: `layer-${folder}`,
    severity: "error",
    comment: `src/${folder} may import only from lower layers`,
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${forbiddenFor(folder).join("|")})/` },
  })),
];

const result = await cruise(["src"], {
  validate: true,
  ruleSet: { forbidden: rules },
  tsPreCompilationDeps: true,
  doNotFollow: { path: "node_modules" },
  exclude: { path: "node_modules" },
}, undefined, { tsConfig: extractTSConfig("tsconfig.json") });

const { modules, summary } = result.output;
const layerOf = new Map(LAYERS.flatMap((l) => l.folders.map((f) => [f, l.index])));
const folderOf = (path) => /^src\/([^/]+)\//.exec(path)?.[1] ?? (path.startsWith("src/") ? "(entry)" : undefined);
const edges = new Map();
for (const m of modules) {
  const from = folderOf(m.source);
  if (!from) continue;
  for (const d of m.dependencies) {
    const to = folderOf(d.resolved);
    if (!to || to === from) continue;
    const key = `${from} -> ${to}`;
    edges.set(key, (edges.get(key) ?? 0) + 1);
  }
}
const rank = (f) => layerOf.get(f) ?? 99;
console.log("Layers, lowest first:");
for (const l of LAYERS) console.log(`  ${l.index}. ${l.name}: src/${l.folders.join(", src/")}`);
console.log("\nImports between folders (edges):");
for (const [key, n] of [...edges].sort(([a], [b]) => rank(b.split(" -> ")[0]) - rank(a.split(" -> ")[0]) || a.localeCompare(b))) {
  console.log(`  ${key.padEnd(28)} ${String(n).padStart(4)}`);
}
const violations = summary.violations ?? [];
console.log(`\n${summary.totalCruised} modules, ${summary.totalDependenciesCruised} imports, ${violations.length} violation(s)`);
for (const v of violations) {
  const cycle = v.cycle ? ` (cycle: ${v.cycle.map((c) => c.name ?? c).join(" -> ")})` : "";
  console.log(`  ${v.rule.name}: ${v.from} -> ${v.to}${cycle}`);
}
process.exitCode = violations.length > 0 ? 1 : 0;
