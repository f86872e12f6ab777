import {
  describeRows,
  PIPELINE_EVENTS,
  type DatasetRejectedDetail,
  type DatasetUnchangedDetail,
  type EvaluationSummary,
  type RowsSummary,
  type ModelAwaitingApprovalDetail,
  type ModelDeployedDetail,
  type ModelRolledBackDetail,
  type ModelRejectedDetail,
  type PipelineDetailType,
  type PipelineEventDetails,
  type PipelineEventEnvelope,
  type PipelineFailedDetail,
} from '@pipeline/shared';

export interface Email {
  subject: string;
  text: string;
  html: string;
}

/** What an email says, before it is laid out as plain text and as HTML. */
interface Message {
  /** What follows `[<stage>] <the event's emailSubject>: ` (PIPELINE_EVENTS) in the subject. */
  subject: string;
  headline: string;
  facts: Array<[label: string, value: string]>;
  nextSteps: string[];
  /** A table after the facts (the evaluation's per-class figures). */
  table?: { caption: string; header: string[]; rows: string[][] };
}

const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;

export function formatSeconds(seconds: number): string {
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${rest} s`;
  return `${rest} s`;
}

/** Subjects are one line; anything a user controls (keys, reasons) is cut short there. */
function oneLine(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The run's rows (kept, duplicates, rejected by reason with a few lines, where the full list is), as facts. */
function rowFacts(rows: RowsSummary | undefined): Message['facts'] {
  if (!rows) return [];
  const { totals, rejections } = describeRows(rows);
  const facts: Message['facts'] = [['Rows', totals]];
  if (rejections.length > 0) facts.push(['Rejected rows', rejections.join('; ')]);
  if (rows.rejected > 0 && rows.rejectedList) facts.push(['All rejected rows', rows.rejectedList]);
  return facts;
}

function rowSteps(rows: RowsSummary | undefined): string[] {
  if (!rows || rows.rejected === 0) return [];
  const where = rows.rejectedList ? ` (${rows.rejectedList}, one JSON line per row: source, line, reason, excerpt)` : '';
  return [`${rows.rejected} row(s) of the corpus were rejected${where}: fix them and drop them again under incoming/ to train on them.`];
}

/** The evaluation on the test split: both models on the same rows, the decision, the weak spots, the report. */
function evaluationFacts(e: EvaluationSummary | undefined): Message['facts'] {
  if (!e) return [];
  const scores = (m: { accuracy: number; macroF1: number }): string => `${percent(m.accuracy)} accuracy, macro-F1 ${percent(m.macroF1)}`;
  const facts: Message['facts'] = [
    ['Test rows', String(e.testRows)],
    ['New model on them', `${scores(e.challenger)} (${e.challenger.trainingJob})`],
    ['Model in service on them', e.champion ? `${scores(e.champion)} (${e.champion.trainingJob})` : 'none: no model was in service'],
    ['Decision', `${e.decision.deploy ? 'deploy' : 'reject'}: ${e.decision.reasons.join('; ')}`],
  ];
  if (e.weakestClasses.length > 0) {
    facts.push(['Weakest classes (recall)', e.weakestClasses.map((c) => `${c.label} ${percent(c.recall)} of ${c.support}`).join(', ')]);
  }
  if (e.topConfusions.length > 0) {
    facts.push(['Top confusions', e.topConfusions.map((c) => `${c.actual} taken for ${c.predicted} ${c.count}x`).join(', ')]);
  }
  facts.push(['Full report', e.reportUri]);
  return facts;
}

function classTable(e: EvaluationSummary | undefined): Message['table'] {
  if (!e || e.classes.length === 0) return undefined;
  const more = e.classesOmitted > 0 ? ` (the first ${e.classes.length}; ${e.classesOmitted} more in the report)` : '';
  return {
    caption: `The new model per class on the test split${more}`,
    header: ['Class', 'Precision', 'Recall', 'F1', 'Support'],
    rows: e.classes.map((c) => [c.label, percent(c.precision), percent(c.recall), percent(c.f1), String(c.support)]),
  };
}

function modelDeployed(d: ModelDeployedDetail): Message {
  const { validationAccuracy, previousAccuracy } = d.metrics;
  const change =
    previousAccuracy === undefined
      ? 'first model of this endpoint or previous accuracy unknown'
      : `previous model ${percent(previousAccuracy)}, ${validationAccuracy >= previousAccuracy ? '+' : '−'}${(Math.abs(validationAccuracy - previousAccuracy) * 100).toFixed(2)} points`;
  const facts: Message['facts'] = [
    ['Run', d.runId],
    ...triggerFacts(d.trigger),
    ['Validation accuracy', `${percent(validationAccuracy)} (${change})`],
    ['Endpoint', d.endpointName],
    ['Model', d.modelName],
    ['Endpoint config', d.endpointConfigName],
    ['Training job', d.trainingJobName],
  ];
  if (d.dataset) {
    const { train, validation, test, labels } = d.dataset;
    facts.push(['Dataset', `${train} training, ${validation} validation, ${test} test examples`]);
    if (labels) {
      const counts = Object.entries(labels).map(([label, count]) => `${label} ${count}`);
      facts.push([`Labels (${counts.length})`, counts.join(', ')]);
    }
  }
  const { preprocessingSeconds, trainingSeconds, deploymentSeconds, totalSeconds } = d.durations;
  const durations = [
    ['preprocessing', preprocessingSeconds],
    ['training', trainingSeconds],
    ['deployment', deploymentSeconds],
    ['total', totalSeconds],
  ] as const;
  const timed = durations.filter(([, value]) => value !== undefined).map(([name, value]) => `${name} ${formatSeconds(value!)}`);
  if (timed.length > 0) facts.push(['Durations', timed.join(', ')]);
  facts.push(...approvalFacts(d.modelPackage, d.approval));
  facts.push(...evaluationFacts(d.evaluation));
  facts.push(...rowFacts(d.rows));
  const table = classTable(d.evaluation);
  // The test accuracy once the model was evaluated (the gate's figure), else the validation accuracy.
  const shown = percent(d.evaluation ? d.evaluation.challenger.accuracy : validationAccuracy);
  return {
    ...(table ? { table } : {}),
    subject: `${d.endpointName} now serves run ${d.runId} (${shown})`,
    headline: d.approval?.overrodeGate
      ? `A model the quality gate had refused is in service on endpoint ${d.endpointName}: its approval overrode the gate (${(d.approval.gateReasons ?? []).join('; ') || 'see the report'}).`
      : `A retrained model is in service on endpoint ${d.endpointName}.`,
    facts,
    nextSteps: [
      `Try it: POST {"instances": ["some text"], "configuration": {"k": 2}} to endpoint ${d.endpointName} (Content-Type application/json).`,
      'Watch the endpoint metrics and logs for the first hours of traffic.',
      `The previous versions are kept in the registry: npm run models -- --stage ${d.stage} lists them, npm run rollback -- --stage ${d.stage} puts the previous one back.`,
      ...rowSteps(d.rows),
    ],
  };
}

/** What started a run that no drop started (npm run retrain, the schedule). */
const triggerFacts = (trigger: string | undefined): Message['facts'] => (trigger ? [['Started by', trigger]] : []);

/** The registry version and how it was approved (the Model deployed and Model rolled back emails). */
function approvalFacts(ref: ModelDeployedDetail['modelPackage'], approval: ModelDeployedDetail['approval']): Message['facts'] {
  const facts: Message['facts'] = [];
  if (ref) facts.push(['Registry version', `${ref.version} of ${ref.group} (${ref.arn})`]);
  if (!approval) return facts;
  const who = approval.by === 'gate' ? 'the quality gate (modelApproval auto)' : `by hand${approval.approver ? ` (${approval.approver})` : ''}`;
  facts.push(['Approved', `${who} at ${approval.approvedAt}${approval.description ? `: ${approval.description}` : ''}`]);
  if (approval.overrodeGate) facts.push(['Overrode the gate', `the gate had refused it: ${(approval.gateReasons ?? []).join('; ') || 'see the report'}`]);
  return facts;
}

function modelAwaitingApproval(d: ModelAwaitingApprovalDetail): Message {
  const e = d.evaluation;
  const facts: Message['facts'] = [
    ['Run', d.runId],
    ...triggerFacts(d.trigger),
    ['Training job', d.trainingJobName],
    ['Registry version', `${d.modelPackage.version} of ${d.modelPackage.group} (${d.modelPackage.arn})`],
    ...evaluationFacts(e),
    ...rowFacts(d.rows),
  ];
  const table = classTable(e);
  return {
    ...(table ? { table } : {}),
    subject: `version ${d.modelPackage.version} of run ${d.runId} (${percent(e.challenger.accuracy)} on the test split)`,
    headline: `The model trained in run ${d.runId} passed the quality gate and waits for a person to approve it (modelApproval manual). Nothing changed on the endpoint.`,
    facts,
    nextSteps: [
      `To deploy it: ${d.approveCommand}`,
      `To turn it down: ${d.rejectCommand}`,
      'Approving it anywhere else (the SageMaker console, Studio) deploys it too; the model in service keeps serving until then.',
      ...rowSteps(d.rows),
    ],
  };
}

function modelRolledBack(d: ModelRolledBackDetail): Message {
  const facts: Message['facts'] = [
    ['Run', d.runId],
    ['Endpoint', d.endpointName],
    ['Model', d.modelName],
    ['Endpoint config', d.endpointConfigName],
    ...(d.fromVersion !== undefined ? ([['Rolled back from version', String(d.fromVersion)]] as Message['facts']) : []),
    ...approvalFacts(d.modelPackage, d.approval),
    ['Reason', d.reason],
    ...evaluationFacts(d.evaluation),
  ];
  return {
    subject: `${d.endpointName} serves version ${d.modelPackage.version} (run ${d.runId}) again`,
    headline: `Endpoint ${d.endpointName} serves version ${d.modelPackage.version} of ${d.modelPackage.group} again${d.fromVersion !== undefined ? `, instead of version ${d.fromVersion}` : ''}.`,
    facts,
    nextSteps: [
      `npm run models -- --stage ${d.stage} lists the versions and which one serves.`,
      'The version rolled back from is marked Rejected in the registry; approving it again deploys it again.',
    ],
  };
}

function modelRejected(d: ModelRejectedDetail): Message {
  const facts: Message['facts'] = [
    ['Run', d.runId],
    ...triggerFacts(d.trigger),
    ['Training job', d.trainingJobName],
    ['Validation accuracy', percent(d.metrics.validationAccuracy)],
    ['Minimum accuracy', percent(d.gate.minAccuracy)],
    ['Tolerated drop', percent(d.gate.tolerance)],
  ];
  if (d.gate.servingModel) {
    const serving = d.gate.servingAccuracy === undefined ? 'accuracy unknown' : percent(d.gate.servingAccuracy);
    facts.push(['Model in service', `${d.gate.servingModel} (${serving})`]);
  }
  facts.push(['Reason', d.reason]);
  facts.push(...evaluationFacts(d.evaluation));
  facts.push(...rowFacts(d.rows));
  const accuracy = d.evaluation?.challenger.accuracy ?? d.metrics.validationAccuracy;
  const inService = d.evaluation ? d.evaluation.champion !== null : d.gate.servingModel !== undefined;
  const table = classTable(d.evaluation);
  // A floor just under what this model reached, in the --param the deployment service takes.
  const floor = Math.max(0, Math.floor(accuracy * 100) / 100);
  return {
    ...(table ? { table } : {}),
    subject: `run ${d.runId} scored ${percent(accuracy)}${d.evaluation ? ' on the test split' : ''}`,
    headline: `The model trained in run ${d.runId} did not pass the quality gate and was not deployed: ${d.reason}.`,
    facts,
    nextSteps: [
      inService
        ? 'Nothing changed on the endpoint: the model in service keeps serving.'
        : 'No model is in service: the endpoint has nothing to serve until a model passes the gate.',
      'Look at the new data and at the weakest classes above: mislabeled or unbalanced drops lower the accuracy. Fix them and drop corrected data under incoming/ to retrain.',
      inService
        ? `If the thresholds are too strict for this data, change them: cd services/deployment && npx serverless deploy --stage ${d.stage} --param="minAccuracy=${floor}" --param="maxAccuracyDrop=${d.gate.tolerance}".`
        : `If ${percent(accuracy)} is as good as this data allows, lower the floor: cd services/deployment && npx serverless deploy --stage ${d.stage} --param="minAccuracy=${floor}", then drop the data again.`,
      ...(d.modelPackage
        ? [
            `It is kept in the registry as version ${d.modelPackage.version} (Rejected). To deploy it anyway, overriding the gate: aws sagemaker update-model-package --model-package-arn ${d.modelPackage.arn} --model-approval-status Approved --approval-description "<why>".`,
          ]
        : []),
      ...rowSteps(d.rows),
    ],
  };
}

const NEXT_STEPS_BY_STEP: Record<PipelineFailedDetail['failedStep'], string> = {
  ingestion: 'Check the ingestion function logs; the drop is still in the data bucket.',
  preprocessing: 'Check the Glue job run (its error message and logs); accepted data stays under labeled/ for the next run.',
  training: 'Check the training job in SageMaker and its logs under /aws/sagemaker/TrainingJobs.',
  evaluation: 'Check the transform job in SageMaker (its FailureReason) and its logs under /aws/sagemaker/TransformJobs. Nothing was deployed; the model in service keeps serving.',
  deployment: 'Check the endpoint in SageMaker and its logs under /aws/sagemaker/Endpoints. The previous model keeps serving.',
};

function pipelineFailed(d: PipelineFailedDetail): Message {
  const facts: Message['facts'] = [
    ['Run', d.runId],
    ...triggerFacts(d.trigger),
    ['Failed step', d.failedStep],
    ['Resource', d.resource],
  ];
  if (d.state) facts.push(['State', d.state]);
  facts.push(['Reason', d.reason]);
  facts.push(...rowFacts(d.rows));
  return {
    subject: `${d.failedStep} of run ${d.runId}`,
    headline: `Run ${d.runId} stopped at the ${d.failedStep} step (${d.resource}).`,
    facts,
    nextSteps: [
      NEXT_STEPS_BY_STEP[d.failedStep],
      d.trigger
        ? `Once the cause is fixed, start a new run the same way (${d.trigger.startsWith('schedule ') ? 'the schedule fires again' : `npm run retrain -- --stage ${d.stage}`}), or drop new data under incoming/.`
        : 'Once the cause is fixed, drop the data again under incoming/ (or any new drop) to start a new run.',
      ...rowSteps(d.rows),
    ],
  };
}

function datasetRejected(d: DatasetRejectedDetail): Message {
  const facts: Message['facts'] = [
    ['File', `s3://${d.bucket}/${d.key}`],
    ['Moved to', `s3://${d.bucket}/${d.rejectedKey}`],
    ['Reason', d.reason],
  ];
  if (d.size !== undefined) facts.push(['Size', `${d.size} bytes`]);
  facts.push(['Run', d.runId]);
  return {
    subject: `${oneLine(d.key)} (${oneLine(d.reason, 60)})`,
    headline: `The file ${d.key} was not accepted for training: ${d.reason}.`,
    facts,
    nextSteps: [
      `The details are in s3://${d.bucket}/${d.rejectedKey}.error.json.`,
      'Accepted formats: .csv (label,title,content), .jsonl ({"label", "text"}) and .txt in fastText format (__label__X text).',
      'Fix the file and drop it again under incoming/.',
    ],
  };
}

function datasetUnchanged(d: DatasetUnchangedDetail): Message {
  const facts: Message['facts'] = [
    ['File', `s3://${d.bucket}/${d.key}`],
    ['Same content as', `s3://${d.bucket}/${d.duplicateOf}`],
  ];
  if (d.size !== undefined) facts.push(['Size', `${d.size} bytes`]);
  facts.push(['Run', `${d.runId} (not started)`]);
  return {
    subject: `${oneLine(d.key)} duplicates ${oneLine(d.duplicateOf)}`,
    headline: `The file ${d.key} holds exactly the content of ${d.duplicateOf}, which the corpus already has: there is nothing new to train on, so no run started.`,
    facts,
    nextSteps: [
      'Nothing to do if the file was dropped twice by mistake: the corpus and the model in service are unchanged.',
      `The drop was removed from incoming/; its content stays in the corpus as ${d.duplicateOf}.`,
      'To train on more data, drop a file with new rows under incoming/.',
    ],
  };
}

/** An email template: the email for an event, and what the event announces. */
interface EmailTemplate<T extends PipelineDetailType> {
  message: (detail: PipelineEventDetails[T]) => Message;
  /**
   * What the event announces, the same when the news is published again (a repeated endpoint event
   * republishes Model Deployed): the notification service sends one email per announcement (markers.ts).
   */
  announces: (detail: PipelineEventDetails[T]) => string;
}

/** One template per pipeline event (a new entry in PIPELINE_EVENTS is a compile error here until it has one). */
const EMAIL_TEMPLATES: { [T in PipelineDetailType]: EmailTemplate<T> } = {
  'Dataset Rejected': { message: datasetRejected, announces: (d) => `${d.runId}/${d.key}` },
  'Dataset Unchanged': { message: datasetUnchanged, announces: (d) => `${d.runId}/${d.key}` },
  'Pipeline Failed': { message: pipelineFailed, announces: (d) => `${d.runId}/${d.failedStep}` },
  'Model Rejected': { message: modelRejected, announces: (d) => d.runId },
  // A version deployed again later (approved again, rolled back to) is news again: its approval time tells it apart.
  'Model Deployed': { message: modelDeployed, announces: (d) => (d.approval ? `${d.runId}/${d.approval.approvedAt}` : d.runId) },
  'Model Awaiting Approval': { message: modelAwaitingApproval, announces: (d) => d.runId },
  'Model Rolled Back': { message: modelRolledBack, announces: (d) => `${d.runId}/${d.approval.approvedAt}` },
};

function templateMessage<T extends PipelineDetailType>(detailType: T, detail: PipelineEventDetails[T]): Message {
  return EMAIL_TEMPLATES[detailType].message(detail);
}

/** What the event announces (see EmailTemplate.announces). */
export function announcementOf<T extends PipelineDetailType>(detailType: T, detail: PipelineEventDetails[T]): string {
  return EMAIL_TEMPLATES[detailType].announces(detail);
}

function messageFor(event: PipelineEventEnvelope): Message {
  const message = templateMessage(event['detail-type'], event.detail);
  const subject = `[${event.detail.stage}] ${PIPELINE_EVENTS[event['detail-type']].emailSubject}: ${message.subject}`;
  return { ...message, subject };
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function asText(message: Message, event: PipelineEventEnvelope): string {
  const width = Math.max(...message.facts.map(([label]) => label.length)) + 2;
  return [
    message.headline,
    '',
    ...message.facts.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
    '',
    ...(message.table ? [...textTable(message.table), ''] : []),
    'What to do next:',
    ...message.nextSteps.map((step) => `- ${step}`),
    '',
    `-- ml-pipeline (${event.source}, event ${event.id} at ${event.time})`,
    '',
  ].join('\n');
}

function textTable(table: NonNullable<Message['table']>): string[] {
  const widths = table.header.map((title, i) => Math.max(title.length, ...table.rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [`${table.caption}:`, line(table.header), ...table.rows.map(line)];
}

function htmlTable(table: NonNullable<Message['table']>): string {
  const head = table.header.map((title) => `<th>${escapeHtml(title)}</th>`).join('');
  const body = table.rows
    .map((row) => `<tr>${row.map((cell, i) => (i === 0 ? `<td>${escapeHtml(cell)}</td>` : `<td align="right">${escapeHtml(cell)}</td>`)).join('')}</tr>`)
    .join('');
  return `<h3>${escapeHtml(table.caption)}</h3><table cellpadding="4" border="1" style="border-collapse: collapse"><tr>${head}</tr>${body}</table>`;
}

function asHtml(message: Message, event: PipelineEventEnvelope): string {
  const rows = message.facts
    .map(([label, value]) => `<tr><th align="left" valign="top">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  const steps = message.nextSteps.map((step) => `<li>${escapeHtml(step)}</li>`).join('');
  return [
    '<!DOCTYPE html><html><body style="font-family: sans-serif">',
    `<p>${escapeHtml(message.headline)}</p>`,
    `<table cellpadding="4">${rows}</table>`,
    ...(message.table ? [htmlTable(message.table)] : []),
    `<h3>What to do next</h3><ul>${steps}</ul>`,
    `<p style="color: #777; font-size: small">ml-pipeline (${escapeHtml(event.source)}, event ${escapeHtml(event.id)} at ${escapeHtml(event.time)})</p>`,
    '</body></html>',
  ].join('\n');
}

/** Renders one pipeline event into the email that tells a person what happened and what to do. */
export function renderEmail(event: PipelineEventEnvelope): Email {
  const message = messageFor(event);
  return { subject: oneLine(message.subject, 200), text: asText(message, event), html: asHtml(message, event) };
}
