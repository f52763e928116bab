import { Alert, Anchor, Button, Group, Modal, NativeSelect, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api/client";
import { PageTitle } from "../../components/PageTitle";
import { formatDateTime } from "../../format";
import { notify } from "../../notify";
import { FORM, fieldErrors, type FieldErrors } from "../problems";
import { RecordTable, type Column } from "../RecordTable";
import { StateBadge } from "../ui";
import { EQUIPMENT_KINDS, type EquipmentKind } from "./checklist";
import { EQUIPMENT_STATES, equipmentCreateBody, equipmentDraft, equipmentUpdateBody, type Equipment, type EquipmentState } from "./equipment";

/** Add (no `equipment`) or change one item; the kind is fixed once added (the API says so). */
function EquipmentForm({ cpId, equipment, onClose }: { cpId: string; equipment: Equipment | null; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState(() => equipmentDraft(cpId, equipment ?? undefined));
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useMutation({
    mutationFn: async () =>
      equipment
        ? unwrap(await api.PATCH("/v1/security-equipment/{equipment_id}", { params: { path: { equipment_id: equipment.id } }, body: equipmentUpdateBody(draft) }))
        : unwrap(await api.POST("/v1/security-equipment", { body: equipmentCreateBody(draft) })),
    onSuccess: (saved) => {
      notify(t("console.equipment.saved", { what: saved.label ?? t(`console.equipment.kinds.${saved.kind}`) }));
      void queryClient.invalidateQueries({ queryKey: ["security-equipment"] });
      onClose();
    },
    onError: (error) => setErrors(fieldErrors(error)),
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <Stack>
        {errors[FORM] && (
          <Alert color="red" role="alert">
            {errors[FORM]}
          </Alert>
        )}
        {!cpId && !equipment && <TextInput label={t("console.equipment.charger")} required value={draft.chargePointId} error={errors.charge_point_id} onChange={(e) => setDraft({ ...draft, chargePointId: e.currentTarget.value })} />}
        <NativeSelect
          label={t("console.equipment.kind")}
          value={draft.kind}
          disabled={equipment !== null}
          error={errors.kind}
          onChange={(e) => setDraft({ ...draft, kind: e.currentTarget.value as EquipmentKind })}
          data={EQUIPMENT_KINDS.map((kind) => ({ value: kind, label: t(`console.equipment.kinds.${kind}`) }))}
        />
        <TextInput label={t("console.equipment.label")} description={t("console.equipment.labelHint")} value={draft.label} maxLength={200} error={errors.label} onChange={(e) => setDraft({ ...draft, label: e.currentTarget.value })} />
        <NativeSelect
          label={t("console.equipment.state")}
          value={draft.state}
          error={errors.state}
          onChange={(e) => setDraft({ ...draft, state: e.currentTarget.value as EquipmentState })}
          data={EQUIPMENT_STATES.map((state) => ({ value: state, label: t(`console.states.${state}`) }))}
        />
        <TextInput type="date" label={t("console.equipment.lastTested")} description={t("console.equipment.lastTestedHint")} value={draft.testedOn} error={errors.last_tested_at} onChange={(e) => setDraft({ ...draft, testedOn: e.currentTarget.value })} />
        <Textarea label={t("console.equipment.notes")} value={draft.notes} maxLength={2000} autosize minRows={2} error={errors.notes} onChange={(e) => setDraft({ ...draft, notes: e.currentTarget.value })} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t("app.cancel")}
          </Button>
          <Button type="submit" loading={save.isPending}>
            {t("app.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/**
 * Security equipment: one station's (`cpId`, on the charger's page) or the network's, filtered
 * by charger and kind. Operators add, change and remove items; completed inspections set the
 * test dates and states of the kinds they checked.
 */
export function EquipmentPanel({ cpId = "" }: { cpId?: string }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [chargerFilter, setChargerFilter] = useState("");
  const [kind, setKind] = useState<EquipmentKind | "">("");
  const [editing, setEditing] = useState<Equipment | "new" | null>(null);
  const chargePointId = cpId || chargerFilter.trim();
  const equipment = useQuery({
    queryKey: ["security-equipment", { chargePointId, kind }],
    queryFn: async () => unwrap(await api.GET("/v1/security-equipment", { params: { query: { limit: 1000, ...(chargePointId ? { charge_point_id: chargePointId } : {}), ...(kind ? { kind } : {}) } } })),
  });
  const remove = useMutation({
    mutationFn: async (item: Equipment) => unwrap(await api.DELETE("/v1/security-equipment/{equipment_id}", { params: { path: { equipment_id: item.id } } })),
    onSuccess: () => {
      notify(t("console.equipment.removed"));
      void queryClient.invalidateQueries({ queryKey: ["security-equipment"] });
    },
    onError: (error) => notify(error.message, "red"),
  });
  const name = (item: Equipment) => item.label ?? t(`console.equipment.kinds.${item.kind}`);
  const columns: Column<Equipment>[] = [
    ...(cpId
      ? []
      : [
          {
            header: t("console.equipment.charger"),
            cell: (item: Equipment) => (
              <Anchor component={Link} to={`/console/chargers/${encodeURIComponent(item.charge_point_id)}`}>
                {item.charge_point_id}
              </Anchor>
            ),
          },
        ]),
    { header: t("console.equipment.kind"), cell: (item) => t(`console.equipment.kinds.${item.kind}`) },
    { header: t("console.equipment.label"), cell: (item) => item.label ?? "–" },
    { header: t("console.equipment.state"), cell: (item) => <StateBadge value={item.state} /> },
    { header: t("console.equipment.lastTested"), cell: (item) => formatDateTime(item.last_tested_at, i18n.language) },
    { header: t("console.equipment.notes"), cell: (item) => <Text size="sm">{item.notes ?? "–"}</Text> },
    {
      header: t("console.equipment.actions"),
      cell: (item) => (
        <Group gap="xs" wrap="nowrap">
          <Button size="xs" variant="outline" aria-label={t("console.equipment.editNamed", { name: name(item) })} onClick={() => setEditing(item)}>
            {t("console.equipment.edit")}
          </Button>
          <Button
            size="xs"
            variant="outline"
            color="#b3261e"
            aria-label={t("console.equipment.removeNamed", { name: name(item) })}
            onClick={() => {
              if (window.confirm(t("console.equipment.removeConfirm", { name: name(item) }))) remove.mutate(item);
            }}
          >
            {t("console.equipment.remove")}
          </Button>
        </Group>
      ),
    },
  ];
  return (
    <Stack>
      <Group align="end" justify="space-between">
        <Group align="end">
          {!cpId && <TextInput label={t("console.equipment.filterCharger")} value={chargerFilter} onChange={(e) => setChargerFilter(e.currentTarget.value)} />}
          <NativeSelect
            label={t("console.equipment.kind")}
            value={kind}
            onChange={(e) => setKind(e.currentTarget.value as EquipmentKind | "")}
            data={[{ value: "", label: t("app.all") }, ...EQUIPMENT_KINDS.map((value) => ({ value, label: t(`console.equipment.kinds.${value}`) }))]}
          />
        </Group>
        <Button onClick={() => setEditing("new")}>{t("console.equipment.add")}</Button>
      </Group>
      <RecordTable query={equipment} columns={columns} rowKey={(item) => item.id} empty={t("console.equipment.none")} minWidth={760} label={t("console.equipment.title")} />
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === "new" || editing === null ? t("console.equipment.add") : t("console.equipment.editNamed", { name: name(editing) })}
        closeButtonProps={{ "aria-label": t("app.close") }}
      >
        {editing !== null && <EquipmentForm cpId={cpId} equipment={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      </Modal>
    </Stack>
  );
}

/** The network's security equipment, by charger and kind. */
export function SecurityEquipment() {
  const { t } = useTranslation();
  return (
    <Stack>
      <PageTitle text={t("console.equipment.title")} />
      <Text size="sm" c="dimmed">
        {t("console.equipment.intro")}
      </Text>
      <EquipmentPanel />
    </Stack>
  );
}
