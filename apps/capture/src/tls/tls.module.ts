import { Global, Module, type DynamicModule } from '@nestjs/common';
import { INITIAL_TLS_MATERIAL, TlsCertificates } from './tls-certificates.service';
import type { TlsMaterial } from './tls-material';

/** The material is loaded before the app is built, because the HTTPS server needs it at creation. */
@Global()
@Module({})
export class TlsModule {
  static with(initial: TlsMaterial): DynamicModule {
    return {
      module: TlsModule,
      providers: [{ provide: INITIAL_TLS_MATERIAL, useValue: initial }, TlsCertificates],
      exports: [TlsCertificates],
    };
  }
}
