/** Sites nearest first (pure, unit-tested). */
import { intlLocale } from "../format";

export interface Position {
  latitude: number;
  longitude: number;
}

/** Great-circle distance in km (haversine). */
export function distanceKm(a: Position, b: Position): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** With a position: nearest first, sites without coordinates last; without one: as given. */
export function byDistance<T extends { latitude: number | null; longitude: number | null }>(items: T[], here: Position | null): { item: T; km: number | null }[] {
  const rows = items.map((item) => ({
    item,
    km: here && item.latitude !== null && item.longitude !== null ? distanceKm(here, { latitude: item.latitude, longitude: item.longitude }) : null,
  }));
  if (!here) return rows;
  return rows.sort((a, b) => (a.km ?? Infinity) - (b.km ?? Infinity));
}

export function formatDistance(km: number, locale: string): string {
  const format = new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: km < 10 ? 1 : 0 });
  return km < 1 ? `${Math.round(km * 1000)} m` : `${format.format(km)} km`;
}
