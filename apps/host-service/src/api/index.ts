export { createApi, MAX_BODY_BYTES } from './create-api';
export type { ApiDeps } from './create-api';
export type { ApiManager } from './routes';
export { ApiError } from './api-error';
