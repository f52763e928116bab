import { Anchor, Button, Group, NativeSelect, NumberInput, Paper, Stack, Switch, Tabs, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { PageTitle } from "../../components/PageTitle";
import { formatDateTime } from "../../format";
import { notify } from "../../notify";
import { RecordTable } from "../RecordTable";
import { StateBadge } from "../ui";

type Template = Schemas["TemplateOut"];
type InspectionStatus = Schemas["InspectionOut"]["status"];

/** The templates offered for new inspections and plans: those not retired. */
function useTemplates() {
  return useQuery({
    queryKey: ["checklist-templates", { shown: "in_service" }],
    queryFn: async () => unwrap(await api.GET("/v1/checklist-templates", { params: { query: { retired: false } } })),
    staleTime: 60_000,
  });
}

function InspectionsTab() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const [status, setStatus] = useState<InspectionStatus | "">("due");
  const [templateId, setTemplateId] = useState("");
  const [cpId, setCpId] = useState("");
  const templates = useTemplates();
  const inspections = useQuery({
    queryKey: ["inspections", { status }],
    queryFn: async () => unwrap(await api.GET("/v1/inspections", { params: { query: { limit: 200, ...(status ? { status } : {}) } } })),
  });
  const start = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/inspections", { body: { template_id: templateId || (templates.data?.[0]?.id ?? ""), charge_point_id: cpId.trim() } })),
    onSuccess: (inspection) => void navigate(`/console/inspections/${inspection.id}`),
    onError: (error) => notify(error.message, "red"),
  });
  return (
    <Stack>
      <Group align="end">
        <NativeSelect
          label={t("console.inspections.status")}
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as InspectionStatus | "")}
          data={[...(["due", "completed", "cancelled"] as const).map((value) => ({ value, label: t(`console.states.${value}`) })), { value: "", label: t("app.all") }]}
        />
      </Group>
      <RecordTable
        query={inspections}
        empty={t("console.inspections.none")}
        rowKey={(inspection) => inspection.id}
        columns={[
          {
            header: t("console.inspections.checklist"),
            cell: (inspection) => (
              <Anchor component={Link} to={`/console/inspections/${inspection.id}`}>
                {inspection.template_name}
              </Anchor>
            ),
          },
          { header: t("console.inspections.charger"), cell: (inspection) => inspection.charge_point_id },
          { header: t("console.inspections.due"), cell: (inspection) => formatDateTime(inspection.due_at, i18n.language) },
          {
            header: t("console.inspections.status"),
            cell: (inspection) => (
              <Group gap={4}>
                <StateBadge value={inspection.status} />
                {inspection.overdue && inspection.status === "due" && <StateBadge value="breached" />}
              </Group>
            ),
          },
        ]}
      />
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          {t("console.inspections.start")}
        </Title>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            start.mutate();
          }}
        >
          <Group align="end">
            <NativeSelect label={t("console.inspections.checklist")} value={templateId} onChange={(e) => setTemplateId(e.currentTarget.value)} data={(templates.data ?? []).map((tpl: Template) => ({ value: tpl.id, label: tpl.name }))} />
            <TextInput label={t("console.inspections.charger")} required value={cpId} onChange={(e) => setCpId(e.currentTarget.value)} />
            <Button type="submit" loading={start.isPending} disabled={!templates.data?.length}>
              {t("console.inspections.startButton")}
            </Button>
          </Group>
        </form>
      </Paper>
    </Stack>
  );
}

function PlansTab() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const templates = useTemplates();
  const [name, setName] = useState("");
  const [templateId, setTemplateId] = useState("");
  const [target, setTarget] = useState("");
  const [bySite, setBySite] = useState(false);
  const [interval, setInterval] = useState<number | string>(90);
  const plans = useQuery({ queryKey: ["maintenance-plans"], queryFn: async () => unwrap(await api.GET("/v1/maintenance-plans")) });
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/maintenance-plans", {
          body: {
            name: name.trim(),
            template_id: templateId || (templates.data?.[0]?.id ?? ""),
            grace_days: 0,
            interval_days: Number(interval) || null,
            ...(bySite ? { site: target.trim() } : { charge_point_id: target.trim() }),
          },
        }),
      ),
    onSuccess: () => {
      setName("");
      setTarget("");
      void queryClient.invalidateQueries({ queryKey: ["maintenance-plans"] });
      notify(t("console.plans.created"));
    },
    onError: (error) => notify(error.message, "red"),
  });
  const toggle = useMutation({
    mutationFn: async ({ id, active }: { id: string; active: boolean }) => unwrap(await api.PATCH("/v1/maintenance-plans/{plan_id}", { params: { path: { plan_id: id } }, body: { active } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["maintenance-plans"] }),
    onError: (error) => notify(error.message, "red"),
  });
  return (
    <Stack>
      <RecordTable
        query={plans}
        empty={t("console.plans.none")}
        rowKey={(plan) => plan.id}
        columns={[
          { header: t("console.plans.name"), cell: (plan) => plan.name },
          { header: t("console.plans.scope"), cell: (plan) => plan.charge_point_id ?? plan.site ?? "–" },
          { header: t("console.plans.interval"), cell: (plan) => t("console.plans.days", { count: plan.interval_days }) },
          { header: t("console.plans.nextDue"), cell: (plan) => formatDateTime(plan.next_due_at, i18n.language) },
          {
            header: t("console.plans.active"),
            cell: (plan) => <Switch checked={plan.active} aria-label={t("console.plans.activeFor", { name: plan.name })} onChange={(e) => toggle.mutate({ id: plan.id, active: e.currentTarget.checked })} />,
          },
        ]}
      />
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          {t("console.plans.new")}
        </Title>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <Group align="end">
            <TextInput label={t("console.plans.name")} required value={name} onChange={(e) => setName(e.currentTarget.value)} />
            <NativeSelect label={t("console.inspections.checklist")} value={templateId} onChange={(e) => setTemplateId(e.currentTarget.value)} data={(templates.data ?? []).map((tpl: Template) => ({ value: tpl.id, label: tpl.name }))} />
            <Switch label={t("console.plans.bySite")} checked={bySite} onChange={(e) => setBySite(e.currentTarget.checked)} />
            <TextInput label={bySite ? t("console.plans.site") : t("console.inspections.charger")} required value={target} onChange={(e) => setTarget(e.currentTarget.value)} />
            <NumberInput label={t("console.plans.intervalDays")} min={1} max={3660} value={interval} onChange={setInterval} w={140} />
            <Button type="submit" loading={create.isPending} disabled={!templates.data?.length}>
              {t("console.plans.create")}
            </Button>
          </Group>
        </form>
      </Paper>
    </Stack>
  );
}

/** Inspections (checklists to fill in) and the maintenance plans that generate them. */
export function Inspections() {
  const { t } = useTranslation();
  return (
    <Stack>
      <PageTitle text={t("console.inspections.title")} />
      <Tabs defaultValue="inspections" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="inspections">{t("console.inspections.tab")}</Tabs.Tab>
          <Tabs.Tab value="plans">{t("console.plans.tab")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="inspections" pt="md">
          <InspectionsTab />
        </Tabs.Panel>
        <Tabs.Panel value="plans" pt="md">
          <PlansTab />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
