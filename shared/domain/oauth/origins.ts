/**
 * Which pages a visitor may be sent back to (API.md §3 `/v1/oauth/origins`, "Web authorization").
 *
 * - An allowed origin is `https://host[:port]`: no userinfo, no path, query or fragment. With the
 *   loopback allowance (`OAUTH_LOOPBACK_ORIGINS`, on in the local stack only) `http://127.0.0.1:<port>`
 *   and `http://localhost:<port>` are accepted too. At most 20 per tenant.
 * - Hosts are compared normalized: WHATWG URL parsing lowercases them (and turns IDNs into
 *   punycode), trailing dots are dropped, a default port disappears. So `https://Shop.Example.com.:443`
 *   is `https://shop.example.com`.
 * - A `redirect_uri` is parsed the same way; it must be absolute (`//evil.example` is not), carry no
 *   userinfo (`https://good@evil.example`), and be https unless it is loopback under the allowance.
 *   The visitor is later sent to the URL as parsed and normalized, never to the raw text, so what was
 *   checked is what the browser gets.
 */
import { ValidationFailed, type FieldIssue } from '#shared/errors/domain-errors.ts';

export const MAX_ORIGINS = 20;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

export interface OriginPolicy {
  /** Accept `http://127.0.0.1:*` and `http://localhost:*` (local development only). */
  allowLoopback: boolean;
}

function parse(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Lowercase (done by URL) and without trailing dots. */
const normalHost = (url: URL): string => url.hostname.replace(/\.+$/, '');

/** Why `url`'s scheme and host are not acceptable, or undefined. */
function schemeProblem(url: URL, policy: OriginPolicy): string | undefined {
  if (url.username !== '' || url.password !== '') return 'it carries a user name or password';
  const host = normalHost(url);
  if (host === '') return 'it has no host';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && policy.allowLoopback && LOOPBACK_HOSTS.has(host)) return undefined;
  return policy.allowLoopback ? 'it is neither https nor http on 127.0.0.1 or localhost' : 'it is not https';
}

const originOf = (url: URL): string => `${url.protocol}//${normalHost(url)}${url.port ? `:${url.port}` : ''}`;

/** The normalized origin of an allowed-origin entry, or why it is refused. */
export function parseAllowedOrigin(text: string, policy: OriginPolicy): { origin: string } | { problem: string } {
  const url = parse(text);
  if (!url || !/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim())) return { problem: 'must be an origin like https://shop.example.com' };
  const problem = schemeProblem(url, policy);
  if (problem) return { problem: `is refused: ${problem}` };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || /[?#]/.test(text)) {
    return { problem: 'must be an origin only (scheme, host and port), without a path, query or fragment' };
  }
  return { origin: originOf(url) };
}

/** The tenant's new list, normalized and without duplicates; a `validation_failed` naming each bad entry. */
export function normalizeOrigins(texts: readonly string[], policy: OriginPolicy): string[] {
  const issues: FieldIssue[] = [];
  const origins = new Set<string>();
  texts.forEach((text, index) => {
    const parsed = parseAllowedOrigin(text, policy);
    if ('problem' in parsed) issues.push({ field: `body.origins.${index}`, message: parsed.problem });
    else origins.add(parsed.origin);
  });
  if (issues.length > 0) throw new ValidationFailed(issues);
  if (origins.size > MAX_ORIGINS) throw new ValidationFailed([{ field: 'body.origins', message: `must hold at most ${MAX_ORIGINS} origins` }]);
  return [...origins];
}

/** A redirect that passed the scheme rules: its normalized origin and the URL the visitor will be sent to. */
export interface CheckedRedirect {
  origin: string;
  href: string;
}

/** Parses a `redirect_uri`; `{ problem }` when it can never be allowed, whatever the origins. */
export function checkRedirect(text: string, policy: OriginPolicy): CheckedRedirect | { problem: string } {
  // Absolute only: a scheme-relative `//evil.example` or a path has no origin of its own.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return { problem: 'it must be an absolute URL' };
  const url = parse(text);
  if (!url) return { problem: 'it is not a URL' };
  const problem = schemeProblem(url, policy);
  if (problem) return { problem };
  url.hostname = normalHost(url);
  return { origin: originOf(url), href: url.href };
}
