import { describe, expect, it } from "vitest";
import { bookingWindow, firstBookableStart, toLocalInput } from "./booking";

describe("booking windows", () => {
  it("starts on the first whole slot after the lead time", () => {
    expect(firstBookableStart(new Date("2026-01-01T10:00:00Z")).toISOString()).toBe("2026-01-01T10:15:00.000Z");
    expect(firstBookableStart(new Date("2026-01-01T10:00:01Z")).toISOString()).toBe("2026-01-01T10:30:00.000Z");
  });

  it("snaps a typed start down to a slot and rounds the duration up to slots", () => {
    const start = new Date("2026-01-01T10:07:00Z");
    const window = bookingWindow(toLocalInput(start), 50);
    expect(window.starts_at).toBe("2026-01-01T10:00:00.000Z");
    expect(window.ends_at).toBe("2026-01-01T11:00:00.000Z");
  });
});
