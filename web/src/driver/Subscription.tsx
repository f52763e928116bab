import { Alert, Badge, Button, Card, Group, Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { formatDateTime } from "../format";
import { formatMoney } from "../money";
import { notify } from "../notify";

/** Choose, change or cancel a monthly plan (Stripe Billing charges the saved card). */
export function Subscription() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const queryClient = useQueryClient();
  const plans = useQuery({ queryKey: ["plans"], queryFn: async () => unwrap(await api.GET("/v1/plans")) });
  const subscriptions = useQuery({
    queryKey: ["subscriptions"],
    queryFn: async () => unwrap(await api.GET("/v1/subscriptions", { params: { query: { limit: 20 } } })),
  });
  const current = subscriptions.data?.find((s) => s.status !== "canceled" && s.status !== "incomplete_expired");
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["subscriptions"] });
  const choose = useMutation({
    mutationFn: async (planId: string) =>
      current
        ? unwrap(await api.PATCH("/v1/subscriptions/{subscription_id}", { params: { path: { subscription_id: current.id } }, body: { plan_id: planId } }))
        : unwrap(await api.POST("/v1/subscriptions", { body: { plan_id: planId } })),
    onSuccess: () => {
      notify(t("myPlan.saved"));
      refresh();
    },
    onError: (err) => notify(err.message, "red"),
  });
  const cancel = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE("/v1/subscriptions/{subscription_id}", { params: { path: { subscription_id: id } } })),
    onSuccess: refresh,
    onError: (err) => notify(err.message, "red"),
  });
  return (
    <Stack>
      <PageTitle text={t("myPlan.title")} />
      <QueryState query={subscriptions}>
        {() =>
          current ? (
            <Card withBorder data-testid="current-subscription">
              <Group justify="space-between">
                <Text fw={600}>{plans.data?.find((p) => p.id === current.plan_id)?.name ?? t("myPlan.current")}</Text>
                <StatusBadge value={current.status} />
              </Group>
              <Text size="sm">
                {current.cancel_at_period_end
                  ? t("myPlan.endsAt", { at: formatDateTime(current.current_period_end, locale) })
                  : t("myPlan.renewsAt", { at: formatDateTime(current.current_period_end, locale) })}
              </Text>
              {!current.cancel_at_period_end && (
                <Button mt="sm" color="red.9" variant="outline" w="fit-content" onClick={() => window.confirm(t("myPlan.cancelConfirm")) && cancel.mutate(current.id)}>
                  {t("myPlan.cancel")}
                </Button>
              )}
            </Card>
          ) : (
            <Alert>
              {t("myPlan.needsCard")} <Link to="/app/payment">{t("pay.title")}</Link>
            </Alert>
          )
        }
      </QueryState>
      <QueryState query={plans}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("myPlan.none")}</Text>
          ) : (
            <Stack gap="sm">
              {list
                .filter((p) => p.active)
                .map((plan) => (
                  <Card withBorder key={plan.id} component="article" aria-label={plan.name}>
                    <Group justify="space-between" wrap="wrap">
                      <div>
                        <Text fw={600}>{plan.name}</Text>
                        <Text size="sm">
                          {plan.kind === "unlimited" ? t("myPlan.unlimited") : t("myPlan.allowance", { kwh: plan.allowance_kwh ?? 0 })}
                          {plan.charge_point_ids.length > 0 ? ` · ${t("myPlan.limited", { count: plan.charge_point_ids.length })}` : ""}
                        </Text>
                      </div>
                      <Group gap="xs">
                        <Text fw={600}>{t("myPlan.perMonth", { fee: formatMoney(plan.monthly_fee_minor, plan.currency, locale) })}</Text>
                        {current?.plan_id === plan.id ? (
                          <Badge variant="outline">{t("myPlan.current")}</Badge>
                        ) : (
                          <Button size="sm" onClick={() => choose.mutate(plan.id)} loading={choose.isPending && choose.variables === plan.id}>
                            {current ? t("myPlan.change") : t("myPlan.choose")}
                          </Button>
                        )}
                      </Group>
                    </Group>
                  </Card>
                ))}
            </Stack>
          )
        }
      </QueryState>
    </Stack>
  );
}
