import { LocalScheduler } from '../../server/scheduler/local-scheduler.js';
import { schedulerSuite } from '../conformance/scheduler.suite.js';

schedulerSuite('local', async () => ({
  create: async () => new LocalScheduler(),
  teardown: async () => {},
}), { distributed: false });
