import { describe, expect, it } from "vitest";
import { localDayBounds, placeOnDay } from "./timeline";

describe("placeOnDay", () => {
  const start = new Date("2026-03-10T00:00:00Z");
  const end = new Date("2026-03-11T00:00:00Z");

  it("places a reservation by its share of the day", () => {
    expect(placeOnDay("2026-03-10T06:00:00Z", "2026-03-10T12:00:00Z", start, end)).toEqual({ left: 25, width: 25 });
  });

  it("clips a reservation that crosses midnight and drops one outside the day", () => {
    expect(placeOnDay("2026-03-09T23:00:00Z", "2026-03-10T03:00:00Z", start, end)).toEqual({ left: 0, width: 12.5 });
    expect(placeOnDay("2026-03-11T01:00:00Z", "2026-03-11T02:00:00Z", start, end)).toBeNull();
  });

  it("keeps a very short reservation visible", () => {
    expect(placeOnDay("2026-03-10T12:00:00Z", "2026-03-10T12:01:00Z", start, end)?.width).toBe(0.5);
  });
});

describe("localDayBounds", () => {
  it("runs from local midnight to the next", () => {
    const { start, end } = localDayBounds("2026-03-10");
    expect(start.getHours()).toBe(0);
    expect(start.getDate()).toBe(10);
    expect(end.getDate()).toBe(11);
  });
});
