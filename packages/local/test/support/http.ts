/** A small JSON client for the local server, for the HTTP tests. */
export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly headers: Headers;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary fields of any answer
  readonly json: any;
}

export interface CallOptions {
  readonly json?: unknown;
  readonly token?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

export function httpClient(baseUrl: () => string) {
  return async function call(method: string, path: string, options: CallOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.json !== undefined) headers["content-type"] = "application/json";
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      headers: response.headers,
      text,
      json,
    };
  };
}

export const byName = (name: string) => `?${new URLSearchParams({ organization_name: name })}`;
