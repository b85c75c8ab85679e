import { existsSync, statSync } from "node:fs";
import type { MailAttempt } from "../adapters/backends/sqlite/mail-dispatcher.js";
import type { PortalStore } from "../adapters/backends/sqlite/store.js";
import { openHttpBackend } from "./http-backend-uri.js";
import { openGoogleBackend } from "./google-uri.js";
import type { ControllerState, IdentityBackend, Mailer } from "../model/index.js";
import { redactUrls } from "../model/index.js";
import { UsageError } from "./errors.js";

export const DEFAULT_BACKEND_URI = "sqlite:.roster/portal.db";
/** Where backends that are not SQLite keep the controller state (journal, managed sets). */
export const DEFAULT_STATE_PATH = ".roster/state.db";

/** The `--backend` forms, for help texts and errors. New schemes add a line and a `case`. */
export const SUPPORTED_BACKENDS = [
  "sqlite:PATH (embedded Portal store; default sqlite:.roster/portal.db)",
  "http(s)://HOST (the Portal team API; key from --token-file FILE or ROSTER_TOKEN)",
  "google:GROUP_EMAIL[?org=NAME] (a Google Group via the Directory API; see docs/google.md)",
];

export interface OpenBackendOptions {
  mailer?: Mailer;
  /** Told about every invitation mail delivery attempt (the controller's metrics). */
  onMailAttempt?: (attempt: MailAttempt) => void;
  /** Accept link base in invitation mail (embedded store). */
  acceptUrlBase?: string;
  now?: () => Date;
  /** Non-fatal problems (an invitation mail not sent); default: a line on stderr. */
  onWarning?: (message: string) => void;
  /** false: a missing SQLite file is an error instead of a new empty store (read-only commands). */
  create?: boolean;
  /** Called before a new SQLite store is created at this path (advice about .gitignore). */
  onCreate?: (file: string) => void;
  /** Controller state file for backends that are not SQLite (default `.roster/state.db`). */
  statePath?: string;
  /**
   * `--state sqlite:PATH`: the explicit state location. For a backend without per-record marks
   * (google:) it holds the managed set (and the journal); without it that set is unknown. For
   * http(s) it moves the journal (and is where an earlier Roster left its managed set): the
   * Portal keeps the marks.
   */
  stateUri?: string;
  /** `--token-file FILE` for http(s) backends (otherwise the ROSTER_TOKEN variable). */
  tokenFile?: string;
  /** Keys the journal's hash chain (`--journal-key-file` or ROSTER_JOURNAL_KEY). */
  journalKey?: Uint8Array;
}

export interface OpenedBackend {
  backend: IdentityBackend;
  /** The journal (always present). */
  state: ControllerState;
  /**
   * Where the managed set lives when the backend keeps no marks (`backend.managedMarks` false):
   * the `--state` location. Undefined when there is none: removals by memory are unknown, and
   * the plan says so. For backends with marks (sqlite:, http(s)://) it is the controller state,
   * read only for what an earlier Roster remembered there (apply/legacy-managed.ts).
   */
  managedState?: ControllerState;
  /** The embedded store itself, only for `sqlite:` (the `roster portal` commands need it). */
  store?: PortalStore;
  close(): Promise<void>;
}

/**
 * The composition root for `--backend URI`. Each scheme is one `case`: `http(s)://HOST` and
 * `google:GROUP` are added next to `sqlite:` by their modules. Messages never echo credentials.
 */
export async function openBackend(
  uri: string = DEFAULT_BACKEND_URI,
  options: OpenBackendOptions = {},
): Promise<OpenedBackend> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  const explicitState =
    options.stateUri === undefined ? undefined : parseStateUri(options.stateUri);
  switch (scheme) {
    case "sqlite":
      if (explicitState !== undefined) {
        throw new UsageError(
          "--state is for backends that are not the embedded store: sqlite: keeps Roster's " +
            "marks and journal in its own file (leave --state out)",
        );
      }
      return openSqliteUri(uri.slice("sqlite:".length), options);
    case "http":
    case "https": {
      const { openStandaloneState } = await loadSqlite();
      const file = stateFile(explicitState ?? statePath(options), options);
      const opened = await openHttpBackend(uri, options, () =>
        openStandaloneState(file, options.journalKey),
      );
      // An earlier Roster kept its managed set in this state file: moved into the Portal's marks.
      return { ...opened, managedState: opened.state };
    }
    case "google": {
      const { openStandaloneState } = await loadSqlite();
      const file = stateFile(explicitState ?? statePath(options), options);
      return openGoogleBackend(
        uri,
        { ...options, managedSetKnown: explicitState !== undefined },
        () => openStandaloneState(file, options.journalKey),
      );
    }
    default:
      throw new UsageError(
        `unknown backend "${redactUrls(uri)}"` +
          (scheme === undefined && uri !== "" ? ` (did you mean sqlite:${uri}?)` : "") +
          `; supported: ${SUPPORTED_BACKENDS.join("; ")}`,
      );
  }
}

/** better-sqlite3 and the store load when a backend is opened, not at every CLI start-up. */
function loadSqlite() {
  return import("../adapters/backends/sqlite/open.js");
}

async function openSqliteUri(file: string, options: OpenBackendOptions): Promise<OpenedBackend> {
  if (file === "") {
    throw new UsageError(`sqlite: needs a file path, e.g. --backend ${DEFAULT_BACKEND_URI}`);
  }
  const create = options.create ?? true;
  if (!create && !holdsData(file)) {
    throw new UsageError(
      `no Portal store at ${file}: check --backend; \`roster apply\` creates it on first use, ` +
        `\`roster portal init --backend sqlite:${file}\` creates an empty one`,
    );
  }
  if (create && !existsSync(file)) options.onCreate?.(file);
  const { openSqlite } = await loadSqlite();
  const opened = openSqlite(file, {
    create,
    onWarning:
      options.onWarning ?? ((message) => process.stderr.write(`roster: warning: ${message}\n`)),
    ...(options.mailer ? { mailer: options.mailer } : {}),
    ...(options.onMailAttempt ? { onMailAttempt: options.onMailAttempt } : {}),
    ...(options.acceptUrlBase ? { acceptUrlBase: options.acceptUrlBase } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.journalKey ? { journalKey: options.journalKey } : {}),
  });
  // An earlier Roster kept its managed set in this file's controller state: moved into marks.
  return { ...opened, managedState: opened.state };
}

/**
 * A 0-byte file (`touch portal.db`, a failed copy) is no store either: SQLite would open it as an
 * empty database and the migrations would write a schema into it from a read-only command.
 */
function holdsData(file: string): boolean {
  try {
    const stat = statSync(file);
    return !stat.isFile() || stat.size > 0;
  } catch {
    return false;
  }
}

/** `--state sqlite:PATH`, the one form there is; anything else is refused before opening. */
export function parseStateUri(uri: string): string {
  const file = /^sqlite:(.+)$/.exec(uri)?.[1];
  if (file === undefined || file.trim() === "") {
    throw new UsageError(
      `--state takes sqlite:PATH (a controller state file, e.g. --state sqlite:/data/roster-state.db), not "${redactUrls(uri)}"`,
    );
  }
  return file;
}

/**
 * A read-only command (`create: false`) never creates the state file: with none yet it reads
 * an empty state in memory, which is what a new file would hold, and leaves no `.roster/`.
 */
function stateFile(file: string, options: OpenBackendOptions): string {
  return options.create === false && !existsSync(file) ? ":memory:" : file;
}

/** For backends that are not SQLite: the controller state lives in a file of its own. */
function statePath(options: OpenBackendOptions): string {
  return options.statePath ?? DEFAULT_STATE_PATH;
}
