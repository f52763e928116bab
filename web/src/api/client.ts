/**
 * The typed client of the gateway's REST API, generated from `web/openapi.json`
 * (`npm run gen:api` -> `schema.d.ts`). Every request carries the user's access token; a 401
 * is answered once by refreshing the token and repeating the request.
 */
import createClient from "openapi-fetch";
import { accessToken, refreshAccess, setRefreshCall, type TokenPair } from "../auth/tokens";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

const NO_TOKEN = new Set(["/v1/auth/login", "/v1/auth/register", "/v1/auth/refresh", "/v1/auth/logout"]);

function withToken(request: Request, token: string | null): Request {
  const copy = new Request(request);
  if (token) copy.headers.set("Authorization", `Bearer ${token}`);
  return copy;
}

export async function authFetch(request: Request): Promise<Response> {
  const path = new URL(request.url, window.location.origin).pathname;
  if (NO_TOKEN.has(path)) return fetch(request);
  const retry = request.clone();
  const response = await fetch(withToken(request, await accessToken()));
  if (response.status !== 401) return response;
  const renewed = await refreshAccess();
  if (!renewed) return response;
  return fetch(withToken(retry, renewed));
}

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  fetch: authFetch,
});

setRefreshCall(async (refreshToken) => {
  const { data, response } = await api.POST("/v1/auth/refresh", {
    body: { refresh_token: refreshToken },
  });
  if (data) return data as TokenPair;
  // A network failure or 5xx is not a rejection: keep the token and let the user retry.
  if (response.status === 401 || response.status === 403 || response.status === 422) {
    return "rejected";
  }
  throw new Error(`refresh failed: ${response.status}`);
});

/** An API error, carrying the problem+json answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Partial<Problem> | undefined;

  constructor(status: number, problem: Partial<Problem> | undefined) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Unwrap an openapi-fetch answer: the data, or an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(result.response.status, result.error as Partial<Problem> | undefined);
  }
  return result.data as T;
}
