/**
 * The OpenAPI document the local gateway serves at /openapi.json (infra/local/openapi.ts): it is a
 * valid OpenAPI 3.1 document, and its operations are exactly the routes the CDK stack deploys and the
 * local gateway answers — no route missing, none extra.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '#infra/catalogue.ts';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { UNDOCUMENTED_MARK } from '#infra/local/openapi.ts';
import { synthHub } from '#test/infra/support/synth.ts';

type Operation = {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, unknown>;
};
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

const operationsOf = (document: Document): string[] =>
  Object.entries(document.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

describe('the OpenAPI document at /openapi.json', () => {
  let stack: LocalStack;
  let document: Document;
  let contentType: string | null;
  let deployedRoutes: string[];

  beforeAll(async () => {
    // Prepare: the synthesis first, so that no HTTP connection idles through it.
    const template = synthHub().template.toJSON() as { Resources: Record<string, { Type: string; Properties?: { RouteKey?: string } }> };
    deployedRoutes = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .map((resource) => resource.Properties!.RouteKey!)
      .sort();
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    // Act
    const response = await fetch(`${stack.baseUrl}/openapi.json`);
    contentType = response.headers.get('content-type');
    document = (await response.json()) as Document;
  });

  afterAll(() => stack?.stop());

  it('is served as JSON', () => {
    // Assess
    expect(contentType).toMatch(/^application\/json/);
    expect(document.openapi).toBe('3.1.0');
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    // Prepare
    const validator = new Validator();

    // Act
    const result = await validator.validate(structuredClone(document) as never);

    // Assess
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has exactly the operations of the catalogue', () => {
    // Prepare
    const catalogued = allRoutes()
      .map(({ route }) => `${route.method} ${route.path}`)
      .sort();

    // Assess
    expect(operationsOf(document)).toEqual(catalogued);
  });

  it('has exactly the routes of the synthesized CDK stack', () => {
    // Assess
    expect(deployedRoutes.length).toBeGreaterThan(0);
    expect(operationsOf(document)).toEqual(deployedRoutes);
  });

  it('lists only operations the local gateway routes to a function', async () => {
    // Act
    const missed: string[] = [];
    for (const operation of operationsOf(document)) {
      const [method, template] = operation.split(' ') as [string, string];
      const path = template.replace(/\{appid\}/g, 'wx0000000000000000').replace(/\{[^}]+\}/g, 'x');
      const response = await fetch(`${stack.baseUrl}${path}`, { method, redirect: 'manual' });
      const body = await response.text();
      if (response.status === 404 && body.includes('No route matches')) missed.push(operation);
    }

    // Assess
    expect(missed).toEqual([]);
  });

  it('writes down the success answer of every operation', () => {
    // Act
    const undocumented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => UNDOCUMENTED_MARK in operation.responses)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );

    // Assess
    expect(undocumented).toEqual([]);
  });

  it('defines every path parameter the path template names', () => {
    // Act
    const undefinedParameters = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        [...path.matchAll(/\{([^}]+)\}/g)]
          .map((match) => match[1]!)
          .filter((name) => !(operation.parameters ?? []).some((p) => p.in === 'path' && p.name === name && p.required === true))
          .map((name) => `${method.toUpperCase()} ${path}: ${name}`),
      ),
    );

    // Assess
    expect(undefinedParameters).toEqual([]);
  });

  it('asks for the bearer token on console routes, SigV4 on the internal route and nothing on WeChat’s', () => {
    // Act
    const securityByAuth = new Map<string, Set<string>>();
    for (const { route } of allRoutes()) {
      const operation = document.paths[route.path]![route.method.toLowerCase()]!;
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)).join(',') || 'none';
      securityByAuth.set(route.auth, (securityByAuth.get(route.auth) ?? new Set()).add(schemes));
    }

    // Assess
    expect(Object.fromEntries([...securityByAuth].map(([auth, schemes]) => [auth, [...schemes]]))).toEqual({
      jwt: ['consoleJwt'],
      wechat: ['none'],
      iam: ['awsSigV4'],
    });
  });

  it('documents a console body from the handler’s strict schema, unknown fields refused', () => {
    // Act
    const body = document.paths['/v1/accounts/{appid}']!.patch!.requestBody!;

    // Assess
    expect(body.content['application/json']!.schema).toMatchObject({
      type: 'object',
      properties: { isDefault: { type: 'boolean' }, plaintextAuthorization: { type: 'boolean' } },
      additionalProperties: false,
      description: 'must set isDefault or plaintextAuthorization',
    });
  });

  it('documents a transformed query parameter as the string a client sends', () => {
    // Act
    const limit = document.paths['/v1/audit']!.get!.parameters!.find((parameter) => parameter.name === 'limit');

    // Assess
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'string', pattern: '^\\d{1,3}$', default: '50' } });
  });

  it('documents the error envelope with every code of the contract', () => {
    // Act
    const envelope = (document as unknown as { components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } } })
      .components.schemas.Error;

    // Assess
    expect(envelope.properties.error.properties.code.enum).toEqual(
      expect.arrayContaining([
        'validation_failed',
        'unauthorized',
        'forbidden',
        'not_found',
        'account_bound_elsewhere',
        'account_quota_exceeded',
        'revoke_in_wechat_first',
        'communities_still_linked',
        'already_linked',
        'cannot_redeem_own_code',
        'share_code_invalid',
        'not_service_account',
        'not_verified',
        'missing_permissions',
        'account_not_active',
        'rate_limited',
        'wechat_error',
        'wechat_not_ready',
      ]),
    );
  });
});
