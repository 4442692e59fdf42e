import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { RandomPool } from '#contracts';

const WRAP_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const RANDOM_POOL_BYTES = 48 * 1024;
const REF_CACHE_SIZE = 10_000;

/** A data subject's key, unwrapped, with the id its ciphertexts name. */
export interface DataKey {
  readonly keyId: string;
  readonly key: Buffer;
}

export class VaultError extends Error {
  override readonly name = 'VaultError';
}

function derive(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `support-history/${purpose}`, 32));
}

function seal(key: Buffer, plaintext: Buffer, aad: string, iv: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new VaultError('sealed value is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/**
 * Envelope encryption of personal data: each data subject has a random AES-256-GCM key, stored
 * only wrapped under a key derived from the master key. Destroying the wrapped key erases every
 * ciphertext made with it, without touching the rows (or the hash chain) that hold them.
 */
export class SubjectVault {
  private readonly wrapKey: Buffer;
  private readonly refKey: Buffer;
  // IVs and data keys drawn from a pool of random bytes: one getrandom call per 48 KiB instead of one each.
  private readonly randomPool = new RandomPool(RANDOM_POOL_BYTES);
  private readonly refs = new Map<string, string>();

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new VaultError(`the master key must be 32 bytes, got ${masterKey.length}`);
    this.wrapKey = derive(masterKey, 'key-wrap');
    this.refKey = derive(masterKey, 'subject-ref');
  }

  static fromBase64(text: string): SubjectVault {
    return new SubjectVault(Buffer.from(text, 'base64'));
  }

  /**
   * The pseudonymous reference under which a subject's keys and events are filed: a keyed hash,
   * so the database never holds the identifier itself. Emails compare case-insensitively.
   */
  subjectRef(subjectId: string): string {
    const cached = this.refs.get(subjectId);
    if (cached !== undefined) return cached;
    const normalised = subjectId.includes('@') ? subjectId.trim().toLowerCase() : subjectId.trim();
    const ref = createHmac('sha256', this.refKey).update(normalised, 'utf8').digest('hex');
    // A ticket's subject comes back with its routed, queue and lifecycle events: a small cache pays.
    if (this.refs.size >= REF_CACHE_SIZE) this.refs.clear();
    this.refs.set(subjectId, ref);
    return ref;
  }

  newDataKey(keyId: string): { readonly dataKey: DataKey; readonly wrapped: Buffer } {
    const key = Buffer.from(this.randomPool.take(32));
    return {
      dataKey: { keyId, key },
      wrapped: Buffer.concat([
        Buffer.from([WRAP_VERSION]),
        seal(this.wrapKey, key, keyId, this.randomPool.take(IV_BYTES)),
      ]),
    };
  }

  unwrap(keyId: string, wrapped: Buffer): DataKey {
    if (wrapped[0] !== WRAP_VERSION) throw new VaultError(`unknown key wrapping version ${wrapped[0]}`);
    return { keyId, key: open(this.wrapKey, wrapped.subarray(1), keyId) };
  }

  /** Encrypts a value bound to its event (`aad`): a ciphertext moved to another row does not open. */
  encrypt(dataKey: DataKey, value: unknown, aad: string): Buffer {
    return seal(dataKey.key, Buffer.from(JSON.stringify(value), 'utf8'), aad, this.randomPool.take(IV_BYTES));
  }

  decrypt(dataKey: DataKey, sealed: Buffer, aad: string): unknown {
    return JSON.parse(open(dataKey.key, sealed, aad).toString('utf8')) as unknown;
  }
}
