import { Title } from "@mantine/core";
import { useEffect, type ReactNode } from "react";

/** The page's one h1, and the document title (announced by screen readers on navigation). */
export function PageTitle({ children, text }: { children?: ReactNode; text: string }) {
  useEffect(() => {
    document.title = `${text} · Ladda`;
  }, [text]);
  return (
    <Title order={1} size="h2" mb="md">
      {children ?? text}
    </Title>
  );
}
