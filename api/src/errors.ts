/** Every error code the api answers with, in one place. */
export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  PRODUCT_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  COUPON_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  INSUFFICIENT_STOCK: 409,
  COUPON_ALREADY_USED: 409,
  ORDER_ALREADY_SETTLED: 409,
  COUPON_CODE_TAKEN: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  DEPENDENCY_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error the client caused or must know about; anything else is a 500 without internals. */
export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = ERROR_CODES[code];
  }
}

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

/** The JSON schema of every error response (OpenAPI). */
export const errorResponseSchema = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(ERROR_CODES) },
    error: { type: 'string' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;
