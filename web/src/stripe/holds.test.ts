import { describe, expect, it } from "vitest";
import { holdPhase, HOLD_LIVE } from "./holds";

describe("holdPhase", () => {
  it("follows the hold's states forward", () => {
    expect(holdPhase({ status: "awaiting_payment" })).toBe("pay");
    expect(holdPhase({ status: "authorized" })).toBe("starting");
    expect(holdPhase({ status: "charging" })).toBe("charging");
    expect(holdPhase({ status: "charging", stop_requested_at: "2026-01-01T00:00:00Z" })).toBe("settling");
    expect(holdPhase({ status: "captured" })).toBe("done");
    expect(holdPhase({ status: "canceled" })).toBe("released");
    expect(holdPhase({ status: "released" })).toBe("released");
    expect(HOLD_LIVE.has("captured")).toBe(false);
  });
});
