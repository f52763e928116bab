import { Anchor, Button, Group, NativeSelect, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { PageTitle } from "../../components/PageTitle";
import { formatDateTime } from "../../format";
import { RecordTable } from "../RecordTable";
import { StateBadge } from "../ui";

type Shown = "in_service" | "retired" | "";

/** The checklist templates behind plans and inspections: shipped ones and the operators' own. */
export function ChecklistTemplates() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const shown = (params.get("show") ?? "in_service") as Shown;
  const templates = useQuery({
    queryKey: ["checklist-templates", { shown }],
    queryFn: async () => unwrap(await api.GET("/v1/checklist-templates", { params: { query: shown ? { retired: shown === "retired" } : {} } })),
  });
  return (
    <Stack>
      <PageTitle text={t("console.checklists.title")} />
      <Text size="sm" c="dimmed">
        {t("console.checklists.intro")}
      </Text>
      <Group align="end" justify="space-between">
        <NativeSelect
          label={t("console.checklists.show")}
          value={shown}
          onChange={(e) => setParams(e.currentTarget.value === "in_service" ? {} : { show: e.currentTarget.value }, { replace: true })}
          data={[
            { value: "in_service", label: t("console.states.in_service") },
            { value: "retired", label: t("console.states.retired") },
            { value: "", label: t("app.all") },
          ]}
        />
        <Button component={Link} to="/console/checklists/new">
          {t("console.checklists.new")}
        </Button>
      </Group>
      <RecordTable
        query={templates}
        empty={t("console.checklists.none")}
        rowKey={(template) => template.id}
        columns={[
          {
            header: t("console.checklists.name"),
            cell: (template) => (
              <Anchor component={Link} to={`/console/checklists/${template.id}`}>
                {template.name}
              </Anchor>
            ),
          },
          { header: t("console.checklists.items"), cell: (template) => template.items.length },
          { header: t("console.checklists.interval"), cell: (template) => t("console.plans.days", { count: template.default_interval_days }) },
          { header: t("console.checklists.origin"), cell: (template) => (template.builtin ? t("console.checklists.shipped") : t("console.checklists.own")) },
          { header: t("console.checklists.state"), cell: (template) => <StateBadge value={template.retired_at ? "retired" : "in_service"} /> },
          { header: t("console.checklists.changed"), cell: (template) => formatDateTime(template.updated_at, i18n.language) },
        ]}
      />
    </Stack>
  );
}
