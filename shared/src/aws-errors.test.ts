import {
  isConcurrentRunsExceeded,
  isNotFound,
  isPreconditionFailed,
  isSageMakerAlreadyExisting,
  isSageMakerEndpointInProgress,
  isSageMakerMissing,
} from './aws-errors';

const awsError = (name: string, message = '', httpStatusCode = 400) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

describe('AWS error predicates', () => {
  it('tell S3 and Glue "missing" and "condition failed" from the rest', () => {
    expect(isNotFound(awsError('NoSuchKey', '', 404))).toBe(true);
    expect(isNotFound(awsError('NotFound', '', 404))).toBe(true);
    expect(isNotFound(awsError('EntityNotFoundException'))).toBe(true);
    expect(isNotFound(awsError('AccessDenied', '', 403))).toBe(false);
    expect(isPreconditionFailed(awsError('PreconditionFailed', '', 412))).toBe(true);
    expect(isPreconditionFailed(awsError('Unknown', '', 412))).toBe(true);
    expect(isPreconditionFailed(awsError('AccessDenied', '', 403))).toBe(false);
    expect(isConcurrentRunsExceeded(awsError('ConcurrentRunsExceededException'))).toBe(true);
    expect(isConcurrentRunsExceeded(awsError('ThrottlingException'))).toBe(false);
  });

  it("read SageMaker's ValidationException messages", () => {
    expect(isSageMakerAlreadyExisting(awsError('ValidationException', 'Cannot create already existing model "arn:x".'))).toBe(true);
    expect(isSageMakerAlreadyExisting(awsError('ResourceInUse', 'Training job names must be unique'))).toBe(true);
    expect(isSageMakerAlreadyExisting(awsError('ValidationException', 'a training job with this name already exists'))).toBe(true);
    expect(isSageMakerAlreadyExisting(awsError('ValidationException', 'Invalid hyperparameter epochs'))).toBe(false);
    expect(isSageMakerEndpointInProgress(awsError('ValidationException', 'Cannot update in-progress endpoint "arn:x".'))).toBe(true);
    expect(isSageMakerMissing(awsError('ValidationException', 'Could not find endpoint "x".'))).toBe(true);
    expect(isSageMakerMissing(awsError('ResourceNotFound'))).toBe(true);
    expect(isSageMakerMissing(awsError('ThrottlingException', 'Could not find endpoint'))).toBe(false);
  });

  it('answer false for what is not an AWS error', () => {
    for (const value of [undefined, null, 'NoSuchKey', 42]) {
      expect(isNotFound(value)).toBe(false);
      expect(isSageMakerMissing(value)).toBe(false);
      expect(isPreconditionFailed(value)).toBe(false);
    }
  });
});
