import type { KubeConfig } from "@kubernetes/client-node";
import { Watch } from "@kubernetes/client-node";

export interface BoundedWatchOptions {
  /**
   * Asked of the API server (`timeoutSeconds`): it ends the watch after this long, plus up to
   * the same again at random (client-go picks 5–10 min), and the informer re-watches from its
   * newest resourceVersion. Default 300 s.
   */
  timeoutSeconds?: number;
  /** The response headers must arrive within this (default 30 s, the API call timeout). */
  connectTimeoutMs?: number;
  /** How long past its timeout a watch may stay open before it is taken for dead. */
  graceMs?: number;
  random?: () => number;
  /**
   * The owner's stop: aborts the watch, the one still connecting included. client-node's
   * ListWatch.stop() aborts only a watch whose connection is already made; one it is still
   * opening when stop() runs is kept, and its socket holds the process open after shutdown.
   */
  stopSignal?: () => AbortSignal;
}

type Query = Record<string, string | number | boolean | undefined>;
type Callback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;

/**
 * client-node's Watch with the deadlines it lacks. It sends neither `allowWatchBookmarks` nor
 * `timeoutSeconds`, and the 30 s timeout it builds is overwritten before use (watch.js 1.4), so
 * a silently dead connection went unnoticed until TCP keepalive gave up (~11 min of stale
 * cache). Here the server is asked to end every watch, bookmarks keep the resourceVersion
 * fresh so re-watching needs no re-list, and a watch that outlives the server's timeout by a
 * grace period is aborted (the informer then re-lists). The abort reaches the socket through a
 * trap on the request's `signal`, which Watch sets itself after asking the config for options.
 */
export class BoundedWatch extends Watch {
  private readonly timeoutSeconds: number;
  private readonly connectTimeoutMs: number;
  private readonly random: () => number;
  private readonly graceMs: number | undefined;
  private readonly stopSignal: (() => AbortSignal) | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    options: BoundedWatchOptions = {},
  ) {
    super(kubeConfig);
    this.timeoutSeconds = options.timeoutSeconds ?? 300;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.graceMs = options.graceMs;
    this.stopSignal = options.stopSignal;
  }

  override async watch(
    path: string,
    queryParams: Query,
    callback: Callback,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const timeoutSeconds = Math.round(this.timeoutSeconds * (1 + this.random()));
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const abortAfter = (ms: number, why: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => deadline.abort(new Error(why)), ms);
      timer.unref();
    };
    abortAfter(this.connectTimeoutMs, `no answer to the watch of ${path}`);
    const stop = this.stopSignal?.();
    const onStop = () => deadline.abort(new Error(`the watch of ${path} was stopped`));
    if (stop?.aborted) onStop();
    else stop?.addEventListener("abort", onStop, { once: true });
    const config = trappedConfig(this.kubeConfig, deadline.signal);
    const controller = await new Watch(config).watch(
      path,
      { ...queryParams, allowWatchBookmarks: true, timeoutSeconds },
      callback,
      (err) => {
        ended = true;
        clearTimeout(timer);
        stop?.removeEventListener("abort", onStop);
        done(err);
      },
    );
    if (!ended) {
      const graceMs = this.graceMs ?? Math.max(5_000, timeoutSeconds * 250);
      abortAfter(timeoutSeconds * 1000 + graceMs, `the watch of ${path} outlived its timeout`);
    }
    return controller;
  }
}

/** The same config, except that the signal Watch puts on its request also obeys `signal`. */
function trappedConfig(config: KubeConfig, signal: AbortSignal): KubeConfig {
  return {
    getCurrentCluster: () => config.getCurrentCluster(),
    applyToFetchOptions: async (opts: object) => {
      const init = (await config.applyToFetchOptions(opts)) as Record<string, unknown>;
      let current: AbortSignal = signal;
      Object.defineProperty(init, "signal", {
        configurable: true,
        enumerable: true,
        get: () => current,
        set: (value: AbortSignal | undefined) => {
          current = value ? AbortSignal.any([value, signal]) : signal;
        },
      });
      return init;
    },
  } as unknown as KubeConfig;
}
