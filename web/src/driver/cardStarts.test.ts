import { describe, expect, it } from "vitest";
import { canStartWithCard, cardLabel, cardStartLive, cardStartPhase } from "./cardStarts";

describe("canStartWithCard", () => {
  it("needs a card (or a subscription) and nothing owed", () => {
    expect(canStartWithCard(undefined)).toBe(false);
    expect(canStartWithCard({ has_payment_method: true, subscription_active: false, has_overdue_invoice: false })).toBe(true);
    expect(canStartWithCard({ has_payment_method: false, subscription_active: true, has_overdue_invoice: false })).toBe(true);
    expect(canStartWithCard({ has_payment_method: false, subscription_active: false, has_overdue_invoice: false })).toBe(false);
    expect(canStartWithCard({ has_payment_method: true, subscription_active: false, has_overdue_invoice: true })).toBe(false);
  });
});

describe("cardStartPhase", () => {
  it("follows the start forward to the paid invoice", () => {
    expect(cardStartPhase({ status: "authorized" })).toBe("starting");
    expect(cardStartPhase({ status: "starting" })).toBe("starting");
    expect(cardStartPhase({ status: "charging" })).toBe("charging");
    expect(cardStartPhase({ status: "charging", stop_requested_at: "2026-01-01T00:00:00Z" })).toBe("settling");
    expect(cardStartPhase({ status: "billed", invoice_status: "open" })).toBe("billing");
    expect(cardStartPhase({ status: "billed", invoice_status: "paid" })).toBe("done");
    expect(cardStartPhase({ status: "canceled" })).toBe("ended");
    expect(cardStartLive({ status: "billed", invoice_status: "open" })).toBe(true);
    expect(cardStartLive({ status: "billed", invoice_status: "paid" })).toBe(false);
    expect(cardStartLive({ status: "canceled" })).toBe(false);
  });
});

describe("cardLabel", () => {
  it("names the default card", () => {
    expect(cardLabel([{ brand: "visa", last4: "4242", is_default: true }])).toBe("Visa •••• 4242");
    expect(cardLabel([])).toBeNull();
    expect(cardLabel(undefined)).toBeNull();
  });
});
