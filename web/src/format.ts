/** Display helpers; pure functions (unit-tested). */

/** The app's languages as formatting locales (British English: 24-hour clock, day first). */
export function intlLocale(language: string): string {
  return language === "en" ? "en-GB" : language === "sv" ? "sv-SE" : language;
}
export function formatDateTime(value: string | null | undefined, locale: string): string {
  if (!value) return "–";
  return new Intl.DateTimeFormat(intlLocale(locale), { dateStyle: "short", timeStyle: "medium" }).format(new Date(value));
}

export function formatKwh(wh: number | null | undefined, locale: string): string {
  if (wh === null || wh === undefined) return "–";
  return `${new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: 2 }).format(wh / 1000)} kWh`;
}

export function formatKw(w: number | null | undefined, locale: string): string {
  if (w === null || w === undefined) return "–";
  return `${new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: 1 }).format(w / 1000)} kW`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "–";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

export interface ChargerState {
  approval: string;
  online: boolean;
}

/** One state per charger for the map and badges: retired/pending first, then faulted, online. */
export function chargerState(cp: ChargerState, faulted: boolean): "retired" | "pending" | "faulted" | "online" | "offline" {
  if (cp.approval === "retired") return "retired";
  if (cp.approval === "pending") return "pending";
  if (faulted && cp.online) return "faulted";
  return cp.online ? "online" : "offline";
}

/** The connector status (1.6 and 2.0.1) that makes a charger count as faulted. */
export const FAULTED = "Faulted";
