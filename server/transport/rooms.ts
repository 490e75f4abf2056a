/** Room names: everyone, agents-only, one per participant (all their sockets), one per served channel, one per list, the dashboard's watchers. */
export const rooms = {
  conversation: (id: string) => `conv:${id}`,
  agents: (id: string) => `conv:${id}:agents`,
  participant: (id: string) => `participant:${id}`,
  connector: (serviceIdentifier: string) => `connector:${serviceIdentifier}`,
  list: (listId: string) => `list:${listId}`,
  /** Sockets that called `supervisor.watch`. */
  dashboard: 'dashboard:watchers',
};
