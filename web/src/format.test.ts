import { describe, expect, it } from "vitest";
import { chargerState, formatDuration, formatKwh } from "./format";

describe("chargerState", () => {
  it("puts approval before connection, and faults only on connected chargers", () => {
    expect(chargerState({ approval: "retired", online: true }, true)).toBe("retired");
    expect(chargerState({ approval: "pending", online: true }, false)).toBe("pending");
    expect(chargerState({ approval: "approved", online: true }, true)).toBe("faulted");
    expect(chargerState({ approval: "approved", online: false }, true)).toBe("offline");
    expect(chargerState({ approval: "approved", online: true }, false)).toBe("online");
  });
});

describe("formatting", () => {
  it("formats durations and energy", () => {
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(125)).toBe("2 min 5 s");
    expect(formatDuration(3720)).toBe("1 h 2 min");
    expect(formatDuration(null)).toBe("–");
    expect(formatKwh(7500, "en")).toBe("7.5 kWh");
    expect(formatKwh(7500, "sv")).toBe("7,5 kWh");
  });
});
