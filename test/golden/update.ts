// `npm run golden:update`: rewrite every golden trace from its scenario's run. Review the diff
// in git before committing: a golden trace changes only with intended behaviour or format.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, GOLDEN_SCENARIOS, goldenTrace } from './golden.ts';

for (const { scenario, trace } of GOLDEN_SCENARIOS) {
  const text = goldenTrace(scenario);
  writeFileSync(join(GOLDEN_DIR, trace), text);
  console.log(`${trace}: ${text.split('\n').length - 2} events, ${text.length} bytes`);
}
