import { jwtVerify } from 'jose';
import { z } from 'zod';
import { safeString } from '@conversation-hub/client-sdk/contract';

/** Clock skew allowed between the website's back end and the hub when checking `exp`, `nbf`, `iat`. */
export const IDENTITY_CLOCK_TOLERANCE_SECONDS = 30;

/** The claims a website's identity token carries: `sub` and `exp` required, `email`, `name`, `phone` optional. */
const IdentityClaims = z.object({
  sub: safeString({ min: 1, max: 200 }),
  exp: z.number(),
  email: safeString({ max: 320 }).email().optional(),
  name: safeString({ min: 1, max: 200 }).optional(),
  phone: safeString({ min: 1, max: 32 }).optional(),
});
export type IdentityClaims = z.infer<typeof IdentityClaims>;

/**
 * Checks an identity token (PROTOCOL.md §2.2): an HS256 JWT the website's back end signed with the
 * channel's identity secret. Refused (null): another `alg` (`none` included), a bad signature, a
 * missing or past `exp` (30 s of skew allowed), a missing `sub`, claims of the wrong shape, and an
 * `aud` that does not name the channel's service identifier (`aud` is optional). Null is `401`.
 */
export async function verifyIdentityToken(token: string, secret: string, serviceIdentifier: string): Promise<IdentityClaims | null> {
  if (token.length === 0 || token.length > 8192) return null;
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: IDENTITY_CLOCK_TOLERANCE_SECONDS,
    });
    if (payload.aud !== undefined && !(Array.isArray(payload.aud) ? payload.aud : [payload.aud]).includes(serviceIdentifier)) return null;
    const claims = IdentityClaims.safeParse(payload);
    return claims.success ? claims.data : null;
  } catch {
    return null;
  }
}
