// @ts-check
// A consuming app in plain JavaScript: no TypeScript, no tsx, just the built package imported by
// name. Register, log in, show who we are. Token rotation needs no code here: the client follows it.
//
//   npm run build && AZUMA_URL=http://127.0.0.1:3000 node examples/quickstart.mjs [name] [cookie]
import { AzumaError, createAzumaClient } from '@azuma/client';

const baseUrl = process.env.AZUMA_URL ?? 'http://127.0.0.1:3000';
const name = process.argv[2] ?? `quickstart_${Date.now().toString(36)}`;
const auth = process.argv[3] === 'cookie' ? 'cookie' : 'header';
const password = 'correct horse battery staple';

let tokenChanges = 0;
const azuma = createAzumaClient({
  baseUrl,
  auth,
  // A real app would persist the token here (file, keychain, localStorage) to resume later.
  onToken: () => tokenChanges++,
});

try {
  const { version } = await azuma.version();
  await azuma.register({ name, password });
  await azuma.login({ name, password });
  const me = await azuma.me();
  const again = await azuma.me(); // on a short-lived session the token rotated in between
  console.log(`Azuma ${version}: logged in as ${me.name} (${me._id.$oid}) with ${auth} auth`);
  console.log(`still ${again.name} after ${tokenChanges} token changes`);
} catch (error) {
  if (!(error instanceof AzumaError)) throw error; // network failures and bugs keep their stack
  console.error(`Azuma refused: ${error.status} ${error.message}${error.detail ? ` (${error.detail})` : ''}`);
  process.exitCode = 1;
}
