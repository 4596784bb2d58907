/**
 * What a WeCom failure means for a customer-sync or link step (WECOM.md §4.2–§4.3): the client's
 * errors carry WeCom's `errcode`; 45009/45033 are the frequency limits (the step waits), `-1` and token
 * errors the client could not mend are transient (the queue redelivers), anything else is a refusal.
 */
const QUOTA_ERRCODES: ReadonlySet<number> = new Set([45009, 45033]);
/** Token errors the client could not mend by itself, and WeCom's "system busy". */
const TRANSIENT_ERRCODES: ReadonlySet<number> = new Set([-1, 40014, 42001, 40082, 42009]);

export type CustomerFault = 'quota' | 'transient' | 'refused';

/** The client's errors carry WeCom's `errcode`; anything without one (network, timeout) is transient. */
export function customerFault(error: unknown): CustomerFault {
  const errcode = (error as { errcode?: unknown } | undefined)?.errcode;
  if (typeof errcode !== 'number') return 'transient';
  if (QUOTA_ERRCODES.has(errcode)) return 'quota';
  return TRANSIENT_ERRCODES.has(errcode) ? 'transient' : 'refused';
}

/** The job's error: WeCom's code and a fixed message, never its errmsg (which may echo a request). */
export function customerJobError(error: unknown): { code: string; message: string } {
  const errcode = (error as { errcode?: unknown } | undefined)?.errcode;
  if (typeof errcode === 'number') return { code: 'wecom_error', message: `WeCom refused the customer listing (errcode ${errcode}).` };
  return { code: 'wecom_unavailable', message: 'WeCom could not be reached; start the sync again.' };
}
