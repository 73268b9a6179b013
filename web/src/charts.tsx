import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const PALETTE = ['#1565c0', '#c62828', '#2e7d32', '#6a1b9a', '#ef6c00', '#00838f'];

const DARK = '(prefers-color-scheme: dark)';

/** The colour scheme in use, followed as it changes: a canvas does not restyle itself with the page. */
function useColorScheme(): 'dark' | 'light' {
  const [dark, setDark] = useState(() => matchMedia(DARK).matches);
  useEffect(() => {
    const query = matchMedia(DARK);
    const follow = () => setDark(query.matches);
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }, []);
  return dark ? 'dark' : 'light';
}

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
  const scheme = useColorScheme();
  useEffect(() => {
    const element = container.current;
    if (!element || days.length === 0) return;
    // A canvas has no currentColor: the axes take the page's text and line colours when drawn.
    const style = getComputedStyle(element);
    const axis = { stroke: style.color, grid: { stroke: style.getPropertyValue('--line').trim() || '#d0d7de' } };
    const fit = () => Math.max(280, Math.min(element.clientWidth || 640, 900));
    const chart = new uPlot(
      {
        title,
        width: fit(),
        height: 260,
        // One point per UTC day: the x axis counts days and is labelled with their dates.
        scales: {
          x: { time: false },
          // Padded around the data, never past 0 for values that cannot be negative: a flat line stays inside the grid.
          y: {
            range: (_: uPlot, min: number, max: number): uPlot.Range.MinMax => {
              const pad = Math.max((max - min) * 0.15, Math.abs(max) * 0.05, 1e-3);
              return [min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad];
            },
          },
        },
        series: [
          // The day under the cursor in the legend (uPlot's default would read "Value: --").
          { label: 'Day', value: (_: uPlot, i: number | null) => (i === null ? '—' : (days[i] ?? '—')) },
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
            ...axis,
            // Whole days only: one label a day where they fit, else every second, seventh… day.
            incrs: [1, 2, 7, 14, 30, 90],
            values: (_: uPlot, ticks: number[]) => ticks.map((i) => days[i] ?? ''),
          },
          { ...axis, size: 64, values: (_: uPlot, ticks: number[]) => ticks.map(format) },
        ],
      },
      [days.map((_, i) => i), ...series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    // Follows its container: a phone turned sideways, or a window made narrower, redraws it to fit.
    const resize = new ResizeObserver(() => {
      if (fit() !== chart.width) chart.setSize({ width: fit(), height: 260 });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [title, scheme, JSON.stringify(days), JSON.stringify(series)]);
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
 * uplifts are drawn around zero (a dashed line), rates over their own range. Laid out in HTML with
 * positions in percent, so its text stays the page's size on a phone (a scaled SVG shrank it to 5 px).
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
  const extent = Math.max(0.01, ...rows.flatMap((r) => [Math.abs(r.low), Math.abs(r.high)])) * 1.1;
  const lowest = Math.min(...rows.map((r) => r.low));
  const highest = Math.max(...rows.map((r) => r.high));
  const pad = Math.max((highest - lowest) * 0.1, 0.001);
  const [from, to] = aroundZero ? [-extent, extent] : [lowest - pad, highest + pad];
  const share = (v: number) => ((v - from) / (to - from)) * 100;
  return (
    <figure class="interval-plot">
      <figcaption>{title}</figcaption>
      <div role="img" aria-label={describe(title, rows, format)}>
        {rows.map((row) => (
          <div key={row.label} class={`plot-row ${row.good === null ? 'neutral' : row.good ? 'good' : 'bad'}`}>
            <span class="plot-label">{row.label}</span>
            <span class="plot-track">
              {aroundZero && <span class="plot-zero" style={{ left: `${share(0)}%` }} />}
              <span
                class="plot-interval"
                style={{ left: `${share(row.low)}%`, width: `${share(row.high) - share(row.low)}%` }}
              />
              <span class="plot-dot" style={{ left: `${share(row.estimate)}%` }} />
            </span>
          </div>
        ))}
        <div class="plot-axis">
          <span>{format(from)}</span>
          {aroundZero && <span>0</span>}
          <span>{format(to)}</span>
        </div>
      </div>
    </figure>
  );
}
