import { Progress, Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { costSoFar, formatMoney, holdUsedPercent } from "../money";
import { notify } from "../notify";
import { HOLD_LIVE, holdPhase, LIVE_POLL_MS } from "../stripe/holds";
import { LiveSessionView } from "./LiveSessionView";
import { useConnectorPrice } from "./Site";

/** A session paid as you go (a hold), followed live: kWh, power, cost so far; stop; the invoice. */
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
          const held = formatMoney(h.amount_minor, h.currency, locale);
          return (
            <LiveSessionView
              testId="hold"
              session={h}
              phaseText={t(`charge.phase.${phase}`)}
              cost={
                h.captured_minor !== null
                  ? { label: t("charge.paid"), value: formatMoney(h.captured_minor, h.currency, locale) }
                  : { label: t("charge.costSoFar"), value: cost !== null ? formatMoney(cost, h.currency, locale) : "–" }
              }
              notice={h.cancel_reason ? t("charge.released", { reason: h.cancel_reason }) : null}
              canStop={(phase === "starting" || phase === "charging") && !h.stop_requested_at}
              stopping={stop.isPending}
              onStop={() => stop.mutate()}
            >
              {cost !== null && h.captured_minor === null && <Progress value={holdUsedPercent(cost, h.amount_minor)} aria-label={t("charge.holdUsed", { amount: held })} />}
              <Text size="sm" c="dimmed">
                {t("charge.holdNote", { amount: held })}
              </Text>
            </LiveSessionView>
          );
        }}
      </QueryState>
    </Stack>
  );
}
