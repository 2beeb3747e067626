// One error registry (DESIGN convention 8): every error the API returns is defined here
// and rendered as problem+json (RFC 9457) by the handler in app.ts.
import createError from '@fastify/error';

export const Errors = {
  Unauthorized: createError('FW_UNAUTHORIZED', '%s', 401),
  Forbidden: createError('FW_FORBIDDEN', '%s', 403),
  NotFound: createError('FW_NOT_FOUND', '%s', 404),
  BadRequest: createError('FW_BAD_REQUEST', '%s', 400),
  Conflict: createError('FW_CONFLICT', '%s', 409),
  TooLarge: createError('FW_TOO_LARGE', '%s', 413),
  RateLimited: createError('FW_RATE_LIMITED', '%s', 429),
  Unavailable: createError('FW_UNAVAILABLE', '%s', 503),
};

/** An error with a list of field-level problems: `errors` is shown in the problem body. */
export function badRequest(detail: string, errors?: unknown[]): Error {
  const e = new Errors.BadRequest(detail) as Error & { errors?: unknown[] };
  if (errors) e.errors = errors;
  return e;
}

export function unavailable(detail: string, retryAfterS = 2): Error {
  const e = new Errors.Unavailable(detail) as Error & { retryAfter?: number };
  e.retryAfter = retryAfterS;
  return e;
}

export function rateLimited(detail: string, retryAfterS: number): Error {
  const e = new Errors.RateLimited(detail) as Error & { retryAfter?: number };
  e.retryAfter = retryAfterS;
  return e;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(status: number, detail: string, extra: Record<string, unknown> = {}) {
  return {
    type: `https://floorwatch.dev/problems/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...extra,
  };
}
