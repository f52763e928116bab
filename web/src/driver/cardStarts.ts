/** Starting with the saved card (no hold): who may, and where a start stands (pure, unit-tested). */

export interface Standing {
  has_payment_method: boolean;
  subscription_active: boolean;
  has_overdue_invoice: boolean;
}

/** The rule payment applies (identity's rule for RFID cards): a card on file, nothing owed. */
export function canStartWithCard(standing: Standing | undefined): boolean {
  return !!standing && (standing.has_payment_method || standing.subscription_active) && !standing.has_overdue_invoice;
}

export type CardStartPhase = "starting" | "charging" | "settling" | "billing" | "done" | "ended";

export function cardStartPhase(start: { status: string; stop_requested_at?: string | null; invoice_status?: string | null }): CardStartPhase {
  switch (start.status) {
    case "authorized":
    case "starting":
      return "starting";
    case "charging":
      return start.stop_requested_at ? "settling" : "charging";
    case "billed":
      return start.invoice_status === "paid" ? "done" : "billing";
    default:
      return "ended";
  }
}

/** Still changing: the page keeps polling (a billed start until its card charge is through). */
export function cardStartLive(start: Parameters<typeof cardStartPhase>[0]): boolean {
  const phase = cardStartPhase(start);
  return phase !== "done" && phase !== "ended";
}

/** "Visa •••• 4242" for the default method, if any. */
export function cardLabel(methods: { brand?: string | null; last4?: string | null; is_default: boolean }[] | undefined): string | null {
  const method = methods?.find((m) => m.is_default) ?? methods?.[0];
  if (!method?.last4) return null;
  const brand = method.brand ? method.brand.charAt(0).toUpperCase() + method.brand.slice(1) : "Card";
  return `${brand} •••• ${method.last4}`;
}
