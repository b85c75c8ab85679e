import type { FieldError } from "./kube-crd-validation.js";
import { fieldError, sameJson, validateCustomResource } from "./kube-crd-validation.js";
import { HttpError } from "./kube-errors.js";
import type { SchemaNode } from "./kube-structural.js";
import { decodeCustomResource } from "./kube-structural.js";

/**
 * The request pipeline of a custom resource write, in a kube-apiserver's order: decode the body
 * (prune, default: kube-structural.ts) with `?fieldValidation=`, then, once the strategy has
 * prepared the object, validate it (metadata rules, the CRD schema, ratcheting on update).
 */

/** How a write treats unknown fields: `?fieldValidation=`, Warn by default since Kubernetes 1.27. */
export interface WriteOptions {
  fieldValidation?: string;
  /** Receives the `Warning` header values the answer carries. */
  warnings?: string[];
}

interface Meta {
  metadata: { name: string; finalizers?: string[]; deletionTimestamp?: string };
}

/** A request body, decoded: unknown fields pruned (warned about, or refused when Strict). */
export function decodeBody<T extends object>(
  schema: SchemaNode,
  body: T,
  options: WriteOptions,
): T {
  const object = structuredClone(body);
  const unknown = decodeCustomResource(object as Record<string, unknown>, schema);
  const messages = unknown.map((path) => `unknown field "${path}"`);
  if (options.fieldValidation === "Strict" && messages.length > 0) {
    throw new HttpError(400, "BadRequest", `strict decoding error: ${messages.join(", ")}`);
  }
  if (options.fieldValidation !== "Ignore") options.warnings?.push(...messages);
  return object;
}

/** An object read from storage, decoded with today's schema (the stored bytes stay as they are). */
export function decodeStored<T extends object>(schema: SchemaNode, stored: T): T {
  const object = structuredClone(stored);
  decodeCustomResource(object as Record<string, unknown>, schema);
  return object;
}

/**
 * The field errors customResourceStrategy.Validate / ValidateUpdate finds: an invalid name, a
 * finalizer added to an object being deleted, everything the schema refuses. On update, errors
 * about values already stored are excused (validation ratcheting, CRDValidationRatcheting, on
 * by default since Kubernetes 1.30).
 */
export function admissionErrors<T extends Meta>(
  schema: SchemaNode,
  next: T,
  old: T | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  const { name } = next.metadata;
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    errors.push(fieldError("FieldValueInvalid", "metadata.name", name, DNS_SUBDOMAIN_MESSAGE));
  }
  const added = (next.metadata.finalizers ?? []).filter(
    (f) => !(old?.metadata.finalizers ?? []).includes(f),
  );
  if (old?.metadata.deletionTimestamp && added.length > 0) {
    const list = added.map((f) => JSON.stringify(f)).join(", ");
    const detail = `no new finalizers can be added if the object is being deleted, found new finalizers []string{${list}}`;
    errors.push(fieldError("FieldValueForbidden", "metadata.finalizers", undefined, detail));
  }
  const schemaErrors = validateCustomResource(next as unknown as Record<string, unknown>, schema);
  errors.push(...(old ? schemaErrors.filter((e) => !unchangedAt(e, next, old)) : schemaErrors));
  return errors;
}

/**
 * True when the value an error is about was already stored: the same value at the same path
 * (a Required error: the same object that lacks the field). A value that is new (a list item
 * added, a field set) is never excused.
 */
function unchangedAt(error: FieldError, next: object, old: object): boolean {
  const steps = error.field.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "");
  if (error.type === "FieldValueRequired") steps.pop();
  const at = (o: unknown) =>
    steps.reduce<unknown>(
      (v, step) =>
        typeof v === "object" && v !== null ? (v as Record<string, unknown>)[step] : undefined,
      o,
    );
  const before = at(old);
  return before !== undefined && sameJson(at(next), before);
}

// Custom resource names are DNS subdomains (apimachinery NameIsDNSSubdomain).
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
