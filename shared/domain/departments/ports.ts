/**
 * What the department grants need from storage; the DynamoDB implementation is
 * `shared/adapters/dynamodb/department-grants.ts`. How the visibility rule reads grants is the
 * accounts area's `GrantLookup` (`shared/domain/accounts/ports.ts`), implemented by the same adapter.
 */

/** A department's grants as stored, with the version of the department they were read at. */
export interface StoredGrants {
  /** The appids granted to the department, as stored (live or not). */
  appids: string[];
  /** Bumped by every change of the department's set; 0 before the first. */
  version: number;
  /** ISO; set while a change too large for one transaction is being written, until when it may take. */
  changingUntil?: string;
}

export interface GrantChange {
  /** The version the change was computed from: it is written only while the department is still at it. */
  version: number;
  /** Disjoint. */
  added: readonly string[];
  removed: readonly string[];
  grantedBy: string;
  /** ISO. */
  at: string;
}

export interface DepartmentGrantStore {
  /** The department's set and version; the version is read first, so a set changed after it never passes for that version. */
  granted(tenantId: string, departmentId: string): Promise<StoredGrants>;
  /**
   * Revokes `removed` and grants `added`, and moves the department to a new version — only while it
   * is at `change.version` and no other change is being written (`changed` otherwise, and nothing
   * is written). A change that does not fit one transaction first claims the department, then
   * writes revocations before grants, so a failure part-way leaves less access, never more, and the
   * next PUT, once the claim has lapsed, writes its whole set over it.
   */
  replace(tenantId: string, departmentId: string, change: GrantChange): Promise<'replaced' | 'changed'>;
}
