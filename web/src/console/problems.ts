/**
 * A 422 problem+json answer's `errors` (FastAPI's `loc` paths) as messages per form field, so
 * a form shows each by the field it is about: `["body", "items", 1, "label"]` → `items.1.label`.
 * Errors about the whole body, and any other problem (409, 404...), go under `FORM`.
 */
import { ApiError } from "../api/client";

export const FORM = "_form";
export type FieldErrors = Record<string, string>;

interface LocatedError {
  loc?: (string | number)[];
  msg?: string;
}

/** Pydantic prefixes custom errors with "Value error, "; the reader does not need it. */
function message(text: string): string {
  return text.replace(/^Value error, /, "");
}

export function fieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiError)) return { [FORM]: error instanceof Error ? error.message : String(error) };
  const located = (error.problem as { errors?: LocatedError[] } | undefined)?.errors;
  if (error.status !== 422 || !Array.isArray(located) || located.length === 0) return { [FORM]: error.message };
  const found: FieldErrors = {};
  for (const entry of located) {
    const path = (entry.loc ?? []).filter((part, index) => !(index === 0 && part === "body")).join(".");
    const field = path || FORM;
    // The first error of a field is the one to fix first.
    found[field] ??= message(entry.msg ?? error.message);
  }
  return found;
}

/** Messages under `prefix.` (an item's fields), keyed by the rest of the path. */
export function errorsUnder(errors: FieldErrors, prefix: string): FieldErrors {
  const inner: FieldErrors = {};
  for (const [path, text] of Object.entries(errors)) {
    if (path.startsWith(`${prefix}.`)) inner[path.slice(prefix.length + 1)] = text;
  }
  return inner;
}
