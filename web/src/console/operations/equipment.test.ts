import { describe, expect, it } from "vitest";
import { equipmentCreateBody, equipmentDraft, equipmentUpdateBody, type Equipment } from "./equipment";

const camera: Equipment = {
  id: "e1", charge_point_id: "CP-1", kind: "surveillance_camera", label: "North camera", state: "faulty",
  last_tested_at: "2026-03-04T12:00:00Z", notes: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
};

describe("equipment forms", () => {
  it("starts a new item at the charger, working and never tested", () => {
    expect(equipmentCreateBody({ ...equipmentDraft("CP-9"), label: "  " })).toEqual({
      charge_point_id: "CP-9", kind: "surveillance_camera", label: null, state: "working", last_tested_at: null, notes: null,
    });
  });

  it("keeps the test day through the form, and clears what was emptied", () => {
    const draft = equipmentDraft("ignored", camera);
    expect(draft).toMatchObject({ chargePointId: "CP-1", testedOn: "2026-03-04", state: "faulty", notes: "" });
    const body = equipmentUpdateBody({ ...draft, label: "", state: "working" });
    expect(body).toMatchObject({ label: null, state: "working", notes: null });
    expect(new Date(body.last_tested_at ?? "").getDate()).toBe(4);
    expect(equipmentUpdateBody({ ...draft, testedOn: "" }).last_tested_at).toBeNull();
  });
});
