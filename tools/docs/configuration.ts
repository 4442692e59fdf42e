import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIGURATION_DOC, configurationDoc } from './configuration-doc.js';

/** `npm run docs:config`: writes docs/configuration.md from the config classes. */
const root = process.cwd();
writeFileSync(join(root, CONFIGURATION_DOC), await configurationDoc(root));
console.log(`wrote ${CONFIGURATION_DOC}`);
