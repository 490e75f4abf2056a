import { postgresDatabase } from '../helpers/database.js';
import { usersSuite } from './users.suite.js';

// Cluster mode: a real Postgres, a fresh schema per factory call.
usersSuite('postgres', postgresDatabase);
