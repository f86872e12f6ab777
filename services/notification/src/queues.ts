/** The notification queue and its dead-letter queue (serverless.yml names them the same way). */
export const notificationQueueName = (stage: string): string => `ml-pipeline-${stage}-notifications`;
export const notificationDeadLetterQueueName = (stage: string): string => `ml-pipeline-${stage}-notifications-dlq`;
