import { Alert, Anchor, Button, Card, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { formatMoney } from "../money";
import { CardForm } from "../stripe/CardForm";
import { stripeFailure } from "../stripe/stripe";
import { canStartWithCard, cardLabel } from "./cardStarts";
import { PriceLine } from "./Site";

/**
 * Start charging from the app. A driver with a saved card (and nothing owed) starts at once:
 * payment starts the charger and bills the session after the stop to that card, as for an RFID
 * card (no hold, no card form). Anyone may instead pay as you go: payment opens a hold (a
 * manual-capture PaymentIntent), the driver authorises it in Stripe's card field, and payment
 * starts the charger once identity has accepted the one-time token. Either way the session page
 * follows it from there.
 */
export function Charge() {
  const { cpId = "", connector = "1" } = useParams();
  const connectorId = Number(connector);
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const target = { charge_point_id: cpId, connector_id: connectorId };
  const standing = useQuery({ queryKey: ["payment-standing"], queryFn: async () => unwrap(await api.GET("/v1/payment-methods/standing")) });
  const methods = useQuery({ queryKey: ["payment-methods"], queryFn: async () => unwrap(await api.GET("/v1/payment-methods")) });
  const withCard = canStartWithCard(standing.data);
  const startWithCard = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/payments/card-starts", { body: target })),
    onSuccess: (start) => void navigate(`/app/card-starts/${start.id}`),
  });
  const open = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/payments/holds", { body: target })),
  });
  const hold = open.data;
  return (
    <Stack>
      <PageTitle text={t("charge.title", { charger: cpId, connector: connectorId })} />
      <Card withBorder>
        <PriceLine cpId={cpId} connectorId={connectorId} />
      </Card>
      {standing.data?.has_overdue_invoice && (
        <Alert color="yellow">
          {t("charge.owing")}{" "}
          <Anchor component={Link} to="/app/invoices">
            {t("driverNav.invoices")}
          </Anchor>
        </Alert>
      )}
      {withCard && (
        <Card withBorder component="section" aria-label={t("charge.withCardTitle")}>
          <Stack gap="xs">
            <Title order={2} size="h4">
              {t("charge.withCardTitle")}
            </Title>
            {cardLabel(methods.data) && (
              <Text fw={600} data-testid="start-card">
                {cardLabel(methods.data)}
              </Text>
            )}
            <Text size="sm" c="dimmed">
              {t("charge.cardNote")}
            </Text>
            {startWithCard.isError && (
              <Alert color="red" role="alert">
                {startWithCard.error.message}
              </Alert>
            )}
            <Button onClick={() => startWithCard.mutate()} loading={startWithCard.isPending} w="fit-content">
              {t("charge.start")}
            </Button>
          </Stack>
        </Card>
      )}
      <Card withBorder component="section" aria-label={t("charge.payAsYouGo")}>
        <Stack gap="xs">
          <Title order={2} size="h4">
            {withCard ? t("charge.orPayAsYouGo") : t("charge.payAsYouGo")}
          </Title>
          <Text size="sm" c="dimmed">
            {t("charge.howItWorks")}
          </Text>
          {open.isError && (
            <Alert color="red" role="alert">
              {open.error.message}
            </Alert>
          )}
          {!hold ? (
            <Button variant={withCard ? "outline" : "filled"} onClick={() => open.mutate()} loading={open.isPending} w="fit-content">
              {t("charge.payAndStart")}
            </Button>
          ) : hold.client_secret ? (
            <CardForm
              submitLabel={t("charge.authorise", { amount: formatMoney(hold.amount_minor, hold.currency, i18n.language) })}
              onSubmit={async (stripe, card) => {
                const failure = stripeFailure(await stripe.confirmCardPayment(hold.client_secret as string, { payment_method: { card } }));
                if (failure) throw failure;
                unwrap(await api.POST("/v1/payments/holds/{hold_id}/confirmation", { params: { path: { hold_id: hold.id } } }));
                void navigate(`/app/holds/${hold.id}`);
              }}
            />
          ) : (
            <Button onClick={() => void navigate(`/app/holds/${hold.id}`)}>{t("charge.follow")}</Button>
          )}
        </Stack>
      </Card>
    </Stack>
  );
}
