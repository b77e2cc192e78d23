/**
 * `ark-sdk dev`: a local environment for developing execution engines: a
 * control plane with ARK's CRDs, the development dispatcher and a local
 * broker, until Ctrl-C stops them all.
 */
import { parseArgs } from "node:util";
import { ArkClient } from "../ark/ark-client.js";
import { consoleLogger } from "../core/logger.js";
import { startControlPlane, type ControlPlane } from "../testing/control-plane.js";
import { DISPATCHER_ARK_VERSION, startDispatcher, type QueryDispatcher } from "../dev/dispatcher.js";
import { ControlPlaneError } from "../testing/errors.js";
import { startLocalBroker, type LocalBroker } from "../dev/local-broker.js";
import { parsePort, untilInterrupted, UsageError, type CliIo } from "./io.js";

const HELP = `Usage: ark-sdk dev [options]

Starts a local environment for developing ARK execution engines:
  - a Kubernetes control plane (etcd + kube-apiserver) with ARK's CRDs,
  - ark-sdk's query dispatcher, and
  - a local broker engines stream to and clients read from.

The dispatcher is a DEVELOPMENT TOOL standing in for ARK's controller; it
behaves like the controller of ONE declared ARK version (${DISPATCHER_ARK_VERSION}, the
version of the bundled CRDs): its phases, condition reasons, messages and
timeouts. An agent whose spec.executionEngine names an ExecutionEngine runs on
that engine; every other target (teams, models, tools, agents without an
engine) runs on the namespace's "ark-completions" ExecutionEngine, so you can
serve them with your own completions-style engine; without one they fail as on
ARK without its completions engine. It applies ARK's admission defaults
(spec.ttl, an Agent's modelRef "default"), its finalizer and TTL clean-up.
It is not a replacement for ARK: no completions engine of its own, no memory.

Options:
  -n, --namespace <ns>   Namespace the broker is published in (default: default);
                         the dispatcher serves every namespace
  --port <port>          kube-apiserver port (default: a free one)
  --broker-port <port>   Broker port (default: a free one)
  -o, --output <format>  text (default) or json (the environment as one JSON object)
  -h, --help             Show this help.

Press Ctrl-C to stop everything.

Exit codes: 0 stopped cleanly, 1 failed to start, 2 usage error.
`;

function usage(env: { kubeconfig: string; broker: string; namespace: string }): string {
  return `Use it (in another terminal):
  export KUBECONFIG=${env.kubeconfig}
  export ARK_SDK_BROKER_URL=${env.broker}
  export ARK_SDK_SERVICE_URLS=loopback

  (ark-sdk query, ark.queries.stream() and ExecutorApp's default resolver all read both: they
   stream through the broker at ARK_SDK_BROKER_URL, in every namespace, and reach other published
   Services on 127.0.0.1 instead of cluster DNS)

  1. Serve your engine, e.g. in a project made by "ark-sdk init engine":  PORT=8000 npm run dev
  2. Register it and an agent on it, with the typed client or kubectl:
       await ark.executionEngines.create({ metadata: { name: "my-engine" }, spec: { address: { value: "http://127.0.0.1:8000" } } });
       await ark.agents.create({ metadata: { name: "my-agent" }, spec: { prompt: "...", executionEngine: { name: "my-engine" } } });
  3. Query it:  ark-sdk query -n ${env.namespace} agent/my-agent "hello"
`;
}

/** Entry point of `ark-sdk dev`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      namespace: { type: "string", short: "n" },
      port: { type: "string" },
      "broker-port": { type: "string" },
      output: { type: "string", short: "o" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const output = values.output ?? "text";
  if (output !== "text" && output !== "json") throw new UsageError(`--output must be text or json, got "${output}"`);
  const apiServerPort = parsePort(values.port, "--port");
  const brokerPort = parsePort(values["broker-port"], "--broker-port");
  const namespace = values.namespace ?? "default";
  const logger = consoleLogger(undefined, "ark-sdk:dev");

  const started = Date.now();
  let plane: ControlPlane | undefined;
  let broker: LocalBroker | undefined;
  let dispatcher: QueryDispatcher | undefined;
  let ark: ArkClient | undefined;
  const stopAll = async () => {
    await dispatcher?.close();
    await broker?.close();
    await ark?.close();
    await plane?.close();
  };
  try {
    if (output === "text") io.err("starting the control plane, dispatcher and broker...\n");
    plane = await startControlPlane({ apiServerPort });
    ark = new ArkClient({ kubeConfig: plane.kubeConfig, namespace, logger });
    if (namespace !== "default") await ark.core.namespaces.create({ metadata: { name: namespace } });
    broker = await startLocalBroker({ port: brokerPort, logger });
    await broker.publish(ark, namespace);
    dispatcher = await startDispatcher({ client: ark, logger });
  } catch (error) {
    await stopAll();
    if (error instanceof ControlPlaneError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const env = { server: plane.server, kubeconfig: plane.kubeconfigPath, broker: broker.url, namespace, arkVersion: DISPATCHER_ARK_VERSION };
  if (output === "json") io.out(`${JSON.stringify(env)}\n`);
  else {
    io.out(`ark-sdk dev ready in ${((Date.now() - started) / 1000).toFixed(1)} s (a development tool mimicking ARK ${DISPATCHER_ARK_VERSION}, not a replacement for ARK)
  control plane  ${env.server}
  kubeconfig     ${env.kubeconfig}
  broker         ${env.broker} (published in namespace ${namespace})
  dispatcher     all namespaces, behaving as ARK ${DISPATCHER_ARK_VERSION}'s controller

${usage(env)}
Press Ctrl-C to stop.
`);
  }
  await untilInterrupted();
  if (output === "text") io.err("stopping...\n");
  await stopAll();
  io.err("stopped: dispatcher, broker and control plane\n");
  return 0;
}
