// Checks a decoded request before it goes to Kafka. Items that can never be stored (a metric
// without a name, a span without valid ids) are removed and reported to the client as an
// OTLP partial success; resource entries left without items are dropped, since a record
// without data would only cost the processor work. A request with no resource entries at
// all is refused: it is what truncated or mistyped bodies most often decode to.
import { invalidArgument } from '../../lib/errors.ts';
import { countItems } from '../../lib/otlp/resources.ts';
import type { ExportPartialSuccess, ExportRequestBySignal, Signal } from '../../lib/otlp/types.ts';
import { nestingOf } from '../../lib/otlp/nesting.ts';

export interface Screened<S extends Signal> {
  /** The request without the rejected items and empty resource entries. */
  request: ExportRequestBySignal[S];
  /** Items (data points, log records, spans) that go on to Kafka. */
  accepted: number;
  /** Set when items were rejected, for the OTLP partial success response. */
  partial: ExportPartialSuccess | undefined;
}

export function screenRequest<S extends Signal>(
  signal: S,
  request: ExportRequestBySignal[S],
): Screened<S> {
  const n = nestingOf(signal);
  const resources = n.resources(request);
  requireResources(signal, resources.length);
  const total = countItems(signal, request);
  const problems = new Map<string, number>();
  const keep = (item: unknown): boolean => {
    const problem = n.problem(item);
    if (problem !== undefined) problems.set(problem, (problems.get(problem) ?? 0) + 1);
    return problem === undefined;
  };
  const screened = n.request(
    resources
      .map((resource) =>
        n.withScopes(
          resource,
          n.scopes(resource).map((scope) => n.withItems(scope, n.items(scope).filter(keep))),
        ),
      )
      .filter((resource) => countItems(signal, n.request([resource])) > 0),
  );
  const accepted = countItems(signal, screened);
  const rejected = total - accepted;
  return {
    request: screened,
    accepted,
    partial:
      rejected > 0 ? { rejected, errorMessage: describeProblems(problems, n.itemName) } : undefined,
  };
}

/** Refuses a request without resource entries (`entries` counts them). */
export function requireResources(signal: Signal, entries: number): void {
  if (entries === 0) {
    throw invalidArgument(
      `the request holds no ${nestingOf(signal).resourceField} entries; an OTLP export needs at least one resource`,
    );
  }
}

function describeProblems(problems: Map<string, number>, itemName: string): string {
  const reasons = [...problems].map(([problem, count]) => `${count} × ${problem}`).join('; ');
  return `rejected ${itemName}s: ${reasons}`;
}
