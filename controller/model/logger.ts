export type LogFields = Record<string, unknown>;

/**
 * The one logger shape of every controller mode (folder, Git, Kubernetes): a message and the
 * structured fields of one JSON line. The composition root picks the implementation (pino for
 * `roster run` on files, JSON lines on stderr in Kubernetes mode); nothing else knows it.
 */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
