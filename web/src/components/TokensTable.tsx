import { Button, Card, Group, Stack, Table, Text, VisuallyHidden } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { StatusBadge } from "./StatusBadge";

type IdToken = Schemas["IdToken"];

export interface TokenAction {
  label: (token: IdToken) => string;
  show: (token: IdToken) => boolean;
  run: (token: IdToken) => void;
  danger?: boolean;
}

function useReason() {
  const { t, i18n } = useTranslation();
  return (token: IdToken) => {
    const key = `cards.reason.${token.decision_reason ?? ""}`;
    return token.decision_reason && i18n.exists(key) ? t(key) : (token.decision_reason ?? "");
  };
}

function Actions({ token, actions }: { token: IdToken; actions: TokenAction[] }) {
  return (
    <Group gap="xs">
      {actions
        .filter((action) => action.show(token))
        .map((action) => (
          <Button key={action.label(token)} size="xs" variant="outline" color={action.danger ? "#b3261e" : undefined} onClick={() => action.run(token)} aria-label={`${action.label(token)} ${token.uid}`}>
            {action.label(token)}
          </Button>
        ))}
    </Group>
  );
}

/** A driver's cards as a list of cards: readable on a phone. */
export function TokenCards({ tokens, actions }: { tokens: IdToken[]; actions: TokenAction[] }) {
  const { t } = useTranslation();
  const reason = useReason();
  if (tokens.length === 0) return <Text>{t("app.none")}</Text>;
  return (
    <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: "none" }}>
      {tokens.map((token) => (
        <Card withBorder key={token.id} component="li" data-testid={`token-${token.uid}`}>
          <Stack gap={6}>
            <Group justify="space-between" wrap="nowrap">
              <div>
                <Text fw={600}>{token.label ?? token.uid}</Text>
                <Text size="sm" ff="monospace">
                  {token.uid}
                </Text>
              </div>
              <StatusBadge value={token.status} />
            </Group>
            <Group gap="xs">
              <Text size="sm">{t("cards.decision")}:</Text>
              <StatusBadge value={token.decision} />
              <Text size="sm">{reason(token)}</Text>
            </Group>
            <Actions token={token} actions={actions} />
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}

/** Id-tokens with their status and the decision chargers get; actions per row. */
export function TokensTable({ tokens, actions }: { tokens: IdToken[]; actions: TokenAction[] }) {
  const { t } = useTranslation();
  const reason = useReason();
  if (tokens.length === 0) return <Text>{t("app.none")}</Text>;
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table data-testid="tokens-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t("drivers.uid")}</Table.Th>
            <Table.Th scope="col">{t("drivers.label")}</Table.Th>
            <Table.Th scope="col">{t("drivers.status")}</Table.Th>
            <Table.Th scope="col">{t("cards.decision")}</Table.Th>
            <Table.Th scope="col">
              <VisuallyHidden>{t("drivers.actions")}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tokens.map((token) => (
            <Table.Tr key={token.id} data-testid={`token-${token.uid}`}>
              <Table.Td>
                <Text ff="monospace">{token.uid}</Text>
                <Text size="xs" c="dimmed">
                  {token.kind}
                </Text>
              </Table.Td>
              <Table.Td>{token.label ?? "–"}</Table.Td>
              <Table.Td>
                <StatusBadge value={token.status} />
              </Table.Td>
              <Table.Td>
                <StatusBadge value={token.decision} />
                <Text size="xs">{reason(token)}</Text>
              </Table.Td>
              <Table.Td>
                <Actions token={token} actions={actions} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
