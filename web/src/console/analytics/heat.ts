/** Heat-map helpers (pure, unit-tested). */
export interface Cell {
  weekday: number; // local ISO weekday: 1 = Monday … 7 = Sunday
  hour: number;
  sessions: number;
  energy_kwh: number;
}

/** A 7 × 24 grid (Monday first) of session counts; cells outside it are ignored. */
export function heatGrid(cells: Cell[]): number[][] {
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const cell of cells) {
    const row = cell.weekday - 1;
    if (row < 0 || row > 6 || cell.hour < 0 || cell.hour > 23) continue;
    const line = grid[row];
    if (line) line[cell.hour] = (line[cell.hour] ?? 0) + cell.sessions;
  }
  return grid;
}

/** From a pale to the brand's dark green by value / max (0 → background). */
export function heatColour(value: number, max: number): string {
  if (max <= 0 || value <= 0) return "#f1f3f5";
  const share = Math.min(1, value / max);
  const from = [0xcf, 0xe9, 0xdb];
  const to = [0x0f, 0x51, 0x30];
  const mix = from.map((start, i) => Math.round(start + ((to[i] ?? start) - start) * share));
  return `rgb(${mix.join(", ")})`;
}
