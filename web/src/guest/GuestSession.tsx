import { Alert, Button, Group, SimpleGrid, Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useLocation } from "react-router";
import { unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { saveBlob } from "../driver/receipt";
import { formatKw, formatKwh } from "../format";
import { costSoFar, formatMoney } from "../money";
import { CardForm } from "../stripe/CardForm";
import { HOLD_LIVE, holdPhase, LIVE_POLL_MS } from "../stripe/holds";
import { stripeFailure } from "../stripe/stripe";
import { clientSecretFor, guestApi, keepClientSecret, linkFromFragment, linkHeaders } from "./api";
import { GuestFrame } from "./GuestFrame";

/**
 * A guest's session (`/guest#<link>`): pay the hold with a card in Stripe's field, then follow
 * the charging live, stop it, and download the receipt. Everything is reached with the link.
 */
export function GuestSession() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const link = linkFromFragment(useLocation().hash);
  const queryClient = useQueryClient();
  const session = useQuery({
    queryKey: ["guest-session", link],
    queryFn: async () => unwrap(await guestApi.GET("/v1/guest/session", linkHeaders(link ?? ""))),
    enabled: Boolean(link),
    refetchInterval: (query) => {
      const s = query.state.data;
      return s && !HOLD_LIVE.has(s.status) && (s.invoice || s.status !== "captured") ? false : LIVE_POLL_MS;
    },
  });
  const offer = useQuery({
    queryKey: ["guest-offer", session.data?.charge_point_id, session.data?.connector_id],
    queryFn: async () =>
      unwrap(
        await guestApi.GET("/c/{charge_point_id}/{connector_id}", {
          params: { path: { charge_point_id: session.data?.charge_point_id ?? "", connector_id: session.data?.connector_id ?? 1 } },
          headers: { Accept: "application/json" },
        }),
      ),
    enabled: Boolean(session.data),
    staleTime: 300_000,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["guest-session", link] });
  const stop = useMutation({
    mutationFn: async () => unwrap(await guestApi.POST("/v1/guest/session/stop", linkHeaders(link ?? ""))),
    onSuccess: refresh,
  });
  const receipt = useMutation({
    mutationFn: async (number: string) => {
      const result = await guestApi.GET("/v1/guest/session/receipt.pdf", { ...linkHeaders(link ?? ""), parseAs: "blob" });
      saveBlob(unwrap(result) as Blob, `receipt-${number}.pdf`);
    },
  });

  if (!link) {
    return (
      <GuestFrame>
        <PageTitle text={t("guest.session")} />
        <Alert color="red">{t("guest.badLink")}</Alert>
      </GuestFrame>
    );
  }
  return (
    <GuestFrame>
      <PageTitle text={t("guest.session")} />
      <QueryState query={session}>
        {(s) => {
          const phase = holdPhase(s);
          const secret = clientSecretFor(link);
          const cost = offer.data ? costSoFar(offer.data.price, s.energy_wh) : null;
          return (
            <Stack>
              <Group>
                <StatusBadge value={s.status} />
                <Text data-testid="guest-phase">{t(`charge.phase.${phase}`)}</Text>
              </Group>
              <Text>
                {s.charge_point_id} / {s.connector_id}
              </Text>
              {phase === "pay" &&
                (secret ? (
                  <CardForm
                    submitLabel={t("charge.authorise", { amount: formatMoney(s.amount_minor, s.currency, locale) })}
                    onSubmit={async (stripe, card) => {
                      const failure = stripeFailure(await stripe.confirmCardPayment(secret, { payment_method: { card } }));
                      if (failure) throw failure;
                      keepClientSecret(link, null);
                      unwrap(await guestApi.POST("/v1/guest/session/confirmation", linkHeaders(link)));
                      refresh();
                    }}
                  />
                ) : (
                  <Alert color="yellow">{t("guest.payElsewhere")}</Alert>
                ))}
              {phase !== "pay" && (
                <SimpleGrid cols={2}>
                  {[
                    [t("sessions.energy"), formatKwh(s.energy_wh, locale), "guest-energy"],
                    [t("sessions.power"), formatKw(s.power_w, locale), "guest-power"],
                    [s.captured_minor !== null ? t("charge.paid") : t("charge.costSoFar"), s.captured_minor !== null ? formatMoney(s.captured_minor, s.currency, locale) : cost !== null ? formatMoney(cost, s.currency, locale) : "–", "guest-cost"],
                    [t("charge.held"), formatMoney(s.amount_minor, s.currency, locale), "guest-held"],
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
              )}
              {s.cancel_reason && <Alert color="yellow">{t("charge.released", { reason: s.cancel_reason })}</Alert>}
              {(phase === "starting" || phase === "charging") && (
                <Button color="red.9" size="lg" onClick={() => stop.mutate()} loading={stop.isPending}>
                  {t("charge.stop")}
                </Button>
              )}
              {stop.isError && <Alert color="red">{stop.error.message}</Alert>}
              {s.invoice && (
                <Stack gap="xs">
                  <Text>
                    {t("guest.invoice", { number: s.invoice.number, total: formatMoney(s.invoice.total_minor, s.invoice.currency, locale) })}
                  </Text>
                  {s.invoice.status === "paid" && (
                    <Button onClick={() => receipt.mutate(s.invoice?.number ?? "")} loading={receipt.isPending}>
                      {t("myInvoices.receipt")}
                    </Button>
                  )}
                </Stack>
              )}
              <Text size="sm" c="dimmed">
                {t("guest.keepLink")}
              </Text>
            </Stack>
          );
        }}
      </QueryState>
    </GuestFrame>
  );
}
