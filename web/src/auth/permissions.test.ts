import { describe, expect, it } from "vitest";
import { homeFor, permissionsFor } from "./permissions";

describe("permissionsFor", () => {
  it("gives a driver the driver app only", () => {
    const can = permissionsFor(["driver"]);
    expect(can.console).toBe(false);
    expect(can.driverApp).toBe(true);
    expect(can.sendCommand("TriggerMessage")).toBe(false);
    expect(homeFor(["driver"])).toBe("/app");
  });

  it("lets support read and send only safe commands", () => {
    const can = permissionsFor(["support"]);
    expect(can.console).toBe(true);
    expect(can.readFrames).toBe(true);
    expect(can.provision).toBe(false);
    expect(can.blockTokens).toBe(false);
    expect(can.sendCommand("TriggerMessage")).toBe(true);
    expect(can.sendCommand("Reset")).toBe(false);
  });

  it("lets operators run the network but not change roles", () => {
    const can = permissionsFor(["operator"]);
    expect(can.provision && can.approveAndRetire && can.blockTokens && can.disableUsers).toBe(true);
    expect(can.sendCommand("Reset")).toBe(true);
    expect(can.editRoles).toBe(false);
    expect(homeFor(["operator"])).toBe("/console");
  });

  it("lets only admins change roles", () => {
    expect(permissionsFor(["admin"]).editRoles).toBe(true);
    expect(permissionsFor([]).console).toBe(false);
  });
});
