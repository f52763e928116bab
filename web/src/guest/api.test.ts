import { describe, expect, it } from "vitest";
import { clientSecretFor, keepClientSecret, linkFromFragment } from "./api";

describe("guest links", () => {
  it("reads the capability link from the fragment only in its own shape", () => {
    expect(linkFromFragment("#abc_-1.def-_2")).toBe("abc_-1.def-_2");
    expect(linkFromFragment("#link=abc.def")).toBe("abc.def");
    expect(linkFromFragment("#<script>")).toBeNull();
    expect(linkFromFragment("")).toBeNull();
  });

  it("keeps the client secret for its own link only", () => {
    keepClientSecret("a.b", "pi_1_secret_x");
    expect(clientSecretFor("a.b")).toBe("pi_1_secret_x");
    expect(clientSecretFor("c.d")).toBeNull();
    keepClientSecret("a.b", null);
    expect(clientSecretFor("a.b")).toBeNull();
  });
});
