import { Alert, Button, Group, Loader, Text } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** Loading and error states of a query, then its content. */
export function QueryState<T>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (query.isPending) {
    return (
      <Group gap="xs" role="status">
        <Loader size="sm" aria-hidden />
        <Text>{t("app.loading")}</Text>
      </Group>
    );
  }
  if (query.isError) {
    return (
      <Alert color="red" title={t("app.error")} role="alert">
        <Text size="sm">{query.error.message}</Text>
        <Button mt="sm" size="xs" variant="outline" onClick={() => void query.refetch()}>
          {t("app.retry")}
        </Button>
      </Alert>
    );
  }
  return <>{children(query.data)}</>;
}
