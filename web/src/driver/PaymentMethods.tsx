import { Badge, Button, Card, Group, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { notify } from "../notify";
import { CardForm } from "../stripe/CardForm";
import { stripeFailure } from "../stripe/stripe";

/**
 * Saved cards and wallets. Adding one: a SetupIntent from payment, confirmed by Stripe.js with
 * the card typed into Stripe's field (3-D Secure there), then saved by its id. Ladda keeps
 * brand, last 4 digits and expiry only.
 */
export function PaymentMethods() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const methods = useQuery({ queryKey: ["payment-methods"], queryFn: async () => unwrap(await api.GET("/v1/payment-methods")) });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["payment-methods"] });
    void queryClient.invalidateQueries({ queryKey: ["id-tokens"] });
  };
  const makeDefault = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST("/v1/payment-methods/{method_id}/default", { params: { path: { method_id: id } } })),
    onSuccess: refresh,
    onError: (err) => notify(err.message, "red"),
  });
  const remove = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE("/v1/payment-methods/{method_id}", { params: { path: { method_id: id } } })),
    onSuccess: refresh,
    onError: (err) => notify(err.message, "red"),
  });

  return (
    <Stack>
      <PageTitle text={t("pay.title")} />
      <QueryState query={methods}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("pay.none")}</Text>
          ) : (
            <Stack gap="sm">
              {list.map((m) => (
                <Card withBorder key={m.id} data-testid={`method-${m.last4 ?? m.id}`} component="article" aria-label={`${m.brand ?? m.type} ${m.last4 ?? ""}`}>
                  <Group justify="space-between" wrap="wrap">
                    <div>
                      <Text fw={600}>
                        {(m.brand ?? m.type).toUpperCase()} •••• {m.last4 ?? "–"} {m.wallet ? `(${m.wallet})` : ""}
                      </Text>
                      <Text size="sm" c="dimmed">
                        {t("pay.expires", { month: String(m.exp_month ?? "–").padStart(2, "0"), year: m.exp_year ?? "–" })}
                      </Text>
                    </div>
                    <Group gap="xs">
                      {m.is_default ? (
                        <Badge color="ladda.8" variant="filled" styles={{ label: { color: "#fff" } }}>
                          {t("pay.default")}
                        </Badge>
                      ) : (
                        <Button size="xs" variant="outline" onClick={() => makeDefault.mutate(m.id)}>
                          {t("pay.makeDefault")}
                        </Button>
                      )}
                      <Button size="xs" color="red.9" variant="outline" onClick={() => window.confirm(t("pay.removeConfirm")) && remove.mutate(m.id)}>
                        {t("pay.remove")}
                      </Button>
                    </Group>
                  </Group>
                </Card>
              ))}
            </Stack>
          )
        }
      </QueryState>
      <Title order={2} size="h3">
        {t("pay.add")}
      </Title>
      {adding ? (
        <CardForm
          submitLabel={t("pay.save")}
          onSubmit={async (stripe, card) => {
            const intent = unwrap(await api.POST("/v1/payment-methods/setup-intents"));
            const failure = stripeFailure(await stripe.confirmCardSetup(intent.client_secret, { payment_method: { card } }));
            if (failure) throw failure;
            unwrap(await api.POST("/v1/payment-methods", { body: { setup_intent_id: intent.setup_intent_id } }));
            notify(t("pay.saved"));
            setAdding(false);
            refresh();
          }}
        />
      ) : (
        <Button w="fit-content" onClick={() => setAdding(true)}>
          {t("pay.add")}
        </Button>
      )}
    </Stack>
  );
}
