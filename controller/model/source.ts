/** A file of declared resources; `path` is relative to the source root and is what issues name. */
export interface SourceFile {
  path: string;
  text: string;
}

/** Everything a source holds at one revision. */
export interface SourceSnapshot {
  /** Commit SHA (git), resourceVersion (kubernetes), or `sha256:…` of the contents (folder). */
  revision: string;
  files: SourceFile[];
  /** Files refused before reading because they exceed the size limit (10 MiB). */
  oversized: { path: string; bytes: number }[];
  /**
   * Already-parsed objects (Kubernetes resources from an informer cache), validated as they
   * are rather than rendered to text and re-read; `ref` (`NAMESPACE/Kind/NAME`) is what issues
   * name.
   */
  objects?: SourceObject[];
}

export interface SourceObject {
  ref: string;
  object: unknown;
}

/** Where desired state comes from: a folder, a Git repository, or Kubernetes resources. */
export interface DesiredStateSource {
  /** For logs and errors; never contains a credential. */
  readonly describe: string;
  /** Throws when the source cannot be read: an unreadable source is never "nothing declared". */
  read(): Promise<SourceSnapshot>;
}

export const MAX_SOURCE_FILE_BYTES = 10 * 1024 * 1024;
