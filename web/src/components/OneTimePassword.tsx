import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";

/**
 * A charger's password, shown once. The caller holds it in component state only (never in the
 * query cache or storage) and drops it when the dialog closes.
 */
export function OneTimePassword({ chargerId, password, onDone }: { chargerId: string; password: string | null; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened={password !== null} onClose={onDone} title={t("provision.passwordTitle")} closeOnClickOutside={false} closeButtonProps={{ "aria-label": t("app.close") }} size="lg">
      {password !== null && (
        <Stack>
          <Alert color="orange" variant="outline">
            <Text size="sm">{t("provision.passwordWarning")}</Text>
          </Alert>
          <Code block data-testid="one-time-password" fz="lg">
            {password}
          </Code>
          <Text size="sm">{t("provision.endpoint", { id: chargerId })}</Text>
          <Group>
            <CopyButton value={password}>
              {({ copied, copy }) => (
                <Button variant="outline" onClick={copy}>
                  {copied ? t("provision.copied") : t("provision.copy")}
                </Button>
              )}
            </CopyButton>
            <Button onClick={onDone}>{t("provision.done")}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
