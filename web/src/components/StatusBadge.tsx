import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { STATE_COLOURS, type StateName } from "../theme";

const KNOWN: Record<string, StateName> = {
  online: "online", offline: "offline", faulted: "faulted", pending: "pending", approved: "online",
  retired: "retired", active: "charging", stopped: "neutral", blocked: "faulted", disabled: "faulted",
  deleted: "retired", Available: "available", Charging: "charging", Occupied: "charging",
  Preparing: "charging", SuspendedEV: "charging", SuspendedEVSE: "charging", Finishing: "charging",
  Reserved: "pending", Unavailable: "offline", Faulted: "faulted", Accepted: "online",
  Blocked: "faulted", Expired: "pending", Invalid: "faulted", ConcurrentTx: "pending",
  Answered: "online", CallError: "faulted", Timeout: "pending", Offline: "offline", Failed: "faulted",
  Pending: "pending", Rejected: "faulted",
};

/** A state as a badge: white text on a dark colour (contrast ≥ 4.5:1), translated if known. */
export function StatusBadge({ value }: { value: string }) {
  const { t, i18n } = useTranslation();
  const colour = STATE_COLOURS[KNOWN[value] ?? "neutral"];
  const key = `status.${value}`;
  const label = i18n.exists(key) ? t(key) : value;
  return (
    <Badge color={colour} variant="filled" radius="sm" styles={{ label: { color: "#fff" } }}>
      {label}
    </Badge>
  );
}
