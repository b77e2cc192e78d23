// The layers of src/, lowest first. A folder may import from its own folder and
// from the folders of every lower layer, never from a higher one or a sibling
// of the same layer unless listed in `alsoImports`. Read by eslint.config.js
// (the lint rule) and scripts/deps-check.ts (the dependency graph check).

/** @type {{ name: string; folders: string[]; alsoImports?: Record<string, string[]> }[]} */
const RAW = [
  { name: "core", folders: ["core"] },
  { name: "schema", folders: ["schema"] },
  { name: "generated", folders: ["generated", "generator"] },
  { name: "protocol", folders: ["protocol"] },
  { name: "client", folders: ["client"] },
  { name: "ark", folders: ["ark"] },
  { name: "engine", folders: ["executor", "auth"] },
  { name: "integrations", folders: ["integrations"] },
  { name: "dev", folders: ["dev"] },
  { name: "testing", folders: ["testing"] },
  { name: "cli", folders: ["cli"] },
];

/** Folders each folder may import besides its own and lower layers' (auth is core-only by design: see below). */
const RESTRICT = {
  // auth needs nothing above core: an HTTP guard is plain Web Request/Response.
  auth: ["core"],
  // The generator reads CRDs and schemas; it never needs the generated kinds.
  generator: ["core", "schema"],
};

export const LAYERS = RAW.map((layer, i) => {
  const lower = RAW.slice(0, i).flatMap((l) => l.folders);
  return { ...layer, index: i, mayImport: lower };
});

/** Every src folder name. */
export const FOLDERS = LAYERS.flatMap((l) => l.folders);

/** The folders `folder` may import from (its own excluded). */
export function allowedFor(folder) {
  if (RESTRICT[folder]) return RESTRICT[folder];
  const layer = LAYERS.find((l) => l.folders.includes(folder));
  if (!layer) throw new Error(`src/${folder} is in no layer: add it to scripts/layers.mjs`);
  return layer.mayImport;
}

/** The folders `folder` must not import from. */
export function forbiddenFor(folder) {
  const allowed = new Set([folder, ...allowedFor(folder)]);
  return FOLDERS.filter((f) => !allowed.has(f));
}
