/**
 * `ark-sdk apply -f <file>`: server-side apply of every document of one or more
 * YAML manifests, any kind the cluster serves (like `kubectl apply
 * --server-side`), printing one line per document.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { ArkClient } from "../ark/ark-client.js";
import { ManifestError, type ManifestOutcome } from "../client/apply-manifest.js";
import { errorMessage } from "../core/errors.js";
import { consoleLogger } from "../core/logger.js";
import { UsageError, type CliIo } from "./io.js";

const HELP = `Usage: ark-sdk apply -f <file> [-f <file> ...] [options]

Server-side-applies every document of the manifests, in order: ARK's kinds
(validated first), core and apps kinds, RBAC, and any CRD the cluster serves.
Every document's kind is checked before anything is applied.

Options:
  -f, --filename <file>    A YAML file with one or more documents; "-" reads stdin (repeatable)
  -n, --namespace <ns>     Namespace of documents that name none (default: the context's)
  --dry-run                Ask the server to check and default every object without storing it
  --field-manager <name>   The field manager of the apply (default: ark-sdk)
  --force-conflicts        Take ownership of fields another manager owns
  --context <name>         Kubeconfig context (default: the current one)
  --kubeconfig <file>      Kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)
  -o, --output <format>    text (default) or json (the outcomes as a JSON array)
  -h, --help               Show this help.

Exit codes: 0 every document applied, 1 a document failed or the cluster is
unreachable, 2 usage error.
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function line(o: ManifestOutcome, dryRun: boolean): string {
  const where = o.namespace ? ` -n ${o.namespace}` : "";
  const what = `${o.kind.toLowerCase()}/${o.name}${where}`;
  if (o.action === "failed") return `${what} failed: ${errorMessage(o.error)}\n`;
  return `${what} ${o.action}${dryRun ? " (server dry run)" : ""}\n`;
}

/** Runs `ark-sdk apply`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      filename: { type: "string", short: "f", multiple: true },
      namespace: { type: "string", short: "n" },
      "dry-run": { type: "boolean" },
      "field-manager": { type: "string" },
      "force-conflicts": { type: "boolean" },
      context: { type: "string" },
      kubeconfig: { type: "string" },
      output: { type: "string", short: "o" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const files = values.filename ?? [];
  if (files.length === 0) throw new UsageError(`apply needs at least one -f <file>\n\n${HELP}`);
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json") throw new UsageError(`--output must be text or json, got "${output}"`);
  if (files.filter((f) => f === "-").length > 1) throw new UsageError(`"-f -" (stdin) may be given once`);

  const texts: string[] = [];
  for (const file of files) {
    try {
      texts.push(file === "-" ? await readStdin() : await readFile(file, "utf8"));
    } catch (error) {
      io.err(`ark-sdk: cannot read ${file}: ${errorMessage(error)}\n`);
      return 1;
    }
  }
  const dryRun = values["dry-run"] === true;
  const ark = await ArkClient.fromEnv({
    namespace: values.namespace,
    context: values.context,
    kubeconfig: values.kubeconfig,
    fieldManager: values["field-manager"],
    logger: consoleLogger(undefined, "ark-sdk"),
  });
  try {
    const outcomes: ManifestOutcome[] = [];
    let failed = false;
    for (const text of texts) {
      try {
        outcomes.push(...(await ark.applyManifest(text, { dryRun: dryRun ? "All" : undefined, force: values["force-conflicts"] === true })));
      } catch (error) {
        if (!(error instanceof ManifestError)) throw error;
        outcomes.push(...error.outcomes);
        failed = true;
      }
    }
    if (output === "json") io.out(`${JSON.stringify(outcomes.map(({ object: _object, error, ...o }) => (error === undefined ? o : { ...o, error: errorMessage(error) })), null, 2)}\n`);
    else for (const o of outcomes) io.out(line(o, dryRun));
    return failed ? 1 : 0;
  } finally {
    await ark.close();
  }
}
