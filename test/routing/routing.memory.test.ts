import { MemoryRoutingStore } from '../../server/routing/memory-routing-store.js';
import type { CreateRoutingFixture } from '../conformance/routing-helpers.js';
import { routingAgentsSuite } from '../conformance/routing-agents.suite.js';
import { routingQueuesSuite } from '../conformance/routing-queues.suite.js';
import { routingTasksSuite } from '../conformance/routing-tasks.suite.js';
import { routingSuite } from '../conformance/routing.suite.js';

const fixture: CreateRoutingFixture = async (options = {}) => {
  const store = new MemoryRoutingStore(options);
  return { store, teardown: () => store.close() };
};

routingSuite('memory', fixture);
routingAgentsSuite('memory', fixture);
routingTasksSuite('memory', fixture);
routingQueuesSuite('memory', fixture);
