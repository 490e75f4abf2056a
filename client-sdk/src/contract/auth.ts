import { z } from 'zod';
import { safeString } from './strings.js';

/*
 * Accounts and sign-in (PROTOCOL.md §2.3, §6.5): the bodies of `/api/auth/*` and `/api/users*`,
 * their answers, and the `session.expired` push.
 *
 * Every string is a safe string (no NUL, no lone surrogate; strings.ts) with a max length.
 */

export const UserRole = z.enum(['agent', 'supervisor', 'admin']);
export type UserRole = z.infer<typeof UserRole>;

export const AuthLimits = {
  usernameMin: 3,
  usernameMax: 64,
  passwordMin: 12,
  /** scrypt takes any length; this bounds the work a request can ask for. */
  passwordMax: 256,
  nameMax: 200,
  listsMax: 100,
  skillsMax: 100,
  /** Refresh tokens are 43 characters (32 random bytes, base64url); room to spare. */
  refreshTokenMax: 200,
} as const;

/** Letters, digits and `._@-`; compared as given (case-sensitive), stored as given. */
export const Username = safeString({ min: AuthLimits.usernameMin, max: AuthLimits.usernameMax }).regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');
export const Password = safeString({ max: AuthLimits.passwordMax }).min(AuthLimits.passwordMin, `at least ${AuthLimits.passwordMin} characters`);
const listId = safeString({ min: 1, max: 128 });
const skill = safeString({ min: 1, max: 100 });
const displayName = safeString({ min: 1, max: AuthLimits.nameMax });
const capacity = z.number().int().min(1).max(100);

export const UserCreateBody = z.object({
  username: Username,
  password: Password,
  role: UserRole,
  name: displayName,
  lists: z.array(listId).max(AuthLimits.listsMax).optional(),
  skills: z.array(skill).max(AuthLimits.skillsMax).optional(),
  capacity: capacity.optional(),
});
export type UserCreateBody = z.infer<typeof UserCreateBody>;

/** Every field optional; `capacity: null` goes back to the hub's default (`HUB_AGENT_CAPACITY`). */
export const UserPatchBody = z
  .object({
    name: displayName,
    role: UserRole,
    lists: z.array(listId).max(AuthLimits.listsMax),
    skills: z.array(skill).max(AuthLimits.skillsMax),
    capacity: capacity.nullable(),
    password: Password,
    disabled: z.boolean(),
  })
  .partial()
  .strict();
export type UserPatchBody = z.infer<typeof UserPatchBody>;

/** A user as the API answers it: never a password or its hash. */
export const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  role: UserRole,
  lists: z.array(z.string()),
  skills: z.array(z.string()),
  /** null: the hub's default. */
  capacity: z.number().int().nullable(),
  disabled: z.boolean(),
  /** Signs in through the organisation's identity provider (no password of the hub's). */
  sso: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type User = z.infer<typeof UserSchema>;

export const LoginBody = z.object({
  username: safeString({ min: 1, max: AuthLimits.usernameMax }),
  password: safeString({ min: 1, max: AuthLimits.passwordMax }),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const RefreshBody = z.object({ refreshToken: safeString({ min: 1, max: AuthLimits.refreshTokenMax }) });
export type RefreshBody = z.infer<typeof RefreshBody>;

/** The answer to login and refresh: `expiresIn` is the access token's lifetime in seconds. */
export const TokenPair = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int(),
});
export type TokenPair = z.infer<typeof TokenPair>;

/**
 * Pushed just before the hub ends a socket whose session is over: `expired` (its token's `exp`
 * passed; connect again with a fresh token) or `revoked` (the user was disabled; do not retry).
 */
export interface SessionExpired {
  reason: 'expired' | 'revoked';
  message: string;
}
