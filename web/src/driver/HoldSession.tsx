import { Alert, Button, Group, Progress, SimpleGrid, Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { formatKw, formatKwh } from "../format";
import { costSoFar, formatMoney, holdUsedPercent } from "../money";
import { notify } from "../notify";
import { HOLD_LIVE, holdPhase, LIVE_POLL_MS } from "../stripe/holds";
import { useConnectorPrice } from "./Site";

/** A session started from the app, followed live: kWh, power, cost so far; stop; the invoice. */
export function HoldSession() {
  const { holdId = "" } = useParams();
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const queryClient = useQueryClient();
  const hold = useQuery({
    queryKey: ["hold", holdId],
    queryFn: async () => unwrap(await api.GET("/v1/payments/holds/{hold_id}", { params: { path: { hold_id: holdId } } })),
    refetchInterval: (query) => {
      const h = query.state.data;
      // Settled: nothing more will change once a captured hold shows its invoice.
      return h && !HOLD_LIVE.has(h.status) && (h.invoice_id || h.status !== "captured") ? false : LIVE_POLL_MS;
    },
  });
  const price = useConnectorPrice(hold.data?.charge_point_id ?? "", hold.data?.connector_id ?? 1);
  const stop = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/payments/holds/{hold_id}/stop", { params: { path: { hold_id: holdId } } })),
    onSuccess: () => {
      notify(t("charge.stopping"));
      void queryClient.invalidateQueries({ queryKey: ["hold", holdId] });
    },
    onError: (err) => notify(err.message, "red"),
  });
  return (
    <Stack>
      <PageTitle text={t("charge.session")} />
      <QueryState query={hold}>
        {(h) => {
          const phase = holdPhase(h);
          const cost = price.data ? costSoFar(price.data, h.energy_wh) : null;
          return (
            <Stack>
              <Group>
                <StatusBadge value={h.status} />
                <Text data-testid="hold-phase">{t(`charge.phase.${phase}`)}</Text>
              </Group>
              <SimpleGrid cols={{ base: 2, sm: 4 }}>
                {[
                  [t("sessions.charger"), `${h.charge_point_id} / ${h.connector_id}`, "hold-charger"],
                  [t("sessions.energy"), formatKwh(h.energy_wh, locale), "hold-energy"],
                  [t("sessions.power"), formatKw(h.power_w, locale), "hold-power"],
                  [h.captured_minor !== null ? t("charge.paid") : t("charge.costSoFar"), h.captured_minor !== null ? formatMoney(h.captured_minor, h.currency, locale) : cost !== null ? formatMoney(cost, h.currency, locale) : "–", "hold-cost"],
                ].map(([label, value, id]) => (
                  <div key={id}>
                    <Text size="sm" c="dimmed">
                      {label}
                    </Text>
                    <Text fw={600} data-testid={id}>
                      {value}
                    </Text>
                  </div>
                ))}
              </SimpleGrid>
              {cost !== null && h.captured_minor === null && (
                <Progress value={holdUsedPercent(cost, h.amount_minor)} aria-label={t("charge.holdUsed", { amount: formatMoney(h.amount_minor, h.currency, locale) })} />
              )}
              <Text size="sm" c="dimmed">
                {t("charge.holdNote", { amount: formatMoney(h.amount_minor, h.currency, locale) })}
              </Text>
              {h.cancel_reason && <Alert color="yellow">{t("charge.released", { reason: h.cancel_reason })}</Alert>}
              <Group>
                {(phase === "starting" || phase === "charging") && !h.stop_requested_at && (
                  <Button color="red.9" onClick={() => stop.mutate()} loading={stop.isPending}>
                    {t("charge.stop")}
                  </Button>
                )}
                {h.invoice_id && (
                  <Button component={Link} to={`/app/invoices/${h.invoice_id}`}>
                    {t("charge.invoice")}
                  </Button>
                )}
                <Button
                  variant="subtle"
                  component={Link}
                  to={`/app/support/new?charger=${encodeURIComponent(h.charge_point_id)}${h.session_id ? `&session=${h.session_id}` : ""}`}
                >
                  {t("help.reportProblem")}
                </Button>
              </Group>
            </Stack>
          );
        }}
      </QueryState>
    </Stack>
  );
}
