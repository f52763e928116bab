/** Where a hold (app or guest) stands, for the live pages (pure, unit-tested). */

export const LIVE_POLL_MS = 3_000;

/** States in which the session may still change (payment's `holds.status`, forward only). */
export const HOLD_LIVE = new Set(["awaiting_payment", "authorized", "starting", "charging", "settling"]);

export type HoldPhase = "pay" | "starting" | "charging" | "settling" | "done" | "released";

export function holdPhase(hold: { status: string; stop_requested_at?: string | null; captured_minor?: number | null }): HoldPhase {
  switch (hold.status) {
    case "awaiting_payment":
      return "pay";
    case "authorized":
    case "starting":
      return "starting";
    case "charging":
      return hold.stop_requested_at ? "settling" : "charging";
    case "settling":
      return "settling";
    case "captured":
      return "done";
    default:
      return "released";
  }
}
