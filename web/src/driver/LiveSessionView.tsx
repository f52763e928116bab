import { Alert, Button, Group, SimpleGrid, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { StatusBadge } from "../components/StatusBadge";
import { formatKw, formatKwh } from "../format";

export interface LiveSession {
  status: string;
  charge_point_id: string;
  connector_id: number;
  session_id: string | null;
  energy_wh: number | null;
  power_w: number | null;
  invoice_id: string | null;
}

interface Props {
  /** Prefix of the test ids (`hold-phase`, `session-power`, …). */
  testId: string;
  session: LiveSession;
  phaseText: string;
  cost: { label: string; value: string };
  /** How it is paid, under the figures. */
  children?: ReactNode;
  /** Why it ended without charging, if it did. */
  notice?: string | null;
  canStop: boolean;
  stopping: boolean;
  onStop: () => void;
}

/** A session started from the app, as it runs: phase, kWh, power, cost; stop; the invoice. */
export function LiveSessionView({ testId, session, phaseText, cost, children, notice, canStop, stopping, onStop }: Props) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  return (
    <Stack>
      <Group>
        <StatusBadge value={session.status} />
        <Text data-testid={`${testId}-phase`}>{phaseText}</Text>
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        {[
          [t("sessions.charger"), `${session.charge_point_id} / ${session.connector_id}`, "charger"],
          [t("sessions.energy"), formatKwh(session.energy_wh, locale), "energy"],
          [t("sessions.power"), formatKw(session.power_w, locale), "power"],
          [cost.label, cost.value, "cost"],
        ].map(([label, value, id]) => (
          <div key={id}>
            <Text size="sm" c="dimmed">
              {label}
            </Text>
            <Text fw={600} data-testid={`${testId}-${id}`}>
              {value}
            </Text>
          </div>
        ))}
      </SimpleGrid>
      {children}
      {notice && <Alert color="yellow">{notice}</Alert>}
      <Group>
        {canStop && (
          <Button color="red.9" onClick={onStop} loading={stopping}>
            {t("charge.stop")}
          </Button>
        )}
        {session.invoice_id && (
          <Button component={Link} to={`/app/invoices/${session.invoice_id}`}>
            {t("charge.invoice")}
          </Button>
        )}
        <Button
          variant="subtle"
          component={Link}
          to={`/app/support/new?charger=${encodeURIComponent(session.charge_point_id)}${session.session_id ? `&session=${session.session_id}` : ""}`}
        >
          {t("help.reportProblem")}
        </Button>
      </Group>
    </Stack>
  );
}
