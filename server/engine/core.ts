import type { Actions } from './actions.js';
import type { EngineDeps } from './context.js';
import type { Pipeline } from './pipeline.js';
import type { Reads } from './reads.js';
import type { TaskRouting } from './task-routing.js';

/** What every use case works with: the ports, the one after-write pipeline, the reads and the offers. */
export interface EngineCore {
  d: EngineDeps;
  pipeline: Pipeline;
  reads: Reads;
  tasks: TaskRouting;
  actions: Actions;
  now(): number;
  iso(): string;
}
