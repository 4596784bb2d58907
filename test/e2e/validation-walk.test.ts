/**
 * Walks every console route of the catalogue with bad input and a token that is both admin and
 * operator (so every route, the operator routes too, gets to its validation), and requires a
 * 4xx that says what is wrong — never a 5xx. Nothing here is written per route: the routes come
 * from the catalogue, the body fields from the route's own answers (the fields a strict schema
 * names as missing) and from the names its handler source declares, and the only table is the one of
 * path parameters below. A route with a path parameter missing from that table fails until it is
 * added.
 *
 * What each route must do:
 * - an invalid path parameter → 400 `validation_failed` naming it;
 * - a body over 64 KiB → 413 `validation_failed` naming the body; malformed JSON → 400 `validation_failed`, on
 *   every route, since the body is parsed before the route looks at it;
 * - routes with a body: a JSON array, string, number, boolean or null instead of an object, an unknown
 *   field, a 10 000-character key → 400; every field refuses most JSON types and refuses a
 *   10 000-character string, an array holding one and an array of 10 000 items, each naming the field;
 * - routes without a body (GET, DELETE, body-less POST): a well-formed JSON body is ignored — the
 *   answer is the one without it (API Gateway forwards any body; nothing reads it);
 * - an unknown query parameter is refused (400) or ignored, never a 5xx;
 * PUT and PATCH routes must have a body schema.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '#infra/catalogue.ts';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { call, routeKey, type Answer } from '#test/e2e/accounts/support.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';
import { DynamoWeComCorps } from '#shared/adapters/dynamodb/wecom-corps.ts';
import { DynamoWeComCustomers } from '#shared/adapters/dynamodb/wecom-customers.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import type { SealedSecret } from '#shared/domain/wecom/ports.ts';

const LONG = 'x'.repeat(10_000);
const UNKNOWN = 'walkUnknownField';

/** Path parameter name → a well-formed value nothing exists under, and values no schema may accept. */
const pathParameters: Record<string, { valid: string; invalid: string[] }> = {
  appid: { valid: 'wx0000000000walk01', invalid: ['not-an-appid', 'wx123', 'wx0000000000walk01x', LONG] },
  departmentId: { valid: 'walk-department', invalid: ['has space', 'a#b', 'x'.repeat(129), LONG] },
  tenantId: { valid: 'walk-tenant', invalid: ['has space', 'a#b<>', LONG] },
  communityId: { valid: 'walk-community', invalid: ['has space', 'a#b<>', LONG] },
  jobId: { valid: 'walk-job', invalid: ['has space', 'a#b<>', LONG] },
  unionid: { valid: 'oWalk0000000000000000000000a', invalid: ['has space', 'a#b<>', LONG] },
  openid: { valid: 'oWalk0000000000000000000000b', invalid: ['has space', 'a#b<>', LONG] },
};

const consoleRoutes = allRoutes().filter(({ route }) => route.auth === 'jwt');
const paramsOf = (path: string): string[] => [...path.matchAll(/\{(\w+)\+?\}/g)].map((m) => m[1]!);
const pathWith = (path: string, values: Record<string, string> = {}): string =>
  path.replace(/\{(\w+)\+?\}/g, (_, name: string) => encodeURIComponent(values[name] ?? pathParameters[name]?.valid ?? 'walk'));

/** The field paths a validation failure names. */
const fieldsOf = (answer: Answer): string[] => ((answer.json?.error?.details?.fields ?? []) as { field: string }[]).map((f) => f.field);
const messageFor = (answer: Answer, field: string): string | undefined =>
  ((answer.json?.error?.details?.fields ?? []) as { field: string; message: string }[]).find((f) => f.field === field)?.message;
const names = (answer: Answer, field: string): boolean => fieldsOf(answer).some((f) => f === `body.${field}` || f.startsWith(`body.${field}.`));

/** Names a handler source declares (`name:`), candidates for optional body fields. */
function declaredNames(functionName: string): string[] {
  const source = readFileSync(new URL(`../../functions/${functionName}/handler.ts`, import.meta.url), 'utf8');
  return [...new Set([...source.matchAll(/([A-Za-z][A-Za-z0-9_]*)\s*:/g)].map((m) => m[1]!))];
}

describe('the validation walk over every console route', () => {
  let stack: LocalStack;
  let token: string;

  const send = (method: string, path: string, body?: string, contentType?: string) =>
    call(stack, { method, path, token, ...(body === undefined ? {} : { body }), ...(contentType ? { contentType } : {}) });

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    token = await stack.consoleToken({ tenant: 't-walk', roles: ['admin', 'operator'], sub: 'walker' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('knows every path parameter of the console routes', () => {
    // Assess
    expect(consoleRoutes.flatMap(({ route }) => paramsOf(route.path)).filter((name) => !pathParameters[name])).toEqual([]);
  });

  for (const { fn, route } of consoleRoutes) {
    const { method, path } = route;
    describe(routeKey(route), () => {
      for (const name of paramsOf(path)) {
        it(`refuses every invalid ${name} with 400 validation_failed naming it`, async () => {
          // Act
          const answers = await Promise.all((pathParameters[name]?.invalid ?? []).map((value) => send(method, pathWith(path, { [name]: value }))));

          // Assess
          expect(answers.map((a) => [a.status, a.json?.error?.code, fieldsOf(a).some((f) => f.endsWith(name))])).toEqual(
            answers.map(() => [400, 'validation_failed', true]),
          );
        });
      }

      it('refuses a body over 64 KiB with 413 validation_failed naming the body', async () => {
        // Act
        const answer = await send(method, pathWith(path), JSON.stringify({ [UNKNOWN]: 'x'.repeat(70 * 1024) }));

        // Assess
        expect([answer.status, answer.json?.error?.code, fieldsOf(answer)]).toEqual([413, 'validation_failed', ['body']]);
      });

      it('refuses malformed JSON with 400 validation_failed', async () => {
        // Act
        const answer = await send(method, pathWith(path), '{"appids": [');

        // Assess
        expect([answer.status, answer.json?.error?.code]).toEqual([400, 'validation_failed']);
      });

      it('refuses or ignores an unknown query parameter, never answering 5xx', async () => {
        // Act
        const plain = await send(method, pathWith(path));
        const answer = await send(method, `${pathWith(path)}?${UNKNOWN}=${LONG}`);

        // Assess
        expect(answer.status === plain.status || (answer.status === 400 && answer.json?.error?.code === 'validation_failed')).toBe(true);
        expect(answer.status).toBeLessThan(500);
      });

      it('either validates its body strictly or ignores a well-formed one', async () => {
        // Prepare
        const probe = await send(method, pathWith(path), JSON.stringify({ [UNKNOWN]: 1 }));
        const hasBody = probe.status === 400 && names(probe, UNKNOWN);

        if (method === 'PUT' || method === 'PATCH') expect(hasBody, `${routeKey(route)} has no strict body schema`).toBe(true);
        if (hasBody) {
          // Act
          const wrongShapes = await Promise.all(
            ['[]', '[{}]', '"text"', '42', 'true', 'null', JSON.stringify({ [LONG]: 1 })].map((body) => send(method, pathWith(path), body)),
          );

          // Assess
          expect(wrongShapes.map((a) => [a.status, a.json?.error?.code])).toEqual(wrongShapes.map(() => [400, 'validation_failed']));
          return;
        }
        // Act
        const without = await send(method, pathWith(path));
        const withBodies = await Promise.all(['[]', JSON.stringify({ [UNKNOWN]: 1 }), JSON.stringify(LONG)].map((body) => send(method, pathWith(path), body)));

        // Assess
        expect(without.status).toBeLessThan(500);
        expect(withBodies.map((a) => a.status)).toEqual(withBodies.map(() => without.status));
      });

      it('refuses wrong types and oversized values in every body field, naming the field', async () => {
        // Prepare: the fields, from what the route names as missing and what its handler declares.
        const probe = await send(method, pathWith(path), JSON.stringify({ [UNKNOWN]: 1 }));
        if (!(probe.status === 400 && names(probe, UNKNOWN))) return;
        const unknownMessage = messageFor(probe, `body.${UNKNOWN}`)!;
        const fields = new Set(
          fieldsOf(probe)
            .filter((f) => f.startsWith('body.') && f !== `body.${UNKNOWN}`)
            .map((f) => f.split('.')[1]!),
        );
        for (const candidate of declaredNames(fn.name)) {
          if (fields.has(candidate) || candidate.startsWith('__')) continue;
          // Alone, so that a strict schema names it if it is unknown (it names only the first unknown key);
          // a value no field may accept, so that nothing runs.
          const answer = await send(method, pathWith(path), JSON.stringify({ [candidate]: LONG }));
          if (messageFor(answer, `body.${candidate}`) !== unknownMessage.replaceAll(UNKNOWN, candidate)) fields.add(candidate);
        }
        const problems: string[] = [];

        // Act
        for (const field of fields) {
          const samples = [1, true, null, {}, [], 'a'];
          const typed = await Promise.all(samples.map((sample) => send(method, pathWith(path), JSON.stringify({ [UNKNOWN]: 1, [field]: sample }))));
          const refused = typed.filter((a) => names(a, field)).length;
          if (refused < 3) problems.push(`${field} accepts ${samples.length - refused} of ${samples.length} JSON types`);
          for (const [label, value] of [
            ['a 10 000-character string', LONG],
            ['an array holding a 10 000-character string', [LONG]],
            ['an array of 10 000 items', Array.from({ length: 10_000 }, () => 'a')],
            ['an object with an unknown field', { [UNKNOWN]: LONG }],
          ] as const) {
            const answer = await send(method, pathWith(path), JSON.stringify({ [field]: value }));
            if (answer.status !== 400 || answer.json?.error?.code !== 'validation_failed' || !names(answer, field)) {
              problems.push(`${field} given ${label}: ${answer.status} ${answer.text.slice(0, 200)}`);
            }
          }
        }

        // Assess
        expect(problems).toEqual([]);
      });
    });
  }

  /**
   * Every paginated console route (its handler declares a `cursor`) refuses a cursor it did not
   * return: its own cursor, decoded and changed the way a client could change it, is `400
   * validation_failed` naming `query.cursor`, never handed to DynamoDB (which refuses an empty key
   * attribute or a start key outside the query: a 500). Issue 17, item 7. (One local stack per
   * process: this walk runs on the one above.)
   */
  describe('the cursor walk over every paginated console route', () => {
    let appid: string;
    const paginated = consoleRoutes.filter(({ fn, route }) => route.method === 'GET' && declaredNames(fn.name).includes('cursor'));
    const decode = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, string>;
    const encode = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
    const changes: [string, (key: Record<string, string>) => Record<string, unknown>][] = [
      ['an empty sort key', (key) => ({ ...key, sk: '' })],
      ['a sort key of another item family', (key) => ({ ...key, sk: 'ACCOUNT' })],
      ['a partition key of another tenant or account', (key) => ({ ...key, pk: `${key.pk}-other` })],
      ['an empty partition key', (key) => ({ ...key, pk: '' })],
      ['no sort key', ({ sk: _dropped, ...key }) => key],
      ['an index key the query does not use', (key) => ({ ...key, gsi1pk: 'USERNAME#gh_walk' })],
    ];

    beforeAll(async () => {
      // The walk's tenant: its audit trail gets the binding's events, its account the synced followers.
      const account = stack.simulator!.addAccount({ nickname: 'cursor walk', serviceType: 'service', verified: true, followers: 3 });
      const { location } = await bindThroughSimulator(stack, { tenant: 't-walk', appid: account.appid });
      if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ${account.appid} ended with ${location.search}`);
      appid = account.appid;
      await stack.queues.drain('fan-sync');
      // The message log's page needs two pushes to hand out a cursor.
      for (const content of ['first', 'second']) await stack.simulator!.sendAccountText(appid, { fromUserName: 'oWalkFollower', content });
      // The WeCom customers' page: the walk's tenant gets the feature from the operator route, and a corp
      // with two customers written through the hub's own adapters (the WeCom flow itself is test/e2e/wecom-flow).
      const enabled = await call(stack, { method: 'PATCH', path: '/v1/operator/tenants/t-walk', token, body: JSON.stringify({ features: { wecom: true } }) });
      if (enabled.status !== 200) throw new Error(`enabling WeCom answered ${enabled.status} ${enabled.text.slice(0, 200)}`);
      const client = createDocumentClient(stack.dynamoDbEndpoint);
      const at = new Date().toISOString();
      const sealed = { v: 1, keyId: 'local', encryptedKey: 'AA', iv: 'AA', ciphertext: 'AA', tag: 'AA' } as unknown as SealedSecret;
      await new DynamoWeComCorps(client, stack.tableName).install({
        corpId: 'wwWalkCorp',
        corpName: 'Walk Corp',
        status: 'installed',
        installedAt: at,
        authType: 'test',
        visibleRange: { departments: [1], users: [], tags: [] },
        customerPermission: true,
        tenantId: 't-walk',
        suiteId: 'walk-suite',
        permanentCode: sealed,
        installedBy: 'walker',
        updatedAt: at,
      });
      await new DynamoWeComCustomers(client, stack.tableName).upsert(
        'wwWalkCorp',
        ['wmWalkOne', 'wmWalkTwo'].map((id) => ({ contact: { external_userid: id, name: id, type: 1 }, follows: [{ userid: 'walker', createtime: 1 }] })),
        { at },
      );
    });

    it('finds the paginated routes', () => {
      // Assess
      expect(paginated.map(({ route }) => routeKey(route))).toEqual(
        expect.arrayContaining(['GET /v1/audit', 'GET /v1/accounts/{appid}/fans', 'GET /v1/accounts/{appid}/messages']),
      );
    });

    for (const { route } of paginated) {
      describe(routeKey(route), () => {
        const path = () => pathWith(route.path, { appid });

        it.each(changes)('refuses its own cursor changed to %s with 400 validation_failed naming query.cursor', async (_name, change) => {
          // Prepare
          const first = await call(stack, { method: 'GET', path: `${path()}?limit=1`, token });
          expect(first.json?.nextCursor, `${routeKey(route)} returned no cursor to change: ${first.status} ${first.text.slice(0, 200)}`).toEqual(
            expect.any(String),
          );
          const cursor = encode(change(decode(first.json.nextCursor as string)));

          // Act
          const answer = await call(stack, { method: 'GET', path: `${path()}?limit=1&cursor=${cursor}`, token });

          // Assess
          expect([answer.status, answer.json?.error?.code, fieldsOf(answer)]).toEqual([400, 'validation_failed', ['query.cursor']]);
        });

        it('continues with its own cursor', async () => {
          // Prepare
          const first = await call(stack, { method: 'GET', path: `${path()}?limit=1`, token });

          // Act
          const next = await call(stack, { method: 'GET', path: `${path()}?limit=1&cursor=${first.json?.nextCursor as string}`, token });

          // Assess
          expect(next.status).toBe(200);
        });
      });
    }
  });
});
