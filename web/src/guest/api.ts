/**
 * The guest pages' client: no account and no token, only the capability link of one hold, sent
 * in the `X-Guest-Link` header (never in a URL). The page keeps the link in its address's
 * fragment (`/guest#<link>`), which browsers never send to servers, so a guest can reload the
 * page or come back for the receipt from the same tab or a bookmark.
 */
import createClient from "openapi-fetch";
import type { paths } from "../api/schema";

export const guestApi = createClient<paths>({ baseUrl: window.location.origin });

export function linkHeaders(link: string): { params: { header: { "x-guest-link": string } } } {
  return { params: { header: { "x-guest-link": link } } };
}

/** The link from a fragment (`#<link>`); anything that is not a link's characters is refused. */
export function linkFromFragment(hash: string): string | null {
  const link = hash.replace(/^#/, "").replace(/^link=/, "");
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(link) && link.length <= 200 ? link : null;
}

const SECRET_KEY = "ladda.guest.payment";

/** The hold's client secret, kept in this tab only until Stripe has confirmed the card. */
export function keepClientSecret(link: string, secret: string | null): void {
  if (secret) sessionStorage.setItem(SECRET_KEY, JSON.stringify({ link, secret }));
  else sessionStorage.removeItem(SECRET_KEY);
}

export function clientSecretFor(link: string): string | null {
  try {
    const kept = JSON.parse(sessionStorage.getItem(SECRET_KEY) ?? "null") as { link: string; secret: string } | null;
    return kept && kept.link === link ? kept.secret : null;
  } catch {
    return null;
  }
}
