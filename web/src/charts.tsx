import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const PALETTE = ['#1565c0', '#c62828', '#2e7d32', '#6a1b9a', '#ef6c00', '#00838f'];

/** A line per series over days (uPlot: 50 KB, canvas, fast with long series). */
export function LineChart({
  title,
  days,
  series,
  format,
}: {
  title: string;
  days: string[];
  series: { label: string; values: (number | null)[] }[];
  format: (value: number) => string;
}) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element || days.length === 0) return;
    const width = Math.max(280, Math.min(element.clientWidth || 640, 900));
    const chart = new uPlot(
      {
        title,
        width,
        height: 260,
        // One point per UTC day: the x axis counts days and is labelled with their dates.
        scales: { x: { time: false } },
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            points: { show: true },
            stroke: PALETTE[i % PALETTE.length],
            width: 2,
            value: (_: uPlot, v: number | null) => (v === null ? '—' : format(v)),
          })),
        ],
        axes: [
          {
            stroke: 'currentColor',
            incrs: [1],
            values: (_: uPlot, ticks: number[]) => ticks.map((i) => days[i] ?? ''),
          },
          { stroke: 'currentColor', size: 64, values: (_: uPlot, ticks: number[]) => ticks.map(format) },
        ],
      },
      [days.map((_, i) => i), ...series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    return () => chart.destroy();
  }, [title, JSON.stringify(days), JSON.stringify(series)]);
  return <div ref={container} class="chart" role="img" aria-label={title} />;
}

/** The plot in words, for screen readers. */
const describe = (
  title: string,
  rows: { label: string; estimate: number; low: number; high: number }[],
  format: (v: number) => string,
) =>
  `${title}: ${rows.map((r) => `${r.label} ${format(r.estimate)} (${format(r.low)} to ${format(r.high)})`).join('; ')}`;

/**
 * Intervals on one axis, one row each (a forest plot): the estimate as a dot, the interval as a bar;
 * uplifts are drawn around zero (a dashed line), rates over their own range. Drawn as SVG: a handful
 * of rows needs no chart library, and SVG keeps the text readable.
 */
export function IntervalPlot({
  title,
  rows,
  format,
  aroundZero = true,
}: {
  title: string;
  rows: { label: string; estimate: number; low: number; high: number; good: boolean | null }[];
  format: (value: number) => string;
  aroundZero?: boolean;
}) {
  const width = 560;
  const rowHeight = 34;
  const left = 120;
  const right = 24;
  const height = rows.length * rowHeight + 40;
  const extent = Math.max(0.01, ...rows.flatMap((r) => [Math.abs(r.low), Math.abs(r.high)])) * 1.1;
  const lowest = Math.min(...rows.map((r) => r.low));
  const highest = Math.max(...rows.map((r) => r.high));
  const pad = Math.max((highest - lowest) * 0.1, 0.001);
  const [from, to] = aroundZero ? [-extent, extent] : [lowest - pad, highest + pad];
  const x = (v: number) => left + ((v - from) / (to - from)) * (width - left - right);
  return (
    <figure class="interval-plot">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={describe(title, rows, format)}>
        {aroundZero && <line x1={x(0)} x2={x(0)} y1={10} y2={height - 24} class="zero" />}
        {rows.map((row, i) => {
          const y = 24 + i * rowHeight;
          const tone = row.good === null ? 'neutral' : row.good ? 'good' : 'bad';
          return (
            <g key={row.label} class={tone}>
              <text x={left - 8} y={y + 4} text-anchor="end">
                {row.label}
              </text>
              <line x1={x(row.low)} x2={x(row.high)} y1={y} y2={y} class="interval" />
              <circle cx={x(row.estimate)} cy={y} r={5} />
            </g>
          );
        })}
        <text x={x(from)} y={height - 6}>
          {format(from)}
        </text>
        {aroundZero && (
          <text x={x(0)} y={height - 6} text-anchor="middle">
            0
          </text>
        )}
        <text x={x(to)} y={height - 6} text-anchor="end">
          {format(to)}
        </text>
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}
