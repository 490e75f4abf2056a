import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { HubError } from '../../server/domain/errors.js';
import type { HubDatabase } from '../../server/persistence/create-database.js';
import { migrateDown, migrateToLatest } from '../../server/persistence/migrate.js';
import { RefreshTokenRepository } from '../../server/persistence/refresh-tokens.js';
import { UserRepository } from '../../server/persistence/users.js';
import { hashPassword, verifyPassword } from '../../server/auth/passwords.js';
import type { DatabaseFactory } from '../helpers/database.js';
import { uid } from './fixtures.js';

/** The users and refresh-token repositories, the same assertions on PGlite and Postgres. */
export function usersSuite(name: string, factory: DatabaseFactory): void {
  describe(`users conformance: ${name}`, () => {
    let handle: HubDatabase;
    let users: UserRepository;
    let tokens: RefreshTokenRepository;
    beforeAll(async () => {
      handle = await factory();
      await migrateToLatest(handle);
      users = new UserRepository(handle.db);
      tokens = new RefreshTokenRepository(handle.db);
    }, 60_000);
    afterAll(() => handle?.close());

    test('create, read, list, update; usernames and sign-on subjects are unique', async () => {
      const username = uid('ann');
      const ann = await users.create({ username, name: 'Ann', role: 'agent', lists: ['a', 'b'], skills: ['fr'], capacity: 2, passwordHash: 'scrypt$x' });
      expect(ann).toMatchObject({ username, name: 'Ann', role: 'agent', lists: ['a', 'b'], skills: ['fr'], capacity: 2, disabled: false, sso: false });
      expect(ann).not.toHaveProperty('passwordHash');
      expect(await users.get(ann.id)).toEqual(ann);
      expect(await users.credentials(username)).toEqual({ user: ann, passwordHash: 'scrypt$x' });
      expect(await users.get('nobody')).toBeNull();
      await expect(users.create({ username, name: 'Again', role: 'agent', passwordHash: null })).rejects.toMatchObject({ code: 'conflict' });

      const changed = await users.update(ann.id, { lists: [], capacity: null, disabled: true, role: 'supervisor' });
      expect(changed).toMatchObject({ lists: [], capacity: null, disabled: true, role: 'supervisor' });
      expect(new Date(changed.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(ann.updatedAt).getTime());
      await expect(users.update('nobody', { name: 'x' })).rejects.toBeInstanceOf(HubError);

      const sub = uid('sub');
      const sso = await users.create({ username: uid('sso'), name: 'Sso', role: 'agent', passwordHash: null, oidcSub: sub });
      expect(sso.sso).toBe(true);
      expect(await users.byOidcSub(sub)).toEqual(sso);
      await expect(users.create({ username: uid('sso'), name: 'Twin', role: 'agent', passwordHash: null, oidcSub: sub })).rejects.toMatchObject({ code: 'conflict' });
      expect((await users.list()).map((u) => u.id)).toEqual(expect.arrayContaining([ann.id, sso.id]));
      expect(await users.count()).toBeGreaterThanOrEqual(2);
    });

    test('refresh tokens: spent once, revoked by family and by user', async () => {
      const u = await users.create({ username: uid('bob'), name: 'Bob', role: 'agent', passwordHash: null });
      const later = new Date(Date.now() + 60_000);
      const a = await tokens.add({ userId: u.id, family: 'f1', tokenHash: uid('h'), expiresAt: later });
      const hb = uid('h');
      await tokens.add({ userId: u.id, family: 'f1', tokenHash: hb, expiresAt: later });
      const hc = uid('h');
      await tokens.add({ userId: u.id, family: 'f2', tokenHash: hc, expiresAt: later });
      expect(await tokens.spend(a)).toBe(true);
      expect(await tokens.spend(a)).toBe(false);
      expect(await tokens.byHash(hb)).toMatchObject({ userId: u.id, family: 'f1', spent: false, revoked: false });
      expect(await tokens.revokeFamily('f1')).toBe(2);
      expect(await tokens.byHash(hb)).toMatchObject({ revoked: true });
      expect(await tokens.byHash(hc)).toMatchObject({ revoked: false });
      expect(await tokens.revokeUser(u.id)).toBe(1);
      expect(await tokens.byHash(hc)).toMatchObject({ revoked: true });
      expect(await tokens.byHash('nothing')).toBeNull();
      await tokens.add({ userId: u.id, family: 'f3', tokenHash: uid('h'), expiresAt: new Date(Date.now() - 1000) });
      expect(await tokens.deleteExpired(new Date())).toBeGreaterThanOrEqual(1);
    });

    test('password hashes: scrypt with its parameters, salted, verified', async () => {
      const h1 = await hashPassword('correct horse battery staple');
      const h2 = await hashPassword('correct horse battery staple');
      expect(h1).toMatch(/^scrypt\$32768\$8\$1\$/);
      expect(h1).not.toBe(h2);
      expect(await verifyPassword('correct horse battery staple', h1)).toBe(true);
      expect(await verifyPassword('correct horse battery stapl', h1)).toBe(false);
      expect(await verifyPassword('anything', 'not-a-hash')).toBe(false);
    });

    test('the users migration goes down and up again', async () => {
      const other = await factory();
      try {
        expect(await migrateToLatest(other)).toContain('Up 0003_users');
        expect(await migrateDown(other)).toContain('Down 0003_users');
        expect(await migrateToLatest(other)).toContain('Up 0003_users');
      } finally {
        await other.close();
      }
    }, 60_000);
  });
}
