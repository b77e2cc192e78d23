/**
 * The one rule for where ark-sdk reaches ARK's Services and broker from,
 * shared by `ark-sdk query`, `ExecutorApp`'s default resolver,
 * `ark.queries.stream()` and the development dispatcher:
 *
 * 1. an explicit option (`serviceUrl`, `brokerUrl`) wins;
 * 2. for the broker, `ARK_SDK_BROKER_URL` (a fixed broker for every namespace);
 * 3. `ARK_SDK_SERVICE_URLS=cluster|loopback` maps Services found by discovery;
 * 4. else the consumer's default mode: in-cluster DNS (the dispatcher, a local tool, defaults to loopback).
 *
 * Bad values are a {@link ConfigError} naming the variable and what it allows.
 * {@link BrokerReachability} turns "the broker cannot be reached" into one
 * actionable warning instead of a line per chunk or per query.
 */

import { ConfigError, errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { clusterServiceUrl, loopbackServiceUrl, type ServiceUrlResolver } from "./value-source.js";

/** The variable that maps Services to URLs (`cluster` or `loopback`). */
export const SERVICE_URLS_ENV = "ARK_SDK_SERVICE_URLS";
/** The variable that names a fixed broker URL, bypassing discovery. */
export const BROKER_URL_ENV = "ARK_SDK_BROKER_URL";

/** How Services are mapped to URLs: in-cluster DNS, or 127.0.0.1 and the Service's port (what `ark-sdk dev` publishes). */
export type ServiceUrlMode = "cluster" | "loopback";

/** The values `ARK_SDK_SERVICE_URLS` accepts. */
export const SERVICE_URL_MODES: readonly ServiceUrlMode[] = ["cluster", "loopback"];

/** Inputs of {@link resolveServiceUrls}, most specific first. */
export interface ServiceUrlRuleOptions {
  /** An explicit Service mapping (wins over `ARK_SDK_SERVICE_URLS`). */
  serviceUrl?: ServiceUrlResolver | undefined;
  /** An explicit broker URL (wins over `ARK_SDK_BROKER_URL` and discovery). */
  brokerUrl?: string | undefined;
  /** Where the variables are read (default `process.env`). */
  env?: NodeJS.ProcessEnv | undefined;
  /** The mode when neither an option nor `ARK_SDK_SERVICE_URLS` says (default `cluster`). */
  defaultMode?: ServiceUrlMode | undefined;
}

/** What the rule decided, and why (for messages). */
export interface ServiceUrls {
  /** Maps Service addresses (from discovery, `serviceRef`s) to URLs. */
  readonly serviceUrl: ServiceUrlResolver;
  /** The mode, or `"custom"` for an explicit mapping. */
  readonly mode: ServiceUrlMode | "custom";
  /** Where the mapping came from, e.g. `ARK_SDK_SERVICE_URLS=loopback`, `the serviceUrl option`, `the default (cluster DNS)`. */
  readonly serviceUrlSource: string;
  /** A fixed broker URL (no discovery), when an option or `ARK_SDK_BROKER_URL` gives one. */
  readonly brokerUrl: string | undefined;
  /** Where `brokerUrl` came from (`the brokerUrl option`, `ARK_SDK_BROKER_URL`), when set. */
  readonly brokerUrlSource: string | undefined;
}

function set(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

/**
 * The Service mapping `ARK_SDK_SERVICE_URLS` names, if set.
 * @throws ConfigError naming the variable and the values it allows
 */
export function serviceUrlModeFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceUrlMode | undefined {
  const raw = set(env[SERVICE_URLS_ENV]);
  if (raw === undefined) return undefined;
  const mode = raw.toLowerCase();
  if (mode === "cluster" || mode === "loopback") return mode;
  throw new ConfigError(`${SERVICE_URLS_ENV} must be "cluster" or "loopback", got "${env[SERVICE_URLS_ENV]}"`);
}

/**
 * Checks a broker URL (`http://` or `https://`, with a host) and returns it without trailing slashes.
 * @param source - named in the error, e.g. `ARK_SDK_BROKER_URL` or `--broker-url`
 * @throws ConfigError naming `source` and what it allows
 */
export function checkBrokerUrl(value: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw new ConfigError(`${source} must be an http:// or https:// URL such as http://127.0.0.1:8080, got "${value}"`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * Applies the rule: explicit option > `ARK_SDK_BROKER_URL` (broker only) >
 * `ARK_SDK_SERVICE_URLS` > `defaultMode` (default `cluster`).
 * @throws ConfigError when a variable (or the `brokerUrl` option) has a bad value
 */
export function resolveServiceUrls(options: ServiceUrlRuleOptions = {}): ServiceUrls {
  const env = options.env ?? process.env;
  // Both variables are checked even when an option wins, so a typo never waits for the day the option is dropped.
  const envMode = serviceUrlModeFromEnv(env);
  const envBroker = set(env[BROKER_URL_ENV]);
  const checkedEnvBroker = envBroker === undefined ? undefined : checkBrokerUrl(envBroker, BROKER_URL_ENV);
  let brokerUrl: string | undefined;
  let brokerUrlSource: string | undefined;
  const optionBroker = set(options.brokerUrl);
  if (optionBroker !== undefined) {
    brokerUrl = checkBrokerUrl(optionBroker, "the brokerUrl option");
    brokerUrlSource = "the brokerUrl option";
  } else if (checkedEnvBroker !== undefined) {
    brokerUrl = checkedEnvBroker;
    brokerUrlSource = BROKER_URL_ENV;
  }
  if (options.serviceUrl) {
    return { serviceUrl: options.serviceUrl, mode: "custom", serviceUrlSource: "the serviceUrl option", brokerUrl, brokerUrlSource };
  }
  const mode = envMode ?? options.defaultMode ?? "cluster";
  const serviceUrlSource = envMode !== undefined ? `${SERVICE_URLS_ENV}=${envMode}` : `the default (${mode === "cluster" ? "cluster DNS" : "loopback"})`;
  return { serviceUrl: mode === "loopback" ? loopbackServiceUrl : clusterServiceUrl, mode, serviceUrlSource, brokerUrl, brokerUrlSource };
}

/**
 * The Service mapping named by `ARK_SDK_SERVICE_URLS`: `loopback` for engines
 * run outside a cluster against `ark-sdk dev`, else (`cluster`, unset) in-cluster DNS.
 * The Service half of {@link resolveServiceUrls}.
 * @throws ConfigError naming the variable when its value is neither
 */
export function serviceUrlFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceUrlResolver {
  return serviceUrlModeFromEnv(env) === "loopback" ? loopbackServiceUrl : clusterServiceUrl;
}

/**
 * What to do about an unreachable broker at `url`, naming the variable to set.
 * @param urls - what the rule decided for the consumer that tried `url`
 */
export function brokerUnreachableAdvice(urls: Pick<ServiceUrls, "mode" | "serviceUrlSource" | "brokerUrlSource">): string {
  if (urls.brokerUrlSource === BROKER_URL_ENV) return `${BROKER_URL_ENV} names it: start the broker there, or set ${BROKER_URL_ENV} to the broker's URL (unset, the namespace's ark-config-streaming ConfigMap is used)`;
  if (urls.brokerUrlSource !== undefined) return `${urls.brokerUrlSource} names it: pass the broker's URL, or set ${BROKER_URL_ENV}`;
  const how = `found from the namespace's ark-config-streaming ConfigMap, its Service mapped by ${urls.serviceUrlSource}`;
  if (urls.mode === "cluster") return `${how}; outside a cluster set ${SERVICE_URLS_ENV}=loopback (Services published by ark-sdk dev on 127.0.0.1) or ${BROKER_URL_ENV}=<the broker's URL>`;
  if (urls.mode === "loopback") return `${how}; is the local broker running? Set ${BROKER_URL_ENV}=<the broker's URL> to use another, or ${SERVICE_URLS_ENV}=cluster inside a cluster`;
  return `${how}; set ${BROKER_URL_ENV}=<the broker's URL> to bypass discovery`;
}

/** What failed, from the innermost cause (`connect ECONNREFUSED 127.0.0.1:1`, not `fetch failed`). */
function failureText(error: unknown): string {
  let inner = error;
  for (let depth = 0; depth < 5 && inner instanceof Error && inner.cause !== undefined; depth++) inner = inner.cause;
  return errorMessage(inner);
}

/** Connection-level failure codes: the address does not answer at all (as opposed to a call that broke midway). */
const CONNECT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT"]);

/** Whether `error` (from `fetch`) means nothing answers at the address: refused, unknown host, unreachable network, connect timeout. */
export function isConnectFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CONNECT_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Reports an unreachable broker ONCE per outage of each URL, for one owner
 * (an engine's resolver, an `ArkClient`): the first failure is a warning
 * naming the URL tried and the variable to set; further failures at that URL
 * are debug lines until a call reaches it again. Per owner, not per process,
 * so two clients configured differently each say what is wrong with theirs,
 * and tests do not depend on which ran first.
 */
export class BrokerReachability {
  private readonly down = new Set<string>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /**
   * Records a failed connection to `url`; warns (once until {@link reached}) with `advice`.
   * @returns whether this call logged the warning
   */
  unreachable(url: string, error: unknown, advice: string, consequence = "live output is not streamed; answers still arrive when the query ends"): boolean {
    const base = url.replace(/\/+$/, "");
    if (this.down.has(base)) {
      this.logger.debug(`broker still unreachable at ${base}: ${failureText(error)}`);
      return false;
    }
    this.down.add(base);
    this.logger.warn(`cannot reach ARK's broker at ${base} (${failureText(error)}): ${consequence}. The URL was ${advice}. Logged once until the broker answers again.`);
    return true;
  }

  /** Records that `url` answered: a later outage warns again. */
  reached(url: string): void {
    if (this.down.size > 0) this.down.delete(url.replace(/\/+$/, ""));
  }
}
