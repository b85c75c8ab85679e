import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { FolderSource } from "../../controller/adapters/sources/folder.js";
import { verifyJournal } from "../../controller/audit/journal-verify.js";
import type { ActualOrganization, IdentityBackend } from "../../controller/model/index.js";
import { isPreconditionFailed } from "../../controller/model/index.js";
import type { ReconcileResult } from "../../controller/reconcile/index.js";
import { reconcile } from "../../controller/reconcile/index.js";
import type { Decoration } from "./decorated-backend.js";
import { decorate } from "./decorated-backend.js";
import {
  checkCleanPass,
  checkConverged,
  checkNoKeyCollision,
  checkObservation,
  checkRevocations,
  checkUnmanagedKept,
} from "./invariants.js";
import type { Command, Declared, Scenario, SourceEdit } from "./model.js";
import {
  cloneDeclared,
  describeCommand,
  DISPLAY_NAMES,
  ORGS,
  ownerOf,
  POOL,
  renderOrg,
} from "./model.js";
import { PortalSide } from "./portal-side.js";
import type { Connection, Target } from "./targets.js";

/** What the sequences exercised, printed after the property: a model that does nothing is caught. */
export const coverage = {
  sequences: 0,
  steps: 0,
  /** Writes the backend refused because the record changed since the snapshot. */
  preconditionFailures: 0,
  kills: 0,
  droppedResponses: 0,
  editsInsidePass: 0,
  skippedEdits: 0,
  /** API keys and sessions of members seen gone, checked dead from then on (R6). */
  revokedCredentials: 0,
};

/** The executor's backoff never sleeps here: retries happen at once. */
const NO_WAIT = { sleep: () => Promise.resolve(), random: () => 0 };

/**
 * Runs one generated sequence against a fresh target: an initial pass, the commands, and a final
 * pass; invariants after every command and at every quiet point. Throws with the whole trace.
 */
export async function runScenario(
  scenario: Scenario,
  makeTarget: () => Promise<Target>,
): Promise<void> {
  const target = await makeTarget();
  const run = new ScenarioRun(target, scenario);
  coverage.sequences++;
  try {
    await run.start();
    for (const command of [...scenario.commands, { kind: "apply" } as const]) {
      await run.execute(command);
    }
    await run.checkJournal();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n--- trace (${target.name}) ---\n${run.trace.join("\n")}`, {
      cause: error,
    });
  } finally {
    await run.close();
    if (process.env.ROSTER_MBT_TRACE) process.stdout.write(`${run.trace.join("\n")}\n\n`);
  }
}

class ScenarioRun {
  readonly trace: string[] = [];
  private readonly started = Date.now();
  private declared: Declared;
  private readonly history: Declared[] = [];
  private readonly src: string;
  private readonly source: FolderSource;
  private readonly portal: PortalSide;
  /** Connections of killed passes: a dead process's handle is dropped, not closed in between. */
  private readonly abandoned: Connection[] = [];
  /** `org email` of Portal-added members Roster must keep (see checkUnmanagedKept). */
  private readonly unmanagedMembers = new Set<string>();
  /** R2 violations seen by the controller itself, in its own snapshots. */
  private readonly observed: string[] = [];

  constructor(
    private readonly target: Target,
    private readonly scenario: Scenario,
  ) {
    this.declared = cloneDeclared(scenario.initial);
    this.src = path.join(target.dir, "src");
    this.source = new FolderSource([this.src]);
    this.portal = new PortalSide(target.store, scenario.orgCount, target.writer);
    this.portal.onForget = (org, email) => this.unmanagedMembers.delete(`${org} ${email}`);
  }

  async start(): Promise<void> {
    await mkdir(this.src, { recursive: true });
    await this.writeSource();
    this.trace.push(`initial ${JSON.stringify(this.declared.map((o) => o.members))}`);
    await this.execute({ kind: this.scenario.firstPass });
    if (!this.scenario.acceptAll) return;
    for (let org = 0; org < this.scenario.orgCount; org++) {
      const pending = this.target.store.snapshot(ORGS[org]!)?.invitations.length ?? 0;
      for (let i = 0; i < pending; i++) {
        this.trace.push(`  ${await this.portal.edit({ kind: "accept", org, pick: 0 })}`);
      }
    }
    this.checkAlways();
  }

  async execute(command: Command): Promise<void> {
    this.trace.push(`> ${describeCommand(command)} (at ${Date.now() - this.started} ms)`);
    if (command.kind !== "source" && command.kind !== "portal") {
      this.portal.passStarting(this.declared);
    }
    switch (command.kind) {
      case "source":
        await this.editSource(command.edit);
        break;
      case "portal": {
        const done = await this.portal.edit(command.edit);
        if (done.endsWith("skipped")) coverage.skippedEdits++;
        this.trace.push(`  ${done}`);
        break;
      }
      case "apply":
        await this.quietPass();
        break;
      case "applyDuring":
        await this.passDuring(command.edit);
        break;
      case "concurrent":
        await this.concurrentPasses();
        break;
      case "crash":
        await this.crashedPass(command.nth, command.afterCommit);
        break;
      case "lostResponse":
        await this.lossyPass(command.nth);
        break;
    }
    this.checkAlways();
  }

  /** Kills and two writers appending at once never break the journal's hash chain. */
  async checkJournal(): Promise<void> {
    if (!this.target.sharedJournal) return;
    const connection = await this.target.connect();
    try {
      // The whole chain (intents included) and the head anchor the store records.
      const verdict = verifyJournal(await connection.state.readChain(), {
        anchor: await connection.state.recordedHead(),
      });
      if (!verdict.ok) throw new Error(`journal: ${verdict.message}`);
    } finally {
      await connection.close();
    }
  }

  async close(): Promise<void> {
    for (const c of this.abandoned) await c.close().catch(() => undefined);
    await this.target.close();
  }

  private checkAlways(): void {
    if (this.observed.length > 0) throw new Error(this.observed.join("\n"));
    for (const org of ORGS.slice(0, this.scenario.orgCount)) {
      checkObservation("store", this.target.store.snapshot(org));
    }
    coverage.revokedCredentials += checkRevocations(this.target.store, this.portal.credentials);
    checkUnmanagedKept(this.target.store, this.portal.unmanaged, this.unmanagedMembers);
  }

  private watch(backend: IdentityBackend, decoration: Decoration = {}): IdentityBackend {
    return decorate(backend, {
      ...decoration,
      onWriteError: (_method, error) => {
        if (isPreconditionFailed(error)) coverage.preconditionFailures++;
      },
      onSnapshot: (org: string, snap: ActualOrganization | null) => {
        try {
          checkObservation("controller snapshot", snap);
        } catch (error) {
          this.observed.push(`${org}: ${(error as Error).message}`);
        }
      },
    });
  }

  private async pass(
    connection: Connection,
    actor: string,
    decoration?: Decoration,
    dryRun = false,
  ): Promise<ReconcileResult> {
    return reconcile(
      {
        source: this.source,
        backend: this.watch(connection.backend, decoration),
        state: connection.state,
      },
      { dryRun, actor, retry: NO_WAIT },
    );
  }

  private summarize(label: string, result: ReconcileResult): void {
    for (const org of result.orgs) {
      coverage.steps += org.results.length;
      const steps = org.results.map(
        (r) =>
          `${r.step.action} ${r.step.email ?? ""}${"to" in r.step && r.step.to ? `→${r.step.to}` : ""} ${r.result}${r.error ? ` (${r.error.message})` : ""}`,
      );
      const blocked = (org.plan?.blocked ?? []).map((b) => `${b.action} ${b.email ?? ""}`);
      this.trace.push(
        `  ${label} ${org.org} ${org.status}: ${steps.join(", ") || "nothing"}${blocked.length ? `; blocked: ${blocked.join(", ")}` : ""}`,
      );
    }
  }

  /** Nobody else writing: this pass must converge, and the next plan must be empty. */
  private async quietPass(): Promise<void> {
    const connection = await this.target.connect();
    try {
      const result = await this.pass(connection, "roster");
      this.summarize("pass", result);
      checkNoKeyCollision("quiet pass", result);
      checkCleanPass("quiet pass", result);
      this.portal.quietPassDone(this.declared);
    } finally {
      await connection.close();
    }
    // The next plan, from yet another fresh process (and, over HTTP, a fresh checkout).
    const fresh = await this.target.connect();
    try {
      const dryRun = await this.pass(fresh, "roster", undefined, true);
      checkConverged(this.target.store, this.declared, dryRun, (org, email) =>
        this.portal.mayStay(org, email),
      );
    } finally {
      await fresh.close();
    }
  }

  private async passDuring(edit: Extract<Command, { kind: "applyDuring" }>["edit"]): Promise<void> {
    let done = false;
    const runEdit = async () => {
      coverage.editsInsidePass += done ? 0 : 1;
      done = true;
      this.trace.push(`  between snapshot and first write: ${await this.portal.edit(edit)}`);
    };
    const connection = await this.target.connect();
    try {
      const result = await this.pass(connection, "roster", { beforeFirstWrite: runEdit });
      this.summarize("pass", result);
      checkNoKeyCollision("pass with an edit inside", result);
      checkCleanPass("pass with an edit inside", result);
    } finally {
      await connection.close();
    }
    if (!done) await runEdit();
  }

  /** `apply` beside `run`: two actors, two connections, one store, at the same time. */
  private async concurrentPasses(): Promise<void> {
    const [a, b] = [await this.target.connect(), await this.target.connect()];
    try {
      const [ra, rb] = await Promise.all([
        this.pass(a, "roster@a", { yieldEachCall: true }),
        this.pass(b, "roster@b", { yieldEachCall: true }),
      ]);
      this.summarize("roster@a", ra);
      this.summarize("roster@b", rb);
      for (const r of [ra, rb]) {
        checkNoKeyCollision("concurrent pass", r);
        checkCleanPass("concurrent pass", r);
      }
    } finally {
      await a.close();
      await b.close();
    }
  }

  private async crashedPass(nth: number, afterCommit: boolean): Promise<void> {
    const connection = await this.target.connect();
    let onKilled = () => undefined as void;
    const killed = new Promise<"killed">((resolve) => (onKilled = () => resolve("killed")));
    const pass = this.pass(connection, "roster", { killAt: { nth, afterCommit, onKilled } });
    const outcome = await Promise.race([killed, pass]);
    if (outcome === "killed") {
      this.abandoned.push(connection);
      coverage.kills++;
      this.trace.push(`  killed at write ${nth}`);
      return;
    }
    this.summarize("pass (finished before the kill)", outcome);
    checkNoKeyCollision("pass", outcome);
    await connection.close();
  }

  private async lossyPass(nth: number): Promise<void> {
    if (!this.target.connectLossy) return this.quietPass();
    const connection = await this.target.connectLossy(nth);
    try {
      const result = await this.pass(connection, "roster");
      const dropped = connection.proxy.log.filter((r) => r.fault === "reset-after-commit");
      coverage.droppedResponses += dropped.length;
      this.trace.push(
        `  responses dropped after commit: ${dropped.map((r) => `${r.method} ${r.path}`).join(", ") || "none"}`,
      );
      this.summarize("pass", result);
      checkNoKeyCollision("pass with a lost response", result);
      checkCleanPass("pass with a lost response", result);
      this.portal.quietPassDone(this.declared);
    } finally {
      await connection.close();
    }
  }

  private async editSource(edit: SourceEdit): Promise<void> {
    const next = cloneDeclared(this.declared);
    const outcome = applySourceEdit(next, edit, this.history, this.declared);
    this.trace.push(`  ${outcome.message}`);
    if (!outcome.changed) return;
    this.history.push(this.declared);
    this.declared = outcome.declared ?? next;
    await this.writeSource();
  }

  private async writeSource(): Promise<void> {
    for (const org of this.declared) {
      await writeFile(path.join(this.src, `${org.name}.yaml`), renderOrg(org));
    }
  }
}

interface EditOutcome {
  changed: boolean;
  message: string;
  /** A revert replaces the whole declared state. */
  declared?: Declared;
}

function applySourceEdit(
  next: Declared,
  edit: SourceEdit,
  history: readonly Declared[],
  current: Declared,
): EditOutcome {
  if (edit.kind === "revert") {
    if (history.length === 0) return { changed: false, message: "no earlier content: skipped" };
    const earlier = history[Math.max(0, history.length - 1 - edit.back)]!;
    return {
      changed: true,
      declared: cloneDeclared(earlier),
      message: `source back to ${JSON.stringify(earlier.map((o) => o.members))} (was ${JSON.stringify(current.map((o) => o.members))})`,
    };
  }
  const org = next[edit.org % next.length]!;
  const owner = ownerOf(org);
  switch (edit.kind) {
    case "setMember": {
      const email = POOL[edit.email]!;
      if (email === owner) return { changed: false, message: `${email} is the owner: skipped` };
      org.members[email] = edit.role;
      return { changed: true, message: `${org.name}: ${email} declared ${edit.role}` };
    }
    case "removeMember": {
      const email = POOL[edit.email]!;
      if (email === owner || !(email in org.members)) {
        return { changed: false, message: `${email} is the owner or not declared: skipped` };
      }
      delete org.members[email];
      return { changed: true, message: `${org.name}: ${email} deleted from the source` };
    }
    case "transferInSource": {
      const email = POOL[edit.email]!;
      if (email === owner) return { changed: false, message: `${email} owns it already: skipped` };
      org.members[owner] = edit.oldOwnerRole;
      org.members[email] = "owner";
      return {
        changed: true,
        message: `${org.name}: owner ${owner} → ${email} in the source (${owner} becomes ${edit.oldOwnerRole})`,
      };
    }
    case "displayName": {
      const name = DISPLAY_NAMES[edit.name % DISPLAY_NAMES.length]!;
      if (org.displayName === name) return { changed: false, message: "same name: skipped" };
      org.displayName = name;
      return { changed: true, message: `${org.name}: displayName ${name}` };
    }
  }
}
