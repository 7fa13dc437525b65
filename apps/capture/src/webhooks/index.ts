// Webhooks' public face: the delivery worker's module, and the signature scheme (headers and check).
export { WebhooksModule } from './webhooks.module';
export { DELIVERY_HEADER, SIGNATURE_HEADER, WEBHOOK_HEADER, signWebhookBody, verifyWebhookSignature } from './webhook-signature';
