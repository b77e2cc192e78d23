/** Errors raised while starting or running the local control plane. */

import { ArkSdkError } from "../core/errors.js";

/** Why a control plane could not start or keep running. */
export type ControlPlaneFailure =
  | "missing-binary"
  | "port-in-use"
  | "process-exited"
  | "not-ready"
  | "crd-not-established"
  | "crd-install-failed"
  | "openssl-failed";

/**
 * A control-plane failure, naming the process involved, what to do about it,
 * and the last lines of that process's log.
 */
export class ControlPlaneError extends ArkSdkError {
  constructor(
    readonly failure: ControlPlaneFailure,
    message: string,
    /** `etcd`, `kube-apiserver`, or undefined when no single process is to blame. */
    readonly processName?: string,
    /** The tail of that process's combined stdout/stderr. */
    readonly logTail?: string,
  ) {
    super(logTail ? `${message}\n--- last lines of ${processName ?? "the"} log ---\n${logTail}` : message);
  }
}
