import type { QualityGateSettings } from './config';

export interface GateDecision {
  accepted: boolean;
  /** One line per check, as report.json's `decision.reasons`. */
  reasons: string[];
}

// Accuracies are fractions such as 0.8 - 0.02; compare with a little slack so rounding never rejects a tie.
const EPSILON = 1e-9;
const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;

/**
 * A new model replaces the model in service when its test accuracy reaches the minimum and is not worse
 * than the model in service's on the same test rows by more than the tolerance. With nothing in service
 * only the minimum applies.
 */
export function evaluateQualityGate(
  candidateAccuracy: number,
  champion: { modelName: string; accuracy: number } | undefined,
  settings: QualityGateSettings,
  testRows: number,
): GateDecision {
  const reasons: string[] = [];
  const reachesFloor = candidateAccuracy + EPSILON >= settings.minAccuracy;
  reasons.push(
    reachesFloor
      ? `test accuracy ${percent(candidateAccuracy)} reaches the minimum ${percent(settings.minAccuracy)}`
      : `test accuracy ${percent(candidateAccuracy)} is below the minimum ${percent(settings.minAccuracy)}`,
  );
  if (champion === undefined) {
    reasons.push('no model is in service to compare with');
    return { accepted: reachesFloor, reasons };
  }
  const keepsUp = candidateAccuracy + EPSILON >= champion.accuracy - settings.maxAccuracyDrop;
  const against = `the model in service (${champion.modelName}) scores ${percent(champion.accuracy)} on the same ${testRows} test rows`;
  reasons.push(
    keepsUp
      ? `${against}; the new model is within the ${percent(settings.maxAccuracyDrop)} allowed drop`
      : `${against}; the new model is more than the allowed ${percent(settings.maxAccuracyDrop)} below it`,
  );
  return { accepted: reachesFloor && keepsUp, reasons };
}
