/** Room names: everyone, agents-only, one per participant (all their sockets), one per served channel. */
export const rooms = {
  conversation: (id: string) => `conv:${id}`,
  agents: (id: string) => `conv:${id}:agents`,
  participant: (id: string) => `participant:${id}`,
  connector: (serviceIdentifier: string) => `connector:${serviceIdentifier}`,
  list: (listId: string) => `list:${listId}`,
};
