import { describe, expect, it } from "vitest";
import { heatColour, heatGrid } from "./heat";

describe("heatGrid", () => {
  it("puts ISO weekdays (1 = Monday) on rows and hours on columns, ignoring strays", () => {
    const grid = heatGrid([
      { weekday: 1, hour: 0, sessions: 2, energy_kwh: 10 },
      { weekday: 7, hour: 23, sessions: 5, energy_kwh: 30 },
      { weekday: 8, hour: 1, sessions: 9, energy_kwh: 1 },
    ]);
    expect(grid).toHaveLength(7);
    expect(grid[0]?.[0]).toBe(2);
    expect(grid[6]?.[23]).toBe(5);
    expect(grid.flat().reduce((a, b) => a + b, 0)).toBe(7);
  });
});

describe("heatColour", () => {
  it("is the background for nothing and the darkest green for the maximum", () => {
    expect(heatColour(0, 10)).toBe("#f1f3f5");
    expect(heatColour(10, 10)).toBe("rgb(15, 81, 48)");
  });
});
