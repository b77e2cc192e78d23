/**
 * `ark-sdk generate`: TypeScript types, schemas, descriptors, guards and
 * validators from CRD files or from the CRDs installed in a cluster.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readClusterCrds } from "../generator/from-cluster.js";
import { generate, writeGeneratedFiles } from "../generator/generate.js";
import { packageImports, type GeneratedFile, type RuntimeImports } from "../generator/emit-modules.js";
import { readCrdFiles, type CrdSource } from "../generator/read-crds.js";
import { processIo, UsageError, type CliIo } from "./io.js";
import { errorMessage } from "../core/errors.js";

const HELP = `Usage: ark-sdk generate --crds <file|dir>... --out <dir> [options]
       ark-sdk generate --from-cluster [--context <name>] --out <dir> [options]

Generates, for each served version of each CRD: TypeScript types, a JSON
schema with a validator, a descriptor, a type guard, and the CRD rebuilt for
installation into a control plane.

Input (one of):
  --crds <path>          A CRD file (YAML or JSON, several documents allowed) or a
                         directory of them (*.yaml, *.yml, *.json; not recursive).
                         Repeatable.
  --from-cluster         The CRDs installed in the cluster of a kubeconfig context.
    --context <name>     Context to use (default: the current context).
    --kubeconfig <file>  Kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster).
    --group <group>      API group to take (repeatable; default ark.mckinsey.com; "*" for all).

Output:
  --out <dir>            Directory to write into (created if missing). Files an
                         earlier run generated there but this one does not are removed.
  --import-from <module> Where the generated code imports ark-sdk from (default
                         "ark-sdk"). A path ending in "/" names an ark-sdk source
                         tree instead, e.g. "../" from inside ark-sdk's src/.
  --check                Write nothing; exit 1 if <dir> differs from what would be generated.

  -h, --help             Show this help.

Exit codes: 0 success, 1 failure (bad input, unreachable cluster, --check found
differences), 2 usage error.
`;

/** `--import-from` value → import specifiers. */
export function importsFrom(value: string): RuntimeImports {
  if (!value.endsWith("/")) return packageImports(value);
  return { meta: `${value}core/meta.js`, descriptor: `${value}core/descriptor.js`, schema: `${value}schema/index.js` };
}

async function differences(outDir: string, files: readonly GeneratedFile[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    const current = await readFile(join(outDir, file.path), "utf8").catch(() => undefined);
    if (current === undefined) out.push(`${file.path} (missing)`);
    else if (current !== file.content) out.push(`${file.path} (differs)`);
  }
  return out;
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      crds: { type: "string", multiple: true },
      "from-cluster": { type: "boolean" },
      context: { type: "string" },
      kubeconfig: { type: "string" },
      group: { type: "string", multiple: true },
      out: { type: "string" },
      "import-from": { type: "string" },
      check: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { help: true as const };
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const fromCluster = values["from-cluster"] === true;
  if (fromCluster === (values.crds !== undefined)) throw new UsageError("give either --crds <file|dir> or --from-cluster");
  if (!fromCluster && (values.context || values.kubeconfig || values.group)) throw new UsageError("--context, --kubeconfig and --group go with --from-cluster");
  if (!values.out) throw new UsageError("--out <dir> is required");
  return { help: false as const, fromCluster, crds: values.crds ?? [], context: values.context, kubeconfig: values.kubeconfig, groups: values.group, out: values.out, importFrom: values["import-from"] ?? "ark-sdk", check: values.check === true };
}

/** Runs `ark-sdk generate` with `argv` (the arguments after `generate`); resolves to the exit code. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    io.err(`ark-sdk generate: ${errorMessage(err)}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    io.out(HELP);
    return 0;
  }
  try {
    const sources: CrdSource[] = args.fromCluster
      ? await readClusterCrds({ context: args.context, kubeconfigPath: args.kubeconfig, groups: args.groups })
      : await readCrdFiles(args.crds);
    const result = generate(sources, { imports: importsFrom(args.importFrom) });
    for (const warning of result.warnings) io.err(`warning: ${warning}\n`);
    const kinds = `${result.models.length} kind${result.models.length === 1 ? "" : "s"}: ${result.models.map((m) => `${m.kind} ${m.version}`).join(", ")}`;
    if (args.check) {
      const diff = await differences(args.out, result.files);
      if (diff.length > 0) {
        io.err(`ark-sdk generate: ${args.out} is not up to date:\n${diff.map((d) => `  ${d}`).join("\n")}\n`);
        return 1;
      }
      io.out(`${args.out} is up to date (${kinds}; input ${result.inputHash})\n`);
      return 0;
    }
    const removed = await writeGeneratedFiles(args.out, result.files);
    io.out(`wrote ${result.files.length} files to ${args.out} for ${kinds} (input ${result.inputHash})\n`);
    if (removed.length > 0) io.out(`removed stale generated files: ${removed.join(", ")}\n`);
    return 0;
  } catch (err) {
    const message = errorMessage(err);
    io.err(`ark-sdk generate: ${message}\n`);
    return 1;
  }
}
