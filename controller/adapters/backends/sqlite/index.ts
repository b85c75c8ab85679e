// The embedded Portal store's public surface, for the CLI and `roster serve`.
export { SqliteBackend } from "./backend.js";
export type { SqliteBackendOptions } from "./backend.js";
export { SqliteControllerState } from "./controller-state.js";
export { openSqlite, openStandaloneState } from "./open.js";
export type { OpenedSqlite } from "./open.js";
export { MAX_PAGE_SIZE } from "./queries.js";
export { DEFAULT_ACCEPT_URL_BASE, PortalStore } from "./store.js";
export type { RemoveResult } from "./store.js";
export { STORE_ERRORS } from "./store-errors.js";
export type { StoreErrorCode } from "./store-errors.js";
export type * from "./store-types.js";
