import { MemoryRoutingStore } from '../../server/routing/memory-routing-store.js';
import { routingSuite } from '../conformance/routing.suite.js';

routingSuite('memory', async () => {
  const store = new MemoryRoutingStore();
  return { store, teardown: () => store.close() };
});
