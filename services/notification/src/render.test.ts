import { existsSync } from 'node:fs';
import { formatSeconds, renderEmail } from './render';
import { sample, sampleFile, sampleJson } from './testing';
import { PIPELINE_DETAIL_TYPES, PIPELINE_EVENTS, pipelineEventEnvelope } from '@pipeline/shared';

describe('renderEmail', () => {
  it.each(PIPELINE_DETAIL_TYPES)('renders %s from its sample event, the subject starting as the contract says', (detailType) => {
    expect(existsSync(sampleFile(detailType))).toBe(true);
    const event = sample(detailType);
    const email = renderEmail(event);
    expect(email.subject.startsWith(`[${event.detail.stage}] ${PIPELINE_EVENTS[detailType].emailSubject}: `)).toBe(true);
    expect(email.text).toContain('What to do next:');
    expect(email.html).toContain('<h3>What to do next</h3>');
  });

  it('announces a deployed model with its metrics, dataset and durations', () => {
    const email = renderEmail(sample('Model Deployed'));
    expect(email.subject).toBe('[local] Model deployed: ml-pipeline-local now serves run 20261125-110409-a1b2c3 (93.12%)');
    expect(email.text).toContain('A retrained model is in service on endpoint ml-pipeline-local.');
    expect(email.text).toMatch(/Validation accuracy: +93\.12% \(previous model 91\.05%, \+2\.07 points\)/);
    expect(email.text).toMatch(/Dataset: +11200 training, 1400 validation, 1400 test examples/);
    expect(email.text).toMatch(/Labels \(3\): +Company 1000, EducationalInstitution 1000, Artist 1000/);
    expect(email.text).toMatch(/Durations: +preprocessing 1 min 35 s, training 10 min 10 s, deployment 8 min 0 s, total 26 min 0 s/);
    expect(email.text).toContain('What to do next:');
    expect(email.html).toContain('<th align="left" valign="top">Model</th><td>mlp-local-20261125-110409-a1b2c3</td>');
    expect(email.html).toContain('<h3>What to do next</h3>');
  });

  it('reports the rows kept, dropped as duplicates and rejected, by reason with their lines, and where all of them are', () => {
    const email = renderEmail(sample('Model Deployed'));
    expect(email.text).toMatch(/Rows: +14,010 read: 14,000 kept, 5 duplicates, 5 rejected\n/);
    expect(email.text).toMatch(
      /Rejected rows: +malformed_csv 3: labeled\/dbpedia\/train\.4e68adba0abe\.csv lines 299, 1207, and 1 more; empty_text 2: labeled\/dbpedia\/train\.4e68adba0abe\.csv line 12; labeled\/more\/part-2\.8c1f0e9a7b6d\.csv line 3\n/,
    );
    expect(email.text).toContain('All rejected rows:');
    expect(email.text).toContain('s3://ml-pipeline-local-data-123456789012-us-east-1/prepared/20261125-110409-a1b2c3/rejected.jsonl');
    expect(email.text).toMatch(/- 5 row\(s\) of the corpus were rejected/);
    const clean = sampleJson('Model Deployed') as { detail: { rows: { rejected: number; rejections: unknown[] } } };
    clean.detail.rows = { ...clean.detail.rows, rejected: 0, rejections: [] };
    const withoutRejections = renderEmail(pipelineEventEnvelope.parse(clean)).text;
    expect(withoutRejections).toMatch(/Rows: +14,010 read: 14,000 kept, 5 duplicates, 0 rejected\n/);
    expect(withoutRejections).not.toContain('Rejected rows:');
    expect(withoutRejections).not.toContain('were rejected');
  });

  it('tells a drop of content the corpus holds already that nothing new was found, naming the original', () => {
    const email = renderEmail(sample('Dataset Unchanged'));
    expect(email.subject).toBe('[local] Nothing new: incoming/reviews-copy.csv duplicates labeled/reviews.5d41402abc4b.csv');
    expect(email.text).toContain('holds exactly the content of labeled/reviews.5d41402abc4b.csv');
    expect(email.text).toContain('no run started');
    expect(email.text).toMatch(/Same content as: +s3:\/\/ml-pipeline-local-data-123456789012-us-east-1\/labeled\/reviews\.5d41402abc4b\.csv/);
  });

  it('explains a rejected model with both accuracies', () => {
    const email = renderEmail(sample('Model Rejected'));
    expect(email.subject).toBe('[local] Model rejected: run 20261125-110409-a1b2c3 scored 87.12%');
    expect(email.text).toMatch(/Model in service: +mlp-local-20261120-080000-0f0f0f \(93\.12%\)/);
    expect(email.text).toMatch(/Minimum accuracy: +80\.00%/);
    expect(email.text).toContain('the model in service keeps serving');
  });

  describe('with the evaluation on the test split', () => {
    const evaluation = (champion: boolean) => ({
      reportKey: 'evaluations/20261125-110409-a1b2c3/report.json',
      reportUri: 's3://ml-pipeline-local-data-123456789012-us-east-1/evaluations/20261125-110409-a1b2c3/report.json',
      testRows: 1400,
      challenger: { trainingJob: 'mlp-local-20261125-110409-a1b2c3', accuracy: 0.6857, macroF1: 0.671 },
      champion: champion ? { trainingJob: 'mlp-local-20261120-080000-0f0f0f', accuracy: 0.9312, macroF1: 0.93 } : null,
      decision: {
        deploy: false,
        reasons: champion
          ? ['test accuracy 68.57% reaches the minimum 60.00%', 'the model in service (mlp-local-20261120-080000-0f0f0f) scores 93.12% on the same 1400 test rows; the new model is more than the allowed 2.00% below it']
          : ['test accuracy 68.57% is below the minimum 80.00%', 'no model is in service to compare with'],
      },
      weakestClasses: [{ label: 'Artist', precision: 0.5, recall: 0.41, f1: 0.45, support: 100 }],
      topConfusions: [{ actual: 'Artist', predicted: 'Album', count: 31 }],
      classes: [
        { label: 'Album', precision: 0.62, recall: 0.9, f1: 0.73, support: 100 },
        { label: 'Artist & <Band>', precision: 0.5, recall: 0.41, f1: 0.45, support: 100 },
      ],
      classesOmitted: 12,
    });
    const rejected = (champion: boolean) => {
      const json = sampleJson('Model Rejected') as { detail: Record<string, unknown> };
      json.detail.evaluation = evaluation(champion);
      if (!champion) json.detail.gate = { minAccuracy: 0.8, tolerance: 0.02 };
      return renderEmail(pipelineEventEnvelope.parse(json));
    };

    it('gives both models on the same rows, the decision, the weakest classes, the confusions and the report', () => {
      const email = rejected(true);
      expect(email.subject).toBe('[local] Model rejected: run 20261125-110409-a1b2c3 scored 68.57% on the test split');
      expect(email.text).toMatch(/Test rows: +1400\n/);
      expect(email.text).toMatch(/New model on them: +68\.57% accuracy, macro-F1 67\.10% \(mlp-local-20261125-110409-a1b2c3\)/);
      expect(email.text).toMatch(/Model in service on them: +93\.12% accuracy, macro-F1 93\.00% \(mlp-local-20261120-080000-0f0f0f\)/);
      expect(email.text).toMatch(/Decision: +reject: test accuracy 68\.57% reaches the minimum 60\.00%; the model in service/);
      expect(email.text).toMatch(/Weakest classes \(recall\): +Artist 41\.00% of 100/);
      expect(email.text).toMatch(/Top confusions: +Artist taken for Album 31x/);
      expect(email.text).toMatch(/Full report: +s3:\/\/ml-pipeline-local-data-123456789012-us-east-1\/evaluations\/20261125-110409-a1b2c3\/report\.json/);
      expect(email.text).toContain('The new model per class on the test split (the first 2; 12 more in the report):');
      expect(email.text).toMatch(/Album +62\.00% +90\.00% +73\.00% +100/);
      expect(email.text).toContain('the model in service keeps serving');
      expect(email.html).toContain('<tr><th>Class</th><th>Precision</th><th>Recall</th><th>F1</th><th>Support</th></tr>');
      expect(email.html).toContain('<tr><td>Artist &amp; &lt;Band&gt;</td><td align="right">50.00%</td><td align="right">41.00%</td><td align="right">45.00%</td><td align="right">100</td></tr>');
    });

    it('says when no model is in service, and how to lower the floor for this data', () => {
      const email = rejected(false);
      expect(email.text).toMatch(/Model in service on them: +none: no model was in service/);
      expect(email.text).toContain('No model is in service: the endpoint has nothing to serve until a model passes the gate.');
      expect(email.text).not.toContain('keeps serving');
      expect(email.text).toContain('If 68.57% is as good as this data allows, lower the floor: cd services/deployment && npx serverless deploy --stage local --param="minAccuracy=0.68"');
    });

    it('announces a deployed model with its test accuracy', () => {
      const json = sampleJson('Model Deployed') as { detail: Record<string, unknown> };
      json.detail.evaluation = { ...evaluation(true), challenger: { trainingJob: 'mlp-local-20261125-110409-a1b2c3', accuracy: 0.94, macroF1: 0.93 }, decision: { deploy: true, reasons: ['ok'] } };
      const email = renderEmail(pipelineEventEnvelope.parse(json));
      expect(email.subject).toBe('[local] Model deployed: ml-pipeline-local now serves run 20261125-110409-a1b2c3 (94.00%)');
      expect(email.text).toMatch(/Decision: +deploy: ok/);
      expect(email.html).toContain('<h3>The new model per class on the test split (the first 2; 12 more in the report)</h3>');
    });
  });

  it('names the failed step and where to look', () => {
    const email = renderEmail(sample('Pipeline Failed'));
    expect(email.subject).toBe('[local] Pipeline failed: training of run 20261125-110409-a1b2c3');
    expect(email.text).toMatch(/Reason: +AlgorithmError: ClientError: No validation data found/);
    expect(email.text).toContain('/aws/sagemaker/TrainingJobs');
  });

  it('says what started a failed run that no drop started, and how to start it again', () => {
    const json = sampleJson('Pipeline Failed') as { detail: Record<string, unknown> };
    json.detail.trigger = 'Retrain Requested: new epochs';
    const email = renderEmail(pipelineEventEnvelope.parse(json));
    expect(email.text).toMatch(/Started by: +Retrain Requested: new epochs/);
    expect(email.text).toContain('npm run retrain -- --stage local');
    expect(renderEmail(sample('Pipeline Failed')).text).not.toContain('Started by');
  });

  it('names the rejected file in the subject and how to fix it', () => {
    const email = renderEmail(sample('Dataset Rejected'));
    expect(email.subject).toBe('[local] Data rejected: incoming/reviews.xlsx (unsupported extension .xlsx (accepted: .csv, .jsonl, .txt))');
    expect(email.text).toContain('rejected/incoming/reviews.xlsx.error.json');
  });

  it('keeps the subject on one line and escapes what a user controls in the HTML', () => {
    const json = sampleJson('Dataset Rejected') as { detail: Record<string, unknown> };
    json.detail.key = 'incoming/<script>alert(1)</script>\r\nBcc: x@example.com.csv';
    json.detail.reason = 'first line "looks" odd & wrong '.repeat(5);
    const email = renderEmail(pipelineEventEnvelope.parse(json));
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject.length).toBeLessThanOrEqual(200);
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;');
    expect(email.html).toContain('&quot;looks&quot; odd &amp; wrong');
  });

  it('leaves out what a first deployment does not know', () => {
    const json = sampleJson('Model Deployed') as { detail: Record<string, unknown> };
    json.detail.metrics = { validationAccuracy: 0.9 };
    delete json.detail.dataset;
    json.detail.durations = {};
    const email = renderEmail(pipelineEventEnvelope.parse(json));
    expect(email.text).toContain('previous accuracy unknown');
    expect(email.text).not.toContain('Dataset:');
    expect(email.text).not.toContain('Durations:');
  });
});

describe('formatSeconds', () => {
  it.each([
    [42, '42 s'],
    [95, '1 min 35 s'],
    [3725, '1 h 2 min'],
  ])('%p -> %p', (seconds, text) => expect(formatSeconds(seconds)).toBe(text));
});

describe('the registry emails', () => {
  it('Model awaiting approval gives the metrics and the exact command that approves the version', () => {
    const email = renderEmail(sample('Model Awaiting Approval'));
    expect(email.subject).toBe('[local] Model awaiting approval: version 2 of run 20261125-110409-a1b2c3 (93.12% on the test split)');
    expect(email.text).toContain(
      'To deploy it: aws sagemaker update-model-package --region us-east-1 --model-package-arn arn:aws:sagemaker:us-east-1:123456789012:model-package/ml-pipeline-local-models/2 --model-approval-status Approved',
    );
    expect(email.text).toMatch(/New model on them: +93\.12% accuracy, macro-F1 93\.00%/);
    expect(email.text).toContain('Nothing changed on the endpoint.');
  });

  it('says what started a run no drop started', () => {
    const json = sampleJson('Model Deployed') as { detail: Record<string, unknown> };
    json.detail.trigger = 'Retrain Requested: epochs 10 -_ 20';
    expect(renderEmail(pipelineEventEnvelope.parse(json)).text).toMatch(/Started by: +Retrain Requested: epochs 10 -_ 20/);
  });

  it('Model rolled back names the version back in service and the one it replaced', () => {
    const email = renderEmail(sample('Model Rolled Back'));
    expect(email.subject).toBe('[local] Model rolled back: ml-pipeline-local serves version 1 (run 20261120-080000-0f0f0f) again');
    expect(email.text).toMatch(/Rolled back from version: +2/);
    expect(email.text).toMatch(/Reason: +Rolled back from version 2: answers got worse on product names/);
  });

  it('Model deployed says when an approval overrode the gate, and why the gate refused', () => {
    const json = sampleJson('Model Deployed') as { detail: Record<string, unknown> };
    json.detail.modelPackage = { arn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/ml-pipeline-local-models/3', group: 'ml-pipeline-local-models', version: 3, approvalStatus: 'Approved' };
    json.detail.approval = { approvedAt: '2026-11-25T12:00:00.000Z', by: 'manual', description: 'the floor is too high for this data', overrodeGate: true, gateReasons: ['test accuracy 68.57% is below the minimum 80.00%'] };
    const email = renderEmail(pipelineEventEnvelope.parse(json));
    expect(email.text).toContain('its approval overrode the gate (test accuracy 68.57% is below the minimum 80.00%)');
    expect(email.text).toMatch(/Overrode the gate: +the gate had refused it: test accuracy 68\.57% is below the minimum 80\.00%/);
    expect(email.text).toMatch(/Approved: +by hand at 2026-11-25T12:00:00.000Z: the floor is too high for this data/);
  });
});
