/**
 * The typed ARK client: create, read, update, patch, server-side apply, the
 * status subresource, typed errors and optimistic concurrency.
 *
 *   KUBECONFIG=~/.kube/config ARK_NAMESPACE=default node --import tsx examples/client-crud.ts
 *
 * (No cluster? `npx ark-sdk control-plane up` starts a local one and prints its kubeconfig.)
 */
import { ArkClient, ValidationError, isAlreadyExists, isConflict, isNotFound, retryOnConflict } from "ark-sdk";

const ark = await ArkClient.fromEnv({ namespace: process.env.ARK_NAMESPACE });
try {
  const agent = await ark.agents.create({ metadata: { name: "my-agent" }, spec: { prompt: "Hello", modelRef: { name: "gpt-4" } } });
  console.log(`created ${agent.kind} ${agent.metadata.name} in ${agent.metadata.namespace}`);

  const got = await ark.agents.get("my-agent"); // typed: got.spec.prompt is a string
  got.spec.prompt = "Updated";
  const updated = await ark.agents.update(got); // a replace guarded by resourceVersion
  console.log(`updated prompt: ${updated.spec.prompt}`);

  const stale = await ark.agents.update(got).catch((e: unknown) => e); // `got` carries the old resourceVersion
  console.log(`stale update -> ${isConflict(stale) ? "ConflictError" : String(stale)}`);
  await retryOnConflict(async () => {
    const fresh = await ark.agents.get("my-agent");
    fresh.spec.description = "changed by a read-modify-write";
    return ark.agents.update(fresh);
  });

  const patched = await ark.agents.patch("my-agent", { spec: { description: null, tools: [{ type: "built-in", name: "noop" }] } });
  console.log(`merge patch: description=${patched.spec.description ?? "(removed)"} tools=${patched.spec.tools?.map((t) => t.name).join(",")}`);

  const applied = await ark.agents.apply({ metadata: { name: "my-agent" }, spec: { prompt: "Owned by the example" } }, { fieldManager: "example", force: true });
  console.log(`apply: prompt="${applied.spec.prompt}" managers=${applied.metadata.managedFields?.map((m) => m.manager).sort().join(",")}`);

  await ark.queries.create({ metadata: { name: "my-query" }, spec: { input: "2+2?", target: { type: "agent", name: "my-agent" } } });
  const done = await ark.queries.patchStatus("my-query", { status: { phase: "done" } });
  console.log(`status subresource: phase=${done.status?.phase} input unchanged=${done.spec.input === "2+2?"}`);

  const duplicate = await ark.agents.create({ metadata: { name: "my-agent" }, spec: {} }).catch((e: unknown) => e);
  console.log(`duplicate create -> ${isAlreadyExists(duplicate) ? "AlreadyExistsError" : String(duplicate)}`);
  const invalid = await ark.agents.create({ metadata: { name: "bad" }, spec: { prompt: 42 as unknown as string } }).catch((e: unknown) => e);
  if (invalid instanceof ValidationError) console.log(`invalid create -> ValidationError at ${invalid.problems.map((p) => p.path).join(", ")} (nothing sent)`);

  await ark.queries.delete("my-query");
  await ark.agents.delete("my-agent");
  console.log(`after delete: ${(await ark.agents.getOrUndefined("my-agent")) ?? "gone"}`);
  const missing = await ark.agents.get("my-agent").catch((e: unknown) => e);
  console.log(`get after delete -> ${isNotFound(missing) ? `NotFoundError (${missing.status})` : String(missing)}`);
} finally {
  await ark.close();
}
