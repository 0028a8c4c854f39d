/** The stored form of ts-nspawn's settings now lives with their typed model in settings.ts. */
export { ANNOTATION, splitList } from './settings.js';
