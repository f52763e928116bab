import { NativeSelect } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { LANGUAGES, setLanguage, type Language } from "../i18n";

export function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
    <NativeSelect
      size="xs"
      label={t("app.language")}
      value={i18n.language}
      onChange={(event) => setLanguage(event.currentTarget.value as Language)}
      data={Object.entries(LANGUAGES).map(([value, label]) => ({ value, label }))}
    />
  );
}
