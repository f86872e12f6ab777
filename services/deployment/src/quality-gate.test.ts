import { evaluateQualityGate } from './quality-gate';

const settings = { minAccuracy: 0.8, maxAccuracyDrop: 0.02 };
const champion = (accuracy: number) => ({ modelName: 'mlp-local-old', accuracy });

describe('evaluateQualityGate', () => {
  it.each([
    [0.8, undefined, true],
    [0.79, undefined, false],
    [0.78, 0.8, false], // passes the tolerance but not the minimum
    [0.85, 0.87, true], // exactly the tolerance below
    [0.849, 0.87, false],
    [0.95, 0.9, true],
    [0.81, undefined, true],
  ])('candidate %p against the model in service %p -> accepted %p', (candidate, serving, accepted) => {
    expect(evaluateQualityGate(candidate, serving === undefined ? undefined : champion(serving), settings, 1400).accepted).toBe(accepted);
  });

  it('explains each check with both figures and the rows they were measured on', () => {
    expect(evaluateQualityGate(0.84, champion(0.9), settings, 1400).reasons).toEqual([
      'test accuracy 84.00% reaches the minimum 80.00%',
      'the model in service (mlp-local-old) scores 90.00% on the same 1400 test rows; the new model is more than the allowed 2.00% below it',
    ]);
    expect(evaluateQualityGate(0.7, undefined, settings, 10).reasons).toEqual(['test accuracy 70.00% is below the minimum 80.00%', 'no model is in service to compare with']);
  });
});
