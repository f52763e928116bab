import { describe, expect, it } from "vitest";
import { consoleEn, consoleSv } from "./texts";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => keys(inner, prefix ? `${prefix}.${key}` : key));
}

function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Object.values(value as object).flatMap(leaves);
}

describe("console texts", () => {
  it("has the same keys in Swedish and English", () => {
    expect(keys(consoleSv).sort()).toEqual(keys(consoleEn).sort());
  });

  it("has no empty text and the same placeholders in both languages", () => {
    const placeholders = (text: string) => (text.match(/{{\w+}}/g) ?? []).sort();
    const swedish = leaves(consoleSv);
    leaves(consoleEn).forEach((text, index) => {
      expect(text.trim()).not.toBe("");
      expect(placeholders(swedish[index] ?? "")).toEqual(placeholders(text));
    });
  });
});
