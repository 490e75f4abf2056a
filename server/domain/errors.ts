import { ErrorCode, type HubErrorBody } from '../../client-sdk/src/contract/index.js';

/** An error the caller gets back as `{ ok: false, error }`; anything else is `internal`. */
export class HubError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HubError';
  }

  toBody(): HubErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const notFound = (what: string) => new HubError(ErrorCode.NotFound, `${what} not found`);
export const forbidden = (why: string) => new HubError(ErrorCode.Forbidden, why);
export const conflict = (why: string, details?: unknown) => new HubError(ErrorCode.Conflict, why, details);
export const badRequest = (why: string, details?: unknown) => new HubError(ErrorCode.BadRequest, why, details);
