/**
 * SIGTERM / SIGINT handling for the long-running commands, installed before anything else so a
 * pod stopped during start-up still exits cleanly. Each stage that acquires something registers
 * how to let it go; on a signal they run newest first, and the process exits when they are done
 * or when the grace period is over, whichever comes first (Kubernetes sends SIGKILL at 30 s by
 * default; the default grace here leaves a margin).
 */
export interface Shutdown {
  /** Aborted when the first signal arrives. */
  readonly signal: AbortSignal;
  /** Resolves with the signal's name. */
  readonly received: Promise<string>;
  /** Registers a release step; they run newest first, each within the time left. */
  defer(release: (deadlineMs: number) => Promise<void>): void;
  /** Resolves with `work`, or with undefined as soon as a signal arrives. */
  race<T>(work: Promise<T>): Promise<T | undefined>;
  /** Runs the release steps (once) and removes the handlers. */
  finish(): Promise<void>;
  /** Milliseconds of the grace period left (the whole period before a signal). */
  remainingMs(): number;
}

export interface ShutdownOptions {
  graceMs: number;
  log: (message: string, fields?: Record<string, unknown>) => void;
  process?: Pick<NodeJS.Process, "on" | "off" | "exit">;
  clock?: () => number;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

export function installShutdown(options: ShutdownOptions): Shutdown {
  const proc = options.process ?? process;
  const clock = options.clock ?? (() => performance.now());
  const abort = new AbortController();
  const releases: ((deadlineMs: number) => Promise<void>)[] = [];
  let deadline = Number.POSITIVE_INFINITY;
  let resolveReceived: (name: string) => void = () => {};
  const received = new Promise<string>((resolve) => (resolveReceived = resolve));
  let hardStop: NodeJS.Timeout | undefined;
  let finishing: Promise<void> | undefined;

  const onSignal = (name: string) => {
    if (abort.signal.aborted) {
      options.log("second signal: exiting now", { signal: name });
      proc.exit(1);
      return;
    }
    options.log("stopping", { signal: name, graceMs: options.graceMs });
    deadline = clock() + options.graceMs;
    // Whatever still runs at the end of the grace period, the process goes before SIGKILL.
    hardStop = setTimeout(() => {
      options.log("grace period over: exiting with work still in flight");
      proc.exit(1);
    }, options.graceMs);
    hardStop.unref();
    abort.abort();
    resolveReceived(name);
  };
  const onTerm = () => onSignal("SIGTERM");
  const onInt = () => onSignal("SIGINT");
  proc.on("SIGTERM", onTerm);
  proc.on("SIGINT", onInt);

  // Before any signal (start-up failed), releases get the whole grace period, not forever.
  const remainingMs = () =>
    deadline === Number.POSITIVE_INFINITY ? options.graceMs : Math.max(0, deadline - clock());
  return {
    signal: abort.signal,
    received,
    remainingMs,
    defer: (release) => releases.push(release),
    race: <T>(work: Promise<T>) =>
      Promise.race([work, received.then(() => undefined)]) as Promise<T | undefined>,
    finish() {
      finishing ??= (async () => {
        for (const release of releases.reverse()) {
          try {
            await release(remainingMs());
          } catch (error) {
            options.log("unclean stop", { error: String(error) });
          }
        }
        // hardStop stays armed (unref'd): a request the SDK cannot abort must not keep the
        // process up past the grace period.
        proc.off("SIGTERM", onTerm);
        proc.off("SIGINT", onInt);
      })();
      return finishing;
    },
  };
}

/** True when `work` ended within `ms`; false when the time ran out first. */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, Math.floor(ms)));
  });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
