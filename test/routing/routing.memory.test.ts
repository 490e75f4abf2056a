import { MemoryRoutingStore } from '../../server/routing/memory-routing-store.js';
import { routingSuite } from '../conformance/routing.suite.js';

routingSuite('memory', () => new MemoryRoutingStore());
