export { CloudFormationProvider } from './provider';
export { CloudFormationEngine } from './model/engine';
export { CLOUDFORMATION_XMLNS } from './operations';
