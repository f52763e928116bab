import { Button, Group, Modal, NativeSelect, NumberInput, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/AuthProvider";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { formatDateTime } from "../../format";
import { notify } from "../../notify";
import { consoleAccess } from "../access";
import { formatMoney, parseMajor } from "../pricing";

type Tariff = Schemas["TariffOut"];
type PlanKind = Schemas["PaymentPlanOut"]["kind"];

function describe(tariff: Tariff, money: (minor: number) => string, t: (key: string) => string): string {
  return tariff.elements
    .flatMap((element) => element.price_components)
    .map((c) => `${money(c.price_minor)} ${t(`console.tariffs.per.${c.type}`)}`)
    .join(" + ");
}

function NewPlan({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<PlanKind>("unlimited");
  const [fee, setFee] = useState("");
  const [allowance, setAllowance] = useState<number | string>(100);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/plans", {
          body: { name: name.trim(), kind, monthly_fee_minor: parseMajor(fee) ?? 0, allowance_kwh: kind === "allowance" ? Number(allowance) : null, charge_point_ids: [] },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["plans"] });
      onClose();
    },
    onError: (error) => notify(error.message, "red"),
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t("console.tariffs.newPlan")} closeButtonProps={{ "aria-label": t("app.close") }}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <Stack>
          <TextInput label={t("console.tariffs.name")} required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <NativeSelect label={t("console.tariffs.planKind")} value={kind} onChange={(e) => setKind(e.currentTarget.value as PlanKind)} data={(["unlimited", "allowance"] as const).map((value) => ({ value, label: t(`console.tariffs.kinds.${value}`) }))} />
          <TextInput label={t("console.tariffs.monthlyFee")} required inputMode="decimal" value={fee} onChange={(e) => setFee(e.currentTarget.value)} error={fee && parseMajor(fee) === null ? t("console.tariffs.invalidPrice") : undefined} />
          {kind === "allowance" && <NumberInput label={t("console.tariffs.allowance")} min={1} value={allowance} onChange={setAllowance} />}
          <Button type="submit" loading={create.isPending} disabled={parseMajor(fee) === null}>
            {t("console.tariffs.createPlan")}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}

/** Tariffs (public prices, immutable once saved) and subscription plans. */
export function Tariffs() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const access = consoleAccess(user?.roles ?? []);
  const queryClient = useQueryClient();
  const [planOpen, setPlanOpen] = useState(false);
  const [now] = useState(() => Date.now());
  const tariffs = useQuery({ queryKey: ["tariffs"], queryFn: async () => unwrap(await api.GET("/v1/tariffs", { params: { query: { limit: 200 } } })) });
  const plans = useQuery({ queryKey: ["plans"], queryFn: async () => unwrap(await api.GET("/v1/plans")) });
  const end = useMutation({
    mutationFn: async (id: string) => unwrap(await api.PATCH("/v1/tariffs/{tariff_id}", { params: { path: { tariff_id: id } }, body: { valid_to: new Date().toISOString() } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["tariffs"] }),
    onError: (error) => notify(error.message, "red"),
  });
  const togglePlan = useMutation({
    mutationFn: async ({ id, active }: { id: string; active: boolean }) => unwrap(await api.PATCH("/v1/plans/{plan_id}", { params: { path: { plan_id: id } }, body: { active } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["plans"] }),
    onError: (error) => notify(error.message, "red"),
  });
  return (
    <Stack>
      <PageTitle text={t("console.tariffs.title")} />
      <Group justify="space-between">
        <Title order={2} size="h3">
          {t("console.tariffs.tariffs")}
        </Title>
        {access.editPrices && (
          <Button component={Link} to="/console/tariffs/new">
            {t("console.tariffs.new")}
          </Button>
        )}
      </Group>
      <QueryState query={tariffs}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("console.tariffs.none")}</Text>
          ) : (
            <Table.ScrollContainer minWidth={760}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t("console.tariffs.name")}</Table.Th>
                    <Table.Th scope="col">{t("console.tariffs.prices")}</Table.Th>
                    <Table.Th scope="col">{t("console.tariffs.chargers")}</Table.Th>
                    <Table.Th scope="col">{t("console.tariffs.validFrom")}</Table.Th>
                    <Table.Th scope="col">{t("console.tariffs.validTo")}</Table.Th>
                    {access.editPrices && <Table.Th scope="col">{t("console.alerts.actions")}</Table.Th>}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((tariff) => {
                    const ended = tariff.valid_to !== null && Date.parse(tariff.valid_to) <= now;
                    return (
                      <Table.Tr key={tariff.id}>
                        <Table.Td>{tariff.name}</Table.Td>
                        <Table.Td>
                          {describe(tariff, (minor) => formatMoney(minor, tariff.currency, i18n.language), t)} ({t("console.tariffs.exclVat", { percent: tariff.vat_rate_bp / 100 })})
                        </Table.Td>
                        <Table.Td>{tariff.charge_point_ids.length ? tariff.charge_point_ids.join(", ") : t("console.tariffs.allChargers")}</Table.Td>
                        <Table.Td>{formatDateTime(tariff.valid_from, i18n.language)}</Table.Td>
                        <Table.Td>{formatDateTime(tariff.valid_to, i18n.language)}</Table.Td>
                        {access.editPrices && (
                          <Table.Td>
                            {!ended && (
                              <Button size="xs" variant="outline" color="red.9" onClick={() => window.confirm(t("console.tariffs.endConfirm", { name: tariff.name })) && end.mutate(tariff.id)}>
                                {t("console.tariffs.end")}
                              </Button>
                            )}
                          </Table.Td>
                        )}
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <Group justify="space-between">
        <Title order={2} size="h3">
          {t("console.tariffs.plans")}
        </Title>
        {access.editPrices && <Button onClick={() => setPlanOpen(true)}>{t("console.tariffs.newPlan")}</Button>}
      </Group>
      <QueryState query={plans}>
        {(list) =>
          list.length === 0 ? (
            <Text>{t("console.tariffs.noPlans")}</Text>
          ) : (
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("console.tariffs.name")}</Table.Th>
                  <Table.Th scope="col">{t("console.tariffs.planKind")}</Table.Th>
                  <Table.Th scope="col">{t("console.tariffs.monthlyFee")}</Table.Th>
                  <Table.Th scope="col">{t("console.plans.active")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((plan) => (
                  <Table.Tr key={plan.id}>
                    <Table.Td>{plan.name}</Table.Td>
                    <Table.Td>
                      {t(`console.tariffs.kinds.${plan.kind}`)}
                      {plan.allowance_kwh ? ` · ${plan.allowance_kwh} kWh` : ""}
                    </Table.Td>
                    <Table.Td>{formatMoney(plan.monthly_fee_minor, plan.currency, i18n.language)}</Table.Td>
                    <Table.Td>
                      <Switch checked={plan.active} disabled={!access.editPrices} aria-label={t("console.plans.activeFor", { name: plan.name })} onChange={(e) => togglePlan.mutate({ id: plan.id, active: e.currentTarget.checked })} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
      <NewPlan opened={planOpen} onClose={() => setPlanOpen(false)} />
    </Stack>
  );
}
