import { MemoryConversationStore } from '../../server/store/memory-store.js';
import { storeSuite } from '../conformance/store.suite.js';

storeSuite('memory', async () => {
  const store = new MemoryConversationStore();
  return { store, teardown: () => store.close() };
}, { shared: false });
