import { describe, expect, it } from "vitest";
import { monthSeries } from "./statsSeries";

describe("monthSeries", () => {
  it("orders months oldest first and rounds to two decimals", () => {
    const series = monthSeries(
      [
        { month: "2026-02", energy_kwh: 12.345, co2_avoided_kg: 1.005 },
        { month: "2026-01-01", energy_kwh: 3, co2_avoided_kg: 0.4 },
      ],
      "en",
    );
    expect(series.labels).toEqual(["Jan 2026", "Feb 2026"]);
    expect(series.energyKwh).toEqual([3, 12.35]);
    expect(series.co2Kg[0]).toBe(0.4);
  });
});
