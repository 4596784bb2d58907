/**
 * Secrets at rest (the `permanent_code`, the mini program's secret): envelope encryption. Each
 * secret gets a fresh 32-byte data key; the secret is sealed with AES-256-GCM under it (the
 * `context` as additional authenticated data), and the data key is sealed by a master key:
 *
 * - in AWS, KMS (`GenerateDataKey` / `Decrypt` with the context as KMS encryption context, key
 *   `WECOM_KMS_KEY_ID`). `@aws-sdk/client-kms` is not among the hub's dependencies: the client is
 *   the one the nodejs22.x Lambda runtime ships (`@aws-sdk/*` is external to every bundle), loaded
 *   on first use, as the EventBridge client is;
 * - locally, a 32-byte key file (`WECOM_LOCAL_KEY_FILE`, default `.local/wecom-secret-key`, mode
 *   0600, created on first use) that wraps the data key with AES-256-GCM.
 *
 * Errors never carry the plaintext, the data key or the ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SealedSecret, SecretBox } from '#shared/domain/wecom/ports.ts';

/** The key that seals data keys. */
export interface MasterKey {
  readonly keyId: string;
  generateDataKey(context: Record<string, string>): Promise<{ plaintext: Buffer; encrypted: Buffer }>;
  decryptDataKey(encrypted: Buffer, context: Record<string, string>): Promise<Buffer>;
}

/** The context in a stable order, as bytes: GCM's additional data. */
function aad(context: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), 'utf8');
}

function gcmSeal(key: Buffer, plaintext: Buffer, additional: Buffer): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additional);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

function gcmOpen(key: Buffer, sealed: { iv: Buffer; ciphertext: Buffer; tag: Buffer }, additional: Buffer): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
    decipher.setAAD(additional);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    throw new Error('A sealed secret did not open: it was altered, or sealed for another item or key.');
  }
}

export class EnvelopeSecretBox implements SecretBox {
  constructor(private readonly master: MasterKey) {}

  async seal(plaintext: string, context: Record<string, string>): Promise<SealedSecret> {
    const dataKey = await this.master.generateDataKey(context);
    try {
      const { iv, ciphertext, tag } = gcmSeal(dataKey.plaintext, Buffer.from(plaintext, 'utf8'), aad(context));
      return {
        v: 1,
        keyId: this.master.keyId,
        encryptedKey: dataKey.encrypted.toString('base64'),
        iv: iv.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
        tag: tag.toString('base64'),
      };
    } finally {
      dataKey.plaintext.fill(0);
    }
  }

  async open(sealed: SealedSecret, context: Record<string, string>): Promise<string> {
    if (sealed?.v !== 1) throw new Error('A sealed secret has an unknown format.');
    const dataKey = await this.master.decryptDataKey(Buffer.from(sealed.encryptedKey, 'base64'), context);
    try {
      const parts = { iv: Buffer.from(sealed.iv, 'base64'), ciphertext: Buffer.from(sealed.ciphertext, 'base64'), tag: Buffer.from(sealed.tag, 'base64') };
      return gcmOpen(dataKey, parts, aad(context)).toString('utf8');
    } finally {
      dataKey.fill(0);
    }
  }
}

/** The local master key: 32 random bytes in a file, created (0600) on first use. */
export class LocalFileMasterKey implements MasterKey {
  readonly keyId = 'local';
  #key: Buffer | undefined;

  constructor(private readonly path: string) {}

  #load(): Buffer {
    if (this.#key) return this.#key;
    let key: Buffer;
    try {
      key = readFileSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dirname(this.path), { recursive: true });
      key = randomBytes(32);
      try {
        writeFileSync(this.path, key, { mode: 0o600, flag: 'wx' });
      } catch (raced) {
        // Another process created it first: theirs is the key.
        if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
        key = readFileSync(this.path);
      }
    }
    if (key.length !== 32) throw new Error(`The WeCom secret key file ${this.path} must hold exactly 32 bytes.`);
    this.#key = key;
    return key;
  }

  async generateDataKey(context: Record<string, string>): Promise<{ plaintext: Buffer; encrypted: Buffer }> {
    const plaintext = randomBytes(32);
    const { iv, ciphertext, tag } = gcmSeal(this.#load(), plaintext, aad(context));
    return { plaintext, encrypted: Buffer.concat([iv, tag, ciphertext]) };
  }

  async decryptDataKey(encrypted: Buffer, context: Record<string, string>): Promise<Buffer> {
    const parts = { iv: encrypted.subarray(0, 12), tag: encrypted.subarray(12, 28), ciphertext: encrypted.subarray(28) };
    return gcmOpen(this.#load(), parts, aad(context));
  }
}

/** The part of KMS the box uses. */
export interface KmsDataKeys {
  generateDataKey(input: {
    KeyId: string;
    KeySpec: 'AES_256';
    EncryptionContext: Record<string, string>;
  }): Promise<{ Plaintext?: Uint8Array; CiphertextBlob?: Uint8Array }>;
  decrypt(input: { KeyId: string; CiphertextBlob: Uint8Array; EncryptionContext: Record<string, string> }): Promise<{ Plaintext?: Uint8Array }>;
}

// A variable: the bundler leaves the import to the runtime (which ships the SDK), tsc does not look for it.
const KMS_MODULE = '@aws-sdk/client-kms';

async function runtimeKms(): Promise<KmsDataKeys> {
  const sdk = (await import(KMS_MODULE)) as {
    KMSClient: new (config: object) => { send(command: unknown): Promise<Record<string, unknown>> };
    GenerateDataKeyCommand: new (input: object) => unknown;
    DecryptCommand: new (input: object) => unknown;
  };
  const client = new sdk.KMSClient({});
  return {
    generateDataKey: (input) => client.send(new sdk.GenerateDataKeyCommand(input)) as Promise<{ Plaintext?: Uint8Array; CiphertextBlob?: Uint8Array }>,
    decrypt: (input) => client.send(new sdk.DecryptCommand(input)) as Promise<{ Plaintext?: Uint8Array }>,
  };
}

export class KmsMasterKey implements MasterKey {
  readonly keyId: string;
  #client: Promise<KmsDataKeys> | undefined;

  constructor(
    private readonly kmsKeyId: string,
    client?: () => Promise<KmsDataKeys>,
  ) {
    this.keyId = `kms:${kmsKeyId}`;
    this.client = client ?? runtimeKms;
  }

  private readonly client: () => Promise<KmsDataKeys>;

  async generateDataKey(context: Record<string, string>): Promise<{ plaintext: Buffer; encrypted: Buffer }> {
    this.#client ??= this.client();
    const out = await (await this.#client).generateDataKey({ KeyId: this.kmsKeyId, KeySpec: 'AES_256', EncryptionContext: context });
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key.');
    return { plaintext: Buffer.from(out.Plaintext), encrypted: Buffer.from(out.CiphertextBlob) };
  }

  async decryptDataKey(encrypted: Buffer, context: Record<string, string>): Promise<Buffer> {
    this.#client ??= this.client();
    const out = await (await this.#client).decrypt({ KeyId: this.kmsKeyId, CiphertextBlob: encrypted, EncryptionContext: context });
    if (!out.Plaintext) throw new Error('KMS Decrypt returned no key.');
    return Buffer.from(out.Plaintext);
  }
}
