/** Money in integer minor units, as the API answers it; pure functions (unit-tested). */
import { intlLocale } from "./format";

function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatMoney(minor: number | null | undefined, currency: string, locale: string): string {
  if (minor === null || minor === undefined) return "–";
  const digits = fractionDigits(currency);
  try {
    return new Intl.NumberFormat(intlLocale(locale), { style: "currency", currency, minimumFractionDigits: digits }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

interface PriceComponent {
  type: string;
  price_minor: number;
}

export interface PriceInForce {
  vat_rate_bp: number;
  energy_price_per_kwh_incl_vat_minor: number | null;
  tariff: { elements: { price_components: PriceComponent[]; restrictions?: unknown }[] };
}

/** The session fee (FLAT) incl. VAT of the tariff's first element that has one. */
export function sessionFeeInclVat(price: PriceInForce): number {
  for (const element of price.tariff.elements) {
    const flat = element.price_components.find((c) => c.type === "FLAT");
    if (flat) return Math.round((flat.price_minor * (10_000 + price.vat_rate_bp)) / 10_000);
  }
  return 0;
}

/**
 * What a running session has cost so far, incl. VAT, in minor units: the energy at the
 * per-kWh price in force plus the session fee. An estimate for the live view (time, idle and
 * time-of-day parts are priced by the invoice at the stop), never what is charged.
 */
export function costSoFar(price: PriceInForce, energyWh: number | null | undefined): number {
  const perKwh = price.energy_price_per_kwh_incl_vat_minor ?? 0;
  return Math.round((perKwh * (energyWh ?? 0)) / 1000) + sessionFeeInclVat(price);
}

/** The share of a hold a session has used, 0–100 (the service stops it at 90 %). */
export function holdUsedPercent(costMinor: number, holdMinor: number): number {
  if (holdMinor <= 0) return 0;
  return Math.min(100, Math.max(0, Math.round((costMinor / holdMinor) * 100)));
}
