import { hubFunctions, hubQueues } from '#infra/catalogue.ts';
import { describeCatalogueWiring } from '#test/infra/support/catalogue-wiring.ts';

describeCatalogueWiring('the real catalogue', { functions: hubFunctions, queues: hubQueues, fixture: false });
