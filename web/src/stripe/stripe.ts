/**
 * Stripe.js, loaded on demand from the configured URL (`config.stripeJsUrl`: Stripe's own
 * `https://js.stripe.com/v3/`, or localstripe's stand-in locally) with the configured
 * publishable key. Card data goes from Stripe's fields to Stripe, never through Ladda.
 * Only the small part of Stripe.js the app uses is typed here.
 */
import { config } from "../config";

export interface StripeCardElement {
  mount(target: HTMLElement): void;
  destroy(): void;
  on(event: "change", handler: () => void): void;
}

interface StripeError {
  message?: string;
}

export interface StripeJs {
  elements(): { create(type: "card", options?: object): StripeCardElement };
  confirmCardSetup(clientSecret: string, data: { payment_method: { card: StripeCardElement } }): Promise<{ error?: StripeError | null; setupIntent?: { id: string; status: string } }>;
  confirmCardPayment(clientSecret: string, data: { payment_method: { card: StripeCardElement } }): Promise<{ error?: StripeError | null; paymentIntent?: { id: string; status: string } }>;
}

declare global {
  interface Window {
    Stripe?: (key: string) => StripeJs;
  }
}

let loading: Promise<StripeJs> | null = null;

export function stripeConfigured(): boolean {
  return Boolean(config.stripePublishableKey && config.stripeJsUrl);
}

/** One <script> for the page's lifetime (Stripe asks for exactly one). The CSP allows its origin. */
export function loadStripe(): Promise<StripeJs> {
  if (!stripeConfigured()) return Promise.reject(new Error("Stripe is not configured"));
  loading ??= new Promise<StripeJs>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = config.stripeJsUrl;
    script.async = true;
    script.onload = () => {
      if (window.Stripe) resolve(window.Stripe(config.stripePublishableKey));
      else reject(new Error("Stripe.js did not load"));
    };
    script.onerror = () => {
      loading = null;
      reject(new Error("Stripe.js could not be loaded"));
    };
    document.head.appendChild(script);
  });
  return loading;
}

/** Stripe's answer as an Error for the page, or nothing when it went through. */
export function stripeFailure(result: { error?: StripeError | null }): Error | null {
  if (!result.error) return null;
  return new Error(result.error.message ?? "The card was not accepted");
}
