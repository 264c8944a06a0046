// Client-only (polaris-viz measures the DOM): loaded lazily after hydration, inside boxes of a
// fixed height that the server already rendered, so nothing moves when a chart appears.
import { BarChart, PolarisVizProvider, type DataSeries } from "@shopify/polaris-viz";

export default function Chart({ data, horizontal = false }: { data: DataSeries[]; horizontal?: boolean }) {
  return (
    <PolarisVizProvider>
      <BarChart data={data} direction={horizontal ? "horizontal" : "vertical"} isAnimated={false} showLegend />
    </PolarisVizProvider>
  );
}
