import { Button, Stack, Table, Text, TextInput } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { formatDateTime } from "../format";

const PAGE = 50;

/** The raw OCPP frame log, newest first, paged backwards by `before_id`. */
export function FramesPanel({ cpId }: { cpId: string }) {
  const { t, i18n } = useTranslation();
  const [action, setAction] = useState("");
  const frames = useInfiniteQuery({
    queryKey: ["frames", cpId, action],
    initialPageParam: undefined as number | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/v1/charge-points/{cp_id}/frames", {
          params: { path: { cp_id: cpId }, query: { limit: PAGE, ...(action ? { action } : {}), ...(pageParam ? { before_id: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => (last.length === PAGE ? last[last.length - 1]?.id : undefined),
    refetchInterval: 10_000,
  });
  const rows = frames.data?.pages.flat() ?? [];

  return (
    <Stack>
      <TextInput label={t("frames.filterAction")} value={action} onChange={(e) => setAction(e.currentTarget.value.trim())} maw={280} placeholder="BootNotification" />
      {frames.isError && <Text c="red">{frames.error.message}</Text>}
      {rows.length === 0 && !frames.isPending ? (
        <Text>{t("frames.none")}</Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table data-testid="frames-table" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t("frames.at")}</Table.Th>
                <Table.Th scope="col">{t("frames.direction")}</Table.Th>
                <Table.Th scope="col">{t("frames.action")}</Table.Th>
                <Table.Th scope="col">{t("frames.payload")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((frame) => (
                <Table.Tr key={frame.id}>
                  <Table.Td>{formatDateTime(frame.at, i18n.language)}</Table.Td>
                  <Table.Td>{frame.direction === "in" ? t("frames.in") : frame.direction === "out" ? t("frames.out") : frame.direction}</Table.Td>
                  <Table.Td>{frame.action ?? "–"}</Table.Td>
                  <Table.Td>
                    <pre className="frame">{frame.payload}</pre>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {frames.hasNextPage && (
        <Button variant="outline" w="fit-content" loading={frames.isFetchingNextPage} onClick={() => void frames.fetchNextPage()}>
          {t("frames.older")}
        </Button>
      )}
    </Stack>
  );
}
