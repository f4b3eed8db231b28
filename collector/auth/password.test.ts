import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password';
import { hashToken, newSecretToken } from './tokens';

describe('password hashing', () => {
  it('produces a self-describing scrypt hash with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('s3cret-Ünïcode');
    expect(await verifyPassword('s3cret-Ünïcode', stored)).toBe(true);
    expect(await verifyPassword('s3cret-Ünïcodf', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('verifies hashes made with other (weaker, older) parameters', async () => {
    // A hash with N=16384 made by the same format: re-derived here to prove parameters are read back.
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.from('0123456789abcdef');
    const key = scryptSync('pw', salt, 32, { N: 16384, r: 8, p: 1 });
    const stored = `scrypt$16384$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(await verifyPassword('pw', stored)).toBe(true);
    expect(await verifyPassword('pw2', stored)).toBe(false);
  });

  it('treats malformed or hostile stored hashes as a failed match, never a crash', async () => {
    const good = await hashPassword('pw');
    const [, , r, p, salt, hash] = good.split('$');
    for (const stored of [
      '', 'scrypt', 'bcrypt$x', `scrypt$1000$${r}$${p}$${salt}$${hash}`, // N not a power of two
      `scrypt$${2 ** 30}$${r}$${p}$${salt}$${hash}`, // absurd memory
      `scrypt$16384$999$${p}$${salt}$${hash}`, `scrypt$16384$8$1$$${hash}`, `scrypt$16384$8$1$${salt}$`,
      `scrypt$16384$8$1$${salt}$${hash}$extra`, 'scrypt$-1$8$1$a$b',
    ]) {
      expect(await verifyPassword('pw', stored)).toBe(false);
    }
  });

  it('refuses to hash an empty password', async () => {
    await expect(hashPassword('')).rejects.toThrow(TypeError);
  });
});

describe('secret tokens', () => {
  it('are 32 random bytes in base64url, never repeated', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => newSecretToken()));
    expect(tokens.size).toBe(200);
    for (const t of tokens) expect(Buffer.from(t, 'base64url')).toHaveLength(32);
  });

  it('are stored as their sha256 hex digest', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashToken(newSecretToken())).toMatch(/^[0-9a-f]{64}$/);
  });
});
