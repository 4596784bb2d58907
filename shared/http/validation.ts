/**
 * Valibot validation of a request's path parameters, query string and JSON body. Every issue is
 * reported with its field path (`body.count`, `path.appid`) in one `400 validation_failed`.
 */
import * as v from 'valibot';
import { ValidationFailed, type FieldIssue } from '#shared/errors/domain-errors.ts';

export type AnySchema = v.GenericSchema<unknown, unknown>;

export function issuesOf(part: string, issues: readonly v.BaseIssue<unknown>[]): FieldIssue[] {
  return issues.map((issue) => {
    const path = v.getDotPath(issue);
    return { field: path ? `${part}.${path}` : part, message: issue.message };
  });
}

/** Validates each present part; collects all issues before failing. */
export function validateParts<T extends Record<string, AnySchema | undefined>>(
  schemas: T,
  values: { [K in keyof T]: unknown },
): { [K in keyof T]: T[K] extends AnySchema ? v.InferOutput<T[K]> : undefined } {
  const output: Record<string, unknown> = {};
  const problems: FieldIssue[] = [];
  for (const [part, schema] of Object.entries(schemas)) {
    if (!schema) continue;
    const result = v.safeParse(schema, values[part]);
    if (result.success) output[part] = result.output;
    else problems.push(...issuesOf(part, result.issues));
  }
  if (problems.length > 0) throw new ValidationFailed(problems);
  return output as never;
}

/** Common field schemas. */
export const appIdSchema = v.pipe(v.string(), v.regex(/^wx[0-9a-zA-Z]{16}$/, 'must be an appid like wx followed by 16 characters'));
export const noQuery = v.optional(v.strictObject({}), {});
