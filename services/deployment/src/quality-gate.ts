import type { QualityGateSettings } from './config';

export interface GateDecision {
  accepted: boolean;
  reason: string;
}

// Accuracies are fractions such as 0.8 - 0.02; compare with a little slack so rounding never rejects a tie.
const EPSILON = 1e-9;
const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;

/**
 * A new model replaces the serving one when its validation accuracy reaches the minimum and is not
 * worse than the serving model's by more than the tolerance. With nothing serving (or a serving model
 * whose accuracy is unknown) only the minimum applies.
 */
export function evaluateQualityGate(
  candidateAccuracy: number,
  servingAccuracy: number | undefined,
  settings: QualityGateSettings,
): GateDecision {
  if (candidateAccuracy + EPSILON < settings.minAccuracy) {
    return {
      accepted: false,
      reason: `validation accuracy ${percent(candidateAccuracy)} is below the minimum ${percent(settings.minAccuracy)}`,
    };
  }
  if (servingAccuracy !== undefined && candidateAccuracy + EPSILON < servingAccuracy - settings.maxAccuracyDrop) {
    return {
      accepted: false,
      reason:
        `validation accuracy ${percent(candidateAccuracy)} is more than ${percent(settings.maxAccuracyDrop)} ` +
        `below the serving model's ${percent(servingAccuracy)}`,
    };
  }
  return {
    accepted: true,
    reason:
      servingAccuracy === undefined
        ? `validation accuracy ${percent(candidateAccuracy)} reaches the minimum ${percent(settings.minAccuracy)}`
        : `validation accuracy ${percent(candidateAccuracy)} against ${percent(servingAccuracy)} for the serving model`,
  };
}
