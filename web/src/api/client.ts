/**
 * The console's only way to the server: `fetch` with the bearer token, JSON in and out, and API errors
 * turned into `ApiError`s whose message is plain words fit to show next to the control.
 */
import type { ApiMessage } from "./types.js";

export class ApiError extends Error {
  readonly status: number;
  readonly errors: ApiMessage[];
  readonly body: unknown;

  constructor(status: number, message: string, errors: ApiMessage[], body: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.errors = errors;
    this.body = body;
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Statuses other than 2xx that the caller handles itself (their body is returned, not thrown). */
  accept?: readonly number[];
  /** Aborts the request (the fetch rejects with an `AbortError`, passed on as it is). */
  signal?: AbortSignal;
}

export interface Api {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  get<T>(path: string): Promise<T>;
}

function plainMessage(status: number, body: unknown): { message: string; errors: ApiMessage[] } {
  const errors: ApiMessage[] = [];
  let message = "";
  if (body && typeof body === "object") {
    const record = body as { message?: unknown; errors?: unknown };
    if (Array.isArray(record.errors)) {
      for (const e of record.errors) {
        if (e && typeof e === "object" && typeof (e as ApiMessage).message === "string") {
          errors.push({ key: String((e as ApiMessage).key ?? ""), message: (e as ApiMessage).message });
        }
      }
    }
    if (typeof record.message === "string") message = record.message;
  }
  const details = errors.map((e) => e.message).filter((m) => m && m !== message);
  if (details.length > 0) message = message ? `${message}: ${details.join(" ")}` : details.join(" ");
  if (!message) message = fallbackMessage(status);
  return { message, errors };
}

function fallbackMessage(status: number): string {
  if (status === 401) return "Your token was not accepted. Sign in again with a valid personal access token.";
  if (status === 403) return "Only system administrators can do this.";
  if (status === 404) return "Not found on this server.";
  if (status >= 500) return `The server had a problem (HTTP ${status}). Try again, and check the server log if it persists.`;
  return `The request was refused (HTTP ${status}).`;
}

export function createApi(token: string, onUnauthorized: () => void): Api {
  async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-Atlassian-Token"] = "no-check";
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: "no-store",
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ApiError(0, "Could not reach the Sluice server. Check that it is running and try again.", [], null);
    }
    // Reading the body can be aborted too: the AbortError goes to the caller.
    const text = await response.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (response.ok || options.accept?.includes(response.status)) return { status: response.status, body: body as T };
    if (response.status === 401) onUnauthorized();
    const { message, errors } = plainMessage(response.status, body);
    throw new ApiError(response.status, message, errors, body);
  }
  return {
    request,
    async get<T>(path: string): Promise<T> {
      return (await request<T>("GET", path)).body;
    },
  };
}

/** A message for any thrown value, for display. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
