import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { OrgSettings } from "../../../model/index.js";
import { BackendError } from "../../../model/index.js";

/**
 * What Google cannot hold for a group, kept by Roster next to its other state: the settings
 * last applied (so the plan converges and auto-provisioning knows the domains), which members
 * domain auto-provisioning added (R8), and when Roster added a member (Google keeps no date).
 */
export interface GroupRecordData {
  version: 1;
  group: string;
  org: string;
  settings?: OrgSettings;
  members: Record<string, { since?: string; autoProvisioned?: boolean }>;
}

/**
 * A small JSON file (or memory only, without a path), loaded once and rewritten atomically
 * (temp file + rename) after changes. Changes made while a write is in flight share the next
 * write (group commit), so concurrent steps do not rewrite the file once each. One process
 * per record: two controllers writing the same group's record are not supported.
 */
export class GroupRecord {
  private data: Promise<GroupRecordData> | undefined;
  private writing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly path: string | undefined,
    private readonly group: string,
    private readonly org: string,
  ) {}

  read(): Promise<GroupRecordData> {
    this.data ??= this.load();
    return this.data;
  }

  /**
   * `change` mutates the data and says whether it changed anything; the promise settles once
   * a write that includes the change is on disk.
   */
  async update(change: (data: GroupRecordData) => boolean): Promise<boolean> {
    const data = await this.read();
    if (!change(data)) return false;
    await this.persist(data);
    return true;
  }

  /** Waits for pending writes. */
  async flush(): Promise<void> {
    await (this.queued ?? this.writing);
  }

  private persist(data: GroupRecordData): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.writing) return this.startWrite(data);
    // A write is in flight and may have serialised the data before this change: queue one more.
    this.queued = this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.startWrite(data);
      });
    return this.queued;
  }

  private startWrite(data: GroupRecordData): Promise<void> {
    const write = this.save(data).finally(() => {
      if (this.writing === write) this.writing = undefined;
    });
    this.writing = write;
    return write;
  }

  private async load(): Promise<GroupRecordData> {
    const fresh: GroupRecordData = { version: 1, group: this.group, org: this.org, members: {} };
    if (this.path === undefined) return fresh;
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return fresh;
      throw new BackendError(
        "invalid",
        `cannot read the Google group record ${this.path}: ${String(error)}`,
      );
    }
    const data = parseRecord(text);
    if (data === undefined) {
      throw new BackendError(
        "invalid",
        `the Google group record ${this.path} is damaged: delete it (the next apply writes the ` +
          `settings again; marks of auto-provisioned members are lost) or restore it from a backup`,
      );
    }
    if (data.group.toLowerCase() !== this.group.toLowerCase()) {
      throw new BackendError(
        "invalid",
        `the Google group record ${this.path} belongs to ${data.group}, not ${this.group}: ` +
          `give each group its own record (?record=PATH)`,
      );
    }
    // Settings belong to one org name; after a rename they are simply applied again.
    if (data.org !== this.org) {
      delete data.settings;
      data.org = this.org;
    }
    return data;
  }

  private async save(data: GroupRecordData): Promise<void> {
    if (this.path === undefined) return;
    // Serialised before the first await: a change made after this point queues its own write.
    const text = `${JSON.stringify(data, null, 2)}\n`;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, this.path);
  }
}

function parseRecord(text: string): GroupRecordData | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const data = raw as Partial<GroupRecordData>;
  if (
    data.version !== 1 ||
    typeof data.group !== "string" ||
    typeof data.org !== "string" ||
    typeof data.members !== "object" ||
    data.members === null
  ) {
    return undefined;
  }
  return data as GroupRecordData;
}
