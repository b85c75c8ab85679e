import type { FieldError } from "./kube-crd-validation.js";

/**
 * The Status bodies a kube-apiserver answers errors with (apimachinery `api/errors`): the
 * message wording, the reason and the details clients read (`details.causes` of a 422).
 */

/** `metav1.StatusDetails` of an error answer. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: { reason: string; message: string; field: string }[];
}

export class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }
}

export function statusObject(error: HttpError) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: error.message,
    reason: error.reason,
    ...(error.details ? { details: error.details } : {}),
    code: error.code,
  };
}

/** `members.roster.workjet.io`, `leases.coordination.k8s.io`, `events`: how errors name it. */
function qualified(resource: string): string {
  const { group, kind } = detailsOf(resource);
  return group ? `${kind}.${group}` : kind;
}

/** Group and plural of a `URL prefix|plural` resource key. */
function detailsOf(resource: string): { group: string; kind: string } {
  const [prefix = "", plural = resource] = resource.split("|");
  const group = prefix.startsWith("/apis/") ? (prefix.split("/")[2] ?? "") : "";
  return { group, kind: plural };
}

/** The answer to a DELETE that removed the object at once (registries without ReturnDeletedObject). */
export function deletedStatus(resource: string, name: string, uid: string | undefined) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { name, ...detailsOf(resource), ...(uid ? { uid } : {}) },
  };
}

export function notFound(resource: string, name: string): HttpError {
  return new HttpError(404, "NotFound", `${qualified(resource)} "${name}" not found`, {
    ...detailsOf(resource),
    name,
  });
}

export function alreadyExists(resource: string, name: string): HttpError {
  return new HttpError(409, "AlreadyExists", `${qualified(resource)} "${name}" already exists`, {
    ...detailsOf(resource),
    name,
  });
}

export function conflict(resource: string, name: string): HttpError {
  return new HttpError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { ...detailsOf(resource), name },
  );
}

/** apimachinery `errors.NewInvalid`: one message listing every field error, and the causes. */
export function invalidObject(
  type: { apiVersion: string; kind: string },
  name: string,
  errors: FieldError[],
): HttpError {
  const group = type.apiVersion.includes("/") ? (type.apiVersion.split("/")[0] ?? "") : "";
  const messages = [...new Set(errors.map((e) => `${e.field}: ${e.body}`))];
  const all = messages.length === 1 ? messages[0] : `[${messages.join(", ")}]`;
  return new HttpError(422, "Invalid", `${type.kind}.${group} "${name}" is invalid: ${all}`, {
    name,
    group,
    kind: type.kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.body, field: e.field })),
  });
}
