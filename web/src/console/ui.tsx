import { Badge, Paper, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { authFetch } from "../api/client";
import { STATE_COLOURS, type StateName } from "../theme";

// States of the console's newer areas (alerts, work orders, tickets, invoices, reservations).
const COLOUR: Record<string, StateName> = {
  open: "faulted", acknowledged: "pending", resolved: "online", high: "faulted", urgent: "faulted",
  medium: "pending", normal: "neutral", low: "neutral", assigned: "charging", in_progress: "charging",
  on_hold: "pending", done: "online", cancelled: "retired", closed: "retired", due: "pending",
  completed: "online", paid: "online", recorded: "online", void: "retired", confirmed: "charging",
  active: "charging", fulfilled: "online", no_show: "faulted", ended: "neutral", block: "pending",
  booking: "charging", pass: "online", fail: "faulted", not_applicable: "neutral", succeeded: "online",
  failed: "faulted", breached: "faulted", in_service: "online", retired: "retired", working: "online",
  faulty: "faulted", out_of_service: "retired",
};

/** A state as a badge (white text on a colour of ≥ 4.5:1), its label from `console.states.*`. */
export function StateBadge({ value }: { value: string }) {
  const { t, i18n } = useTranslation();
  const key = `console.states.${value}`;
  return (
    <Badge color={STATE_COLOURS[COLOUR[value] ?? "neutral"]} variant="filled" radius="sm" styles={{ label: { color: "#fff" } }}>
      {i18n.exists(key) ? t(key) : value}
    </Badge>
  );
}

export function Figure({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fz={28} fw={700} data-testid={testId}>
        {value}
      </Text>
    </Paper>
  );
}

/** Downloads an API resource (CSV, PDF) with the user's token, as a file. */
export async function download(path: string, filename: string): Promise<void> {
  const response = await authFetch(new Request(new URL(path, window.location.origin)));
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A local calendar day as YYYY-MM-DD (the analytics and booking APIs take local days). */
export function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
