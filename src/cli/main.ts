/**
 * The `ark-sdk` command line. Each command lives in its own module and is
 * loaded only when used, so `ark-sdk --help` stays fast.
 */
import { readFileSync } from "node:fs";
import { processIo, UsageError, type CliIo } from "./io.js";
import { errorMessage } from "../core/errors.js";

const HELP = `Usage: ark-sdk <command> [options]

Commands:
  control-plane setup|up   Install or run a local Kubernetes control plane with ARK's CRDs
  generate                 Generate TypeScript types, schemas and descriptors from CRDs
  dev                      Local control plane + query dispatcher for engine development
  query <target> <input>   Run a query and print the answer
  apply -f <file>          Server-side-apply YAML manifests (any kind the cluster serves)
  engine manifests         Print an engine's deployment manifests with least-privilege RBAC
  init engine <name>       Create an execution-engine project (engine, test, Dockerfile, manifests)
  version                  Print the ark-sdk version

Run "ark-sdk <command> --help" for a command's options.
Exit codes: 0 success, 1 failure, 2 usage error.
`;

type CommandModule = { run(argv: string[], io: CliIo): Promise<number> };

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  "control-plane": () => import("./control-plane.js"),
  generate: () => import(/* generator */ "./generate.js" as string) as Promise<CommandModule>,
  dev: () => import("./dev.js" as string) as Promise<CommandModule>,
  query: () => import("./query.js" as string) as Promise<CommandModule>,
  apply: () => import("./apply.js" as string) as Promise<CommandModule>,
  engine: () => import("./engine.js" as string) as Promise<CommandModule>,
  init: () => import("./init.js" as string) as Promise<CommandModule>,
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      io.out(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === "version" || command === "--version") {
      io.out(`${version()}\n`);
      return 0;
    }
    const load = COMMANDS[command];
    if (!load) throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    const mod = await load();
    return await mod.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && (err as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION")) {
      io.err(`ark-sdk: ${err.message}\n`);
      return 2;
    }
    io.err(`ark-sdk: ${errorMessage(err)}\n`);
    return 1;
  }
}
