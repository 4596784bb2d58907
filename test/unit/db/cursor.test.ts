/**
 * Pagination cursors (shared/db/cursor.ts): a cursor is only ever a key the query itself could have
 * returned; anything else is a 400 before DynamoDB sees it (real DynamoDB refuses an empty key
 * attribute or a start key outside the query, and the hub would answer 500). Issue 17, item 7.
 */
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, type CursorShape } from '#shared/db/cursor.ts';
import { ValidationFailed } from '#shared/errors/domain-errors.ts';

const fansOf = (appid: string): CursorShape => ({ pk: { equals: `ACCOUNT#${appid}#FANS` }, sk: { startsWith: 'FAN#' } });
const byIndex: CursorShape = {
  pk: { startsWith: 'TENANT#' },
  sk: { startsWith: 'LINK#' },
  gsi1pk: { equals: 'ACCOUNT#wx00000000000000a1#LINKS' },
  gsi1sk: { matches: /^(owner|shared)#.+$/ },
};
const crafted = (key: unknown) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

describe('a pagination cursor', () => {
  it('round-trips the key its query returned', () => {
    // Prepare
    const key = { pk: 'ACCOUNT#wx00000000000000a1#FANS', sk: 'FAN#oAbc' };

    // Act
    const decoded = decodeCursor(encodeCursor(key) ?? undefined, fansOf('wx00000000000000a1'));

    // Assess
    expect(decoded).toEqual(key);
  });

  it('is absent when no cursor or an empty one is given', () => {
    // Act
    const decoded = [decodeCursor(undefined, fansOf('wx00000000000000a1')), decodeCursor('', fansOf('wx00000000000000a1'))];

    // Assess
    expect(decoded).toEqual([undefined, undefined]);
  });

  it('round-trips an index query’s key with its index attributes', () => {
    // Prepare
    const key = { pk: 'TENANT#t1', sk: 'LINK#wx00000000000000a1', gsi1pk: 'ACCOUNT#wx00000000000000a1#LINKS', gsi1sk: 'shared#t1' };

    // Act
    const decoded = decodeCursor(crafted(key), byIndex);

    // Assess
    expect(decoded).toEqual(key);
  });

  const refusals: [string, unknown, CursorShape][] = [
    ['an empty sort key', { pk: 'ACCOUNT#wx00000000000000a1#FANS', sk: '' }, fansOf('wx00000000000000a1')],
    ['a sort key of another item family', { pk: 'ACCOUNT#wx00000000000000a1#FANS', sk: 'ACCOUNT' }, fansOf('wx00000000000000a1')],
    ['a sort key that is only the prefix', { pk: 'ACCOUNT#wx00000000000000a1#FANS', sk: 'FAN#' }, fansOf('wx00000000000000a1')],
    ['another account’s partition key', { pk: 'ACCOUNT#wx00000000000000b2#FANS', sk: 'FAN#oAbc' }, fansOf('wx00000000000000a1')],
    ['an empty partition key', { pk: '', sk: 'FAN#oAbc' }, fansOf('wx00000000000000a1')],
    ['a missing sort key', { pk: 'ACCOUNT#wx00000000000000a1#FANS' }, fansOf('wx00000000000000a1')],
    ['an index key on a table query', { pk: 'ACCOUNT#wx00000000000000a1#FANS', sk: 'FAN#oAbc', gsi1pk: 'x' }, fansOf('wx00000000000000a1')],
    ['a number for a key', { pk: 'ACCOUNT#wx00000000000000a1#FANS', sk: 7 }, fansOf('wx00000000000000a1')],
    ['a sort key over DynamoDB’s 1 024 bytes', { pk: 'ACCOUNT#wx00000000000000a1#FANS', sk: `FAN#${'界'.repeat(400)}` }, fansOf('wx00000000000000a1')],
    ['an index query’s key without its index attributes', { pk: 'TENANT#t1', sk: 'LINK#wx00000000000000a1' }, byIndex],
    [
      'an index query’s key of another index partition',
      { pk: 'TENANT#t1', sk: 'LINK#wx00000000000000a1', gsi1pk: 'ACCOUNT#wx00000000000000b2#LINKS', gsi1sk: 'shared#t1' },
      byIndex,
    ],
    [
      'an index query’s key with an empty index sort key',
      { pk: 'TENANT#t1', sk: 'LINK#wx00000000000000a1', gsi1pk: 'ACCOUNT#wx00000000000000a1#LINKS', gsi1sk: '' },
      byIndex,
    ],
    ['a JSON array', [], fansOf('wx00000000000000a1')],
    ['JSON null', null, fansOf('wx00000000000000a1')],
  ];

  it.each(refusals)('refuses %s with validation_failed naming query.cursor', (_name, key, shape) => {
    // Act
    const decode = () => decodeCursor(crafted(key), shape);

    // Assess
    expect(decode).toThrow(ValidationFailed);
    try {
      decode();
    } catch (error) {
      expect((error as ValidationFailed).details).toEqual({ fields: [{ field: 'query.cursor', message: expect.any(String) }] });
    }
  });

  it('refuses text that is not base64url JSON', () => {
    // Act
    const decode = () => decodeCursor('not a cursor!', fansOf('wx00000000000000a1'));

    // Assess
    expect(decode).toThrow(ValidationFailed);
  });
});
