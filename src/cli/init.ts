/**
 * `ark-sdk init engine <name>`: writes a ready execution-engine project (see
 * ./scaffold.ts), or with `--dry-run` prints what it would write.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ENGINE_TEMPLATES, TemplateUnavailableError, engineScaffold, existingFiles, writeScaffold, type EngineTemplate } from "./scaffold.js";
import { UsageError, type CliIo } from "./io.js";
import { ArgumentError } from "../core/errors.js";

const HELP = `Usage: ark-sdk init engine <name> [options]

Creates an ARK execution-engine project in ./<name> (or --dir): package.json
depending on ark-sdk, a strict tsconfig, the engine (src/engine.ts) and its
ExecutorApp (src/main.ts), a test on ark-sdk's engine test kit, a multi-stage
Dockerfile (non-root, production dependencies only), .dockerignore, deployment
manifests with least-privilege RBAC (deploy/<name>.yaml) and a README. Then:
cd <name> && npm install && npm test.

Never overwrites a file: when any exists, nothing is written.

Options:
  --template <t>         openai (default): the official openai client (ark-sdk/openai)
                         ai-sdk: the Vercel AI SDK (ark-sdk/ai-sdk)
                         minimal: no model client, an echo to start from
  --dir <dir>            Where to write (default ./<name>)
  --image <image>        The image the manifests deploy (default <name>:0.1.0)
  -n, --namespace <ns>   The manifests' namespace (default: default)
  --dry-run              Print the files that would be written, write nothing
  -h, --help             Show this help.
`;

interface ArkSdkPackage {
  version: string;
  exports?: Record<string, unknown>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function arkSdkPackage(): ArkSdkPackage {
  return JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as ArkSdkPackage;
}

/** Runs `ark-sdk init <what>`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      template: { type: "string" },
      dir: { type: "string" },
      image: { type: "string" },
      namespace: { type: "string", short: "n" },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const [what, name, ...extra] = positionals;
  if (what === undefined) {
    io.out(HELP);
    return 2;
  }
  if (what !== "engine") throw new UsageError(`unknown init target "${what}" (known: engine)\n\n${HELP}`);
  if (name === undefined) throw new UsageError(`a name is required: ark-sdk init engine <name>\n\n${HELP}`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
  const template = (values.template ?? "openai") as EngineTemplate;
  if (!ENGINE_TEMPLATES.includes(template)) throw new UsageError(`--template must be one of ${ENGINE_TEMPLATES.join(", ")}, got "${values.template}"`);
  const arkSdk = arkSdkPackage();
  if (template === "ai-sdk" && arkSdk.exports?.["./ai-sdk"] === undefined) {
    throw new TemplateUnavailableError(`the ai-sdk template is not available yet: ark-sdk ${arkSdk.version} has no ark-sdk/ai-sdk entry point (use --template openai or minimal)`);
  }
  let files;
  try {
    files = engineScaffold({ name, template, image: values.image, namespace: values.namespace, arkSdk });
  } catch (err) {
    if (err instanceof ArgumentError) throw new UsageError(err.message);
    throw err;
  }
  const dir = resolve(values.dir ?? name);
  if (values["dry-run"]) {
    const existing = new Set(existingFiles(dir, files));
    io.out(`# ark-sdk init engine ${name} --template ${template}: would write ${files.length} files in ${dir}${existing.size > 0 ? ` (refusing: ${existing.size} exist)` : ""}\n`);
    for (const f of files) io.out(`\n=== ${f.path}${existing.has(f.path) ? " (exists: would refuse)" : ""} (${Buffer.byteLength(f.content)} bytes)\n${f.content}`);
    return existing.size > 0 ? 1 : 0;
  }
  await writeScaffold(dir, files);
  io.out(`Created ${name} (${template} template) in ${dir}:\n${files.map((f) => `  ${f.path}`).join("\n")}\n\nNext:\n  cd ${values.dir ?? name}\n  npm install\n  npm test\n`);
  return 0;
}
