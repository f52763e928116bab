import { Button, Group, NativeSelect, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { useState } from "react";
import { Bar } from "react-chartjs-2";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Schemas } from "../../api/client";
import { PageTitle } from "../../components/PageTitle";
import { QueryState } from "../../components/QueryState";
import { intlLocale } from "../../format";
import { notify } from "../../notify";
import { formatMoney } from "../pricing";
import { download, Figure, localDay } from "../ui";
import { heatColour, heatGrid } from "./heat";

Chart.register(CategoryScale, LinearScale, BarElement, Tooltip, Legend);

type Granularity = "hour" | "day" | "week" | "month";
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

function pct(value: number | null | undefined, locale: string): string {
  return value === null || value === undefined ? "–" : `${new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: 1 }).format(value)} %`;
}

/** The network's figures over a period: utilisation, uptime, revenue, the heat map, CSV. */
export function Statistics() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [from, setFrom] = useState(() => localDay(new Date(Date.now() - 29 * 86_400_000)));
  const [to, setTo] = useState(localDay(new Date()));
  const [granularity, setGranularity] = useState<Granularity>("day");
  const [order, setOrder] = useState<"utilisation" | "uptime">("utilisation");
  const [direction, setDirection] = useState<"top" | "bottom">("top");
  const period = { from, to };
  const network = useQuery({ queryKey: ["stats-network", period, granularity], queryFn: async () => unwrap(await api.GET("/v1/stats/network", { params: { query: { ...period, granularity } } })) as Schemas["NetworkRow"][] });
  const stations = useQuery({
    queryKey: ["stats-stations", period, order, direction],
    queryFn: async () => unwrap(await api.GET("/v1/stats/network/stations", { params: { query: { ...period, order, direction, limit: 10 } } })) as Schemas["StationRow"][],
  });
  const heat = useQuery({ queryKey: ["stats-heat", period], queryFn: async () => unwrap(await api.GET("/v1/stats/network/heat-map", { params: { query: period } })) as Schemas["HeatMapCell"][] });
  const csv = (path: string, name: string, extra = "") =>
    void download(`${path}?from=${from}&to=${to}&format=csv${extra}`, `${name}-${from}-${to}.csv`).catch((error: Error) => notify(error.message, "red"));
  const number = new Intl.NumberFormat(intlLocale(lang), { maximumFractionDigits: 1 });

  return (
    <Stack>
      <PageTitle text={t("console.stats.title")} />
      <Group align="end">
        <TextInput label={t("console.stats.from")} type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label={t("console.stats.to")} type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <NativeSelect label={t("console.stats.granularity")} value={granularity} onChange={(e) => setGranularity(e.currentTarget.value as Granularity)} data={(["hour", "day", "week", "month"] as const).map((value) => ({ value, label: t(`console.stats.granularities.${value}`) }))} />
        <Group gap="xs">
          <Button variant="outline" onClick={() => csv("/v1/stats/network", "network", `&granularity=${granularity}`)}>
            {t("console.stats.csvNetwork")}
          </Button>
          <Button variant="outline" onClick={() => csv("/v1/stats/charge-points", "connectors", `&granularity=${granularity}`)}>
            {t("console.stats.csvConnectors")}
          </Button>
          <Button variant="outline" onClick={() => csv("/v1/stats/network/stations", "stations", "&limit=1000")}>
            {t("console.stats.csvStations")}
          </Button>
        </Group>
      </Group>
      <QueryState query={network}>
        {(rows) => {
          const currency = rows[0]?.currency ?? "SEK";
          const labels = rows.map((row) => new Intl.DateTimeFormat(intlLocale(lang), granularity === "hour" ? { dateStyle: "short", timeStyle: "short" } : { dateStyle: "short" }).format(new Date(row.period_start)));
          return (
            <>
              <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
                <Figure label={t("console.stats.sessions")} value={rows.reduce((sum, row) => sum + row.sessions, 0)} testId="stats-sessions" />
                <Figure label={t("console.stats.energy")} value={`${number.format(rows.reduce((sum, row) => sum + row.energy_kwh, 0))} kWh`} />
                <Figure label={t("console.stats.revenue")} value={formatMoney(rows.reduce((sum, row) => sum + row.revenue_minor, 0), currency, lang)} />
                <Figure label={t("console.stats.drivers")} value={Math.max(0, ...rows.map((row) => row.active_drivers))} />
              </SimpleGrid>
              <Paper withBorder p="md">
                <div className="chart">
                  <Bar
                    role="img"
                    aria-label={t("console.stats.chart")}
                    options={{ responsive: true, maintainAspectRatio: false, animation: false, scales: { energy: { type: "linear", position: "left" }, revenue: { type: "linear", position: "right", grid: { drawOnChartArea: false } } } }}
                    data={{
                      labels,
                      datasets: [
                        { label: t("console.stats.energy") + " (kWh)", data: rows.map((row) => row.energy_kwh), backgroundColor: "#16693f", yAxisID: "energy" },
                        { label: `${t("console.stats.revenue")} (${currency})`, data: rows.map((row) => row.revenue_minor / 100), backgroundColor: "#1864ab", yAxisID: "revenue" },
                      ],
                    }}
                  />
                </div>
              </Paper>
            </>
          );
        }}
      </QueryState>
      <Group justify="space-between" align="end">
        <Title order={2} size="h3">
          {t("console.stats.stations")}
        </Title>
        <Group>
          <SegmentedControl value={order} onChange={(value) => setOrder(value as typeof order)} aria-label={t("console.stats.orderBy")} data={[{ value: "utilisation", label: t("console.stats.utilisation") }, { value: "uptime", label: t("console.stats.uptime") }]} />
          <SegmentedControl value={direction} onChange={(value) => setDirection(value as typeof direction)} aria-label={t("console.stats.direction")} data={[{ value: "top", label: t("console.stats.top") }, { value: "bottom", label: t("console.stats.bottom") }]} />
        </Group>
      </Group>
      <QueryState query={stations}>
        {(rows) =>
          rows.length === 0 ? (
            <Text>{t("console.stats.noData")}</Text>
          ) : (
            <Table.ScrollContainer minWidth={760}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">#</Table.Th>
                    <Table.Th scope="col">{t("console.stats.charger")}</Table.Th>
                    <Table.Th scope="col">{t("console.stats.sessions")}</Table.Th>
                    <Table.Th scope="col">{t("console.stats.energy")}</Table.Th>
                    <Table.Th scope="col">{t("console.stats.revenue")}</Table.Th>
                    <Table.Th scope="col">{t("console.stats.occupied")}</Table.Th>
                    <Table.Th scope="col">{t("console.stats.charging")}</Table.Th>
                    <Table.Th scope="col">{t("console.stats.uptime")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((row) => (
                    <Table.Tr key={row.charge_point_id}>
                      <Table.Td>{row.rank}</Table.Td>
                      <Table.Td>
                        {row.charge_point_id}
                        {row.site_name ? ` · ${row.site_name}` : ""}
                        {row.needs_capacity ? ` · ${t("console.stats.needsCapacity")}` : ""}
                      </Table.Td>
                      <Table.Td>{row.sessions}</Table.Td>
                      <Table.Td>{number.format(row.energy_kwh)} kWh</Table.Td>
                      <Table.Td>{formatMoney(row.revenue_minor, "SEK", lang)}</Table.Td>
                      <Table.Td>{pct(row.occupied_pct, lang)}</Table.Td>
                      <Table.Td>{pct(row.charging_pct, lang)}</Table.Td>
                      <Table.Td>{pct(row.uptime_pct, lang)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <Group justify="space-between">
        <Title order={2} size="h3">
          {t("console.stats.heatMap")}
        </Title>
        <Button variant="outline" onClick={() => csv("/v1/stats/network/heat-map", "heat-map")}>
          {t("console.stats.csvHeatMap")}
        </Button>
      </Group>
      <QueryState query={heat}>
        {(cells) => {
          const grid = heatGrid(cells);
          const max = Math.max(0, ...grid.flat());
          const dayName = (weekday: number) => new Intl.DateTimeFormat(intlLocale(lang), { weekday: "short" }).format(new Date(2024, 0, weekday)); // 2024-01-01 was a Monday
          return (
            <Table.ScrollContainer minWidth={760}>
              <table className="heat-map" aria-label={t("console.stats.heatMap")}>
                <thead>
                  <tr>
                    <th scope="col">{t("console.stats.weekday")}</th>
                    {Array.from({ length: 24 }, (_, hour) => (
                      <th key={hour} scope="col">
                        {hour}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {WEEKDAYS.map((weekday) => (
                    <tr key={weekday}>
                      <th scope="row">{dayName(weekday)}</th>
                      {(grid[weekday - 1] ?? []).map((sessions, hour) => (
                        <td key={hour} style={{ background: heatColour(sessions, max) }} title={t("console.stats.cell", { count: sessions, day: dayName(weekday), hour })}>
                          <span className="visually-hidden">{sessions}</span>
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </Table.ScrollContainer>
          );
        }}
      </QueryState>
    </Stack>
  );
}
