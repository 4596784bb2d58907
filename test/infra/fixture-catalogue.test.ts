import { describeCatalogueWiring } from '#test/infra/support/catalogue-wiring.ts';
import { fixtureFunctions, fixtureQueues } from '#test/infra/fixtures/catalogue.ts';

describeCatalogueWiring('a catalogue that uses every feature', { functions: fixtureFunctions, queues: fixtureQueues, fixture: true });
