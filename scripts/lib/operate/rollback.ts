/**
 * `npm run rollback`: puts an earlier version back in service through the registry, so that the deployment's own
 * event path (`SageMaker Model Package State Change` -> deployApprovedModel) deploys it. The version serving now is set
 * Rejected ("Rolled back to version N"), so that it is not "the previous approved version" of a later rollback; the
 * target is set Approved with a description starting ROLLBACK_DESCRIPTION_PREFIX and metadata `rollbackFrom`, which is
 * how the deployment knows to announce `Model Rolled Back`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, UpdateModelPackageCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { MODEL_PACKAGE_METADATA, ROLLBACK_DESCRIPTION_PREFIX } from '../../../shared/src/names';
import { artifactExists, stageModels, type ModelVersionRow, type StageModels } from './versions';
import { OperatorError } from './stage-target';

export interface RollbackPlan {
  models: StageModels;
  from: ModelVersionRow | undefined;
  to: ModelVersionRow;
}

const describe = (v: ModelVersionRow): string =>
  `version ${v.version} (${v.status}, run ${v.runId ?? '?'}${v.testAccuracy === undefined ? '' : `, test accuracy ${(v.testAccuracy * 100).toFixed(2)}%`})`;

/** The versions one can roll back to: Approved, not serving, their artifact still there. */
async function candidates(s3: S3Client, models: StageModels): Promise<ModelVersionRow[]> {
  const approved = models.versions.filter((v) => v.status === 'Approved' && !v.serving);
  const present = await Promise.all(approved.map((v) => artifactExists(s3, v.artifact)));
  return approved.filter((_, i) => present[i]);
}

function refusal(why: string, choices: ModelVersionRow[]): OperatorError {
  const list = choices.length === 0 ? 'there is no version to roll back to (none other is Approved with its artifact still in S3)' : `versions you can roll back to: ${choices.map(describe).join('; ')}`;
  return new OperatorError(`${why}; ${list}`);
}

/** The version serving now and the one to put back: `to` (any status, its artifact present), else the previous approved one. */
export async function planRollback(deps: { sagemaker: SageMakerClient; s3: S3Client }, stage: string, to: number | undefined): Promise<RollbackPlan> {
  const models = await stageModels(deps.sagemaker, stage);
  const from = models.versions.find((v) => v.serving);
  const choices = await candidates(deps.s3, models);
  if (models.versions.length === 0) throw new OperatorError(`the registry ${models.group} has no versions: nothing to roll back to`);
  if (to !== undefined) {
    const target = models.versions.find((v) => v.version === to);
    if (!target) throw refusal(`version ${to} does not exist in ${models.group}`, choices);
    if (target.serving) throw refusal(`version ${to} is the one ${models.endpointName} serves already`, choices);
    if (!(await artifactExists(deps.s3, target.artifact))) throw refusal(`version ${to}'s model artifact ${target.artifact ?? '(none)'} was deleted`, choices);
    return { models, from, to: target };
  }
  if (!from) throw refusal(`${models.endpointName} serves no version of ${models.group}, so there is no previous one: name one with --to`, choices);
  const previous = choices.filter((v) => v.version < from.version).sort((a, b) => b.version - a.version)[0];
  if (!previous) throw refusal(`no Approved version before version ${from.version} has its artifact`, choices);
  return { models, from, to: previous };
}

/** Sets the serving version Rejected and the target Approved; returns the time of the approval (its update). */
export async function applyRollback(sagemaker: SageMakerClient, plan: RollbackPlan, reason: string): Promise<void> {
  const why = reason.trim() || 'rolled back by npm run rollback';
  if (plan.from) {
    await sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: plan.from.arn,
        ModelApprovalStatus: 'Rejected',
        ApprovalDescription: `Rolled back to version ${plan.to.version}: ${why}`.slice(0, 1024),
      }),
    );
  }
  await sagemaker.send(
    new UpdateModelPackageCommand({
      ModelPackageArn: plan.to.arn,
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: `${ROLLBACK_DESCRIPTION_PREFIX}${plan.from?.version ?? 'none'}: ${why}`.slice(0, 1024),
      ...(plan.from ? { CustomerMetadataProperties: { [MODEL_PACKAGE_METADATA.rollbackFrom]: String(plan.from.version) } } : {}),
    }),
  );
}

/** Waits (bounded) until the endpoint is InService on the target's config (named after its training job). */
export async function waitForServing(
  sagemaker: SageMakerClient,
  endpoint: string,
  configName: string,
  timeoutMs: number,
  onStatus: (status: string) => void = () => {},
  pollMs = 250,
): Promise<number> {
  const started = Date.now();
  let last = '';
  for (;;) {
    const described = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    const status = `${described.EndpointStatus ?? '?'} on ${described.EndpointConfigName ?? '?'}`;
    if (status !== last) onStatus((last = status));
    if (described.EndpointStatus === 'InService' && described.EndpointConfigName === configName) return Date.now() - started;
    if (described.EndpointStatus === 'Failed') throw new OperatorError(`endpoint ${endpoint} failed: ${described.FailureReason ?? 'no reason given'}`);
    if (Date.now() - started > timeoutMs) {
      throw new OperatorError(`endpoint ${endpoint} is ${status} after ${Math.round(timeoutMs / 1000)} s; the deployment goes on (npm run models shows which version serves)`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
