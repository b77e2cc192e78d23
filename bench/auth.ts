// Validations per second with a warm JWKS cache, against jose.jwtVerify with
// the key already imported (the floor any validator could reach), in the same
// run. The machine is shared and noisy, so contenders take turns in small
// batches (rotating who goes first). Two figures per contender: throughput
// (wall clock, summed over all batches) and CPU time per validation (process
// CPU, which other processes' load disturbs far less), each as the median of
// per-batch ratios against the baseline batch run next to it.
// Run: node --import tsx bench/auth.ts   (BENCH_AUTH_BATCHES to change the length)
import { createLocalJWKSet, importJWK, jwtVerify, type JWTVerifyOptions } from "jose";
import { bearerAuth, TokenValidator } from "../src/auth/index.js";
import { startLocalOidcIssuer, type LocalIssuerAlgorithm } from "../src/testing/local-oidc-issuer.js";

const BATCHES = Number(process.env.BENCH_AUTH_BATCHES ?? 120);
const PER_BATCH = 25;

type Contender = () => Promise<unknown>;
interface Spent {
  wallMs: number;
  cpuMs: number;
}

async function timeBatch(run: Contender, iterations: number): Promise<Spent> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < iterations; i += 1) await run();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function compare(label: string, baseline: Contender, contenders: Record<string, Contender>): Promise<void> {
  const all: [string, Contender][] = [["baseline", baseline], ...Object.entries(contenders)];
  // Warm-up: JIT, key import caches, JWKS fetch.
  for (const [, run] of all) await timeBatch(run, 300);
  const totals = new Map<string, Spent>(all.map(([name]) => [name, { wallMs: 0, cpuMs: 0 }]));
  const wallRatios = new Map<string, number[]>(all.map(([name]) => [name, []]));
  const cpuRatios = new Map<string, number[]>(all.map(([name]) => [name, []]));
  for (let batch = 0; batch < BATCHES; batch += 1) {
    const first = batch % all.length;
    const spent = new Map<string, Spent>();
    for (const [name, run] of [...all.slice(first), ...all.slice(0, first)]) spent.set(name, await timeBatch(run, PER_BATCH));
    const base = spent.get("baseline") ?? { wallMs: Number.NaN, cpuMs: Number.NaN };
    for (const [name, { wallMs, cpuMs }] of spent) {
      const total = totals.get(name) ?? { wallMs: 0, cpuMs: 0 };
      totals.set(name, { wallMs: total.wallMs + wallMs, cpuMs: total.cpuMs + cpuMs });
      wallRatios.get(name)?.push(base.wallMs / wallMs);
      cpuRatios.get(name)?.push(cpuMs / base.cpuMs);
    }
  }
  const iterations = BATCHES * PER_BATCH;
  const rate = (name: string) => (iterations / (totals.get(name)?.wallMs ?? Number.NaN)) * 1000;
  const cpuMicros = (name: string) => ((totals.get(name)?.cpuMs ?? Number.NaN) / iterations) * 1000;
  console.log(`${label} baseline jose.jwtVerify (imported key): ${rate("baseline").toFixed(0)} validations/s, ${cpuMicros("baseline").toFixed(0)} µs CPU each`);
  for (const name of Object.keys(contenders)) {
    const speed = median(wallRatios.get(name) ?? []);
    const cpu = median(cpuRatios.get(name) ?? []);
    console.log(
      `  ${name}: ${rate(name).toFixed(0)}/s = ${speed.toFixed(3)}x baseline throughput; ` +
        `${cpuMicros(name).toFixed(0)} µs CPU = ${cpu.toFixed(3)}x baseline CPU (overhead ${((cpu - 1) * 100).toFixed(1)}%)`,
    );
  }
}

async function benchAlgorithm(algorithm: LocalIssuerAlgorithm): Promise<void> {
  const idp = await startLocalOidcIssuer({ algorithm });
  try {
    const token = await idp.sign({ sub: "bench", groups: ["a", "b"] });
    const validator = new TokenValidator({ issuer: idp.issuer, audience: "ark-test", jwksUrl: idp.jwksUrl });
    await validator.warmUp();
    const guard = bearerAuth(validator);
    const request = new Request("http://127.0.0.1/", { method: "POST", headers: { authorization: `Bearer ${token}` } });
    const key = await importJWK(idp.publicJwk("key-1"), algorithm);
    const options: JWTVerifyOptions = {
      algorithms: [algorithm],
      issuer: idp.issuer,
      audience: "ark-test",
      clockTolerance: 30,
      requiredClaims: ["exp"],
    };
    const joseKeySet = createLocalJWKSet({ keys: [idp.publicJwk("key-1")] });
    await compare(`${algorithm}`, () => jwtVerify(token, key, options), {
      // jose's own key-set lookup, for reference: the share of the overhead that any JWKS-based validator pays.
      "jose.jwtVerify + jose createLocalJWKSet": () => jwtVerify(token, joseKeySet, options),
      "TokenValidator.validate (warm JWKS cache)": () => validator.validate(token),
      "bearerAuth guard (header parse + validate)": () => guard(request),
    });
    if (idp.requests.jwks !== 1) throw new Error(`expected one JWKS fetch, saw ${idp.requests.jwks}`);
  } finally {
    await idp.close();
  }
}

console.log(`auth bench: ${BATCHES} interleaved batches of ${PER_BATCH} sequential validations per contender`);
await benchAlgorithm("RS256");
await benchAlgorithm("ES256");
