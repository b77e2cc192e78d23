/**
 * `ark-sdk control-plane setup|up`: install the local control plane's
 * binaries, or run a plane until Ctrl-C.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CONTROL_PLANE_VERSION, controlPlaneCacheDir, findBinaries } from "../testing/binaries.js";
import { startControlPlane } from "../testing/control-plane.js";
import { ControlPlaneError } from "../testing/errors.js";
import { parsePort, untilInterrupted, UsageError, type CliIo } from "./io.js";

const HELP = `Usage: ark-sdk control-plane <command> [options]

Commands:
  setup        Obtain etcd and kube-apiserver ${CONTROL_PLANE_VERSION} into ${"~/.cache/ark-sdk/control-plane/"}
               (Debian packages; kube-apiserver is built from source once, 8-15 minutes).
  up           Start a local control plane with ARK's CRDs and keep it running until Ctrl-C.
  where        Print where the binaries were found.

Options for up:
  --port N          kube-apiserver port (default: a free one)
  --no-crds         do not install ARK's CRDs
  --output json     print the plane's details as JSON
`;

function setupScript(): string {
  // dist/cli/ or src/cli/ → package root → scripts/
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts", "install-control-plane.sh");
}

async function setup(io: CliIo): Promise<number> {
  io.err(`installing the control plane's binaries into ${controlPlaneCacheDir()}\n`);
  const child = spawn("bash", [setupScript()], { stdio: ["ignore", "inherit", "inherit"] });
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  if (code !== 0) io.err(`setup failed (exit ${code}); the output above says which step.\n`);
  return code;
}

async function up(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: "string" }, "no-crds": { type: "boolean" }, output: { type: "string" } }, allowPositionals: false });
  const port = parsePort(values.port, "--port");
  const started = Date.now();
  const plane = await startControlPlane({ apiServerPort: port, crds: values["no-crds"] ? "none" : "ark" });
  if (values.output === "json") {
    io.out(JSON.stringify({ server: plane.server, kubeconfig: plane.kubeconfigPath }) + "\n");
  } else {
    io.out(`control plane ready in ${Date.now() - started} ms\n  server:     ${plane.server}\n  kubeconfig: ${plane.kubeconfigPath}\n\n  export KUBECONFIG=${plane.kubeconfigPath}\n\nPress Ctrl-C to stop.\n`);
  }
  await untilInterrupted();
  await plane.close();
  io.err("control plane stopped\n");
  return 0;
}

/** Entry point of `ark-sdk control-plane`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "setup":
      return setup(io);
    case "up":
      try {
        return await up(rest, io);
      } catch (err) {
        if (err instanceof ControlPlaneError) {
          io.err(`${err.message}\n`);
          return 1;
        }
        throw err;
      }
    case "where": {
      const b = findBinaries();
      io.out(`etcd: ${b.etcd}\nkube-apiserver: ${b.kubeApiserver}\n`);
      return 0;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.out(HELP);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown control-plane command "${command}"\n\n${HELP}`);
  }
}
