export { EcrProvider } from './provider';
