/** Error codes of the wire contract (PROTOCOL.md §3.1). */
export const ErrorCode = {
  BadRequest: 'bad_request',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  Conflict: 'conflict',
  RateLimited: 'rate_limited',
  TooLarge: 'too_large',
  Internal: 'internal',
  /** Addition (§1.7): WhatsApp's 24-hour customer-service window is closed: send a template. */
  WindowClosed: 'window_closed',
  /** Addition (§1.7): an upload whose content is not an allowed type. */
  UnsupportedMediaType: 'unsupported_media_type',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface HubErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** HTTP status for each code, so REST and socket errors say the same thing. */
export const httpStatusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  too_large: 413,
  internal: 500,
  window_closed: 409,
  unsupported_media_type: 415,
};
