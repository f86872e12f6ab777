'use strict';

/**
 * The stage's registry group (`ModelPackageGroup`, AWS::SageMaker::ModelPackageGroup, DeletionPolicy Retain) outlives
 * the deployment stack on purpose: `npm run teardown` keeps the record of every model. CloudFormation cannot create a
 * resource that exists, nor adopt it, so before `serverless deploy` this plugin looks: when the group exists and the
 * stack does not hold it (the stack was deleted and is created anew, or was created over a kept group), the group is
 * left out of the template and the stack uses it as it is (the functions find it by name). Works with the provider's
 * credentials and endpoint (`provider.getAwsSdkV3Config()`, the local stack's with --stage local).
 */
const { CloudFormationClient, DescribeStackResourceCommand } = require('@aws-sdk/client-cloudformation');
const { DescribeModelPackageGroupCommand, SageMakerClient } = require('@aws-sdk/client-sagemaker');

const LOGICAL_ID = 'ModelPackageGroup';

class RegistryGroupPlugin {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    this.log = log ?? { notice: console.log };
    this.hooks = { 'before:deploy:deploy': () => this.keepExistingGroup() };
  }

  async keepExistingGroup() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate?.Resources ?? {};
    const group = resources[LOGICAL_ID]?.Properties?.ModelPackageGroupName;
    if (!group) return;
    const config = await this.provider.getAwsSdkV3Config();
    const sagemaker = new SageMakerClient(config);
    const cloudformation = new CloudFormationClient(config);
    try {
      try {
        await sagemaker.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group }));
      } catch (error) {
        if (error.name === 'ValidationException' && /does not exist|not found|Could not find/i.test(error.message)) return;
        throw error;
      }
      try {
        await cloudformation.send(new DescribeStackResourceCommand({ StackName: this.provider.naming.getStackName(), LogicalResourceId: LOGICAL_ID }));
        return; // the stack holds it: CloudFormation keeps managing it
      } catch (error) {
        if (!/does not exist|not found/i.test(error.message ?? '')) throw error;
      }
      delete resources[LOGICAL_ID];
      this.log.notice(`Registry ${group} exists already (kept by an earlier teardown or stack): the stack uses it as it is`);
    } finally {
      sagemaker.destroy();
      cloudformation.destroy();
    }
  }
}

module.exports = RegistryGroupPlugin;
