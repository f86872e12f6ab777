export { StsProvider, STS_XMLNS } from './provider';
