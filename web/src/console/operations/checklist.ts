/**
 * A checklist template being edited: its items with stable ids (React keys survive reordering
 * and key edits), adding, removing and moving items, item keys derived from the label until the
 * operator types one, the checks the API makes (shown before a round trip) and the request body.
 */
import type { Schemas } from "../../api/client";
import type { FieldErrors } from "../problems";

export type Template = Schemas["TemplateOut"];
export type EquipmentKind = NonNullable<Schemas["ChecklistItem"]["equipment_kind"]>;
export const EQUIPMENT_KINDS: EquipmentKind[] = ["surveillance_camera", "security_lighting", "emergency_stop_button", "fencing_or_bollards", "fire_extinguisher"];

export interface ItemDraft {
  id: number;
  key: string;
  /** The key was typed, not derived from the label: a new label leaves it alone. */
  keyTyped: boolean;
  label: string;
  equipment_kind: EquipmentKind | null;
  inoperative_on_fail: boolean;
}

export interface TemplateDraft {
  key: string;
  name: string;
  description: string;
  interval: number | string;
  items: ItemDraft[];
}

const ITEM_KEY = /^[a-z0-9_-]+$/;
const TEMPLATE_KEY = /^[a-z0-9-]+$/;
let nextId = 1;

/** A key from a label: lower case, Swedish letters folded, anything else as `_`. */
export function keyFrom(label: string, separator = "_"): string {
  const folded = label.toLowerCase().replace(/[åä]/g, "a").replace(/ö/g, "o").normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  return folded
    .replace(/[^a-z0-9]+/g, separator)
    .replace(new RegExp(`^${separator}+|${separator}+$`, "g"), "")
    .slice(0, 64);
}

export function newItem(values: Partial<Omit<ItemDraft, "id">> = {}): ItemDraft {
  return { id: nextId++, key: "", keyTyped: false, label: "", equipment_kind: null, inoperative_on_fail: false, ...values };
}

export function emptyDraft(): TemplateDraft {
  return { key: "", name: "", description: "", interval: 30, items: [newItem()] };
}

/** An existing template as a draft; `copy`: a new template starting from it (no key). */
export function draftOf(template: Template, copy = false): TemplateDraft {
  return {
    key: copy ? "" : template.key,
    name: template.name,
    description: template.description ?? "",
    interval: template.default_interval_days,
    items: template.items.map((item) => newItem({ key: item.key, keyTyped: true, label: item.label, equipment_kind: item.equipment_kind ?? null, inoperative_on_fail: item.inoperative_on_fail ?? false })),
  };
}

export function changeItem(items: ItemDraft[], id: number, change: Partial<Omit<ItemDraft, "id">>): ItemDraft[] {
  return items.map((item) => {
    if (item.id !== id) return item;
    const next = { ...item, ...change };
    if (change.key !== undefined) next.keyTyped = change.key !== "";
    if (change.label !== undefined && !next.keyTyped) next.key = keyFrom(change.label);
    return next;
  });
}

export function removeItem(items: ItemDraft[], id: number): ItemDraft[] {
  return items.filter((item) => item.id !== id);
}

/** The item one place up (`-1`) or down (`+1`); at either end, the list as it is. */
export function moveItem(items: ItemDraft[], id: number, step: -1 | 1): ItemDraft[] {
  const from = items.findIndex((item) => item.id === id);
  const to = from + step;
  if (from < 0 || to < 0 || to >= items.length) return items;
  const moved = [...items];
  const [item] = moved.splice(from, 1);
  if (item) moved.splice(to, 0, item);
  return moved;
}

/**
 * What the API would refuse, under the same field paths as its 422 (`name`, `items.1.label`),
 * as text keys of `console.checklists.errors`. `creating`: the template key is checked too.
 */
export function draftErrors(draft: TemplateDraft, creating: boolean): FieldErrors {
  const errors: FieldErrors = {};
  if (creating && !TEMPLATE_KEY.test(draft.key)) errors.key = "templateKey";
  if (!draft.name.trim()) errors.name = "required";
  const interval = Number(draft.interval);
  if (!Number.isInteger(interval) || interval < 1 || interval > 3660) errors.default_interval_days = "interval";
  if (draft.items.length === 0) errors.items = "noItems";
  const seen = new Set<string>();
  draft.items.forEach((item, index) => {
    if (!item.label.trim()) errors[`items.${index}.label`] = "required";
    if (!ITEM_KEY.test(item.key)) errors[`items.${index}.key`] = "itemKey";
    else if (seen.has(item.key)) errors[`items.${index}.key`] = "duplicateKey";
    seen.add(item.key);
  });
  return errors;
}

export function itemsBody(items: ItemDraft[]): Schemas["ChecklistItem"][] {
  return items.map((item) => ({ key: item.key, label: item.label.trim(), equipment_kind: item.equipment_kind, inoperative_on_fail: item.inoperative_on_fail }));
}

export function createBody(draft: TemplateDraft): Schemas["TemplateCreate"] {
  return { key: draft.key, name: draft.name.trim(), description: draft.description.trim() || null, default_interval_days: Number(draft.interval), items: itemsBody(draft.items) };
}

export function updateBody(draft: TemplateDraft): Schemas["TemplateUpdate"] {
  return { name: draft.name.trim(), description: draft.description.trim() || null, default_interval_days: Number(draft.interval), items: itemsBody(draft.items) };
}
