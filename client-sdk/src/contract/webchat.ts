import { z } from 'zod';
import { Id, Limits, safeString, unsafeStringProblem } from './strings.js';

// ---- webchat visitors and verified customers (PROTOCOL.md §2.2) -------------------------

/** A channel's identity rule: `required` refuses anonymous webchat visitors (`401`). */
export const IdentityMode = z.enum(['optional', 'required']);
export type IdentityMode = z.infer<typeof IdentityMode>;

/**
 * A channel's identity secret: the HS256 key a website's back end signs identity tokens with,
 * 32–512 safe characters. Write-only: channel reads show `identitySecretSet` instead.
 */
export const IdentitySecret = safeString({ min: 32, max: 512 });

/** A JWT (header.payload.signature, base64url), at most 8,192 characters. */
const Jwt = safeString({ min: 1, max: 8_192 });

const PRECHAT_KEYS_MAX = 50;

/**
 * The pre-chat form: `name`, `email` and other fields (string values ≤ 2,000 characters, ≤ 50
 * fields). The email is unverified: it goes into the session's channel data as `prechatEmail`
 * (with `emailVerified: 'false'`) and never identifies anyone.
 */
export const WebchatPrechat = z
  .object({ name: safeString({ max: 200 }).optional(), email: safeString({ max: 320 }).email().optional() })
  .catchall(safeString({ max: Limits.channelDataValueMax }))
  .superRefine((form, ctx) => {
    const keys = Object.keys(form);
    if (keys.length > PRECHAT_KEYS_MAX) ctx.addIssue({ code: 'too_big', origin: 'array', maximum: PRECHAT_KEYS_MAX, inclusive: true, input: form, message: `at most ${PRECHAT_KEYS_MAX} fields` });
    for (const k of keys) {
      const problem = k.length > Limits.channelDataKeyMax ? `at most ${Limits.channelDataKeyMax} characters` : unsafeStringProblem(k);
      if (problem) ctx.addIssue({ code: 'custom', path: [k], input: k, message: `key: ${problem}` });
    }
  });

/** `POST /api/webchat/sessions` (PROTOCOL.md §2.2). */
export const WebchatSessionBody = z.object({
  serviceIdentifier: Id,
  /** The hub-issued visitor token from an earlier answer: the same anonymous customer again. A bad or expired one starts a new visitor. */
  visitorToken: Jwt.optional(),
  /** A JWT (HS256) the website's back end signed with the channel's identity secret: `sub`, `exp`, optional `email`, `name`, `phone`. */
  identityToken: Jwt.optional(),
  prechat: WebchatPrechat.optional(),
  /** Refused: a visitor id a client chooses identifies nobody any more (send `visitorToken`). */
  visitorId: z
    .unknown()
    .refine((v) => v === undefined, { message: 'no longer accepted: send the visitorToken the hub issued' })
    .optional()
    .meta({ description: 'Refused (`400`): a visitor id a client chooses identifies nobody; send `visitorToken`.' }),
});
export type WebchatSessionBody = z.input<typeof WebchatSessionBody>;

/** `201` of `POST /api/webchat/sessions`. */
export interface WebchatSession {
  /** A customer token for the channel (12 hours). */
  token: string;
  customerId: string;
  /** Keep it (the widget: localStorage) and send it again: the same anonymous customer. Opaque. */
  visitorToken: string;
  /** True when a valid identity token named the customer. */
  verified: boolean;
  /** Addition (PROTOCOL.md §1.5, §2.2): whether the channel's business hours are open now (true without business hours). */
  open: boolean;
  /** Addition: when closed, the next opening (ISO 8601); absent when open or when it does not open within 400 days. */
  nextOpeningAt?: string;
}

/**
 * Channel-data keys of a webchat session that only the hub sets (a client's own values for them
 * are dropped): `verified` (`'true'` when an identity token named the customer; absent otherwise),
 * `prechatEmail` (the typed, unverified email), `emailVerified` (`'true'` for an identity token's
 * email, `'false'` for a typed one), `verifiedEmail`, `verifiedPhone` (an identity token's claims).
 */
export const HubChannelDataKeys = ['verified', 'prechatEmail', 'emailVerified', 'verifiedEmail', 'verifiedPhone'] as const;
