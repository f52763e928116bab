import { Button, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { LanguagePicker } from "../components/LanguagePicker";
import { PageTitle } from "../components/PageTitle";

export function Account() {
  const { t } = useTranslation();
  const { user, can } = useAuth();
  return (
    <Stack maw={480}>
      <PageTitle text={t("account.title")} />
      <Text>{user?.email}</Text>
      {user?.display_name && <Text>{user.display_name}</Text>}
      <Text size="sm" c="dimmed">
        {t("account.roles")}: {user?.roles.join(", ")}
      </Text>
      <LanguagePicker />
      {can.console && (
        <Button component={Link} to="/console" variant="outline" w="fit-content">
          {t("nav.console")}
        </Button>
      )}
    </Stack>
  );
}
