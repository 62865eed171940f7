// Public API of the models part: what the anomaly worker and the CLI import.
export { selectBackend, type BackendName, type ModelLog } from './backend.ts';
export {
  GO_SIGNALS,
  seriesKey,
  fitNormalization,
  sliceSeries,
  type GoSignal,
  type MultiSeries,
  type Normalization,
  type SeriesId,
} from './features.ts';
export {
  Detector,
  DEFAULT_COLD_START,
  type ColdStartParams,
  type DetectorOptions,
  type ScoreMethod,
  type SeriesPoint,
  type StepScore,
} from './detector.ts';
export { LstmForecaster, type FitProgress } from './lstm.ts';
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
export { DEFAULT_THRESHOLD_PARAMS, findAnomalies, type ThresholdParams } from './threshold.ts';
export { SIGNAL_ERROR_CAP } from './errors.ts';
