/** SageMaker's error: a ValidationException (400) for bad input and for resources that do not exist. */
import { AwsError } from '../../core/types';

export function validationException(message: string): AwsError {
  return new AwsError('ValidationException', message, 400);
}
