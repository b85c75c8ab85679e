import { randomBytes } from "node:crypto";
import type { CoreV1Api, CoreV1Event } from "@kubernetes/client-node";
import { CONTROLLER_NAME } from "./constants.js";
import type { RosterKind, RosterObject } from "./objects.js";
import { API_VERSION } from "./objects.js";

export interface RecordedEvent {
  kind: RosterKind;
  object: RosterObject;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/**
 * Records core/v1 Events on our objects (`kubectl describe member alice` shows them). A Warning
 * repeated with the same reason and message on the same object inside `dedupeMs` is recorded
 * once: a Stalled org would otherwise add an Event on every resync.
 */
export class EventRecorder {
  recorded = 0;
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly api: CoreV1Api,
    private readonly instance: string,
    private readonly onError: (error: unknown) => void,
    /** Checked before every Event: a deposed leader records nothing. */
    private readonly mayWrite: () => boolean = () => true,
    private readonly dedupeMs = 10 * 60_000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Events are best effort: a failure to record one is logged, never fails the reconcile. */
  async record(events: readonly RecordedEvent[]): Promise<void> {
    for (const e of events) {
      if (!this.mayWrite()) return;
      const key = `${e.object.metadata.uid ?? ""}|${e.object.metadata.name}|${e.reason}|${e.message}`;
      const now = this.now();
      const last = this.recent.get(key);
      if (e.type === "Warning" && last !== undefined && now.getTime() - last < this.dedupeMs)
        continue;
      this.recent.set(key, now.getTime());
      try {
        await this.api.createNamespacedEvent({
          namespace: e.object.metadata.namespace ?? "default",
          body: this.toEvent(e, now),
        });
        this.recorded++;
      } catch (error) {
        this.onError(error);
      }
    }
    this.prune();
  }

  private toEvent(e: RecordedEvent, now: Date): CoreV1Event {
    const { name, namespace, uid, resourceVersion } = e.object.metadata;
    return {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${name}.${randomBytes(8).toString("hex")}`, namespace },
      involvedObject: {
        apiVersion: API_VERSION,
        kind: e.kind,
        name,
        namespace,
        uid,
        resourceVersion,
      },
      type: e.type,
      reason: e.reason,
      message: e.message.slice(0, 1024),
      source: { component: CONTROLLER_NAME },
      reportingComponent: CONTROLLER_NAME,
      reportingInstance: this.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
  }

  private prune(): void {
    const cutoff = this.now().getTime() - this.dedupeMs;
    for (const [key, at] of this.recent) if (at < cutoff) this.recent.delete(key);
  }
}
