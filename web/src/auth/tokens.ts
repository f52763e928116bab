/**
 * The session's tokens. The access token lives in memory only (one per tab); the refresh token
 * in localStorage, so a reload or a second tab stays logged in. Identity rotates the refresh
 * token on every use and treats a spent one presented again as theft (the whole family is
 * revoked), so tabs must never refresh with the same token at once: every refresh runs under
 * one Web Lock and reads the newest refresh token from storage inside it.
 */
import type { components } from "../api/schema";

export type TokenPair = components["schemas"]["TokenPair"];

const REFRESH_KEY = "ladda.refresh-token";
// Refresh this long before the access token expires, so requests rarely meet a 401.
const EARLY_MS = 30_000;

interface Access {
  token: string;
  expiresAt: number;
}

let access: Access | null = null;
let inflight: Promise<string | null> | null = null;
const listeners = new Set<() => void>();

export function onTokensChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(): void {
  for (const listener of listeners) listener();
}

export function storeTokens(pair: TokenPair, now: number = Date.now()): void {
  access = { token: pair.access_token, expiresAt: now + pair.expires_in * 1000 };
  localStorage.setItem(REFRESH_KEY, pair.refresh_token);
  notify();
}

export function clearTokens(): void {
  access = null;
  localStorage.removeItem(REFRESH_KEY);
  notify();
}

export function refreshToken(): string | null {
  return localStorage.getItem(REFRESH_KEY);
}

export function hasSession(): boolean {
  return access !== null || refreshToken() !== null;
}

/** A valid access token, refreshing first when it is missing or about to expire. */
export async function accessToken(now: number = Date.now()): Promise<string | null> {
  if (access && access.expiresAt - EARLY_MS > now) return access.token;
  if (!refreshToken()) return null;
  return refreshAccess();
}

type RefreshCall = (refreshToken: string) => Promise<TokenPair | "rejected">;

let refreshCall: RefreshCall = async () => "rejected";

/** The HTTP call that exchanges a refresh token (set by the API client, swapped in tests). */
export function setRefreshCall(call: RefreshCall): void {
  refreshCall = call;
}

async function withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request("ladda-refresh", work);
  }
  return work();
}

/** Exchange the stored refresh token for a new pair; one exchange at a time per tab. */
export function refreshAccess(): Promise<string | null> {
  if (!inflight) {
    const seen = access?.token;
    inflight = withRefreshLock(async () => {
      // Another request of this tab may have refreshed while we waited for the lock.
      if (access && access.token !== seen) return access.token;
      const current = refreshToken();
      if (!current) return null;
      const answer = await refreshCall(current);
      if (answer === "rejected") {
        // Only forget the token if no other tab replaced it meanwhile.
        if (refreshToken() === current) clearTokens();
        else access = null;
        return null;
      }
      storeTokens(answer);
      return answer.access_token;
    }).finally(() => {
      inflight = null;
    });
  }
  return inflight;
}

// A logout in another tab removes the refresh token: this tab's session ends too.
if (typeof window !== "undefined") {
  window.addEventListener("storage", (event) => {
    if (event.key === REFRESH_KEY && event.newValue === null && access) {
      access = null;
      notify();
    }
  });
}
