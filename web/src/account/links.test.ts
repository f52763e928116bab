import { describe, expect, it } from "vitest";
import { tokenFromFragment } from "./links";

describe("account links", () => {
  it("reads the token from the fragment only", () => {
    expect(tokenFromFragment("#token=abc-DEF_123.x~")).toBe("abc-DEF_123.x~");
    expect(tokenFromFragment("#other=1&token=t0k")).toBe("t0k");
    expect(tokenFromFragment("#token=<script>")).toBeNull();
    expect(tokenFromFragment("")).toBeNull();
    expect(tokenFromFragment(`#token=${"a".repeat(513)}`)).toBeNull();
  });
});
