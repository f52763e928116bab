/** Run-time configuration the gateway writes into index.html (`<meta name="ladda-config">`). */
export interface AppConfig {
  mapTilesUrl: string;
  mapAttribution: string;
  /** Stripe.js for card forms: the publishable key and where the script is loaded from. */
  stripePublishableKey: string;
  stripeJsUrl: string;
}

const DEFAULTS: AppConfig = {
  mapTilesUrl: import.meta.env.VITE_MAP_TILES_URL ?? "",
  mapAttribution: import.meta.env.VITE_MAP_ATTRIBUTION ?? "",
  stripePublishableKey: import.meta.env.VITE_STRIPE_PUBLISHABLE_KEY ?? "",
  stripeJsUrl: import.meta.env.VITE_STRIPE_JS_URL ?? "",
};

export function parseConfig(raw: string | null | undefined): AppConfig {
  // Under `npm run dev` the placeholder is still there: use the build-time defaults.
  if (!raw || raw.startsWith("__")) return DEFAULTS;
  try {
    const parsed = JSON.parse(raw) as Partial<AppConfig>;
    return {
      mapTilesUrl: typeof parsed.mapTilesUrl === "string" ? parsed.mapTilesUrl : "",
      mapAttribution: typeof parsed.mapAttribution === "string" ? parsed.mapAttribution : "",
      stripePublishableKey: typeof parsed.stripePublishableKey === "string" ? parsed.stripePublishableKey : "",
      stripeJsUrl: typeof parsed.stripeJsUrl === "string" ? parsed.stripeJsUrl : "",
    };
  } catch {
    return DEFAULTS;
  }
}

export const config: AppConfig = parseConfig(
  document.querySelector<HTMLMetaElement>('meta[name="ladda-config"]')?.content,
);

/** The per-page CSP nonce (Vite's `<meta property="csp-nonce">`), for injected <style>s. */
export function cspNonce(): string | undefined {
  const meta = document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]');
  const nonce = meta?.nonce || meta?.getAttribute("nonce") || undefined;
  return nonce && !nonce.startsWith("__") ? nonce : undefined;
}
