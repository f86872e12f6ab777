/**
 * What AWS's errors mean, in one place. An SDK v3 client throws the service's error code as the
 * error's `name` and the HTTP status in `$metadata`; some services (SageMaker) answer several cases
 * with one generic code and say which in the message.
 */
interface AwsErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const shape = (error: unknown): AwsErrorShape => (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;

/** S3 and Glue: the object or entity does not exist (NoSuchKey / NotFound / EntityNotFoundException, or a 404). */
export function isNotFound(error: unknown): boolean {
  const { name, $metadata } = shape(error);
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'EntityNotFoundException' || $metadata?.httpStatusCode === 404;
}

/** S3: a conditional write (IfNoneMatch / IfMatch) found the condition false (412). */
export function isPreconditionFailed(error: unknown): boolean {
  const { name, $metadata } = shape(error);
  return name === 'PreconditionFailed' || $metadata?.httpStatusCode === 412;
}

/** Glue StartJobRun: the job runs as many runs as its MaxConcurrentRuns allows. */
export const isConcurrentRunsExceeded = (error: unknown): boolean => shape(error).name === 'ConcurrentRunsExceededException';

/**
 * SageMaker answers most "not found", "already exists" and "in progress" cases with a generic
 * ValidationException whose message says what happened (e.g. `Could not find endpoint "x".`,
 * `Cannot create already existing model "arn:..."`), so the message is what tells them apart.
 */
export function isSageMakerValidation(error: unknown, messagePattern: RegExp): boolean {
  const { name, message } = shape(error);
  return name === 'ValidationException' && messagePattern.test(message ?? '');
}

/**
 * SageMaker Create*: a resource of that name exists already. CreateTrainingJob answers ResourceInUse
 * (documented) or a ValidationException saying so; CreateModel, CreateEndpointConfig and CreateEndpoint
 * answer `Cannot create already existing ...`.
 */
export const isSageMakerAlreadyExisting = (error: unknown): boolean =>
  shape(error).name === 'ResourceInUse' || isSageMakerValidation(error, /already exist/i);

/** SageMaker UpdateEndpoint: the endpoint is being created, updated or deleted. */
export const isSageMakerEndpointInProgress = (error: unknown): boolean =>
  isSageMakerValidation(error, /^Cannot update in-progress endpoint/);

/** SageMaker Describe* / Delete*: the resource does not exist. */
export const isSageMakerMissing = (error: unknown): boolean =>
  shape(error).name === 'ResourceNotFound' || isSageMakerValidation(error, /^(Could not find|Requested resource not found)/);
