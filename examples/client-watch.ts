/**
 * Watching ARK resources: an informer (a self-healing cache with handlers),
 * a typed watch, and waiting for a Query to finish.
 *
 *   KUBECONFIG=~/.kube/config ARK_NAMESPACE=default node --import tsx examples/client-watch.ts
 */
import { ArkClient, type Query } from "ark-sdk";

const ark = await ArkClient.fromEnv({ namespace: process.env.ARK_NAMESPACE });
const informer = ark.agents.informer(); // list + watch, reconnects and relists by itself
informer.on("add", (a) => console.log(`informer: add ${a.metadata.name}`));
informer.on("update", (a, previous) => console.log(`informer: update ${a.metadata.name} (${previous.spec.prompt} -> ${a.spec.prompt})`));
informer.on("delete", (a) => console.log(`informer: delete ${a.metadata.name}`));
const controller = new AbortController();
try {
  await informer.ready();
  console.log(`informer ready with ${informer.size} agents`);

  const watching = (async () => {
    for await (const event of ark.queries.watch({ signal: controller.signal })) {
      if (event.type !== "BOOKMARK") console.log(`watch: ${event.type} query ${event.object.metadata.name} phase=${event.object.status?.phase ?? "-"}`);
    }
  })();

  await ark.agents.create({ metadata: { name: "watched" }, spec: { prompt: "v1" } });
  await ark.agents.patch("watched", { spec: { prompt: "v2" } });
  await ark.queries.create({ metadata: { name: "q" }, spec: { input: "hi", target: { type: "agent", name: "watched" } } });

  // Something else (ARK's controller; here, this script) finishes the query later.
  setTimeout(() => void ark.queries.patchStatus("q", { status: { phase: "done" } }), 200);
  const finished = await ark.queries.waitFor("q", (q: Query) => q.status?.phase === "done", { timeoutMs: 30_000 });
  console.log(`waitFor: query ${finished.metadata.name} is ${finished.status?.phase}`);

  await ark.agents.delete("watched");
  await ark.queries.delete("q");
  await ark.agents.waitForDeletion("watched", { timeoutMs: 30_000 });
  while (informer.get("watched", ark.namespace)) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  controller.abort();
  await watching;
  console.log(`informer now holds ${informer.size} agents`);
} finally {
  await informer.close();
  await ark.close();
}
