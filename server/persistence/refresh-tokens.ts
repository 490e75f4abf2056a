import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { usersDb, type UsersDb } from './users.js';

export interface StoredRefreshToken {
  id: string;
  userId: string;
  family: string;
  expiresAt: Date;
  spent: boolean;
  revoked: boolean;
}

/**
 * Refresh tokens by the SHA-256 of the token (the token itself is never stored). A token is used
 * once: `spend` marks it, and only one of several concurrent callers wins.
 */
export class RefreshTokenRepository {
  private readonly db: UsersDb;
  constructor(db: Kysely<Database>) {
    this.db = usersDb(db);
  }

  async add(t: { userId: string; family: string; tokenHash: string; expiresAt: Date }): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto('refresh_tokens')
      .values({ id, user_id: t.userId, family: t.family, token_hash: t.tokenHash, expires_at: t.expiresAt.toISOString() })
      .execute();
    return id;
  }

  async byHash(tokenHash: string): Promise<StoredRefreshToken | null> {
    const r = await this.db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!r) return null;
    return { id: r.id, userId: r.user_id, family: r.family, expiresAt: new Date(r.expires_at), spent: r.spent_at !== null, revoked: r.revoked_at !== null };
  }

  /** Marks it spent; false when it was spent or revoked already (someone else used it first). */
  async spend(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable('refresh_tokens')
      .set({ spent_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('spent_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async revokeFamily(family: string): Promise<number> {
    const r = await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('family', '=', family)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async revokeUser(userId: string): Promise<number> {
    const r = await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Drops tokens that expired before `before` (housekeeping). */
  async deleteExpired(before: Date): Promise<number> {
    const r = await this.db.deleteFrom('refresh_tokens').where('expires_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
