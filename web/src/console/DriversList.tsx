import { Anchor, Group, NativeSelect, Stack, Table, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { PageTitle } from "../components/PageTitle";
import { QueryState } from "../components/QueryState";
import { StatusBadge } from "../components/StatusBadge";
import { formatDateTime } from "../format";

type Role = "driver" | "operator" | "support" | "admin";

export function DriversList() {
  const { t, i18n } = useTranslation();
  const [role, setRole] = useState<Role | "">("driver");
  const [email, setEmail] = useState("");
  const [debounced] = useDebouncedValue(email.trim(), 300);
  const users = useQuery({
    queryKey: ["users", { role, email: debounced }],
    queryFn: async () => unwrap(await api.GET("/v1/users", { params: { query: { limit: 100, ...(role ? { role } : {}), ...(debounced ? { email: debounced } : {}) } } })),
  });
  return (
    <Stack>
      <PageTitle text={t("drivers.title")} />
      <Group align="end">
        <NativeSelect
          label={t("drivers.filterRole")}
          value={role}
          onChange={(e) => setRole(e.currentTarget.value as Role | "")}
          data={[{ value: "", label: t("app.all") }, "driver", "operator", "support", "admin"]}
        />
        <TextInput label={t("drivers.filterEmail")} type="search" value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
      </Group>
      <QueryState query={users}>
        {(page) => (
          <Table.ScrollContainer minWidth={640}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t("drivers.email")}</Table.Th>
                  <Table.Th scope="col">{t("drivers.name")}</Table.Th>
                  <Table.Th scope="col">{t("drivers.roles")}</Table.Th>
                  <Table.Th scope="col">{t("drivers.status")}</Table.Th>
                  <Table.Th scope="col">{t("drivers.created")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {page.items.map((user) => (
                  <Table.Tr key={user.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/console/drivers/${user.id}`}>
                        {user.email}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{user.display_name ?? "–"}</Table.Td>
                    <Table.Td>{user.roles.join(", ")}</Table.Td>
                    <Table.Td>
                      <StatusBadge value={user.status} />
                    </Table.Td>
                    <Table.Td>{formatDateTime(user.created_at, i18n.language)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
    </Stack>
  );
}
