import { Kysely } from 'kysely';
import { Migrator, NO_MIGRATIONS, type MigrationResultSet } from 'kysely/migration';
import { migrations } from '../../migrations/index.js';

/** A Kysely, or a handle from createDatabase (whose schema then also holds the migration tables). */
export type MigrationTarget = Kysely<any> | { db: Kysely<any>; schema?: string };

function migrator(target: MigrationTarget): Migrator {
  const { db, schema } = target instanceof Kysely ? { db: target, schema: undefined } : target;
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Per-schema migration bookkeeping, so parallel test schemas don't see each other's state.
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

function check(result: MigrationResultSet): string[] {
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
  return (result.results ?? []).map((r) => `${r.direction} ${r.migrationName}`);
}

/**
 * Runs every pending migration under kysely's migration lock; returns what ran. Kysely looks for
 * its tables by listing every table of the database, so a schema that another tenant of the same
 * database drops at that moment fails the listing (`3F000`, "schema … does not exist"): that is
 * someone else's schema going away, and the run is tried again.
 */
export async function migrateToLatest(target: MigrationTarget): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return check(await migrator(target).migrateToLatest());
    } catch (err) {
      const own = target instanceof Kysely ? undefined : target.schema;
      const vanished = (err as { code?: string }).code === '3F000' && !(own && String((err as Error).message).includes(`"${own}"`));
      if (!vanished || attempt >= 5) throw err;
    }
  }
}

/** Undoes every migration (all the way down, not one step); returns what ran. */
export async function migrateDown(target: MigrationTarget): Promise<string[]> {
  return check(await migrator(target).migrateTo(NO_MIGRATIONS));
}
