import { AppShell, Burger, Button, Group, Loader, NavLink, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Suspense, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { LanguagePicker } from "./LanguagePicker";

export interface NavItem {
  to: string;
  label: string;
  icon: ReactNode;
  end?: boolean;
}

/** The frame of both apps: header, navigation (a drawer on phones), skip link, main. */
export function Shell({ title, items, children }: { title: string; items: NavItem[]; children: ReactNode }) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const navigate = useNavigate();
  const { user, logout } = useAuth();
  const active = (item: NavItem) =>
    item.end ? location.pathname === item.to : location.pathname === item.to || location.pathname.startsWith(item.to + "/");

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 240, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <a className="skip-link" href="#main">
        {t("app.skip")}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t("nav.mainNav")} />
            <Text fw={700} size="lg" c="ladda.8">
              Ladda
            </Text>
            <Text size="sm" visibleFrom="xs">
              {title}
            </Text>
          </Group>
          <Text size="sm" truncate="end" maw={220} visibleFrom="sm">
            {user?.email}
          </Text>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" component="nav" aria-label={t("nav.mainNav")}>
        <Stack justify="space-between" h="100%">
          <Stack gap={2}>
            {items.map((item) => (
              <NavLink
                key={item.to}
                component={Link}
                to={item.to}
                label={item.label}
                leftSection={item.icon}
                active={active(item)}
                aria-current={active(item) ? "page" : undefined}
                onClick={close}
              />
            ))}
          </Stack>
          <Stack gap="xs">
            <LanguagePicker />
            <Button
              variant="outline"
              onClick={() => {
                void logout().then(() => navigate("/login", { replace: true }));
              }}
            >
              {t("nav.logout")}
            </Button>
          </Stack>
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Suspense fallback={<Loader aria-label={t("app.loading")} />}>{children}</Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
