import { randomUUID } from 'node:crypto';
import type { ColumnType, Kysely, Selectable } from 'kysely';
import type { User, UserRole } from '@conversation-hub/client-sdk/contract';
import { conflict, notFound } from '../domain/errors.js';
import type { Database } from './database.js';
import { iso, isUniqueViolation, json } from './sql-util.js';

/** Tables of migrations/0003_users.ts (kept here, beside their one repository). */
export type UsersTable = {
  id: string;
  username: string;
  name: string;
  role: UserRole;
  lists: ColumnType<string[], string | undefined, string>;
  skills: ColumnType<string[], string | undefined, string>;
  capacity: number | null;
  password_hash: string | null;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  oidc_sub: string | null;
  created_at: ColumnType<Date, string | undefined, never>;
  updated_at: ColumnType<Date, string | undefined, string>;
};

export type RefreshTokensTable = {
  id: string;
  user_id: string;
  family: string;
  token_hash: string;
  expires_at: ColumnType<Date, string, string>;
  spent_at: ColumnType<Date | null, string | undefined, string>;
  revoked_at: ColumnType<Date | null, string | undefined, string>;
  created_at: ColumnType<Date, string | undefined, never>;
};

export type UsersTables = {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
};
export type UsersDb = Kysely<Database & UsersTables>;
export const usersDb = (db: Kysely<Database>): UsersDb => db.withTables<UsersTables>();

type UserRow = Selectable<UsersTable>;

export interface NewUser {
  username: string;
  name: string;
  role: UserRole;
  lists?: string[];
  skills?: string[];
  capacity?: number | null;
  /** From passwords.ts; null for a single sign-on user. */
  passwordHash: string | null;
  oidcSub?: string;
}

export interface UserChanges {
  name?: string;
  role?: UserRole;
  lists?: string[];
  skills?: string[];
  capacity?: number | null;
  passwordHash?: string;
  disabled?: boolean;
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    name: r.name,
    role: r.role,
    lists: r.lists,
    skills: r.skills,
    capacity: r.capacity,
    disabled: r.disabled,
    sso: r.oidc_sub !== null,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** Users: the same SQL on PGlite and Postgres. Answers never carry the password hash, except `credentials`. */
export class UserRepository {
  private readonly db: UsersDb;
  constructor(db: Kysely<Database>) {
    this.db = usersDb(db);
  }

  async create(u: NewUser): Promise<User> {
    try {
      const row = await this.db
        .insertInto('users')
        .values({
          id: randomUUID(),
          username: u.username,
          name: u.name,
          role: u.role,
          lists: json(u.lists ?? []),
          skills: json(u.skills ?? []),
          capacity: u.capacity ?? null,
          password_hash: u.passwordHash,
          oidc_sub: u.oidcSub ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(u.oidcSub ? `a user with this sign-on subject or username ${u.username} exists` : `a user named ${u.username} exists`);
      throw err;
    }
  }

  async get(id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async byOidcSub(sub: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('oidc_sub', '=', sub).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /** The user and its password hash, for sign-in only. */
  async credentials(username: string): Promise<{ user: User; passwordHash: string | null } | null> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
  }

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUser);
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('users').select((e) => e.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async update(id: string, c: UserChanges): Promise<User> {
    const row = await this.db
      .updateTable('users')
      .set({
        ...(c.name !== undefined ? { name: c.name } : {}),
        ...(c.role !== undefined ? { role: c.role } : {}),
        ...(c.lists !== undefined ? { lists: json(c.lists) } : {}),
        ...(c.skills !== undefined ? { skills: json(c.skills) } : {}),
        ...(c.capacity !== undefined ? { capacity: c.capacity } : {}),
        ...(c.passwordHash !== undefined ? { password_hash: c.passwordHash } : {}),
        ...(c.disabled !== undefined ? { disabled: c.disabled } : {}),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('user');
    return toUser(row);
  }
}
