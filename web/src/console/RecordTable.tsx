import { Table, Text } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { QueryState } from "../components/QueryState";

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
}

/**
 * The console's list of records: the query's loading and error states, a sentence when it is
 * empty, else a striped table (headers scoped for screen readers) that scrolls sideways on a
 * narrow screen. Pages keep their filters and actions; this keeps the table the same everywhere.
 */
export function RecordTable<T>({
  query,
  columns,
  rowKey,
  empty,
  minWidth = 640,
  rowTestId,
  label,
}: {
  query: UseQueryResult<T[]>;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  empty: string;
  minWidth?: number;
  rowTestId?: (row: T) => string;
  /** The table's accessible name, when the page has more than one. */
  label?: string;
}) {
  return (
    <QueryState query={query}>
      {(rows) =>
        rows.length === 0 ? (
          <Text>{empty}</Text>
        ) : (
          <Table.ScrollContainer minWidth={minWidth}>
            <Table striped aria-label={label}>
              <Table.Thead>
                <Table.Tr>
                  {columns.map((column) => (
                    <Table.Th key={column.header} scope="col">
                      {column.header}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => (
                  <Table.Tr key={rowKey(row)} data-testid={rowTestId?.(row)}>
                    {columns.map((column) => (
                      <Table.Td key={column.header}>{column.cell(row)}</Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )
      }
    </QueryState>
  );
}
