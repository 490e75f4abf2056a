import { databaseSuite } from '../conformance/database.suite.js';
import { pgliteDatabase } from '../helpers/database.js';

// Embedded mode: an in-memory PGlite per factory call.
databaseSuite('pglite', pgliteDatabase);
