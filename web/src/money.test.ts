import { describe, expect, it } from "vitest";
import { costSoFar, formatMoney, holdUsedPercent, sessionFeeInclVat, type PriceInForce } from "./money";

const price: PriceInForce = {
  vat_rate_bp: 2500,
  energy_price_per_kwh_incl_vat_minor: 450,
  tariff: { elements: [{ price_components: [{ type: "ENERGY", price_minor: 360 }] }, { price_components: [{ type: "FLAT", price_minor: 1000 }] }] },
};

describe("money", () => {
  it("formats minor units by the currency's digits", () => {
    expect(formatMoney(10250, "SEK", "en").replace(/\s/g, " ")).toContain("102.50");
    expect(formatMoney(10250, "SEK", "sv").replace(/\s/g, " ")).toContain("102,50");
    expect(formatMoney(500, "JPY", "en")).toContain("500");
    expect(formatMoney(null, "SEK", "en")).toBe("–");
  });

  it("estimates the cost so far: energy at the price per kWh plus the session fee incl. VAT", () => {
    expect(sessionFeeInclVat(price)).toBe(1250);
    expect(costSoFar(price, 0)).toBe(1250);
    expect(costSoFar(price, 2500)).toBe(1125 + 1250);
    expect(costSoFar({ ...price, energy_price_per_kwh_incl_vat_minor: null }, 5000)).toBe(1250);
  });

  it("bounds the share of the hold used", () => {
    expect(holdUsedPercent(9000, 10000)).toBe(90);
    expect(holdUsedPercent(20000, 10000)).toBe(100);
    expect(holdUsedPercent(5, 0)).toBe(0);
  });
});
