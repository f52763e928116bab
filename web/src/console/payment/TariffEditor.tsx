import { Alert, Anchor, Button, Group, NumberInput, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { api, unwrap } from "../../api/client";
import { PageTitle } from "../../components/PageTitle";
import { notify } from "../../notify";
import { formatMoney, parseMajor, previewPrice, type ComponentType, type PriceComponentDraft } from "../pricing";

const FIELDS: { type: ComponentType; key: string }[] = [
  { type: "ENERGY", key: "energy" },
  { type: "TIME", key: "time" },
  { type: "PARKING_TIME", key: "parking" },
  { type: "FLAT", key: "flat" },
];

/**
 * A new tariff (prices never change once saved: an operator ends a tariff and adds the next).
 * The preview prices a sample session in the browser with the same rules as the payment
 * service, before anything is saved.
 */
export function TariffEditor() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [currency, setCurrency] = useState("SEK");
  const [vatPercent, setVatPercent] = useState<number | string>(25);
  const [chargers, setChargers] = useState("");
  const [validFrom, setValidFrom] = useState("");
  const [prices, setPrices] = useState<Record<string, string>>({ energy: "", time: "", parking: "", flat: "" });
  const [graceMinutes, setGraceMinutes] = useState<number | string>(0);
  const [energyKwh, setEnergyKwh] = useState<number | string>(20);
  const [chargingMinutes, setChargingMinutes] = useState<number | string>(60);
  const [parkingMinutes, setParkingMinutes] = useState<number | string>(30);

  const invalid = FIELDS.filter(({ key }) => prices[key] !== "" && parseMajor(prices[key] ?? "") === null).map(({ key }) => key);
  const components: PriceComponentDraft[] = FIELDS.flatMap(({ type, key }) => {
    const minor = parseMajor(prices[key] ?? "");
    if (minor === null) return [];
    return [{ type, price_minor: minor, step_size: 1, grace_period_s: type === "PARKING_TIME" ? Math.round(Number(graceMinutes) * 60) || 0 : 0 }];
  });
  const vatRateBp = Math.round(Number(vatPercent) * 100) || 0;
  const preview = previewPrice(components, { energyKwh: Number(energyKwh) || 0, chargingMinutes: Number(chargingMinutes) || 0, parkingMinutes: Number(parkingMinutes) || 0 }, vatRateBp);
  const money = (minor: number) => formatMoney(minor, /^[A-Z]{3}$/.test(currency) ? currency : "SEK", i18n.language);

  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/tariffs", {
          body: {
            name: name.trim(),
            currency,
            vat_rate_bp: vatRateBp,
            charge_point_ids: chargers.split(",").map((id) => id.trim()).filter(Boolean),
            connector_ids: [],
            valid_from: validFrom ? new Date(validFrom).toISOString() : null,
            elements: [{ price_components: components, restrictions: null }],
          },
        }),
      ),
    onSuccess: (tariff) => {
      notify(t("console.tariffs.saved", { name: tariff.name }));
      void queryClient.invalidateQueries({ queryKey: ["tariffs"] });
      void navigate("/console/tariffs");
    },
    onError: (error) => notify(error.message, "red"),
  });

  return (
    <Stack>
      <Anchor component={Link} to="/console/tariffs" size="sm">
        {t("app.back")}
      </Anchor>
      <PageTitle text={t("console.tariffs.new")} />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            save.mutate();
          }}
        >
          <Stack>
            <TextInput label={t("console.tariffs.name")} required value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={200} />
            <Group grow>
              <TextInput label={t("console.tariffs.currency")} required value={currency} onChange={(e) => setCurrency(e.currentTarget.value.toUpperCase())} maxLength={3} />
              <NumberInput label={t("console.tariffs.vat")} min={0} max={100} decimalScale={2} value={vatPercent} onChange={setVatPercent} />
            </Group>
            <TextInput label={t("console.tariffs.chargers")} description={t("console.tariffs.chargersHint")} value={chargers} onChange={(e) => setChargers(e.currentTarget.value)} />
            <TextInput label={t("console.tariffs.validFrom")} description={t("console.tariffs.validFromHint")} type="datetime-local" value={validFrom} onChange={(e) => setValidFrom(e.currentTarget.value)} />
            <Title order={2} size="h4">
              {t("console.tariffs.prices")}
            </Title>
            {FIELDS.map(({ key }) => (
              <TextInput
                key={key}
                label={t(`console.tariffs.components.${key}`)}
                inputMode="decimal"
                value={prices[key]}
                error={invalid.includes(key) ? t("console.tariffs.invalidPrice") : undefined}
                onChange={(e) => {
                  const value = e.currentTarget.value;
                  setPrices((current) => ({ ...current, [key]: value }));
                }}
              />
            ))}
            <NumberInput label={t("console.tariffs.grace")} min={0} max={1440} value={graceMinutes} onChange={setGraceMinutes} />
            <Button type="submit" disabled={components.length === 0 || invalid.length > 0 || !name.trim()} loading={save.isPending} w="fit-content">
              {t("console.tariffs.save")}
            </Button>
          </Stack>
        </form>
        <Paper withBorder p="md" component="section" aria-labelledby="preview-title">
          <Title id="preview-title" order={2} size="h4" mb="sm">
            {t("console.tariffs.preview")}
          </Title>
          <Group grow mb="md">
            <NumberInput label={t("console.tariffs.sampleEnergy")} min={0} max={1000} decimalScale={3} value={energyKwh} onChange={setEnergyKwh} />
            <NumberInput label={t("console.tariffs.sampleCharging")} min={0} max={1440} value={chargingMinutes} onChange={setChargingMinutes} />
            <NumberInput label={t("console.tariffs.sampleParking")} min={0} max={1440} value={parkingMinutes} onChange={setParkingMinutes} />
          </Group>
          {components.length === 0 ? (
            <Alert color="gray" variant="outline">
              {t("console.tariffs.noPrices")}
            </Alert>
          ) : (
            <Table data-testid="price-preview">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("console.tariffs.line")}</Table.Th>
                  <Table.Th scope="col">{t("console.tariffs.quantity")}</Table.Th>
                  <Table.Th scope="col" ta="right">
                    {t("console.tariffs.amount")}
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {preview.lines.map((line) => (
                  <Table.Tr key={line.type}>
                    <Table.Td>{t(`console.tariffs.lines.${line.type}`)}</Table.Td>
                    <Table.Td>
                      {new Intl.NumberFormat(i18n.language === "sv" ? "sv-SE" : "en-GB", { maximumFractionDigits: 3 }).format(line.quantity)} {line.unit === "session" ? "" : line.unit}
                    </Table.Td>
                    <Table.Td ta="right">{money(line.amountMinor)}</Table.Td>
                  </Table.Tr>
                ))}
                <Table.Tr>
                  <Table.Td colSpan={2}>{t("console.tariffs.subtotal")}</Table.Td>
                  <Table.Td ta="right">{money(preview.subtotalMinor)}</Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Td colSpan={2}>{t("console.tariffs.vatLine", { percent: Number(vatPercent) || 0 })}</Table.Td>
                  <Table.Td ta="right">{money(preview.vatMinor)}</Table.Td>
                </Table.Tr>
                <Table.Tr fw={700}>
                  <Table.Td colSpan={2}>{t("console.tariffs.total")}</Table.Td>
                  <Table.Td ta="right" data-testid="preview-total">
                    {money(preview.totalMinor)}
                  </Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
          )}
          <Text size="xs" c="dimmed" mt="sm">
            {t("console.tariffs.previewNote")}
          </Text>
        </Paper>
      </SimpleGrid>
    </Stack>
  );
}
