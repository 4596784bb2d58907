/**
 * The WeCom area's keys (the layout table is in `shared/domain/wecom/ports.ts`'s header). Ids are
 * opaque and case-sensitive: never normalised.
 */
import type { WeComTokenKind } from '#shared/domain/wecom/ports.ts';

export const wecomKeys = {
  suite: (suiteId: string) => `WECOM_SUITE#${suiteId}`,
  provider: (corpId: string) => `WECOM_PROVIDER#${corpId}`,
  corp: (corpId: string) => `WECOM_CORP#${corpId}`,
  tenant: (tenantId: string) => `TENANT#${tenantId}`,
  state: (state: string) => `WECOM_STATE#${state}`,
  event: (eventKey: string) => `WECOM_EVENT#${eventKey}`,
  ticketSk: 'TICKET',
  tokenSk: 'TOKEN',
  corpSk: 'CORP',
  tenantCorpSk: 'WECOM_CORP',
  miniProgramSk: 'WECOM_MINIPROGRAM',
  stateSk: 'STATE',
  eventSk: 'EVENT',
};

export function tokenKey(which: WeComTokenKind): { pk: string; sk: string } {
  const pk =
    which.kind === 'suite' ? wecomKeys.suite(which.suiteId) : which.kind === 'provider' ? wecomKeys.provider(which.corpId) : wecomKeys.corp(which.corpId);
  return { pk, sk: wecomKeys.tokenSk };
}
