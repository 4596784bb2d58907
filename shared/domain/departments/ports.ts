/**
 * What the department grants need from storage; the DynamoDB implementation is
 * `shared/adapters/dynamodb/department-grants.ts`. How the visibility rule reads grants is the
 * accounts area's `GrantLookup` (`shared/domain/accounts/ports.ts`), implemented by the same adapter.
 */

export interface DepartmentGrantStore {
  /** The appids granted to the department, as stored (live or not). */
  granted(tenantId: string, departmentId: string): Promise<string[]>;
  /**
   * Revokes `removed` and grants `added` (disjoint). Revocations are written before grants, so a
   * failure part-way leaves the department with less access, never more; repeating the PUT finishes it.
   */
  replace(tenantId: string, departmentId: string, change: { added: readonly string[]; removed: readonly string[]; grantedBy: string; at: string }): Promise<void>;
}
