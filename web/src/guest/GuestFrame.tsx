import { Container, Group, Text } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { LanguagePicker } from "../components/LanguagePicker";

/** A plain phone-sized page for guests: no navigation, no account. */
export function GuestFrame({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <>
      <header>
        <Group justify="space-between" p="sm" style={{ borderBottom: "1px solid var(--mantine-color-gray-3)" }}>
          <Text fw={700} c="ladda.8">
            {t("app.name")}
          </Text>
          <LanguagePicker />
        </Group>
      </header>
      <Container size="xs" py="md" component="main" id="main">
        {children}
      </Container>
    </>
  );
}
