import { Alert, Button, Card, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { formatMoney } from "../money";
import { CardForm } from "../stripe/CardForm";
import { stripeFailure } from "../stripe/stripe";
import { PriceLine } from "./Site";

/**
 * Start charging from the app: payment opens a hold (a manual-capture PaymentIntent for the
 * hold amount), the driver authorises it with a card in Stripe's field, payment is told to read
 * it back, and then starts the charger itself once identity has accepted the one-time token.
 * The session page follows it from there; the hold is captured at the stop for what it cost.
 */
export function Charge() {
  const { cpId = "", connector = "1" } = useParams();
  const connectorId = Number(connector);
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const open = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/payments/holds", { body: { charge_point_id: cpId, connector_id: connectorId } })),
  });
  const hold = open.data;
  return (
    <Stack>
      <PageTitle text={t("charge.title", { charger: cpId, connector: connectorId })} />
      <Card withBorder>
        <PriceLine cpId={cpId} connectorId={connectorId} />
        <Text size="sm" c="dimmed" mt="xs">
          {t("charge.howItWorks")}
        </Text>
      </Card>
      {open.isError && (
        <Alert color="red" role="alert">
          {open.error.message}
        </Alert>
      )}
      {!hold ? (
        <Button onClick={() => open.mutate()} loading={open.isPending} w="fit-content">
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
  );
}
