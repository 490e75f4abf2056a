import type { Kysely } from 'kysely';
import { z } from 'zod';
import { Limits, type ChannelType } from '@conversation-hub/client-sdk/contract';
import { conflict, notFound } from '../domain/errors.js';
import type { Database } from './database.js';
import { isForeignKeyViolation, isUniqueViolation } from './sql-util.js';
import { parseInput } from './validate.js';

/** Admin body for a channel type (not in the contract yet: `{ id, name }`). */
export const ChannelTypeInput = z.object({
  id: z.string().min(1).max(Limits.idMax),
  name: z.string().min(1).max(200),
});
export const ChannelTypePatch = ChannelTypeInput.pick({ name: true });

export async function createChannelType(db: Kysely<Database>, input: unknown): Promise<ChannelType> {
  const t = parseInput(ChannelTypeInput, input);
  try {
    await db.insertInto('channel_types').values(t).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`channel type ${t.id} exists`);
    throw err;
  }
  return t;
}

export async function listChannelTypes(db: Kysely<Database>): Promise<ChannelType[]> {
  return db.selectFrom('channel_types').select(['id', 'name']).orderBy('id').execute();
}

export async function getChannelType(db: Kysely<Database>, id: string): Promise<ChannelType> {
  const t = await db.selectFrom('channel_types').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
  if (!t) throw notFound('channel type');
  return t;
}

export async function updateChannelType(db: Kysely<Database>, id: string, patch: unknown): Promise<ChannelType> {
  const { name } = parseInput(ChannelTypePatch, patch);
  const t = await db.updateTable('channel_types').set({ name }).where('id', '=', id).returning(['id', 'name']).executeTakeFirst();
  if (!t) throw notFound('channel type');
  return t;
}

/** A type that a channel still uses cannot go: `conflict` (the fk says so, race-free). */
export async function deleteChannelType(db: Kysely<Database>, id: string): Promise<void> {
  try {
    const r = await db.deleteFrom('channel_types').where('id', '=', id).executeTakeFirst();
    if (r.numDeletedRows === 0n) throw notFound('channel type');
  } catch (err) {
    if (isForeignKeyViolation(err)) throw conflict(`channel type ${id} is used by a channel`);
    throw err;
  }
}
