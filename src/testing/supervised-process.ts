/**
 * A child process that can never outlive the Node process that started it.
 *
 * Each binary runs under a small `sh` watchdog in its own process group: the
 * watchdog kills the binary (and removes a folder, if asked) as soon as the
 * parent is gone, which covers crashes and SIGKILL, where no exit hook runs.
 * Exit hooks cover the ordinary cases without waiting for the watchdog.
 */
import { ArkSdkError } from "../core/errors.js";
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, rmSync, type WriteStream } from "node:fs";

const WATCHDOG = [
  'parent="$1"; cleanup="$2"; shift 2',
  '"$@" &',
  "child=$!",
  "trap 'kill -9 $child 2>/dev/null' TERM INT",
  'while kill -0 "$child" 2>/dev/null; do',
  '  if ! kill -0 "$parent" 2>/dev/null; then',
  '    kill -9 "$child" 2>/dev/null; wait "$child" 2>/dev/null',
  '    if [ -n "$cleanup" ]; then rm -rf "$cleanup"; fi',
  "    exit 137",
  "  fi",
  "  sleep 0.5",
  "done",
  'wait "$child"',
].join("\n");

/** How a supervised process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link SupervisedProcess}. */
export interface SupervisedProcessOptions {
  /** File receiving the process's combined output. */
  logFile: string;
  /** A folder the watchdog removes if the parent dies without cleaning up. */
  orphanCleanupDir?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

const live = new Set<SupervisedProcess>();
let hooksInstalled = false;

function killAllNow(): void {
  for (const p of live) p.killNow();
}

/** At exit nothing asynchronous runs any more: kill, then remove the folders synchronously. */
function cleanUpAtExit(): void {
  const dirs = [...live].map((p) => p.cleanupDir).filter((d): d is string => Boolean(d));
  killAllNow();
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: the watchdog removes it too.
    }
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", cleanUpAtExit);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      killAllNow();
      // Keep the default behaviour (exit) unless the application handles the signal itself.
      if (process.listenerCount(sig) === 1) {
        process.off(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

/** One binary under a watchdog, with its log kept for error messages. */
export class SupervisedProcess {
  private child?: ChildProcess;
  private log?: WriteStream;
  private tail: string[] = [];
  private partial = "";
  /** Resolves when the current run ends. */
  exited: Promise<ProcessExit> = Promise.resolve({ code: null, signal: null });
  private running = false;

  constructor(
    readonly name: string,
    readonly binary: string,
    readonly args: readonly string[],
    private readonly options: SupervisedProcessOptions,
  ) {}

  /** The folder to remove if the owner exits without stopping the process. */
  get cleanupDir(): string | undefined {
    return this.options.orphanCleanupDir;
  }

  /** Whether the process is currently running. */
  get isRunning(): boolean {
    return this.running;
  }

  /** The process id of the watchdog (the process group leader). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts (or restarts, after it ended) the binary. */
  start(): void {
    if (this.running) throw new ArkSdkError(`${this.name} is already running`);
    installExitHooks();
    this.log = createWriteStream(this.options.logFile, { flags: "a" });
    const child = spawn(
      "/bin/sh",
      ["-c", WATCHDOG, "ark-sdk-watchdog", String(process.pid), this.options.orphanCleanupDir ?? "", this.binary, ...this.args],
      { detached: true, stdio: ["ignore", "pipe", "pipe"], env: this.options.env ?? process.env },
    );
    this.child = child;
    this.running = true;
    live.add(this);
    const onData = (chunk: Buffer) => {
      this.log?.write(chunk);
      this.remember(chunk.toString("utf8"));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    // Don't keep the event loop alive on the child's account: stop() does the waiting.
    child.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    this.exited = new Promise<ProcessExit>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        this.running = false;
        live.delete(this);
        this.log?.end();
        resolve({ code, signal });
      };
      child.once("exit", done);
      child.once("error", (err) => {
        this.remember(`failed to start: ${err.message}\n`);
        done(null, null);
      });
    });
  }

  private remember(text: string): void {
    const lines = (this.partial + text).split("\n");
    this.partial = lines.pop() ?? "";
    this.tail.push(...lines);
    if (this.tail.length > 200) this.tail.splice(0, this.tail.length - 200);
  }

  /** The last `n` lines the process printed. */
  logTail(n = 25): string {
    const lines = this.partial ? [...this.tail, this.partial] : this.tail;
    return lines.slice(-n).join("\n");
  }

  /** Sends SIGKILL to the whole process group, synchronously (safe in exit hooks). */
  killNow(): void {
    const pid = this.child?.pid;
    if (!this.running || pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has ended. */
  async stop(graceMs = 0): Promise<ProcessExit> {
    const pid = this.child?.pid;
    if (!this.running || pid === undefined) return this.exited;
    // While a caller waits for the exit, the child must keep the event loop alive.
    this.child?.ref();
    if (graceMs > 0) {
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
      if ((await Promise.race([this.exited, timer])) !== "timeout") return this.exited;
    }
    this.killNow();
    return this.exited;
  }
}
