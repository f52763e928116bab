import { Alert, Anchor, Button, Group, Paper, SegmentedControl, Stack, Text, Textarea } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { formatDateTime } from "../../format";
import { notify } from "../../notify";
import { StateBadge } from "../ui";

type Result = Schemas["ItemResultIn"]["result"];
const RESULTS: Result[] = ["pass", "fail", "not_applicable"];

/**
 * Fill in an inspection's checklist: one large three-way choice per item (tablet-friendly:
 * big touch targets, one column), a note per item (required for a failure: it becomes the
 * work order's description), then complete. Failed items open work orders.
 */
export function InspectionDetail() {
  const { inspectionId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [results, setResults] = useState<Record<string, Result>>({});
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [note, setNote] = useState("");
  const inspection = useQuery({
    queryKey: ["inspection", inspectionId],
    queryFn: async () => unwrap(await api.GET("/v1/inspections/{inspection_id}", { params: { path: { inspection_id: inspectionId } } })),
  });
  const complete = useMutation({
    mutationFn: async (keys: string[]) =>
      unwrap(
        await api.POST("/v1/inspections/{inspection_id}/complete", {
          params: { path: { inspection_id: inspectionId } },
          body: { note: note.trim() || null, items: keys.map((key) => ({ key, result: results[key] ?? "pass", note: notes[key]?.trim() || null, photos: [] })) },
        }),
      ),
    onSuccess: () => {
      notify(t("console.inspections.completed"));
      void queryClient.invalidateQueries({ queryKey: ["inspection", inspectionId] });
      void queryClient.invalidateQueries({ queryKey: ["inspections"] });
    },
    onError: (error) => notify(error.message, "red"),
  });

  return (
    <QueryState query={inspection}>
      {(ins) => {
        const due = ins.status === "due";
        const keys = ins.items.map((item) => item.key);
        const missing = keys.filter((key) => !results[key]).length;
        return (
          <Stack maw={760}>
            <Anchor component={Link} to="/console/inspections" size="sm">
              {t("app.back")}
            </Anchor>
            <PageTitle text={`${ins.template_name} · ${ins.charge_point_id}`} />
            <Group>
              <StateBadge value={ins.status} />
              <Text size="sm">
                {t("console.inspections.due")}: {formatDateTime(ins.due_at, i18n.language)}
              </Text>
            </Group>
            {ins.items.map((item) => {
              const result = due ? results[item.key] : item.result;
              return (
                <Paper key={item.key} withBorder p="md" role="group" aria-labelledby={`item-${item.key}`}>
                  <Text id={`item-${item.key}`} fw={600} size="lg" mb="sm">
                    {item.label}
                  </Text>
                  {due ? (
                    <Stack gap="xs">
                      <SegmentedControl
                        fullWidth
                        size="lg"
                        value={result ?? ""}
                        onChange={(value) => setResults((current) => ({ ...current, [item.key]: value as Result }))}
                        data={RESULTS.map((value) => ({ value, label: t(`console.states.${value}`) }))}
                        aria-label={item.label}
                      />
                      <Textarea
                        label={t("console.inspections.itemNote")}
                        required={result === "fail"}
                        value={notes[item.key] ?? ""}
                        onChange={(e) => {
                          const value = e.currentTarget.value;
                          setNotes((current) => ({ ...current, [item.key]: value }));
                        }}
                        autosize
                        minRows={1}
                      />
                      {result === "fail" && item.inoperative_on_fail && (
                        <Text size="sm" c="red.9">
                          {t("console.inspections.inoperativeOnFail")}
                        </Text>
                      )}
                    </Stack>
                  ) : (
                    <Group>
                      {item.result && <StateBadge value={item.result} />}
                      {item.note && <Text size="sm">{item.note}</Text>}
                      {item.work_order_id && (
                        <Anchor component={Link} to={`/console/work-orders/${item.work_order_id}`} size="sm">
                          {t("console.inspections.workOrder")}
                        </Anchor>
                      )}
                    </Group>
                  )}
                </Paper>
              );
            })}
            {due ? (
              <form
                onSubmit={(event) => {
                  event.preventDefault();
                  complete.mutate(keys);
                }}
              >
                <Stack>
                  <Textarea label={t("console.inspections.note")} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} />
                  {missing > 0 && (
                    <Alert color="gray" variant="outline">
                      {t("console.inspections.missing", { count: missing })}
                    </Alert>
                  )}
                  <Button type="submit" size="lg" disabled={missing > 0} loading={complete.isPending}>
                    {t("console.inspections.complete")}
                  </Button>
                </Stack>
              </form>
            ) : (
              ins.note && <Text>{ins.note}</Text>
            )}
          </Stack>
        );
      }}
    </QueryState>
  );
}
