// Bar charts in plain HTML and CSS with Polaris tokens: rendered on the server at their final size
// (nothing measures the DOM, nothing moves when the page hydrates), and each with a table of the
// same numbers for screen readers. Values may be negative (a correlation): bars grow from zero.
import type { CSSProperties } from "react";

export interface ChartSeries {
  name: string;
  data: Array<{ key: string; value: number | null }>;
}

/** One colour per series, from Polaris' fill tokens. */
const COLORS = [
  "var(--p-color-bg-fill-info)",
  "var(--p-color-bg-fill-success)",
  "var(--p-color-bg-fill-magic)",
  "var(--p-color-bg-fill-warning)",
  "var(--p-color-bg-fill-critical)",
];

const color = (i: number) => COLORS[i % COLORS.length]!;
const shown = (v: number | null) => (v === null ? "—" : Number.isInteger(v) ? String(v) : v.toFixed(2));

/** Where zero sits and how long a value's bar is, as fractions of the plot. */
export function barGeometry(values: Array<number | null>): { zero: number; extent: (v: number) => number } {
  const known = values.filter((v): v is number => v !== null);
  const max = Math.max(0, ...known);
  const min = Math.min(0, ...known);
  const range = max - min || 1;
  return { zero: -min / range, extent: (v) => Math.abs(v) / range };
}

function barStyle(v: number, geometry: ReturnType<typeof barGeometry>, horizontal: boolean, i: number): CSSProperties {
  const start = `${((v >= 0 ? geometry.zero : geometry.zero - geometry.extent(v)) * 100).toFixed(2)}%`;
  const size = `${(geometry.extent(v) * 100).toFixed(2)}%`;
  return horizontal
    ? { left: start, width: size, background: color(i) }
    : { bottom: start, height: size, background: color(i) };
}

export function BarChart({
  title,
  data,
  horizontal = false,
}: {
  title: string;
  data: ChartSeries[];
  horizontal?: boolean;
}) {
  const keys = data[0]?.data.map((d) => d.key) ?? [];
  const geometry = barGeometry(data.flatMap((s) => s.data.map((d) => d.value)));
  const zeroLine = `${(geometry.zero * 100).toFixed(2)}%`;
  return (
    <div className="sb-bars" data-direction={horizontal ? "horizontal" : "vertical"}>
      <div className="sb-bars-plot" aria-hidden="true">
        {keys.map((key, k) => (
          <div className="sb-bars-group" key={key}>
            <span className="sb-bars-key">{key}</span>
            <div className="sb-bars-slots">
              <div className="sb-bars-zero" style={horizontal ? { left: zeroLine } : { bottom: zeroLine }} />
              {data.map((series, i) => {
                const value = series.data[k]?.value ?? null;
                return (
                  <div className="sb-bars-slot" key={series.name}>
                    {value !== null && (
                      <div
                        className="sb-bar"
                        title={`${series.name}, ${key}: ${shown(value)}`}
                        style={barStyle(value, geometry, horizontal, i)}
                      />
                    )}
                  </div>
                );
              })}
            </div>
          </div>
        ))}
      </div>
      <ul className="sb-bars-legend" aria-hidden="true">
        {data.map((series, i) => (
          <li key={series.name}>
            <span className="sb-bars-swatch" style={{ background: color(i) }} />
            {series.name}
          </li>
        ))}
      </ul>
      <table className="sb-visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col" />
            {data.map((series) => (
              <th scope="col" key={series.name}>
                {series.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {keys.map((key, k) => (
            <tr key={key}>
              <th scope="row">{key}</th>
              {data.map((series) => (
                <td key={series.name}>{shown(series.data[k]?.value ?? null)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
