/** A station's security equipment in a form: the values as typed, and the API's bodies. */
import type { Schemas } from "../../api/client";
import { localDay } from "../ui";
import type { EquipmentKind } from "./checklist";

export type Equipment = Schemas["EquipmentOut"];
export type EquipmentState = Equipment["state"];
export const EQUIPMENT_STATES: EquipmentState[] = ["working", "faulty", "out_of_service"];

export interface EquipmentDraft {
  chargePointId: string;
  kind: EquipmentKind;
  label: string;
  state: EquipmentState;
  /** A local calendar day (`<input type="date">`), or "" when never tested. */
  testedOn: string;
  notes: string;
}

export function equipmentDraft(cpId: string, equipment?: Equipment): EquipmentDraft {
  return {
    chargePointId: equipment?.charge_point_id ?? cpId,
    kind: equipment?.kind ?? "surveillance_camera",
    label: equipment?.label ?? "",
    state: equipment?.state ?? "working",
    testedOn: equipment?.last_tested_at ? localDay(new Date(equipment.last_tested_at)) : "",
    notes: equipment?.notes ?? "",
  };
}

/** A day as an instant: noon local time, so the day stays the same in every nearby zone. */
function testedAt(day: string): string | null {
  return day ? new Date(`${day}T12:00:00`).toISOString() : null;
}

export function equipmentCreateBody(draft: EquipmentDraft): Schemas["EquipmentCreate"] {
  return { charge_point_id: draft.chargePointId.trim(), kind: draft.kind, label: draft.label.trim() || null, state: draft.state, last_tested_at: testedAt(draft.testedOn), notes: draft.notes.trim() || null };
}

/** Every field is sent: an emptied label, date or note is cleared, not kept. */
export function equipmentUpdateBody(draft: EquipmentDraft): Schemas["EquipmentUpdate"] {
  return { label: draft.label.trim() || null, state: draft.state, last_tested_at: testedAt(draft.testedOn), notes: draft.notes.trim() || null };
}
