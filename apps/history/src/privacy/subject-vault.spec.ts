import { randomBytes, randomUUID } from 'node:crypto';
import { SubjectVault, VaultError } from './subject-vault.js';

describe(SubjectVault.name, () => {
  const sut = new SubjectVault(randomBytes(32));

  it('round-trips personal data under a subject key that is stored only wrapped', () => {
    const { dataKey, wrapped } = sut.newDataKey(randomUUID());
    const sealed = sut.encrypt(dataKey, { message: 'mot de passe oublié', email: 'lea@example.org' }, 'event-1');
    const reopened = sut.unwrap(dataKey.keyId, wrapped);
    expect(sut.decrypt(reopened, sealed, 'event-1')).toEqual({
      message: 'mot de passe oublié',
      email: 'lea@example.org',
    });
    expect(sealed.includes(Buffer.from('lea@example.org'))).toBe(false);
    expect(wrapped.includes(dataKey.key)).toBe(false);
  });

  it('refuses a ciphertext moved to another event, or altered', () => {
    const { dataKey } = sut.newDataKey(randomUUID());
    const sealed = sut.encrypt(dataKey, 'secret', 'event-1');
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    expect(() => sut.decrypt(dataKey, sealed, 'event-2')).toThrow();
    expect(() => sut.decrypt(dataKey, altered, 'event-1')).toThrow();
  });

  it('cannot unwrap a key with another master key or under another key id', () => {
    const { dataKey, wrapped } = sut.newDataKey(randomUUID());
    expect(() => new SubjectVault(randomBytes(32)).unwrap(dataKey.keyId, wrapped)).toThrow();
    expect(() => sut.unwrap(randomUUID(), wrapped)).toThrow();
  });

  it('files a subject under a keyed reference: stable, case-insensitive for emails, never the id itself', () => {
    const ref = sut.subjectRef('Lea.Martin@Example.org');
    expect(sut.subjectRef(' lea.martin@example.org ')).toBe(ref);
    expect(ref).toMatch(/^[0-9a-f]{64}$/);
    expect(new SubjectVault(randomBytes(32)).subjectRef('lea.martin@example.org')).not.toBe(ref);
    expect(sut.subjectRef('User-1')).not.toBe(sut.subjectRef('user-1'));
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() => new SubjectVault(randomBytes(16))).toThrow(VaultError);
  });
});
