import type { AgentTask, CallInput, Dashboard } from '@conversation-hub/client-sdk/contract';
import { HubError } from '../domain/errors.js';
import type { CallContext } from './context.js';
import type { EngineCore } from './core.js';

/** The supervisor's floor: the live dashboard, forcing an agent not ready, reassigning a conversation. */
export class Supervisors {
  constructor(private readonly e: EngineCore) {}

  async watch(_ctx: CallContext): Promise<Dashboard> {
    void this.e;
    throw new HubError('internal', 'not built yet');
  }

  async unwatch(_ctx: CallContext): Promise<void> {
    throw new HubError('internal', 'not built yet');
  }

  async forceNotReady(_ctx: CallContext, _input: CallInput<'supervisor.agent.state'>): Promise<void> {
    throw new HubError('internal', 'not built yet');
  }

  async reassign(_ctx: CallContext, _input: CallInput<'conversation.reassign'>): Promise<AgentTask> {
    throw new HubError('internal', 'not built yet');
  }
}
