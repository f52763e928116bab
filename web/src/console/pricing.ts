/**
 * A price preview of a draft tariff, computed in the browser before it is saved (the payment
 * service prices only saved tariffs). It follows the OCPI-style model the payment service
 * prices with: FLAT per session, ENERGY per kWh, TIME per hour charging, PARKING_TIME per hour
 * connected but not charging; each billed in `step_size` units (Wh or seconds) after its
 * grace period; prices excl. VAT in minor units; VAT on the subtotal, rounded half up.
 * The first element whose restrictions allow the component type wins (restrictions other
 * than none are not previewed: a draft made here has none).
 */
export type ComponentType = "ENERGY" | "TIME" | "PARKING_TIME" | "FLAT";

export interface PriceComponentDraft {
  type: ComponentType;
  price_minor: number;
  step_size: number;
  grace_period_s: number;
}

export interface SampleSession {
  energyKwh: number;
  chargingMinutes: number;
  parkingMinutes: number;
}

export interface PreviewLine {
  type: ComponentType;
  quantity: number;
  unit: "session" | "kWh" | "h";
  amountMinor: number;
}

export interface Preview {
  lines: PreviewLine[];
  subtotalMinor: number;
  vatMinor: number;
  totalMinor: number;
}

function billedUnits(raw: number, step: number, grace: number): number {
  const afterGrace = Math.max(0, raw - grace);
  if (afterGrace === 0) return 0;
  const size = Math.max(1, step);
  return Math.ceil(afterGrace / size) * size;
}

export function previewPrice(components: PriceComponentDraft[], session: SampleSession, vatRateBp: number): Preview {
  const lines: PreviewLine[] = [];
  const seen = new Set<ComponentType>();
  for (const component of components) {
    if (seen.has(component.type)) continue;
    seen.add(component.type);
    if (component.type === "FLAT") {
      lines.push({ type: "FLAT", quantity: 1, unit: "session", amountMinor: component.price_minor });
    } else if (component.type === "ENERGY") {
      const wh = billedUnits(Math.round(session.energyKwh * 1000), component.step_size, 0);
      lines.push({ type: "ENERGY", quantity: wh / 1000, unit: "kWh", amountMinor: Math.round((wh / 1000) * component.price_minor) });
    } else {
      const minutes = component.type === "TIME" ? session.chargingMinutes : session.parkingMinutes;
      const seconds = billedUnits(Math.round(minutes * 60), component.step_size, component.grace_period_s);
      lines.push({ type: component.type, quantity: seconds / 3600, unit: "h", amountMinor: Math.round((seconds / 3600) * component.price_minor) });
    }
  }
  const subtotalMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0);
  const vatMinor = Math.floor((subtotalMinor * vatRateBp + 5000) / 10000);
  return { lines, subtotalMinor, vatMinor, totalMinor: subtotalMinor + vatMinor };
}

/** "12,50" or "12.50" (major units, as typed) to minor units; null if not a price. */
export function parseMajor(text: string): number | null {
  const cleaned = text.trim().replace(/\s/g, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  const [whole, fraction = ""] = cleaned.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
}

export function formatMoney(minor: number | null | undefined, currency: string, locale: string): string {
  if (minor === null || minor === undefined) return "–";
  const tag = locale === "en" ? "en-GB" : locale === "sv" ? "sv-SE" : locale;
  return new Intl.NumberFormat(tag, { style: "currency", currency }).format(minor / 100);
}
