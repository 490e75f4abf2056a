import { pgliteDatabase } from '../helpers/database.js';
import { usersSuite } from './users.suite.js';

// Embedded mode: an in-memory PGlite.
usersSuite('pglite', pgliteDatabase);
