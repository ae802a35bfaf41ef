/** The local SageMaker runtime: InvokeEndpoint for endpoints served in-process by their model handlers. */
export { createSageMakerRuntimeService, ModelContainerError, type ModelHandler } from './sagemaker-service';
