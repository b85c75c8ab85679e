import type {
  ConfigurationOptions,
  Middleware,
  ObservableMiddleware,
  RequestContext,
} from "@kubernetes/client-node";
import { Observable } from "@kubernetes/client-node";

/**
 * Per-call options that abort the request when `signal` does (on top of the client's own
 * timeout). @kubernetes/client-node 1.4 puts no timeout on ordinary calls; its RequestContext
 * carries a signal to node-fetch, so a middleware is where a deadline can reach the socket.
 * (Call-time options take the Observable form of middleware; createConfiguration the Promise one.)
 */
export function withSignal(signal: AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (context) => new Observable(Promise.resolve(addSignal(context, signal))),
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: "append" };
}

/** A middleware giving every request a deadline of `ms`, combined with any signal already set. */
export function timeoutMiddleware(ms: number): Middleware {
  return {
    pre: (context) => Promise.resolve(addSignal(context, AbortSignal.timeout(ms))),
    post: (response) => Promise.resolve(response),
  };
}

function addSignal(context: RequestContext, signal: AbortSignal): RequestContext {
  const existing = context.getSignal();
  context.setSignal(existing ? AbortSignal.any([existing, signal]) : signal);
  return context;
}
