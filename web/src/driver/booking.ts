/** Booking windows: the booking service's rules as the form needs them (pure, unit-tested). */

export const SLOT_MS = 15 * 60_000;
export const MIN_LEAD_MS = 15 * 60_000;

/** The first slot start at least the minimum lead time after `now` (slots count from the epoch). */
export function firstBookableStart(now: Date): Date {
  const earliest = now.getTime() + MIN_LEAD_MS;
  return new Date(Math.ceil(earliest / SLOT_MS) * SLOT_MS);
}

/** `yyyy-MM-ddTHH:mm` in local time, for an `<input type="datetime-local">`. */
export function toLocalInput(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** The window to ask for: the typed local start snapped down to a slot, and its end. */
export function bookingWindow(localStart: string, minutes: number): { starts_at: string; ends_at: string } {
  const typed = new Date(localStart).getTime();
  const start = Math.floor(typed / SLOT_MS) * SLOT_MS;
  const end = start + Math.ceil((minutes * 60_000) / SLOT_MS) * SLOT_MS;
  return { starts_at: new Date(start).toISOString(), ends_at: new Date(end).toISOString() };
}
