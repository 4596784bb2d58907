import { describe, expect, it } from 'vitest';
import { DomainError, WeChatNotReady } from '#shared/errors/domain-errors.ts';
import { isTokenError, isTransient, ridOf, toDomainError, WeChatApiError, WeChatNetworkError } from '#shared/wechat/api-errors.ts';

describe('WeChat API errors', () => {
  it('finds the rid at the end of an errmsg', () => {
    // Act
    const rid = ridOf('invalid credential, access_token is invalid or not latest rid: 6123abcd-0b1c2d3e-4f5a6b7c');

    // Assess
    expect(rid).toBe('6123abcd-0b1c2d3e-4f5a6b7c');
  });

  it('leaves rid unset when the errmsg has none', () => {
    // Act
    const error = new WeChatApiError('user/get', 45009, 'reach max api daily quota limit');

    // Assess
    expect(error.rid).toBeUndefined();
  });

  it.each([40001, 40014, 42001])('treats errcode %i as a token error', (errcode) => {
    // Act + Assess
    expect(isTokenError(new WeChatApiError('user/get', errcode, 'token'))).toBe(true);
  });

  it('does not treat other errcodes as token errors', () => {
    // Act + Assess
    expect(isTokenError(new WeChatApiError('user/get', 40013, 'invalid appid'))).toBe(false);
  });

  it('treats -1 and network trouble as transient', () => {
    // Act + Assess
    expect(isTransient(new WeChatApiError('user/get', -1, 'system error'))).toBe(true);
    expect(isTransient(new WeChatNetworkError('user/get', 'timeout', 'no answer'))).toBe(true);
    expect(isTransient(new WeChatNetworkError('user/get', 'http_status', 'HTTP 503', { status: 503 }))).toBe(true);
  });

  it('does not treat quota errors, 4xx statuses or malformed answers as transient', () => {
    // Act + Assess
    expect(isTransient(new WeChatApiError('user/get', 45009, 'quota'))).toBe(false);
    expect(isTransient(new WeChatNetworkError('user/get', 'http_status', 'HTTP 404', { status: 404 }))).toBe(false);
    expect(isTransient(new WeChatNetworkError('user/get', 'bad_body', 'not JSON'))).toBe(false);
  });

  it('maps a WeChat errcode to wechat_error with the errcode and rid in details', () => {
    // Prepare
    const error = new WeChatApiError('api_query_auth', 61010, 'code is expired rid: 61a0-b1c2');

    // Act
    const domain = toDomainError(error);

    // Assess
    expect(domain).toBeInstanceOf(DomainError);
    expect(domain.code).toBe('wechat_error');
    expect(domain.statusCode).toBe(502);
    expect(domain.details).toEqual({ errcode: 61010, rid: '61a0-b1c2' });
    expect(domain.message).toMatch(/expired/);
  });

  it('maps a network failure to wechat_error without an errcode', () => {
    // Act
    const domain = toDomainError(new WeChatNetworkError('user/get', 'timeout', 'no answer within 5000 ms'));

    // Assess
    expect(domain.code).toBe('wechat_error');
    expect(domain.details).toMatchObject({ errcode: null, failure: 'timeout' });
  });

  it('passes a domain error through unchanged', () => {
    // Prepare
    const notReady = new WeChatNotReady();

    // Act + Assess
    expect(toDomainError(notReady)).toBe(notReady);
  });

  it('maps anything else to internal_error without its message', () => {
    // Act
    const domain = toDomainError(new Error('socket hang up at https://api.weixin.qq.com/?access_token=x'));

    // Assess
    expect(domain.code).toBe('internal_error');
    expect(domain.message).not.toContain('access_token');
  });
});
