/**
 * A small in-memory WeCom for the WeCom use cases' integration tests: the suite/provider/corp
 * token APIs, pre-auth codes and session info, single-use auth codes (40078 once spent), permanent
 * codes, auth info with a visible range, register codes. Every secret it hands out is recorded in
 * `secrets`, so a test can scan what the hub wrote, logged or published for them.
 */
import { randomBytes } from 'node:crypto';
import type { AuthInfoResult, PermanentCodeResult, VisibleRange, WeComApi, WeComTokenSource } from '#shared/domain/wecom/ports.ts';
import { WeComApiError } from '#shared/wecom/api-client.ts';

const secret = (prefix: string) => `${prefix}${randomBytes(18).toString('hex')}`;

export class FakeWeCom implements WeComApi {
  readonly secrets = new Set<string>();
  readonly calls: string[] = [];
  readonly tickets = new Set<string>();
  readonly sessions = new Map<string, number>();
  private readonly preAuthCodes = new Set<string>();
  private readonly authCodes = new Map<string, { corpId: string; state?: string; spent: boolean }>();
  private readonly permanentCodes = new Map<string, string>();
  readonly ranges = new Map<string, VisibleRange>();
  private readonly suiteTokens = new Set<string>();
  readonly corpTokens = new Map<string, string>();

  private mint(prefix: string): string {
    const value = secret(prefix);
    this.secrets.add(value);
    return value;
  }

  newTicket(): string {
    const ticket = this.mint('ticket');
    this.tickets.add(ticket);
    return ticket;
  }

  /** The admin installs from the page: an auth code for `corpId` (10 minutes, once). */
  install(corpId: string, state?: string, range: VisibleRange = { departments: [1], users: [], tags: [] }): string {
    this.ranges.set(corpId, range);
    const code = this.mint('authcode');
    this.authCodes.set(code, { corpId, ...(state ? { state } : {}), spent: false });
    return code;
  }

  private requireSuite(source: string): void {
    if (!this.suiteTokens.has(source)) throw new WeComApiError('suite', 40082, 'invalid suite_access_token');
  }

  async getSuiteToken(request: { suiteId: string; suiteSecret: string; suiteTicket: string }): Promise<{ token: string; expiresIn: number }> {
    this.calls.push('get_suite_token');
    if (!this.tickets.has(request.suiteTicket)) throw new WeComApiError('service/get_suite_token', 40085, 'invalid suite_ticket');
    const token = this.mint('suitetoken');
    this.suiteTokens.add(token);
    return { token, expiresIn: 7200 };
  }

  async getProviderToken(): Promise<{ token: string; expiresIn: number }> {
    this.calls.push('get_provider_token');
    return { token: this.mint('providertoken'), expiresIn: 7200 };
  }

  async getCorpToken(suite: WeComTokenSource, request: { authCorpId: string; permanentCode: string }): Promise<{ token: string; expiresIn: number }> {
    this.calls.push('get_corp_token');
    this.requireSuite(await suite.current());
    if (this.permanentCodes.get(request.authCorpId) !== request.permanentCode)
      throw new WeComApiError('service/get_corp_token', 40084, 'invalid permanent_code');
    const token = this.mint('corptoken');
    this.corpTokens.set(request.authCorpId, token);
    return { token, expiresIn: 7200 };
  }

  async getPreAuthCode(suite: WeComTokenSource): Promise<{ preAuthCode: string; expiresIn: number }> {
    this.calls.push('get_pre_auth_code');
    this.requireSuite(await suite.current());
    // Not a secret: the install link carries it to the admin's browser (WECOM.md §3.5).
    const code = secret('preauth');
    this.preAuthCodes.add(code);
    return { preAuthCode: code, expiresIn: 1200 };
  }

  async setSessionInfo(suite: WeComTokenSource, request: { preAuthCode: string; authType: 0 | 1 }): Promise<void> {
    this.calls.push('set_session_info');
    this.requireSuite(await suite.current());
    this.sessions.set(request.preAuthCode, request.authType);
  }

  async getPermanentCode(suite: WeComTokenSource, request: { authCode: string }): Promise<PermanentCodeResult> {
    this.calls.push('v2/get_permanent_code');
    this.requireSuite(await suite.current());
    const code = this.authCodes.get(request.authCode);
    if (!code || code.spent) throw new WeComApiError('service/v2/get_permanent_code', 40078, 'invalid auth_code');
    code.spent = true;
    const permanentCode = this.permanentCodes.get(code.corpId) ?? this.mint('permanent');
    this.permanentCodes.set(code.corpId, permanentCode);
    return { permanentCode, corpId: code.corpId, corpName: `Corp ${code.corpId}`, ...(code.state ? { state: code.state } : {}) };
  }

  async getAuthInfo(suite: WeComTokenSource, request: { authCorpId: string; permanentCode: string }): Promise<AuthInfoResult> {
    this.calls.push('get_auth_info');
    this.requireSuite(await suite.current());
    if (this.permanentCodes.get(request.authCorpId) !== request.permanentCode)
      throw new WeComApiError('service/get_auth_info', 40084, 'invalid permanent_code');
    return {
      corpId: request.authCorpId,
      corpName: `Corp ${request.authCorpId}`,
      agentId: 1000001,
      visibleRange: this.ranges.get(request.authCorpId)!,
      customerPermission: true,
    };
  }

  async getRegisterCode(): Promise<{ registerCode: string; expiresIn: number }> {
    this.calls.push('get_register_code');
    return { registerCode: this.mint('register'), expiresIn: 600 };
  }

  async getFollowUserList(): Promise<string[]> {
    return [];
  }

  async batchGetByUser(): Promise<never> {
    throw new Error('not in this fake');
  }

  async getExternalContact(): Promise<never> {
    throw new Error('not in this fake');
  }

  async unionidToExternalUserid(): Promise<never> {
    throw new Error('not in this fake');
  }
}
