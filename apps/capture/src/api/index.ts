export { ApiModule } from './api.module';
export { ApiExceptionFilter } from './api-errors';
