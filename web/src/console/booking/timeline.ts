/** Where a reservation sits on a day's timeline, in percent of the day; null when outside it. */
export function placeOnDay(startsAt: string, endsAt: string, dayStart: Date, dayEnd: Date): { left: number; width: number } | null {
  const from = Math.max(Date.parse(startsAt), dayStart.getTime());
  const to = Math.min(Date.parse(endsAt), dayEnd.getTime());
  const span = dayEnd.getTime() - dayStart.getTime();
  if (!(to > from) || span <= 0) return null;
  const left = ((from - dayStart.getTime()) / span) * 100;
  const width = ((to - from) / span) * 100;
  return { left: Math.round(left * 100) / 100, width: Math.max(0.5, Math.round(width * 100) / 100) };
}

/** The local day [start, end) of a YYYY-MM-DD date (23 or 25 hours across a DST change). */
export function localDayBounds(day: string): { start: Date; end: Date } {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return { start: new Date(y, m - 1, d), end: new Date(y, m - 1, d + 1) };
}
