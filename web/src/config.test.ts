import { describe, expect, it } from "vitest";
import { parseConfig } from "./config";
import { safeNext } from "./pages/Login";
import { meterSeries } from "./components/MeterChart";

describe("parseConfig", () => {
  it("reads the gateway's configuration and ignores the unfilled placeholder", () => {
    expect(parseConfig('{"mapTilesUrl":"https://tiles.example/{z}/{x}/{y}.png","mapAttribution":"©"}').mapTilesUrl).toBe("https://tiles.example/{z}/{x}/{y}.png");
    expect(parseConfig("__LADDA_CONFIG__").mapTilesUrl).toBe("");
    expect(parseConfig("not json").mapTilesUrl).toBe("");
  });
});

describe("safeNext", () => {
  it("accepts only same-site paths after login", () => {
    expect(safeNext("/console/chargers")).toBe("/console/chargers");
    expect(safeNext("//evil.example")).toBeNull();
    expect(safeNext("https://evil.example")).toBeNull();
    expect(safeNext(null)).toBeNull();
  });
});

describe("meterSeries", () => {
  it("turns samples into kWh and kW per instant, summing phases of power", () => {
    const series = meterSeries(
      [
        { at: "2026-01-01T10:00:00Z", measurand: "Energy.Active.Import.Register", phase: "", value: 1500, unit: "Wh" },
        { at: "2026-01-01T10:00:00Z", measurand: "Power.Active.Import", phase: "L1", value: 3000, unit: "W" },
        { at: "2026-01-01T10:00:00Z", measurand: "Power.Active.Import", phase: "L2", value: 4000, unit: "W" },
        { at: "2026-01-01T10:01:00Z", measurand: "Energy.Active.Import.Register", phase: "", value: 2.5, unit: "kWh" },
        { at: "2026-01-01T10:01:00Z", measurand: "SoC", phase: "", value: 50, unit: "Percent" },
      ],
      "en",
    );
    expect(series.energyKwh).toEqual([1.5, 2.5]);
    expect(series.powerKw).toEqual([7, null]);
  });
});
