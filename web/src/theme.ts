import { createTheme, type MantineColorsTuple } from "@mantine/core";

// A green with enough contrast for white text at the shade used for filled components
// (shade 8: #16693f, 6.7:1 on white) and for links on white.
const ladda: MantineColorsTuple = ["#e8f5ee", "#cfe9db", "#a3d5b9", "#74c095", "#4dad76", "#34a064", "#258f57", "#1c7c54", "#16693f", "#0f5130"];

export const theme = createTheme({
  primaryColor: "ladda",
  primaryShade: 8,
  colors: { ladda },
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  defaultRadius: "md",
  focusRing: "always",
});

/** Colours for states, each at least 4.5:1 against white text (WCAG AA). */
export const STATE_COLOURS = {
  online: "#1b6b3a",
  available: "#1b6b3a",
  charging: "#1864ab",
  offline: "#495057",
  faulted: "#b3261e",
  pending: "#8a4b00",
  retired: "#343a40",
  neutral: "#495057",
} as const;

export type StateName = keyof typeof STATE_COLOURS;
