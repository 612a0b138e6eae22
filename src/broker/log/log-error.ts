// Errors the log reports to the broker, each carrying the Kafka error code the handler puts in the
// response, so the produce/fetch handlers can map them without string matching.

import { ErrorCode } from '../../protocol/error-codes.ts';

export const OFFSET_OUT_OF_RANGE = ErrorCode.OFFSET_OUT_OF_RANGE;
export const CORRUPT_MESSAGE = ErrorCode.CORRUPT_MESSAGE;
// Kafka's RecordTooLargeException, sent as MESSAGE_TOO_LARGE (10).
export const RECORD_TOO_LARGE = ErrorCode.MESSAGE_TOO_LARGE;
export const INVALID_CONFIG = ErrorCode.INVALID_CONFIG;
export const KAFKA_STORAGE_ERROR = ErrorCode.KAFKA_STORAGE_ERROR;
export const INVALID_RECORD = ErrorCode.INVALID_RECORD;

export class LogError extends Error {
  override name = 'LogError';
  readonly code: number;
  // Kafka marks KAFKA_STORAGE_ERROR retriable (another replica may serve); the rest are the request's fault.
  readonly retriable: boolean;

  constructor(code: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retriable = code === ErrorCode.KAFKA_STORAGE_ERROR;
  }
}
