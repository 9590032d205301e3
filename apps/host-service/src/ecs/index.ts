export { appNameFromImage, createFractalCreateHook, FRACTAL_ID_PLACEHOLDER } from './fractal-create-hook';
export type { FractalCreateHookDeps } from './fractal-create-hook';
