export { GoogleGroupsBackend, type GoogleGroupsBackendOptions } from "./backend.js";
export { UNKNOWN_SINCE } from "./snapshot.js";
export { createAuthClient, describeCredentials, SCOPES } from "./auth.js";
export type { GoogleAuthClient, GoogleCredentials } from "./auth.js";
export type { BackoffOptions } from "./backoff.js";
