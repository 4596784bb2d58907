/**
 * The WeCom client's contract: token APIs that answer success without `errcode`, one retry with a
 * fresh token after WeCom refuses one (the used one expired, not another), and secrets WeCom echoes
 * in `errmsg` masked.
 */
import { describe, expect, it } from 'vitest';
import { WeComApiClient, WeComApiError } from '#shared/wecom/api-client.ts';

function client(answers: Record<string, unknown>[]) {
  const urls: string[] = [];
  const fetch = (async (url: URL) => {
    urls.push(String(url));
    return new Response(JSON.stringify(answers.shift()), { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { api: new WeComApiClient({ apiBase: 'https://qyapi.example', fetch, sleep: async () => undefined }), urls };
}

function tokens(...values: string[]) {
  const expired: string[] = [];
  let current = values.shift()!;
  return {
    expired,
    source: {
      current: async () => current,
      expire: async (used: string) => {
        expired.push(used);
        current = values.shift() ?? current;
      },
    },
  };
}

describe('the WeCom client', () => {
  it('reads get_suite_token’s answer without errcode as success', async () => {
    const { api } = client([{ suite_access_token: 'SUITE-TOKEN', expires_in: 7200 }]);
    expect(await api.getSuiteToken({ suiteId: 's', suiteSecret: 'x', suiteTicket: 't' })).toEqual({ token: 'SUITE-TOKEN', expiresIn: 7200 });
  });

  it('expires the refused suite token (42009) and retries once with the fresh one', async () => {
    const { api, urls } = client([
      { errcode: 42009, errmsg: 'suite_access_token expired' },
      { errcode: 0, pre_auth_code: 'PRE', expires_in: 1200 },
    ]);
    const suite = tokens('OLD', 'NEW');
    const answer = await api.getPreAuthCode(suite.source);
    expect(answer.preAuthCode).toBe('PRE');
    expect(suite.expired).toEqual(['OLD']);
    expect(urls.map((url) => new URL(url).searchParams.get('suite_access_token'))).toEqual(['OLD', 'NEW']);
  });

  it('masks the permanent code when WeCom echoes it in errmsg', async () => {
    const { api } = client([{ errcode: 40084, errmsg: 'invalid permanent_code PERMANENT-CODE-123456' }]);
    const attempt = api.getCorpToken(tokens('SUITE').source, { authCorpId: 'wp1', permanentCode: 'PERMANENT-CODE-123456' });
    await expect(attempt).rejects.toBeInstanceOf(WeComApiError);
    await expect(attempt).rejects.not.toThrow(/PERMANENT-CODE-123456/);
  });
});
