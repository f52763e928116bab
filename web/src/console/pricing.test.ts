import { describe, expect, it } from "vitest";
import { formatMoney, parseMajor, previewPrice } from "./pricing";

const component = (type: "ENERGY" | "TIME" | "PARKING_TIME" | "FLAT", price_minor: number, extra: Partial<{ step_size: number; grace_period_s: number }> = {}) => ({
  type,
  price_minor,
  step_size: 1,
  grace_period_s: 0,
  ...extra,
});

describe("previewPrice", () => {
  it("prices the payment README's example: 3.60/kWh + 10.00 flat, 20 kWh, 25 % VAT", () => {
    const preview = previewPrice([component("ENERGY", 360), component("FLAT", 1000)], { energyKwh: 20, chargingMinutes: 60, parkingMinutes: 0 }, 2500);
    expect(preview.subtotalMinor).toBe(8200);
    expect(preview.vatMinor).toBe(2050);
    expect(preview.totalMinor).toBe(10250);
  });

  it("charges parking only after the grace period, in steps", () => {
    const preview = previewPrice([component("PARKING_TIME", 6000, { grace_period_s: 600, step_size: 300 })], { energyKwh: 0, chargingMinutes: 0, parkingMinutes: 21 }, 0);
    // 21 min - 10 free = 11 min, rounded up to 15 min (300 s steps) = 0.25 h × 60.00
    expect(preview.lines[0]).toMatchObject({ type: "PARKING_TIME", quantity: 0.25, amountMinor: 1500 });
  });

  it("rounds each line and the VAT half-up, and ignores a repeated component type", () => {
    const preview = previewPrice([component("TIME", 1), component("TIME", 999)], { energyKwh: 0, chargingMinutes: 30, parkingMinutes: 0 }, 2500);
    expect(preview.lines).toHaveLength(1);
    expect(preview.lines[0]?.amountMinor).toBe(1); // 0.5 öre → 1
    expect(preview.vatMinor).toBe(0); // 0.25 öre → 0
  });
});

describe("parseMajor", () => {
  it("reads prices typed with a comma or a point", () => {
    expect(parseMajor("3,6")).toBe(360);
    expect(parseMajor("12.05")).toBe(1205);
    expect(parseMajor(" 7 ")).toBe(700);
  });
  it("refuses what is not a price", () => {
    expect(parseMajor("")).toBeNull();
    expect(parseMajor("-1")).toBeNull();
    expect(parseMajor("1.234")).toBeNull();
    expect(parseMajor("abc")).toBeNull();
  });
});

describe("formatMoney", () => {
  it("formats minor units in the currency", () => {
    expect(formatMoney(10250, "SEK", "en")).toContain("102.50");
    expect(formatMoney(null, "SEK", "en")).toBe("–");
  });
});
