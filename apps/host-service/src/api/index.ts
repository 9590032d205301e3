export { createApi, API_ROUTES, MAX_BODY_BYTES } from './create-api';
export type { ApiDeps } from './create-api';
export type { ApiDrain, ApiManager } from './routes';
export { ApiError, errorBody } from './api-error';
export type { ApiErrorCode, ErrorBody } from './api-error';
export { buildOpenApiDocument } from './openapi';
