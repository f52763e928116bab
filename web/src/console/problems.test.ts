import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { errorsUnder, FORM, fieldErrors } from "./problems";

describe("fieldErrors", () => {
  it("puts each validation error by its field, the first one of a field first", () => {
    const error = new ApiError(422, {
      detail: "The request is not valid.",
      errors: [
        { loc: ["body", "items", 1, "label"], msg: "String should have at least 1 character", type: "string_too_short" },
        { loc: ["body", "items", 1, "label"], msg: "second", type: "x" },
        { loc: ["body", "items"], msg: "Value error, checklist item keys must be unique", type: "value_error" },
        { loc: ["body", "default_interval_days"], msg: "Input should be greater than 0", type: "greater_than" },
      ],
    } as ApiError["problem"]);
    expect(fieldErrors(error)).toEqual({
      "items.1.label": "String should have at least 1 character",
      items: "checklist item keys must be unique",
      default_interval_days: "Input should be greater than 0",
    });
  });

  it("puts a problem about the whole request, or any other problem, on the form", () => {
    expect(fieldErrors(new ApiError(422, { detail: "bad", errors: [{ loc: ["body"], msg: "Invalid JSON" }] } as ApiError["problem"]))).toEqual({ [FORM]: "Invalid JSON" });
    expect(fieldErrors(new ApiError(409, { detail: "Shipped templates do not change." }))).toEqual({ [FORM]: "Shipped templates do not change." });
    expect(fieldErrors(new ApiError(422, { detail: "No station X." }))).toEqual({ [FORM]: "No station X." });
    expect(fieldErrors(new Error("offline"))).toEqual({ [FORM]: "offline" });
  });

  it("picks an item's errors by its prefix", () => {
    expect(errorsUnder({ "items.1.label": "a", "items.10.key": "b", items: "c" }, "items.1")).toEqual({ label: "a" });
  });
});
