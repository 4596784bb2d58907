/**
 * The WeCom area's domain errors (API.md §1, §7) and how WeCom's own errors (WECOM.md §4.3) reach
 * the caller. Messages are written for a person; details never carry a secret.
 */
import { DomainError, NotFound, WeChatNotReady } from '#shared/errors/domain-errors.ts';
import { WeComApiError, WeComNetworkError } from '#shared/wecom/api-client.ts';

export const featureDisabled = (): DomainError =>
  new DomainError('feature_disabled', "Your organisation's plan does not include WeCom (企业微信). Ask your account manager to turn it on.", {
    details: { feature: 'wecom' },
  });

/** The same answer for "never installed" and "another tenant's corp": nothing is revealed. */
export const corpNotFound = (): NotFound => new NotFound('This workspace has no WeCom corp.');

export const corpBoundElsewhere = (): DomainError =>
  new DomainError('account_bound_elsewhere', 'This WeCom corp is already associated with another workspace.');

export const tenantHasOtherCorp = (): DomainError =>
  new DomainError('already_linked', 'This workspace is already associated with another WeCom corp: uninstall the app there and delete it here first.');

export const uninstallInWeComFirst = (corpId: string): DomainError =>
  new DomainError('revoke_in_wechat_first', 'WeCom still shows the app installed. A WeCom admin uninstalls it first; then delete it here.', {
    details: {
      corpId,
      where: 'WeCom admin console (work.weixin.qq.com) → 应用管理 → 第三方 → the app → 删除应用 / 取消授权',
    },
  });

export const corpNotInstalled = (corpId: string): DomainError =>
  new DomainError('account_not_active', 'The WeCom corp has uninstalled the app; its tokens are no longer used.', {
    details: { corpId, status: 'uninstalled' },
  });

export const suiteNotReady = (): WeChatNotReady =>
  new WeChatNotReady('WeCom has not pushed a suite_ticket that it accepts yet (it pushes one every 10 minutes). Try again shortly.');

/** 45009 / 45033: WeCom blocks for a minute (or an hour) after its limits (WECOM.md §4.2). */
const LIMITED = new Set([45009, 45033]);
/** The suite ticket is missing, invalid or expired: only the next push helps. */
const TICKET = new Set([40085]);

/** WeCom's error as the caller sees it: the hub cannot fix these. */
export function weComFailure(error: unknown): unknown {
  if (error instanceof WeComApiError) {
    if (TICKET.has(error.errcode)) return suiteNotReady();
    if (LIMITED.has(error.errcode)) {
      return new DomainError('try_again', `WeCom's call limits were reached (errcode ${error.errcode}). Try again in a minute.`, {
        details: { errcode: error.errcode },
        headers: { 'Retry-After': '60' },
      });
    }
    if (error.errcode === 60020) {
      return new DomainError('wechat_error', "WeCom refused the hub's egress IP (60020): add the hub's IPs to the provider's IP whitelist.", {
        details: { errcode: 60020 },
      });
    }
    return new DomainError('wechat_error', `WeCom answered ${error.api} with errcode ${error.errcode}.`, { details: { errcode: error.errcode } });
  }
  if (error instanceof WeComNetworkError) {
    return new DomainError('wechat_error', `WeCom could not be reached (${error.failure}).`, { details: { failure: error.failure } });
  }
  return error;
}

/** Runs `work`, turning WeCom's errors into domain errors. */
export async function mappingWeComErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw weComFailure(error);
  }
}
