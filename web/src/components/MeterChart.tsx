import { CategoryScale, Chart, Legend, LinearScale, LineElement, PointElement, Title, Tooltip } from "chart.js";
import { Line } from "react-chartjs-2";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { intlLocale } from "../format";

Chart.register(CategoryScale, LinearScale, PointElement, LineElement, Tooltip, Legend, Title);

type Sample = Schemas["SampleOut"];

export interface Series {
  labels: string[];
  energyKwh: (number | null)[];
  powerKw: (number | null)[];
}

const ENERGY = "Energy.Active.Import.Register";
const POWER = "Power.Active.Import";

function toKilo(value: number, unit: string | null | undefined): number {
  return unit && unit.toLowerCase().startsWith("k") ? value : value / 1000;
}

/** Energy and power over time from the session's samples (all phases summed per instant). */
export function meterSeries(samples: Sample[], locale: string): Series {
  const byTime = new Map<string, { energy: number | null; power: number | null }>();
  for (const sample of samples) {
    if (sample.measurand !== ENERGY && sample.measurand !== POWER) continue;
    const entry = byTime.get(sample.at) ?? { energy: null, power: null };
    const value = toKilo(sample.value, sample.unit);
    if (sample.measurand === ENERGY) entry.energy = sample.phase ? (entry.energy ?? 0) + value : value;
    else entry.power = (entry.power ?? 0) + value;
    byTime.set(sample.at, entry);
  }
  const times = [...byTime.keys()].sort();
  const format = new Intl.DateTimeFormat(intlLocale(locale), { timeStyle: "medium" });
  return {
    labels: times.map((time) => format.format(new Date(time))),
    energyKwh: times.map((time) => byTime.get(time)?.energy ?? null),
    powerKw: times.map((time) => byTime.get(time)?.power ?? null),
  };
}

export function MeterChart({ samples }: { samples: Sample[] }) {
  const { t, i18n } = useTranslation();
  const series = meterSeries(samples, i18n.language);
  return (
    <div className="chart">
      <Line
        aria-label={t("sessions.meter")}
        role="img"
        options={{
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: "index", intersect: false },
          scales: {
            energy: { type: "linear", position: "left", title: { display: true, text: t("sessions.energyAxis") } },
            power: { type: "linear", position: "right", title: { display: true, text: t("sessions.powerAxis") }, grid: { drawOnChartArea: false } },
          },
        }}
        data={{
          labels: series.labels,
          datasets: [
            { label: t("sessions.energyAxis"), data: series.energyKwh, yAxisID: "energy", borderColor: "#16693f", backgroundColor: "#16693f", spanGaps: true },
            { label: t("sessions.powerAxis"), data: series.powerKw, yAxisID: "power", borderColor: "#1864ab", backgroundColor: "#1864ab", spanGaps: true },
          ],
        }}
      />
    </div>
  );
}
