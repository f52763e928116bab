import { SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { Bar } from "react-chartjs-2";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { intlLocale } from "../format";
import { formatMoney } from "../money";
import { monthSeries } from "./statsSeries";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

/** My charging per month (analytics' read model of my own sessions and invoices) and CO₂ avoided. */
export default function Stats() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const stats = useQuery({ queryKey: ["stats-me"], queryFn: async () => unwrap(await api.GET("/v1/stats/me")) as Schemas["DriverStats"] });
  const number = (value: number, digits = 1) => new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: digits }).format(value);
  return (
    <Stack>
      <PageTitle text={t("myStats.title")} />
      <QueryState query={stats}>
        {(s) => {
          const series = monthSeries(s.months, locale);
          return (
            <Stack>
              <SimpleGrid cols={{ base: 2, sm: 4 }}>
                {[
                  [t("myStats.sessions"), String(s.overall.sessions), "stats-sessions"],
                  [t("myStats.energy"), `${number(s.overall.energy_kwh)} kWh`, "stats-energy"],
                  [t("myStats.spent"), formatMoney(s.overall.spent_minor, s.overall.currency, locale), "stats-spent"],
                  [t("myStats.co2"), `${number(s.overall.co2_avoided_kg)} kg`, "stats-co2"],
                ].map(([label, value, id]) => (
                  <div key={id}>
                    <Text size="sm" c="dimmed">
                      {label}
                    </Text>
                    <Text fw={700} size="lg" data-testid={id}>
                      {value}
                    </Text>
                  </div>
                ))}
              </SimpleGrid>
              <Text size="sm" c="dimmed">
                {t("myStats.co2Method", { grid: s.co2_method.grid_g_co2_per_kwh, petrol: s.co2_method.petrol_l_per_100km })}
              </Text>
              {series.labels.length > 0 && (
                <div className="chart">
                  <Bar
                    aria-label={t("myStats.chart")}
                    role="img"
                    data={{
                      labels: series.labels,
                      datasets: [
                        { label: t("myStats.energy"), data: series.energyKwh, backgroundColor: "#1c7c54", yAxisID: "y" },
                        { label: t("myStats.co2"), data: series.co2Kg, backgroundColor: "#3b5bdb", yAxisID: "y1" },
                      ],
                    }}
                    options={{
                      maintainAspectRatio: false,
                      animation: false,
                      scales: {
                        y: { beginAtZero: true, title: { display: true, text: "kWh" } },
                        y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "kg CO₂" } },
                      },
                    }}
                  />
                </div>
              )}
              <Title order={2} size="h3">
                {t("myStats.favourites")}
              </Title>
              {s.favourite_locations.length === 0 ? (
                <Text>{t("app.none")}</Text>
              ) : (
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t("chargers.site")}</Table.Th>
                      <Table.Th>{t("myStats.sessions")}</Table.Th>
                      <Table.Th>{t("myStats.energy")}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {s.favourite_locations.map((f) => (
                      <Table.Tr key={f.charge_point_id}>
                        <Table.Td>{f.site_name ?? f.charge_point_id}</Table.Td>
                        <Table.Td>{f.sessions}</Table.Td>
                        <Table.Td>{number(f.energy_kwh)} kWh</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Stack>
          );
        }}
      </QueryState>
    </Stack>
  );
}
