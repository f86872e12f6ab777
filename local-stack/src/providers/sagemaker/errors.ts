/** SageMaker's errors: ValidationException (400) for bad input and, mostly, for resources that do not exist; ConflictException. */
import { AwsError } from '../../core/types';

export function validationException(message: string): AwsError {
  return new AwsError('ValidationException', message, 400);
}

/** A change the resource's state does not allow (deleting a model package group that holds versions). */
export function conflictException(message: string): AwsError {
  return new AwsError('ConflictException', message, 400);
}
