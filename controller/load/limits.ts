/**
 * Limits that keep hostile input from hanging or crashing a run. Roster documents nest about
 * four levels deep and need no aliases, so the caps sit far above any honest file.
 */

/** Deepest nesting of collections accepted in a document. */
export const MAX_DEPTH = 64;

/**
 * Cap on alias expansion per document (the `yaml` package's `maxAliasCount`: the number of
 * times anchored content is reused, weighted by its own aliases). Billion-laughs documents
 * exceed it at once and are refused without being expanded.
 */
export const MAX_ALIAS_COUNT = 100;
