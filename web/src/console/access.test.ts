import { describe, expect, it } from "vitest";
import { consoleAccess } from "./access";

describe("consoleAccess", () => {
  it("gives a driver none of the console's areas", () => {
    expect(Object.values(consoleAccess(["driver"])).every((allowed) => allowed === false)).toBe(true);
  });

  it("lets support read alerts, answer tickets and refund, but not run the network", () => {
    const access = consoleAccess(["support"]);
    expect(access).toMatchObject({ readAlerts: true, supportQueue: true, invoices: true, refund: true, readBookings: true, readPrices: true });
    expect(access).toMatchObject({ handleAlerts: false, maintenance: false, securityEquipment: false, editPrices: false, blockConnectors: false, networkStats: false });
  });

  it("gives operators and admins everything", () => {
    for (const role of ["operator", "admin"]) {
      expect(Object.values(consoleAccess([role])).every(Boolean)).toBe(true);
    }
  });
});
