import { describe, expect, it } from "vitest";
import { changeItem, createBody, draftErrors, draftOf, emptyDraft, keyFrom, moveItem, newItem, removeItem, type Template } from "./checklist";

/** The list's entry at `index`, which the test knows is there. */
function at<T>(list: T[], index: number): T {
  const entry = list[index];
  if (entry === undefined) throw new Error(`no entry ${index}`);
  return entry;
}

const template: Template = {
  id: "t1", key: "monthly-safety-walk", name: "Monthly safety walk", description: null, default_interval_days: 30, builtin: true,
  created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z", retired_at: null,
  items: [
    { key: "lights", label: "Lights", equipment_kind: "security_lighting", inoperative_on_fail: false },
    { key: "estop", label: "Emergency stop", equipment_kind: "emergency_stop_button", inoperative_on_fail: true },
  ],
};

describe("checklist drafts", () => {
  it("derives an item key from its label until one is typed", () => {
    expect(keyFrom("Kamerans lins är ren, ingen ögla!")).toBe("kamerans_lins_ar_ren_ingen_ogla");
    expect(keyFrom("  Night walk ", "-")).toBe("night-walk");
    let items = [newItem()];
    const id = at(items, 0).id;
    items = changeItem(items, id, { label: "Camera lens clean" });
    expect(at(items, 0).key).toBe("camera_lens_clean");
    items = changeItem(items, id, { key: "camera" });
    items = changeItem(items, id, { label: "Camera lens clean and dry" });
    expect(at(items, 0)).toMatchObject({ key: "camera", keyTyped: true });
    // Clearing the key hands it back to the label.
    items = changeItem(items, id, { key: "" });
    items = changeItem(items, id, { label: "Lens" });
    expect(at(items, 0).key).toBe("lens");
  });

  it("moves items up and down, and leaves the list alone at either end", () => {
    const items = draftOf(template).items;
    const [first, second] = [at(items, 0), at(items, 1)];
    expect(moveItem(items, second.id, -1).map((item) => item.key)).toEqual(["estop", "lights"]);
    expect(moveItem(items, first.id, 1).map((item) => item.key)).toEqual(["estop", "lights"]);
    expect(moveItem(items, first.id, -1)).toBe(items);
    expect(moveItem(items, second.id, 1)).toBe(items);
    expect(removeItem(items, first.id).map((item) => item.key)).toEqual(["estop"]);
  });

  it("finds what the API would refuse, by the API's field paths", () => {
    const draft = { ...emptyDraft(), key: "Night Walk", interval: 0 };
    draft.items = [newItem({ key: "a", label: "A" }), newItem({ key: "a", label: " " }), newItem({ key: "B!", label: "B" })];
    expect(draftErrors(draft, true)).toEqual({
      key: "templateKey", name: "required", default_interval_days: "interval",
      "items.1.key": "duplicateKey", "items.1.label": "required", "items.2.key": "itemKey",
    });
    expect(draftErrors({ ...draft, items: [] }, false)).toEqual({ name: "required", default_interval_days: "interval", items: "noItems" });
    expect(draftErrors(draftOf(template), false)).toEqual({});
  });

  it("copies a template without its key, and sends the items in their order", () => {
    const copy = draftOf(template, true);
    expect(copy.key).toBe("");
    copy.key = "our-walk";
    copy.items = moveItem(copy.items, at(copy.items, 1).id, -1);
    expect(createBody(copy)).toEqual({
      key: "our-walk", name: "Monthly safety walk", description: null, default_interval_days: 30,
      items: [at(template.items, 1), at(template.items, 0)],
    });
  });
});
