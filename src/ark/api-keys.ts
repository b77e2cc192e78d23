/**
 * ARK's API keys, stored as ARK's API server (ark-api) stores them: one
 * Kubernetes Secret per key, named `api-key-<sanitised public key>`, of type
 * and label `ark.mckinsey.com/api-key`, holding the public key, a bcrypt hash
 * of the secret key and an activity flag, with the key's name and times in a
 * JSON annotation. Keys ark-api issued verify here, keys created here verify
 * in ark-api, and both see the other's soft deletes and `lastUsedAt`.
 *
 * bcrypt comes from `bcryptjs`, loaded on first use (importing `ark-sdk` does
 * not load it).
 */

import { randomBytes } from "node:crypto";
import { ARK_ANNOTATION_PREFIX } from "./annotations.js";
import type { Secret } from "../client/core-kinds.js";
import { ArgumentError, ConflictError, NotFoundError } from "../client/errors.js";
import type { CallOptions } from "../client/options.js";
import type { ResourceClient } from "../client/resource-client.js";
import type { Claims } from "../core/request-guard.js";
import { errorMessage } from "../core/errors.js";
import { isRecord } from "../core/json.js";
import { silentLogger, type Logger } from "../core/logger.js";

/** Type of an API-key Secret, and the key of the label (`"true"`) that marks it. */
export const API_KEY_SECRET_TYPE = `${ARK_ANNOTATION_PREFIX}api-key`;
/** The annotation holding an API key's metadata as JSON (`name`, `createdAt`, `expiresAt`, `lastUsedAt`, `deletedAt`). */
export const API_KEY_METADATA_ANNOTATION = `${ARK_ANNOTATION_PREFIX}api-key-metadata`;
/** Prefix of public keys. */
export const PUBLIC_KEY_PREFIX = "pk-ark-";
/** Prefix of secret keys. */
export const SECRET_KEY_PREFIX = "sk-ark-";

/** The bcrypt cost ark-api uses (Python `bcrypt.gensalt()`'s default). */
export const DEFAULT_BCRYPT_ROUNDS = 12;
/** Default of {@link ApiKeyStoreOptions.lastUsedIntervalMs}. */
export const DEFAULT_LAST_USED_INTERVAL_MS = 60_000;
/** bcrypt reads at most 72 bytes of a password. */
const BCRYPT_MAX_BYTES = 72;

/**
 * The Secret name of a public key, by ark-api's rule: every `pk-ark-` removed,
 * `_` → `-`, lower case, runs of `-` collapsed, `-` trimmed at both ends,
 * prefixed with `api-key-`.
 */
export function apiKeySecretName(publicKey: string): string {
  const sanitized = publicKey.replaceAll(PUBLIC_KEY_PREFIX, "").replaceAll("_", "-").toLowerCase().replace(/-+/g, "-").replace(/^-+|-+$/g, "");
  return `api-key-${sanitized}`;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// ---- times, as Python's datetime writes and reads them ---------------------

/** A time read from the metadata annotation: its text, its instant, and whether it had a UTC offset. */
interface Stamp {
  raw: string;
  date: Date;
  /** No UTC offset: Python reads a "naive" datetime, which cannot be compared with the current time. */
  naive: boolean;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:.(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?([+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)?)?$/su;

/**
 * Reads a time as ark-api does (`datetime.fromisoformat` after `Z` → `+00:00`):
 * `undefined` for a missing, empty, non-string or unreadable value. A time
 * without offset is read as UTC and marked naive.
 */
function parseStamp(value: unknown): Stamp | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const match = ISO_TIME.exec(value.replaceAll("Z", "+00:00"));
  if (!match) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", offset] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate() || hour > 23 || minute > 59 || second > 59) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second) + Number(frac.slice(0, 6).padEnd(6, "0")) / 1000;
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  if (offset) {
    const digits = offset.slice(1).replaceAll(":", "");
    const [oh, om = 0, os = 0] = [digits.slice(0, 2), digits.slice(2, 4), digits.slice(4)].filter((part) => part !== "").map(Number) as [number, number?, number?];
    if (oh > 23 || om > 59 || os >= 60) return undefined;
    ms -= (offset.startsWith("-") ? -1 : 1) * ((oh * 60 + om) * 60 + os) * 1000;
  }
  return { raw: value, date: new Date(ms), naive: !offset };
}

/** A UTC time as Python's `datetime.isoformat()` writes it: `2026-01-02T03:04:05.678000+00:00` (no fraction when it is zero). */
export function formatPythonUtc(date: Date): string {
  const iso = date.toISOString();
  const ms = date.getUTCMilliseconds();
  return `${iso.slice(0, 19)}${ms === 0 ? "" : `.${String(ms).padStart(3, "0")}000`}+00:00`;
}

// ---- the metadata annotation -----------------------------------------------

/** An API key's metadata, as read from its annotation. */
export interface ApiKeyMetadata {
  /** `"Unknown"` when missing or unreadable, as ark-api reports it. */
  name: string;
  createdAt: Date | undefined;
  expiresAt: Date | undefined;
  lastUsedAt: Date | undefined;
  deletedAt: Date | undefined;
  /**
   * `true` when `expiresAt` has no UTC offset: ark-api cannot compare such a
   * time with the current one and refuses the key, and so does
   * {@link ApiKeyStore.verify}.
   */
  naiveExpiry: boolean;
}

interface StoredMetadata {
  name: string;
  createdAt?: Stamp | undefined;
  expiresAt?: Stamp | undefined;
  lastUsedAt?: Stamp | undefined;
  deletedAt?: Stamp | undefined;
}

function readMetadata(json: string | undefined): StoredMetadata {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json ?? "{}");
  } catch {
    return { name: "Unknown" };
  }
  if (!isRecord(parsed)) return { name: "Unknown" };
  return {
    name: typeof parsed["name"] === "string" ? parsed["name"] : "Unknown",
    createdAt: parseStamp(parsed["createdAt"]),
    expiresAt: parseStamp(parsed["expiresAt"]),
    lastUsedAt: parseStamp(parsed["lastUsedAt"]),
    deletedAt: parseStamp(parsed["deletedAt"]),
  };
}

/**
 * Reads the `ark.mckinsey.com/api-key-metadata` annotation by ark-api's rules:
 * unreadable JSON or a non-object gives `name: "Unknown"` and no times; each
 * time that is missing, empty, not a string or not an ISO time is `undefined`.
 */
export function parseApiKeyMetadata(json: string | undefined): ApiKeyMetadata {
  const stored = readMetadata(json);
  return {
    name: stored.name,
    createdAt: stored.createdAt?.date,
    expiresAt: stored.expiresAt?.date,
    lastUsedAt: stored.lastUsedAt?.date,
    deletedAt: stored.deletedAt?.date,
    naiveExpiry: stored.expiresAt?.naive ?? false,
  };
}

/** JSON as Python's `json.dumps` writes it by default: `", "` and `": "` separators, every non-ASCII character escaped. */
function pythonJson(entries: [string, string][]): string {
  const text = (value: string) => JSON.stringify(value).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `{${entries.map(([key, value]) => `${text(key)}: ${text(value)}`).join(", ")}}`;
}

/** The annotation text, byte for byte as ark-api writes it (times kept as stored when they were readable). */
function writeMetadata(metadata: StoredMetadata): string {
  const entries: [string, string][] = [["name", metadata.name]];
  for (const key of ["createdAt", "expiresAt", "lastUsedAt", "deletedAt"] as const) {
    const stamp = metadata[key];
    if (stamp) entries.push([key, stamp.raw]);
  }
  return pythonJson(entries);
}

/** The times of an API key's metadata, as {@link formatApiKeyMetadata} writes them. */
export interface ApiKeyMetadataInput {
  name: string;
  createdAt: Date;
  expiresAt?: Date | undefined;
  lastUsedAt?: Date | undefined;
  deletedAt?: Date | undefined;
}

/**
 * The `ark.mckinsey.com/api-key-metadata` annotation, byte for byte as ark-api
 * writes it (Python's `json.dumps` of name, createdAt and the times that are
 * set, each time as `datetime.isoformat()` writes a UTC time).
 */
export function formatApiKeyMetadata(metadata: ApiKeyMetadataInput): string {
  const { name, createdAt, expiresAt, lastUsedAt, deletedAt } = metadata;
  const stamp = (date: Date | undefined) => (date ? stampOf(date) : undefined);
  return writeMetadata({ name, createdAt: stampOf(createdAt), expiresAt: stamp(expiresAt), lastUsedAt: stamp(lastUsedAt), deletedAt: stamp(deletedAt) });
}

function stampOf(date: Date): Stamp {
  return { raw: formatPythonUtc(date), date, naive: false };
}

// ---- bcrypt, loaded on first use --------------------------------------------

type Bcrypt = typeof import("bcryptjs");
let bcryptModule: Promise<Bcrypt> | undefined;
function bcrypt(): Promise<Bcrypt> {
  bcryptModule ??= import("bcryptjs");
  return bcryptModule;
}

// ---- the store ----------------------------------------------------------------

/** An API key as listed and read (never its secret). */
export interface ApiKeyInfo {
  /** The Secret's uid. */
  id: string;
  name: string;
  publicKey: string;
  /** The Secret holding the key. */
  secretName: string;
  createdAt: Date | undefined;
  lastUsedAt: Date | undefined;
  expiresAt: Date | undefined;
  /** Set once the key was (soft) deleted. */
  deletedAt: Date | undefined;
  /** `false` once deleted (ark-api's `is_active`). */
  isActive: boolean;
}

/** A created key: the only time its secret key is available. */
export interface ApiKeyCreated {
  id: string;
  name: string;
  publicKey: string;
  /** `sk-ark-…`: shown once, stored only as a bcrypt hash. */
  secretKey: string;
  createdAt: Date;
  expiresAt: Date | undefined;
}

/** What {@link ApiKeyStore.create} takes. */
export interface ApiKeyCreateInput {
  /** Human-readable name. */
  name: string;
  /** When the key stops working (default: never). */
  expiresAt?: Date | undefined;
}

/** The claims of a caller whose API key verified (what `apiKeyAuth` hands to the request). */
export interface ApiKeyClaims extends Claims {
  /** The public key. */
  sub: string;
  /** `"api-key"`. */
  authMethod: "api-key";
  /** The Secret's uid (ark-api's key `id`). */
  id: string;
  /** The key's name. */
  name: string;
  /** The namespace the key lives in. */
  namespace: string;
  /** The Secret holding the key. */
  secretName: string;
  /** ISO time the key expires, when it does. */
  expiresAt?: string;
}

/** Options of {@link ApiKeyStore}. */
export interface ApiKeyStoreOptions {
  /** bcrypt cost of keys this store creates, 4–31 (default 12, as ark-api). */
  bcryptRounds?: number | undefined;
  /**
   * Minimum time between two `lastUsedAt` writes of one key, ms (default
   * 60,000). `verify` writes only when the stored `lastUsedAt` is older than
   * this, so a busy key costs one Secret write a minute instead of one per
   * request (ark-api writes on every verification: use 0 for that).
   */
  lastUsedIntervalMs?: number | undefined;
  /** Where failures of `lastUsedAt` writes are logged (default: silent). */
  logger?: Logger | undefined;
}

/** The data fields ark-api reads, decoded; `undefined` for a missing field. */
function decoded(secret: Secret, key: string): string | undefined {
  const value = secret.data?.[key];
  return value ? Buffer.from(value, "base64").toString("utf8") : undefined;
}

function infoOf(secret: Secret): ApiKeyInfo {
  const metadata = readMetadata(secret.metadata.annotations?.[API_KEY_METADATA_ANNOTATION]);
  const active = decoded(secret, "is_active");
  return {
    id: secret.metadata.uid ?? "",
    name: metadata.name,
    publicKey: decoded(secret, "public_key") ?? "",
    secretName: secret.metadata.name ?? "",
    createdAt: metadata.createdAt?.date,
    lastUsedAt: metadata.lastUsedAt?.date,
    expiresAt: metadata.expiresAt?.date,
    deletedAt: metadata.deletedAt?.date,
    isActive: active === undefined ? true : active === "true",
  };
}

/**
 * ARK API keys of one namespace, in ark-api's storage format. Build with
 * `ark.apiKeys` (one store per client) or `new ApiKeyStore(ark.core.secrets.inNamespace(ns))`.
 *
 * Needs, on secrets of the namespace: `create` (create), `list` (list), `get`
 * (get, verify, delete), `patch` (delete, and verify's `lastUsedAt`).
 */
export class ApiKeyStore {
  /** The namespace of the keys. */
  readonly namespace: string;
  private readonly rounds: number;
  private readonly lastUsedIntervalMs: number;
  private readonly logger: Logger;
  private dummyHash: Promise<string> | undefined;
  private readonly touching = new Set<string>();

  constructor(private readonly secrets: ResourceClient<Secret>, options: ApiKeyStoreOptions = {}) {
    const rounds = options.bcryptRounds ?? DEFAULT_BCRYPT_ROUNDS;
    if (!Number.isInteger(rounds) || rounds < 4 || rounds > 31) throw new ArgumentError("bcryptRounds", `must be an integer from 4 to 31, got ${String(rounds)}`);
    const interval = options.lastUsedIntervalMs ?? DEFAULT_LAST_USED_INTERVAL_MS;
    if (!Number.isFinite(interval) || interval < 0) throw new ArgumentError("lastUsedIntervalMs", `must be a number ≥ 0, got ${String(interval)}`);
    this.rounds = rounds;
    this.lastUsedIntervalMs = interval;
    this.logger = options.logger ?? silentLogger;
    this.namespace = secrets.namespace ?? "default";
  }

  /** Creates a key; the answer carries its secret key, which is not stored and cannot be read again. */
  async create(input: ApiKeyCreateInput, options: CallOptions = {}): Promise<ApiKeyCreated> {
    if (!isRecord(input) || typeof input.name !== "string") throw new ArgumentError("name", "must be a string");
    const { expiresAt } = input;
    if (expiresAt !== undefined && !(expiresAt instanceof Date && Number.isFinite(expiresAt.getTime()))) throw new ArgumentError("expiresAt", "must be a valid Date");
    const publicKey = `${PUBLIC_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
    const secretKey = `${SECRET_KEY_PREFIX}${randomBytes(48).toString("base64url")}`;
    const { hash } = await bcrypt();
    const hashed = await hash(secretKey, this.rounds);
    const createdAt = new Date();
    const metadata: StoredMetadata = { name: input.name, createdAt: stampOf(createdAt), expiresAt: expiresAt ? stampOf(expiresAt) : undefined };
    const created = await this.secrets.create(
      {
        metadata: {
          name: apiKeySecretName(publicKey),
          labels: { [API_KEY_SECRET_TYPE]: "true" },
          annotations: { [API_KEY_METADATA_ANNOTATION]: writeMetadata(metadata) },
        },
        type: API_KEY_SECRET_TYPE,
        stringData: { public_key: publicKey, secret_key_hash: Buffer.from(hashed, "utf8").toString("base64"), is_active: "true" },
      },
      options,
    );
    return { id: created.metadata.uid ?? "", name: input.name, publicKey, secretKey, createdAt, expiresAt };
  }

  /** The keys that are neither deleted nor inactive (as ark-api lists them), expired ones included. */
  async list(options: CallOptions = {}): Promise<{ items: ApiKeyInfo[]; count: number }> {
    const secrets = await this.secrets.list({ ...options, labelSelector: `${API_KEY_SECRET_TYPE}=true` });
    const items = secrets.map(infoOf).filter((key) => key.isActive && key.deletedAt === undefined);
    return { items, count: items.length };
  }

  /** One key, deleted or not; `undefined` when there is no API-key Secret for `publicKey`. */
  async get(publicKey: string, options: CallOptions = {}): Promise<ApiKeyInfo | undefined> {
    const secret = await this.read(publicKey, options);
    return secret && secret.type === API_KEY_SECRET_TYPE ? infoOf(secret) : undefined;
  }

  /**
   * Checks a key pair by ark-api's rules: the Secret exists, has the API-key
   * type, stores this public key, is active and not deleted, has not expired
   * (an expiry without UTC offset never passes, as in ark-api), and the secret
   * key matches the bcrypt hash. Resolves the caller's claims, or `undefined`.
   * Failures to read the Secret other than "not found" reject (`apiKeyAuth`
   * then answers "Basic authentication failed").
   *
   * Every refusal costs one bcrypt comparison (against a dummy hash when there
   * is no usable key), so the time of an answer does not tell an unknown or
   * revoked key from a wrong secret.
   *
   * Bound to the store: pass it as is, `apiKeyAuth(ark.apiKeys.verify)`.
   */
  readonly verify = async (publicKey: string, secretKey: string): Promise<ApiKeyClaims | undefined> => {
    if (typeof publicKey !== "string" || typeof secretKey !== "string") return undefined;
    const secret = await this.read(publicKey);
    const hash = secret ? this.usableHash(secret, publicKey) : undefined;
    const { compare } = await bcrypt();
    if (hash === undefined || Buffer.byteLength(secretKey, "utf8") > BCRYPT_MAX_BYTES) {
      await compare(secretKey, await this.dummy()).catch(() => false);
      return undefined;
    }
    // An unreadable stored hash fails here as in ark-api (an error there is a refusal).
    if (!(await compare(secretKey, hash).catch(() => false)) || !secret) return undefined;
    await this.touch(secret);
    const metadata = readMetadata(secret.metadata.annotations?.[API_KEY_METADATA_ANNOTATION]);
    return {
      sub: publicKey, authMethod: "api-key", id: secret.metadata.uid ?? "", name: metadata.name, namespace: this.namespace,
      secretName: secret.metadata.name ?? "", ...(metadata.expiresAt ? { expiresAt: metadata.expiresAt.date.toISOString() } : {}),
    };
  };

  /**
   * Soft-deletes a key as ark-api does: `deletedAt` set and `is_active` made
   * `"false"`; the Secret stays. `false` when there is no such key (ark-api
   * answers 404), including a Secret of that name that is not an API key
   * (ark-api would mark that one too; this store leaves it alone).
   */
  async delete(publicKey: string, options: CallOptions = {}): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const secret = await this.read(publicKey, options);
      if (!secret || secret.type !== API_KEY_SECRET_TYPE) return false;
      const metadata = readMetadata(secret.metadata.annotations?.[API_KEY_METADATA_ANNOTATION]);
      const now = new Date();
      const updated = writeMetadata({ ...metadata, createdAt: metadata.createdAt ?? stampOf(now), deletedAt: stampOf(now) });
      try {
        await this.secrets.patch(secret.metadata.name ?? "", {
          metadata: { resourceVersion: secret.metadata.resourceVersion, annotations: { [API_KEY_METADATA_ANNOTATION]: updated } },
          data: { is_active: Buffer.from("false").toString("base64") },
        }, options);
        return true;
      } catch (error) {
        if (error instanceof NotFoundError) return false;
        if (!(error instanceof ConflictError) || attempt >= 4) throw error;
      }
    }
  }

  /** The Secret of `publicKey`, or `undefined` when it does not exist or its name cannot be a Secret's. */
  private async read(publicKey: string, options: CallOptions = {}): Promise<Secret | undefined> {
    if (typeof publicKey !== "string") throw new ArgumentError("publicKey", "must be a string");
    const name = apiKeySecretName(publicKey);
    if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) return undefined;
    return this.secrets.getOrUndefined(name, options);
  }

  /** The stored bcrypt hash when the Secret is a usable key for `publicKey`. */
  private usableHash(secret: Secret, publicKey: string): string | undefined {
    if (secret.type !== API_KEY_SECRET_TYPE) return undefined;
    if (decoded(secret, "public_key") !== publicKey) return undefined;
    const active = decoded(secret, "is_active");
    if (active !== undefined && active !== "true") return undefined;
    const metadata = readMetadata(secret.metadata.annotations?.[API_KEY_METADATA_ANNOTATION]);
    if (metadata.deletedAt) return undefined;
    if (metadata.expiresAt && (metadata.expiresAt.naive || metadata.expiresAt.date.getTime() < Date.now())) return undefined;
    const stored = decoded(secret, "secret_key_hash");
    return stored === undefined ? "" : Buffer.from(stored, "base64").toString("utf8");
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= bcrypt().then(({ hash }) => hash(randomBytes(24).toString("base64url"), this.rounds));
    return this.dummyHash;
  }

  /** Writes `lastUsedAt` unless the stored one is recent; a write racing another (or a delete) is dropped, never overwrites it. */
  private async touch(secret: Secret): Promise<void> {
    const name = secret.metadata.name ?? "";
    const metadata = readMetadata(secret.metadata.annotations?.[API_KEY_METADATA_ANNOTATION]);
    const now = new Date();
    const last = metadata.lastUsedAt;
    if (last && !last.naive && this.lastUsedIntervalMs > 0 && now.getTime() - last.date.getTime() < this.lastUsedIntervalMs) return;
    if (this.touching.has(name)) return;
    this.touching.add(name);
    try {
      const updated = writeMetadata({ ...metadata, createdAt: metadata.createdAt ?? stampOf(now), lastUsedAt: stampOf(now) });
      await this.secrets.patch(name, { metadata: { resourceVersion: secret.metadata.resourceVersion, annotations: { [API_KEY_METADATA_ANNOTATION]: updated } } });
    } catch (error) {
      if (!(error instanceof ConflictError)) this.logger.warn(`api-keys: could not record the use of ${name}: ${errorMessage(error)}`);
    } finally {
      this.touching.delete(name);
    }
  }
}
