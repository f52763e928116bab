import { ActionIcon, Alert, Anchor, Button, Fieldset, Group, NativeSelect, NumberInput, Stack, Switch, Text, TextInput, Textarea } from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { notify } from "../../notify";
import { errorsUnder, FORM, fieldErrors, type FieldErrors } from "../problems";
import { StateBadge } from "../ui";
import {
  changeItem,
  createBody,
  draftErrors,
  draftOf,
  emptyDraft,
  EQUIPMENT_KINDS,
  keyFrom,
  moveItem,
  newItem,
  removeItem,
  updateBody,
  type EquipmentKind,
  type ItemDraft,
  type Template,
  type TemplateDraft,
} from "./checklist";

const icon = { size: 18, "aria-hidden": true } as const;

function ItemEditor({
  item,
  index,
  count,
  errors,
  onChange,
  onMove,
  onRemove,
}: {
  item: ItemDraft;
  index: number;
  count: number;
  errors: FieldErrors;
  onChange: (change: Partial<Omit<ItemDraft, "id">>) => void;
  onMove: (step: -1 | 1) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const n = index + 1;
  return (
    <Fieldset legend={t("console.checklists.itemN", { n })} data-testid="checklist-item">
      <Stack gap="xs">
        <Group align="start" wrap="nowrap">
          <TextInput style={{ flex: 1 }} label={t("console.checklists.itemLabel")} required value={item.label} maxLength={300} error={errors.label} onChange={(e) => onChange({ label: e.currentTarget.value })} />
          <Group gap={4} mt={24} wrap="nowrap">
            <ActionIcon variant="default" size="lg" disabled={index === 0} aria-label={t("console.checklists.moveUp", { n })} onClick={() => onMove(-1)}>
              <IconArrowUp {...icon} />
            </ActionIcon>
            <ActionIcon variant="default" size="lg" disabled={index === count - 1} aria-label={t("console.checklists.moveDown", { n })} onClick={() => onMove(1)}>
              <IconArrowDown {...icon} />
            </ActionIcon>
            <ActionIcon variant="default" size="lg" color="red" disabled={count === 1} aria-label={t("console.checklists.remove", { n })} onClick={onRemove}>
              <IconTrash {...icon} />
            </ActionIcon>
          </Group>
        </Group>
        <Group align="start" grow>
          <TextInput label={t("console.checklists.itemKey")} description={t("console.checklists.itemKeyHint")} required value={item.key} maxLength={64} error={errors.key} onChange={(e) => onChange({ key: e.currentTarget.value })} />
          <NativeSelect
            label={t("console.checklists.equipmentKind")}
            description={t("console.checklists.equipmentKindHint")}
            value={item.equipment_kind ?? ""}
            error={errors.equipment_kind}
            onChange={(e) => onChange({ equipment_kind: (e.currentTarget.value || null) as EquipmentKind | null })}
            data={[{ value: "", label: t("console.checklists.noEquipment") }, ...EQUIPMENT_KINDS.map((kind) => ({ value: kind, label: t(`console.equipment.kinds.${kind}`) }))]}
          />
        </Group>
        <Switch label={t("console.checklists.inoperativeOnFail")} checked={item.inoperative_on_fail} onChange={(e) => onChange({ inoperative_on_fail: e.currentTarget.checked })} />
      </Stack>
    </Fieldset>
  );
}

/** The form itself, for a new template (maybe a copy) or an operator's own one. */
function TemplateForm({ template, initial }: { template: Template | null; initial: TemplateDraft }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const creating = template === null;
  const readOnly = template?.builtin ?? false;
  const [draft, setDraft] = useState(initial);
  const [keyTyped, setKeyTyped] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const setItems = (items: ItemDraft[]) => setDraft((current) => ({ ...current, items }));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["checklist-templates"] });

  const save = useMutation({
    mutationFn: async () =>
      template
        ? unwrap(await api.PATCH("/v1/checklist-templates/{template_id}", { params: { path: { template_id: template.id } }, body: updateBody(draft) }))
        : unwrap(await api.POST("/v1/checklist-templates", { body: createBody(draft) })),
    onSuccess: (saved) => {
      notify(t("console.checklists.saved", { name: saved.name }));
      setErrors({});
      refresh();
      queryClient.setQueryData(["checklist-template", saved.id], saved);
      if (creating) void navigate(`/console/checklists/${saved.id}`, { replace: true });
    },
    onError: (error) => setErrors(fieldErrors(error)),
  });
  const retire = useMutation({
    mutationFn: async (retired: boolean) =>
      unwrap(await api.PATCH("/v1/checklist-templates/{template_id}", { params: { path: { template_id: template?.id ?? "" } }, body: { retired } })),
    onSuccess: (saved) => {
      notify(t(saved.retired_at ? "console.checklists.retiredNote" : "console.checklists.restoredNote", { name: saved.name }));
      setErrors({});
      refresh();
      queryClient.setQueryData(["checklist-template", saved.id], saved);
    },
    onError: (error) => setErrors(fieldErrors(error)),
  });

  const submit = () => {
    const found = draftErrors(draft, creating);
    if (Object.keys(found).length > 0) {
      setErrors(Object.fromEntries(Object.entries(found).map(([field, key]) => [field, t(`console.checklists.errors.${key}`)])));
      return;
    }
    save.mutate();
  };

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <Stack>
        {template && (
          <Group>
            <StateBadge value={template.retired_at ? "retired" : "in_service"} />
            {template.builtin && <Text size="sm">{t("console.checklists.shipped")}</Text>}
            <Button component={Link} variant="subtle" to={`/console/checklists/new?copy=${template.id}`}>
              {t("console.checklists.copy")}
            </Button>
            <Button
              variant="outline"
              color={template.retired_at ? undefined : "#b3261e"}
              loading={retire.isPending}
              onClick={() => {
                if (template.retired_at || window.confirm(t("console.checklists.retireConfirm", { name: template.name }))) retire.mutate(!template.retired_at);
              }}
            >
              {template.retired_at ? t("console.checklists.restore") : t("console.checklists.retire")}
            </Button>
          </Group>
        )}
        {readOnly && (
          <Alert color="gray" variant="outline">
            {t("console.checklists.shippedNote")}
          </Alert>
        )}
        {errors[FORM] && (
          <Alert color="red" role="alert" title={t("console.checklists.notSaved")}>
            {errors[FORM]}
          </Alert>
        )}
        <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
          <Stack>
            <TextInput
              label={t("console.checklists.name")}
              required
              value={draft.name}
              maxLength={200}
              error={errors.name}
              onChange={(e) => {
                const name = e.currentTarget.value;
                setDraft((current) => ({ ...current, name, ...(creating && !keyTyped ? { key: keyFrom(name, "-") } : {}) }));
              }}
            />
            {creating ? (
              <TextInput
                label={t("console.checklists.key")}
                description={t("console.checklists.keyHint")}
                required
                value={draft.key}
                maxLength={64}
                error={errors.key}
                onChange={(e) => {
                  const key = e.currentTarget.value;
                  setKeyTyped(key !== "");
                  setDraft((current) => ({ ...current, key }));
                }}
              />
            ) : (
              <Text size="sm">
                {t("console.checklists.key")}: <code>{draft.key}</code>
              </Text>
            )}
            <Textarea label={t("console.checklists.description")} value={draft.description} maxLength={2000} autosize minRows={2} error={errors.description} onChange={(e) => setDraft({ ...draft, description: e.currentTarget.value })} />
            <NumberInput label={t("console.checklists.intervalDays")} required min={1} max={3660} w={220} value={draft.interval} error={errors.default_interval_days} onChange={(interval) => setDraft({ ...draft, interval })} />
            <Text fw={600} id="checklist-items">
              {t("console.checklists.items")}
            </Text>
            {errors.items && (
              <Text c="red.9" size="sm" role="alert">
                {errors.items}
              </Text>
            )}
            {draft.items.map((item, index) => (
              <ItemEditor
                key={item.id}
                item={item}
                index={index}
                count={draft.items.length}
                errors={errorsUnder(errors, `items.${index}`)}
                onChange={(change) => setItems(changeItem(draft.items, item.id, change))}
                onMove={(step) => setItems(moveItem(draft.items, item.id, step))}
                onRemove={() => setItems(removeItem(draft.items, item.id))}
              />
            ))}
            {!readOnly && (
              <Group justify="space-between">
                <Button variant="outline" onClick={() => setItems([...draft.items, newItem()])}>
                  {t("console.checklists.addItem")}
                </Button>
                <Button type="submit" loading={save.isPending}>
                  {t("console.checklists.save")}
                </Button>
              </Group>
            )}
          </Stack>
        </fieldset>
      </Stack>
    </form>
  );
}

function copyDraft(template: Template, name: string): TemplateDraft {
  return { ...draftOf(template, true), name, key: keyFrom(name, "-") };
}

/** A checklist template: a new one (`/new`, `?copy=<id>` starts from another), or an existing one. */
export function ChecklistTemplateEditor() {
  const { t } = useTranslation();
  const { templateId } = useParams();
  const [params] = useSearchParams();
  const copyOf = params.get("copy");
  const sourceId = templateId ?? copyOf;
  const source = useQuery({
    queryKey: ["checklist-template", sourceId],
    queryFn: async () => unwrap(await api.GET("/v1/checklist-templates/{template_id}", { params: { path: { template_id: sourceId ?? "" } } })),
    enabled: sourceId !== null && sourceId !== undefined,
  });
  const back = (
    <Anchor component={Link} to="/console/checklists" size="sm">
      {t("app.back")}
    </Anchor>
  );
  if (!sourceId) {
    return (
      <Stack maw={900}>
        {back}
        <PageTitle text={t("console.checklists.new")} />
        <TemplateForm template={null} initial={emptyDraft()} />
      </Stack>
    );
  }
  return (
    <Stack maw={900}>
      {back}
      <QueryState query={source}>
        {(template) =>
          templateId ? (
            <>
              <PageTitle text={template.name} />
              <TemplateForm key={`${template.id}-${template.updated_at}`} template={template} initial={draftOf(template)} />
            </>
          ) : (
            <>
              <PageTitle text={t("console.checklists.copyOf", { name: template.name })} />
              <TemplateForm template={null} initial={copyDraft(template, t("console.checklists.copyOf", { name: template.name }))} />
            </>
          )
        }
      </QueryState>
    </Stack>
  );
}
