// When an anomaly pages: it must persist for `persistSteps` consecutive scoring steps before
// the alert fires (one odd step pages nobody), and a firing alert resolves after
// `resolveSteps` consecutive normal steps. The worker's alert state machine and the models'
// offline alert counting (models/alerts.ts) take this one type, so the quality numbers count
// alerts the way an operator is paged. The worker's config spells the first one
// `worker.alerts.pendingSteps` (the steps in between are Alertmanager's "pending").
export interface AlertPolicy {
  persistSteps: number;
  resolveSteps: number;
}
