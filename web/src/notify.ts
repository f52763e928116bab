import { notifications } from "@mantine/notifications";
import i18n from "./i18n";

/** A toast whose close button has an accessible name in the current language. */
export function notify(message: string, colour?: string): void {
  notifications.show({ message, color: colour, closeButtonProps: { "aria-label": i18n.t("app.close") } });
}
