import { z } from 'zod';

/** Sign-in settings, read with the rest of the environment by server/config.ts. */
export const AuthEnv = {
  /** Lifetime of the access tokens of `POST /api/auth/login` and `/refresh`. */
  HUB_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(900),
  /** Lifetime of a refresh token (each refresh makes a new one with a new lifetime). */
  HUB_REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(90 * 24 * 3600).default(7 * 24 * 3600),
  /** Failed logins per username in 15 minutes before `429`. */
  HUB_LOGIN_FAILURES_PER_USER: z.coerce.number().int().min(1).default(10),
  /** Failed logins per client address in 15 minutes before `429`. */
  HUB_LOGIN_FAILURES_PER_IP: z.coerce.number().int().min(1).default(100),
  /** Single sign-on: the identity provider's issuer (`iss`), audience (`aud`) and JWKS; all three or none. */
  HUB_OIDC_ISSUER: z.string().min(1).optional(),
  HUB_OIDC_AUDIENCE: z.string().min(1).optional(),
  HUB_OIDC_JWKS_URL: z.string().url().optional(),
  /** The claim holding the role (a string or an array of strings); dotted paths reach nested claims. */
  HUB_OIDC_ROLE_CLAIM: z.string().min(1).default('roles'),
  /** `idpValue=role,...`: maps the provider's role names to agent, supervisor or admin. */
  HUB_OIDC_ROLE_MAP: z
    .string()
    .optional()
    .refine((v) => !v || v.split(',').every((p) => /^[^=]+=(agent|supervisor|admin)$/.test(p.trim())), 'comma-separated value=agent|supervisor|admin pairs'),
};

type AuthEnvValues = z.output<z.ZodObject<typeof AuthEnv>>;

export const oidcComplete = (e: Partial<AuthEnvValues>) => [e.HUB_OIDC_ISSUER, e.HUB_OIDC_AUDIENCE, e.HUB_OIDC_JWKS_URL].filter(Boolean).length % 3 === 0;
export const oidcIncomplete = { message: 'set HUB_OIDC_ISSUER, HUB_OIDC_AUDIENCE and HUB_OIDC_JWKS_URL together, or none of them' };

export interface OidcConfig {
  issuer: string;
  audience: string;
  jwksUrl: string;
  roleClaim: string;
  /** The provider's role names, by the hub's; the hub's own names always map to themselves. */
  roleMap: Record<string, 'agent' | 'supervisor' | 'admin'>;
}

export interface AuthConfig {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  loginFailuresPerUser: number;
  loginFailuresPerIp: number;
  oidc?: OidcConfig;
}

export function authConfig(e: AuthEnvValues): AuthConfig {
  const roleMap: OidcConfig['roleMap'] = {};
  for (const pair of (e.HUB_OIDC_ROLE_MAP ?? '').split(',').filter((p) => p.trim())) {
    const [value, role] = pair.split('=').map((x) => x.trim()) as [string, OidcConfig['roleMap'][string]];
    roleMap[value] = role;
  }
  return {
    accessTokenTtlSeconds: e.HUB_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: e.HUB_REFRESH_TOKEN_TTL_SECONDS,
    loginFailuresPerUser: e.HUB_LOGIN_FAILURES_PER_USER,
    loginFailuresPerIp: e.HUB_LOGIN_FAILURES_PER_IP,
    ...(e.HUB_OIDC_ISSUER && e.HUB_OIDC_AUDIENCE && e.HUB_OIDC_JWKS_URL
      ? { oidc: { issuer: e.HUB_OIDC_ISSUER, audience: e.HUB_OIDC_AUDIENCE, jwksUrl: e.HUB_OIDC_JWKS_URL, roleClaim: e.HUB_OIDC_ROLE_CLAIM, roleMap } }
      : {}),
  };
}
