/** The path of the department routes: the console's own department ids, matched exactly. */
import * as v from 'valibot';
import { departmentIdPattern } from '#shared/domain/departments/grants.ts';

export const departmentIdSchema = v.pipe(
  v.string(),
  v.maxLength(128, 'must be at most 128 characters'),
  v.regex(departmentIdPattern, 'must be 1 to 128 of A-Z a-z 0-9 _ . : @ -'),
);

export const departmentParams = v.strictObject({ departmentId: departmentIdSchema });
