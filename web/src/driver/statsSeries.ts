/** Months of my statistics as chart series, oldest first (pure, unit-tested). */
import { intlLocale } from "../format";

export interface MonthRow {
  month: string;
  energy_kwh: number;
  co2_avoided_kg: number;
}

export function monthSeries(months: MonthRow[], locale: string): { labels: string[]; energyKwh: number[]; co2Kg: number[] } {
  const sorted = [...months].sort((a, b) => a.month.localeCompare(b.month));
  const format = new Intl.DateTimeFormat(intlLocale(locale), { month: "short", year: "numeric", timeZone: "UTC" });
  return {
    labels: sorted.map((m) => format.format(new Date(`${m.month.slice(0, 7)}-01T00:00:00Z`))),
    energyKwh: sorted.map((m) => Math.round(m.energy_kwh * 100) / 100),
    co2Kg: sorted.map((m) => Math.round(m.co2_avoided_kg * 100) / 100),
  };
}
