/**
 * Account links from identity's mails: `/reset-password#token=…` and `/verify-email#token=…`.
 * The token rides in the fragment, which browsers never send to servers (nor log, nor pass on
 * as a Referer); the page reads it and posts it. These three public calls carry no user token.
 */
import { ApiError, type Problem } from "../api/client";

export function tokenFromFragment(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const token = params.get("token");
  return token && token.length <= 512 && /^[\w.~-]+$/.test(token) ? token : null;
}

/**
 * POST to one of identity's account-link routes. Plain `fetch` rather than the typed client:
 * the routes landed in identity (`/v1/auth/password-reset`, `…/confirm`, `/v1/auth/verify-email`)
 * after this client's `openapi.json`; switch to `api.POST` once it has them.
 */
export async function postAccountLink(path: "/v1/auth/password-reset" | "/v1/auth/password-reset/confirm" | "/v1/auth/verify-email", body: Record<string, string>): Promise<void> {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) {
    const problem = (await response.json().catch(() => undefined)) as Partial<Problem> | undefined;
    throw new ApiError(response.status, problem);
  }
}
