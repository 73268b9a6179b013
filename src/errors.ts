/** Errors the services throw on purpose; the error handler turns each into problem details. */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(detail, options);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DomainError {
  constructor(detail: string) {
    super(400, 'Bad Request', detail);
  }
}

export class NotFoundError extends DomainError {
  constructor(detail: string) {
    super(404, 'Not Found', detail);
  }
}

export class ConflictError extends DomainError {
  constructor(detail: string) {
    super(409, 'Conflict', detail);
  }
}

/** A promotion or an import that would leave the configuration broken: nothing changed, and every reason is listed. */
export class RefusedChangeError extends ConflictError {
  constructor(
    detail: string,
    readonly problems: string[],
  ) {
    super(`${detail}: ${problems.join('; ')}`);
  }
}

export class ServiceUnavailableError extends DomainError {
  constructor(detail: string, options?: ErrorOptions) {
    super(503, 'Service Unavailable', detail, options);
  }
}

/** More writes at once than this instance queues, or than the database's pool could take: try again soon. */
export class OverloadedError extends DomainError {
  readonly retryAfterSeconds = 1;

  constructor(detail: string, options?: ErrorOptions) {
    super(503, 'Overloaded', detail, options);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(detail: string) {
    super(401, 'Unauthorized', detail);
  }
}

export class ForbiddenError extends DomainError {
  constructor(detail: string) {
    super(403, 'Forbidden', detail);
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(
    detail: string,
    /** Sent as Retry-After when set. */
    readonly retryAfterSeconds: number | undefined = undefined,
  ) {
    super(429, 'Too Many Requests', detail);
  }
}

/**
 * Input that is well-formed but does not fit the rest of the configuration (an unknown segment,
 * say). Reported like a schema's validation error: `pointer` is where in the body ("rules/0/segment").
 */
export class ValidationError extends DomainError {
  constructor(
    readonly pointer: string,
    readonly problem: string,
  ) {
    super(400, 'Validation Error', `${pointer}: ${problem}`);
  }
}
