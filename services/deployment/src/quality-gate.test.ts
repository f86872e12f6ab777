import { evaluateQualityGate } from './quality-gate';

const settings = { minAccuracy: 0.8, maxAccuracyDrop: 0.02 };

describe('evaluateQualityGate', () => {
  it.each([
    [0.8, undefined, true],
    [0.79, undefined, false],
    [0.78, 0.8, false], // passes the tolerance but not the minimum
    [0.85, 0.87, true], // exactly the tolerance below
    [0.849, 0.87, false],
    [0.95, 0.9, true],
    [0.81, undefined, true],
  ])('candidate %p against serving %p -> accepted %p', (candidate, serving, accepted) => {
    expect(evaluateQualityGate(candidate, serving, settings).accepted).toBe(accepted);
  });

  it('explains its decision with both figures', () => {
    expect(evaluateQualityGate(0.84, 0.9, settings).reason).toBe(
      "validation accuracy 84.00% is more than 2.00% below the serving model's 90.00%",
    );
    expect(evaluateQualityGate(0.9, 0.88, settings).reason).toBe('validation accuracy 90.00% against 88.00% for the serving model');
  });
});
