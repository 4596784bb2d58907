/**
 * Counts recorded as CloudWatch metrics (published by `publishRecordedMetrics` when the invocation
 * ends). A number is recorded as is, even 0; `true` as 1; `false` records nothing, so a flag such as
 * "the run was cut short" appears only on the runs it happened to.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '#shared/observability/powertools.ts';

export type Counts = Record<string, number | boolean>;

/** Records each count; with `dimensions`, as one metric set of its own that carries them. */
export function recordCounts(counts: Counts, dimensions?: Record<string, string>): void {
  const target = dimensions ? metrics.singleMetric() : metrics;
  for (const [name, value] of Object.entries(dimensions ?? {})) target.addDimension(name, value);
  for (const [name, value] of Object.entries(counts)) {
    if (value === false) continue;
    target.addMetric(name, MetricUnit.Count, value === true ? 1 : value);
  }
}
