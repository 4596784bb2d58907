import { describe, expect, it } from 'vitest';
import { checkRedirect, normalizeOrigins, parseAllowedOrigin } from '#shared/domain/oauth/origins.ts';
import { ValidationFailed } from '#shared/errors/domain-errors.ts';

const aws = { allowLoopback: false };
const local = { allowLoopback: true };

describe('allowed origins', () => {
  it.each([
    ['https://shop.example.com', 'https://shop.example.com'],
    ['https://shop.example.com/', 'https://shop.example.com'],
    ['https://Shop.EXAMPLE.com', 'https://shop.example.com'],
    ['https://shop.example.com.', 'https://shop.example.com'],
    ['https://shop.example.com:443', 'https://shop.example.com'],
    ['https://shop.example.com:8443', 'https://shop.example.com:8443'],
    ['https://商店.example.com', 'https://xn--czrs0t.example.com'],
  ])('accepts %s as %s', (text, origin) => {
    // Act
    const parsed = parseAllowedOrigin(text, aws);

    // Assess
    expect(parsed).toEqual({ origin });
  });

  it.each([
    ['http://shop.example.com', 'plain http'],
    ['https://shop.example.com/path', 'a path'],
    ['https://shop.example.com?x=1', 'a query'],
    ['https://shop.example.com#x', 'a fragment'],
    ['https://user@shop.example.com', 'userinfo'],
    ['//shop.example.com', 'no scheme'],
    ['shop.example.com', 'a bare host'],
    ['http://127.0.0.1:5173', 'loopback outside the local allowance'],
    ['javascript:alert(1)', 'another scheme'],
  ])('refuses %s (%s)', (text) => {
    // Act
    const parsed = parseAllowedOrigin(text, aws);

    // Assess
    expect(parsed).toHaveProperty('problem');
  });

  it.each(['http://127.0.0.1:5173', 'http://localhost:8080', 'http://localhost'])('accepts %s under the local allowance', (text) => {
    // Act
    const parsed = parseAllowedOrigin(text, local);

    // Assess
    expect(parsed).toEqual({ origin: text });
  });

  it('refuses another http host under the local allowance', () => {
    // Act
    const parsed = parseAllowedOrigin('http://shop.example.com', local);

    // Assess
    expect(parsed).toHaveProperty('problem');
  });

  it('keeps one of each origin once normalized', () => {
    // Act
    const origins = normalizeOrigins(['https://a.example.com', 'https://A.example.com.', 'https://b.example.com'], aws);

    // Assess
    expect(origins).toEqual(['https://a.example.com', 'https://b.example.com']);
  });

  it('names every refused entry by its index', () => {
    // Act
    const attempt = () => normalizeOrigins(['https://a.example.com', 'http://b.example.com', 'ftp://c'], aws);

    // Assess
    expect(attempt).toThrow(ValidationFailed);
    try {
      attempt();
    } catch (error) {
      expect(((error as ValidationFailed).details!.fields as { field: string }[]).map((f) => f.field)).toEqual(['body.origins.1', 'body.origins.2']);
    }
  });

  it('refuses more than 20 distinct origins', () => {
    // Prepare
    const many = Array.from({ length: 21 }, (_, i) => `https://s${i}.example.com`);

    // Act
    const attempt = () => normalizeOrigins(many, aws);

    // Assess
    expect(attempt).toThrow(ValidationFailed);
  });
});

describe('a redirect_uri', () => {
  it.each([
    ['https://shop.example.com/page?x=1#top', 'https://shop.example.com', 'https://shop.example.com/page?x=1#top'],
    ['https://SHOP.example.com/page', 'https://shop.example.com', 'https://shop.example.com/page'],
    ['https://shop.example.com./page', 'https://shop.example.com', 'https://shop.example.com/page'],
    ['https://shop.example.com..:443/page', 'https://shop.example.com', 'https://shop.example.com/page'],
    ['https://shop.example.com:8443/page', 'https://shop.example.com:8443', 'https://shop.example.com:8443/page'],
  ])('%s has the origin %s and sends the visitor to %s', (text, origin, href) => {
    // Act
    const checked = checkRedirect(text, aws);

    // Assess
    expect(checked).toEqual({ origin, href });
  });

  it.each([
    ['//evil.example/page', 'scheme-relative'],
    ['/page', 'a path'],
    ['https://shop.example.com@evil.example/page', 'userinfo'],
    ['https://user:pass@shop.example.com/page', 'userinfo with a password'],
    ['http://shop.example.com/page', 'plain http'],
    ['https:\\\\evil.example/page', 'backslashes'],
    [' https://shop.example.com/page', 'leading space'],
    ['javascript:alert(1)//https://shop.example.com', 'another scheme'],
    ['http://127.0.0.1:5173/page', 'loopback outside the local allowance'],
  ])('is refused: %s (%s)', (text) => {
    // Act
    const checked = checkRedirect(text, aws);

    // Assess
    expect(checked).toHaveProperty('problem');
  });

  it('may be loopback http under the local allowance', () => {
    // Act
    const checked = checkRedirect('http://localhost:5173/demo?x=1', local);

    // Assess
    expect(checked).toEqual({ origin: 'http://localhost:5173', href: 'http://localhost:5173/demo?x=1' });
  });
});
