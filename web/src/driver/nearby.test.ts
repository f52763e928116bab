import { describe, expect, it } from "vitest";
import { byDistance, distanceKm, formatDistance } from "./nearby";

const stockholm = { latitude: 59.3293, longitude: 18.0686 };
const uppsala = { latitude: 59.8586, longitude: 17.6389 };

describe("nearby", () => {
  it("measures great-circle distances", () => {
    expect(distanceKm(stockholm, uppsala)).toBeGreaterThan(63);
    expect(distanceKm(stockholm, uppsala)).toBeLessThan(66);
  });

  it("sorts nearest first and puts sites without coordinates last", () => {
    const sites = [{ name: "U", ...uppsala }, { name: "none", latitude: null, longitude: null }, { name: "S", ...stockholm }];
    expect(byDistance(sites, stockholm).map((r) => r.item.name)).toEqual(["S", "U", "none"]);
    expect(byDistance(sites, null).map((r) => r.item.name)).toEqual(["U", "none", "S"]);
  });

  it("formats metres and kilometres", () => {
    expect(formatDistance(0.25, "en")).toBe("250 m");
    expect(formatDistance(3.24, "en")).toBe("3.2 km");
  });
});
