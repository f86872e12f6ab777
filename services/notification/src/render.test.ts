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

  it('names the failed step and where to look', () => {
    const email = renderEmail(sample('Pipeline Failed'));
    expect(email.subject).toBe('[local] Pipeline failed: training of run 20261125-110409-a1b2c3');
    expect(email.text).toMatch(/Reason: +AlgorithmError: ClientError: No validation data found/);
    expect(email.text).toContain('/aws/sagemaker/TrainingJobs');
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
