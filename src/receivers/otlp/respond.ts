import { encodeExportResponse, encodeRpcStatus, exportResponseJson, rpcStatusJson, type ResponseSignal } from './encode-response.js';

/** The two OTLP body encodings. */
export type Encoding = 'protobuf' | 'json';

/** An Export*ServiceResponse body; partial_success only when something was refused. */
export function exportResponse(signal: ResponseSignal, rejected: number, message: string, encoding: Encoding): Uint8Array | string {
  const partial = rejected > 0 || message ? { rejected, errorMessage: message } : undefined;
  return encoding === 'protobuf' ? encodeExportResponse(signal, partial) : JSON.stringify(exportResponseJson(signal, partial));
}

/** A google.rpc.Status error body. */
export function statusBody(code: number, message: string, encoding: Encoding): Uint8Array | string {
  return encoding === 'protobuf' ? encodeRpcStatus({ code, message }) : JSON.stringify(rpcStatusJson({ code, message }));
}
