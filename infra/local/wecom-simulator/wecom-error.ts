/**
 * WeCom's error answers (WECOM.md §4.3): HTTP 200 with `{errcode, errmsg}`, the errmsg carrying a
 * hint and the error-code lookup link as WeCom writes it. A handler throws `WeComError` from deep
 * inside and the server turns it into that answer in one place.
 */
import { randomBytes } from 'node:crypto';

const errmsgs: Record<number, string> = {
  [-1]: 'system busy',
  40001: 'invalid credential',
  40003: 'invalid userid',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40058: 'invalid parameter',
  40078: 'invalid auth_code, it can only be used once',
  40080: 'invalid suite_secret',
  40082: 'invalid suite_acccess_token or provider_access_token',
  40083: 'invalid suite_id',
  40084: 'invalid permanent_code',
  40085: 'invalid suite_ticket',
  40096: 'invalid external userid',
  41001: 'access_token missing',
  41025: 'permanent_code missing',
  42001: 'access_token expired',
  42009: 'suite_access_token expired',
  45009: 'api freq out of limit',
  45033: 'api concurrent out of limit',
  47001: 'data format error',
  48002: 'api forbidden',
  48004: 'auth relation invalid',
  60011: 'no privilege to access/modify contact/party/agent',
  84014: 'user ticket expired',
  84021: 'register_code missing',
  84022: 'invalid register_code',
  84024: 'no register info',
  84025: 'invalid state',
  84061: 'not external contact',
  84074: 'no external contact privilege',
};

export function defaultErrmsg(errcode: number): string {
  return errmsgs[errcode] ?? 'system busy';
}

export function errorBody(errcode: number, errmsg: string = defaultErrmsg(errcode)): { errcode: number; errmsg: string } {
  const hint = randomBytes(8).toString('hex');
  return {
    errcode,
    errmsg: `${errmsg}, hint: [${Math.floor(Date.now() / 1000)}_${hint}], more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`,
  };
}

export class WeComError extends Error {
  override readonly name = 'WeComError';
  readonly errcode: number;

  constructor(errcode: number, message: string = defaultErrmsg(errcode)) {
    super(message);
    this.errcode = errcode;
  }
}
