export type { ParsedResource } from "./parsed-resource.js";
export { parseSourceFile } from "./parse-file.js";
export { assembleDesiredState } from "./assemble.js";
export { loadDesiredState, validateSnapshot } from "./load-state.js";
export { parseResourceObject } from "./parse-object.js";
export type { LoadResult } from "./load-state.js";
export { VALIDATION_RULES } from "./rules.js";
export { MAX_ALIAS_COUNT, MAX_DEPTH } from "./limits.js";
