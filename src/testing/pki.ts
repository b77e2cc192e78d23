/**
 * Keys and certificates for the local control plane. The service-account key
 * comes from Node's crypto; client certificates (for non-admin users) are
 * signed by a throwaway CA with the `openssl` command, since Node cannot issue
 * X.509 certificates itself.
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { ControlPlaneError } from "./errors.js";
import { errorMessage } from "../core/errors.js";

const run = promisify(execFile);

/** Writes an RSA key pair for signing service-account tokens; returns [private, public] paths. */
export async function writeServiceAccountKeys(dir: string): Promise<{ privateKey: string; publicKey: string }> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const paths = { privateKey: join(dir, "sa.key"), publicKey: join(dir, "sa.pub") };
  await writeFile(paths.privateKey, privateKey, { mode: 0o600 });
  await writeFile(paths.publicKey, publicKey);
  return paths;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (err) {
    const detail = errorMessage(err);
    throw new ControlPlaneError("openssl-failed", `openssl ${args[0]} failed: ${detail}. Install the Debian package openssl.`, "openssl");
  }
}

/** A CA able to sign client certificates; paths to its files. */
export interface ClientCa {
  cert: string;
  key: string;
}

/** Where {@link createClientCa} puts the CA of the plane folder `dir`. */
export function clientCaFiles(dir: string): ClientCa {
  return { cert: join(dir, "client-ca.crt"), key: join(dir, "client-ca.key") };
}

/** Creates a short-lived EC client CA in `dir`. */
export async function createClientCa(dir: string): Promise<ClientCa> {
  const ca = clientCaFiles(dir);
  await openssl([
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", ca.key, "-out", ca.cert, "-subj", "/CN=ark-sdk-local-client-ca", "-days", "30",
  ]);
  return ca;
}

/** Escapes a value for an openssl `-subj` string. */
function subjectValue(value: string): string {
  return value.replace(/[\\/=+,]/g, (c) => `\\${c}`);
}

/**
 * Issues a client certificate for `user` in `groups` (CN = user, one O per
 * group: how kube-apiserver reads x509 identities). Returns PEM paths.
 */
export async function issueClientCert(ca: ClientCa, dir: string, fileStem: string, user: string, groups: readonly string[]): Promise<{ cert: string; key: string }> {
  const out = { cert: join(dir, `${fileStem}.crt`), key: join(dir, `${fileStem}.key`) };
  const csr = join(dir, `${fileStem}.csr`);
  const subject = `/CN=${subjectValue(user)}${groups.map((g) => `/O=${subjectValue(g)}`).join("")}`;
  await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", out.key, "-out", csr, "-subj", subject]);
  await openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-out", out.cert, "-days", "30"]);
  return out;
}
