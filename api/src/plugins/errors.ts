import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError, classifyTransient, type ErrorBody } from '../errors';
import { STORABLE_TEXT_PATTERN } from '../routes/schemas';

/** One error shape for every failure; a 5xx never leaks internals. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    let body: ErrorBody;
    let transient: ReturnType<typeof classifyTransient>;
    if (err instanceof ApiError) {
      body = {
        statusCode: err.statusCode,
        code: err.code,
        error: statusText(err.statusCode),
        message: err.message,
        ...(err.details ? { details: err.details } : {}),
      };
    } else if (err.validation) {
      body = { statusCode: 400, code: 'VALIDATION_FAILED', error: 'Bad Request', message: validationMessage(err) };
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      body = { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', error: 'Payload Too Large', message: err.message };
    } else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, wrong content type, empty body.
      body = {
        statusCode: err.statusCode,
        code: 'VALIDATION_FAILED',
        error: statusText(err.statusCode),
        message: err.message,
      };
    } else if ((transient = classifyTransient(err))) {
      // The request was fine; the database was busy, full or away. The same request can succeed later.
      request.log.warn({ err, reason: transient.reason }, 'transient database failure: 503 TRY_AGAIN');
      reply.header('retry-after', String(transient.retryAfterSeconds));
      body = {
        statusCode: 503,
        code: 'TRY_AGAIN',
        error: 'Service Unavailable',
        message: `the database could not serve the request (${transient.reason}); try again in ${transient.retryAfterSeconds} s`,
        details: { reason: transient.reason, retryAfterSeconds: transient.retryAfterSeconds },
      };
    } else {
      request.log.error({ err }, 'request failed');
      body = {
        statusCode: 500,
        code: 'INTERNAL',
        error: 'Internal Server Error',
        message: 'internal error; see the server log',
      };
    }
    return reply.status(body.statusCode).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
      error: 'Not Found',
      message: `no route ${request.method} ${request.url}`,
    };
    return reply.status(404).send(body);
  });
}

/**
 * Fastify's message (`body/price must be integer`), except for text PostgreSQL cannot store,
 * where the schema's pattern would say nothing to a client.
 */
function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  if (first?.keyword === 'pattern' && first.params.pattern === STORABLE_TEXT_PATTERN) {
    return `${err.validationContext ?? 'body'}${first.instancePath} must not contain a NUL character (\\u0000) or an unpaired UTF-16 surrogate: the database cannot store such text`;
  }
  return err.message;
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    404: 'Not Found',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Entity',
    503: 'Service Unavailable',
  };
  return texts[status] ?? 'Error';
}
