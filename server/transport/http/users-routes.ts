import { z } from 'zod';
import { Id, UserCreateBody, UserPatchBody, UserSchema } from '@conversation-hub/client-sdk/contract';
import type { Accounts } from '../../auth/accounts.js';
import { notFound } from '../../domain/errors.js';
import { routesFor, type HttpRoute } from './route-table.js';

export interface UsersRouteDeps {
  accounts: Accounts;
  adminKey: string;
  isUserAdmin: (token: string) => Promise<boolean>;
}

const IdParams = z.object({ id: Id });
const route = routesFor<UsersRouteDeps>();

/**
 * Accounts of agents, supervisors and admins (PROTOCOL.md §6.5): the admin key, or an `admin`
 * user's access token. Answers never carry a password or its hash.
 */
export const usersRouteTable: HttpRoute<UsersRouteDeps>[] = [
  route({
    auth: 'users-admin', method: 'post', path: '/api/users', operationId: 'createUser', tag: 'users', summary: 'Create a user',
    description: 'Passwords: 12 to 256 characters, kept only as a scrypt hash. `lists`, `skills` and `capacity` bind an agent: `agent.state` cannot name other lists.',
    body: UserCreateBody, errors: ['conflict'],
    ok: { status: 201, description: 'Created', schema: UserSchema },
    handler: async ({ deps, body }) => deps.accounts.create(body),
  }),
  route({
    auth: 'users-admin', method: 'get', path: '/api/users', operationId: 'listUsers', tag: 'users', summary: 'Every user, by username',
    ok: { status: 200, description: 'The users', schema: z.array(UserSchema) },
    handler: async ({ deps }) => deps.accounts.d.users.list(),
  }),
  route({
    auth: 'users-admin', method: 'get', path: '/api/users/:id', operationId: 'getUser', tag: 'users', summary: 'One user',
    params: IdParams, errors: ['not_found'],
    ok: { status: 200, description: 'The user', schema: UserSchema },
    handler: async ({ deps, params }) => {
      const user = await deps.accounts.d.users.get(params.id);
      if (!user) throw notFound('user');
      return user;
    },
  }),
  route({
    auth: 'users-admin', method: 'patch', path: '/api/users/:id', operationId: 'updateUser', tag: 'users', summary: 'Change a user',
    description:
      '`disabled: true` revokes the user’s refresh tokens and ends its sockets on every node (`session.expired`, reason `revoked`). ' +
      'A new `password` revokes its refresh tokens. Role, name, lists and capacity apply from its next connection or `agent.state`.',
    params: IdParams, body: UserPatchBody, errors: ['not_found'],
    ok: { status: 200, description: 'The user as changed', schema: UserSchema },
    handler: async ({ deps, params, body }) => deps.accounts.update(params.id, body),
  }),
];
