/**
 * Share codes as people see them (DESIGN.md §3 "Sharing"): 140 random bits from the CSPRNG, written
 * in Crockford's base32 — digits and capitals without I, L, O and U, so nothing reads as something
 * else — in seven groups of four, `7K2M-9QXD-…`. A person may type it in any case, with or without
 * the dashes and spaces, and with O for 0 or I/L for 1: `normalizeShareCode` maps what was typed to
 * the one canonical form, and only that form's SHA-256 is ever stored.
 */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 7;
const GROUP_LENGTH = 4;
/** 28 symbols × 5 bits = 140 bits of entropy. */
export const SHARE_CODE_SYMBOLS = GROUPS * GROUP_LENGTH;

/** How long a code may be redeemed after it was made. */
export const SHARE_CODE_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** A fresh code in its printed form, e.g. `7K2M-9QXD-0B4R-…`. */
export function generateShareCode(): string {
  const bytes = randomBytes(Math.ceil((SHARE_CODE_SYMBOLS * 5) / 8));
  let symbols = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && symbols.length < SHARE_CODE_SYMBOLS) {
      bits -= 5;
      symbols += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return symbols.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g'))!.join('-');
}

const lookalikes: Record<string, string> = { O: '0', I: '1', L: '1' };

/**
 * The canonical form of what a person typed (28 symbols, no separators), or `undefined` when it
 * cannot be a code. Separators (spaces, dashes, dots) are dropped, letters upper-cased, and the
 * lookalikes O → 0, I/L → 1 mapped as Crockford's decoding does.
 */
export function normalizeShareCode(typed: string): string | undefined {
  const symbols = typed
    .toUpperCase()
    .replace(/[\s\-_.]/g, '')
    .replace(/[OIL]/g, (letter) => lookalikes[letter]!);
  if (symbols.length !== SHARE_CODE_SYMBOLS) return undefined;
  for (const symbol of symbols) if (!ALPHABET.includes(symbol)) return undefined;
  return symbols;
}

/** What the table keeps of a code: the SHA-256 of its canonical form, hex. */
export function shareCodeHash(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
