/**
 * Local setup for the demo product page (NOT part of the sample): adds the page's origin to a
 * tenant's allowed origins (`GET` then `PUT /v1/oauth/origins`) with a console admin token the local
 * stack mints, so that the hub sends visitors back to the demo. In production the tenant's admin does
 * this once, for the product's own https origin. The demo answers it only to requests made on this
 * machine, as the gateway's `POST /console/token`.
 */

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;

export interface AllowOriginInput {
  hubBaseUrl: () => string;
  adminToken: (tenant: string) => Promise<string>;
  origin: string;
  tenant: string;
}

/** Returns a sentence for the page: what happened. */
export async function allowDemoOrigin(input: AllowOriginInput): Promise<string> {
  if (!TENANT.test(input.tenant)) return 'Not done: a tenant id is letters, digits, _ or -.';
  const headers = { authorization: `Bearer ${await input.adminToken(input.tenant)}`, 'content-type': 'application/json' };
  const url = `${input.hubBaseUrl()}/v1/oauth/origins`;
  const current = await fetch(url, { headers });
  if (current.status !== 200) return `Not done: GET /v1/oauth/origins answered ${current.status}.`;
  const { origins } = (await current.json()) as { origins: string[] };
  if (origins.includes(input.origin)) return `${input.origin} was already allowed for tenant ${input.tenant}.`;
  const put = await fetch(url, { method: 'PUT', headers, body: JSON.stringify({ origins: [...origins, input.origin] }) });
  if (put.status !== 200) return `Not done: PUT /v1/oauth/origins answered ${put.status}.`;
  return `${input.origin} is now allowed for tenant ${input.tenant}.`;
}
