/** Status reasons and the explanations Swift's swob puts in its default HTML error bodies. */
const REASONS: Record<number, [string, string]> = {
  200: ['OK', ''],
  201: ['Created', ''],
  202: ['Accepted', 'The request is accepted for processing.'],
  204: ['No Content', ''],
  206: ['Partial Content', ''],
  301: ['Moved Permanently', 'The resource has moved permanently.'],
  304: ['Not Modified', ''],
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'The method is not allowed for this resource.'],
  406: ['Not Acceptable', 'The resource is not available in a format acceptable to your browser.'],
  408: ['Request Timeout', 'The server has waited too long for the request to be sent by the client.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  411: ['Length Required', 'Length Required'],
  412: ['Precondition Failed', 'A precondition for this request was not met.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  414: ['Request URI Too Long', 'The request URI was too long for this server.'],
  415: ['Unsupported Media Type', 'The request media type is not supported by this server.'],
  416: ['Requested Range Not Satisfiable', 'The Range requested is not available.'],
  417: ['Expectation Failed', 'Expectation failed.'],
  422: ['Unprocessable Entity', 'Unable to process the contained instructions'],
  497: ['Blacklisted', 'Your account has been blacklisted'],
  498: ['Rate Limited', 'Slow down'],
  499: ['Client Disconnect', 'The client was disconnected during request.'],
  500: ['Internal Error', 'The server has either erred or is incapable of performing the requested operation.'],
  501: ['Not Implemented', 'The requested method is not implemented by this server.'],
  502: ['Bad Gateway', 'Bad gateway.'],
  503: ['Service Unavailable', 'The server is currently unavailable. Please try again at a later time.'],
  504: ['Gateway Timeout', 'A timeout has occurred speaking to a backend server.'],
  507: ['Insufficient Storage', 'There was not enough space to save the resource. Drive: unknown'],
};

export function statusReason(status: number): string {
  return REASONS[status]?.[0] ?? 'Unknown';
}

/** Swift's default error body: `<html><h1>Not Found</h1><p>The resource could not be found.</p></html>`. */
export function defaultErrorBody(status: number): string {
  const [title, explanation] = REASONS[status] ?? ['Error', ''];
  return `<html><h1>${title}</h1><p>${explanation}</p></html>`;
}
