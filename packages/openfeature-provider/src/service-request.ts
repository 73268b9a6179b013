/** A request the service refused or could not answer; `status` is undefined when it never answered. */
export class ServiceRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'ServiceRequestError';
  }
}

/**
 * One request to the service with the key, within the timeout. A 2xx or 304 answer is returned;
 * anything else throws, with the service's problem details (RFC 9457) in the message.
 */
export async function serviceRequest(
  url: URL,
  { apiKey, requestTimeoutMs }: { apiKey: string; requestTimeoutMs: number },
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { accept: 'application/json', ...init.headers, authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new ServiceRequestError(`${init.method ?? 'GET'} ${url.href} failed: ${cause}`, undefined);
  }
  if (response.ok || response.status === 304) return response;
  const text = await response.text();
  let detail = text.slice(0, 300);
  try {
    const problem = JSON.parse(text) as { title?: string; detail?: string };
    detail = problem.detail ?? problem.title ?? detail;
  } catch {
    // Not problem details: the text as it came.
  }
  throw new ServiceRequestError(
    `${init.method ?? 'GET'} ${url.href} answered ${response.status}: ${detail}`,
    response.status,
  );
}
