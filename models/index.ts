// Public API of the models part: what the anomaly worker and the CLI import.
export { selectBackend, type BackendName, type ModelLog } from './backend.ts';
export {
  GO_SIGNALS,
  seriesKey,
  sliceSeries,
  type GoSignal,
  type MultiSeries,
  type SeriesId,
} from './features.ts';
export { Detector, type DetectorOptions } from './detector.ts';
export type { ScoreMethod, SeriesPoint, StepScore } from './step-score.ts';
export {
  CHANNELS,
  DEFAULT_ONLINE_PARAMS,
  onlineParams,
  type Channel,
  type OnlineParams,
} from './online/params.ts';
export { LstmForecaster, type FitProgress } from './lstm.ts';
export { BASE_MODEL_DIR, baseModelVersion, loadBaseModel } from './base-model.ts';
export {
  loadLatest,
  loadModel,
  listVersions,
  saveModel,
  versionName,
  type LoadedModel,
  type ModelMetadata,
} from './store.ts';
export {
  trainModel,
  DEFAULT_MODEL_NAME,
  DEFAULT_MODELS_DIR,
  type TrainOptions,
  type TrainResult,
} from './train.ts';
export { scoreCsv, type ScoreCsvOptions, type ScoreCsvResult } from './score-csv.ts';
export {
  alertEpisodes,
  evaluateAlerts,
  DEFAULT_ALERT_POLICY,
  type AlertEpisode,
  type AlertPolicy,
} from './alerts.ts';
