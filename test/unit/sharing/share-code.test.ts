import { describe, expect, it } from 'vitest';
import { generateShareCode, normalizeShareCode, shareCodeHash } from '#shared/domain/sharing/share-code.ts';

describe('share codes as people see them', () => {
  it('prints a code as seven groups of four Crockford base32 symbols without I, L, O or U', () => {
    // Act
    const codes = Array.from({ length: 200 }, generateShareCode);

    // Assess
    expect(codes.filter((code) => !/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/.test(code))).toEqual([]);
  });

  it('never prints the same code twice in 10 000 draws', () => {
    // Act
    const codes = new Set(Array.from({ length: 10_000 }, generateShareCode));

    // Assess
    expect(codes.size).toBe(10_000);
  });

  it('uses every symbol of the alphabet in every position', () => {
    // Prepare
    const seen = Array.from({ length: 28 }, () => new Set<string>());

    // Act
    for (let i = 0; i < 3000; i++) [...normalizeShareCode(generateShareCode())!].forEach((symbol, position) => seen[position]!.add(symbol));

    // Assess
    expect(seen.map((symbols) => symbols.size)).toEqual(seen.map(() => 32));
  });

  it('reads a code typed in lower case, with spaces instead of dashes, as the printed one', () => {
    // Prepare
    const code = generateShareCode();

    // Act
    const typed = normalizeShareCode(`  ${code.toLowerCase().replaceAll('-', ' ')} `);

    // Assess
    expect(typed).toBe(normalizeShareCode(code));
  });

  it('reads O as 0 and I or L as 1', () => {
    // Act
    const typed = normalizeShareCode('OILO-0110-0000-0000-0000-0000-0000');

    // Assess
    expect(typed).toBe('0110011000000000000000000000');
  });

  it.each([
    ['a symbol too few', '0000-0000-0000-0000-0000-0000-000'],
    ['a symbol too many', '0000-0000-0000-0000-0000-0000-00000'],
    ['a U, which no code holds', 'U000-0000-0000-0000-0000-0000-0000'],
    ['a character outside the alphabet', '#000-0000-0000-0000-0000-0000-0000'],
    ['nothing', ''],
  ])('refuses %s', (_, typed) => {
    // Act
    const canonical = normalizeShareCode(typed);

    // Assess
    expect(canonical).toBeUndefined();
  });

  it('hashes a code to 64 hex characters that do not contain the code', () => {
    // Prepare
    const canonical = normalizeShareCode(generateShareCode())!;

    // Act
    const hash = shareCodeHash(canonical);

    // Assess
    expect([/^[0-9a-f]{64}$/.test(hash), hash.includes(canonical.toLowerCase())]).toEqual([true, false]);
  });
});
