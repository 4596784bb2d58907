/**
 * `npm run token -- --tenant <id> [--admin] [--departments a,b] [--sub <user>] [--ttl <seconds>]`
 * prints a console token the local stack accepts; `npm run token -- --service <name>` prints a
 * token for the internal route; `npm run token -- --operator [--sub <user>]` an operator's token
 * (role `operator`, no tenant: the operator routes for any tenant and nothing else). Only the token
 * goes to stdout, so `TOKEN=$(npm run -s token -- …)` works; mistakes go to stderr with exit code 2.
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '#shared/config/config.ts';
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  identifierPattern,
  loadJwtSecret,
  localDataDir,
  mintConsoleToken,
  mintOperatorToken,
  mintServiceToken,
  serviceNamePattern,
} from '#infra/local/tokens.ts';

const usage = `Usage:
  npm run token -- --tenant <id> [--admin] [--departments a,b] [--sub <user>] [--ttl <seconds>]
  npm run token -- --service <name> [--ttl <seconds>]
  npm run token -- --operator [--sub <user>] [--ttl <seconds>]

Prints a JWT for the local stack (npm start) on stdout, signed with LOCAL_JWT_SECRET or the key
kept in <data dir>/jwt-secret (data dir: --data-dir, LOCAL_DATA_DIR or .local).

  --tenant <id>        the tenant the console user belongs to
  --admin              role "admin" (every action of the tenant); without it, role "member" (reads)
  --departments a,b    the user's departments (a member sees the accounts granted to them)
  --sub <user>         the user id (default local-admin / local-user)
  --ttl <seconds>      lifetime (default ${DEFAULT_TOKEN_TTL_SECONDS}, 12 h)
  --service <name>     a service token for GET /v1/internal/accounts/{appid}/access-token
  --operator           a platform operator (role "operator", no tenant): GET/PATCH
                       /v1/operator/tenants/{tenantId} for any tenant, and no tenant route
                       (--sub default local-operator)
  --data-dir <path>    where the local stack keeps its data
  --help               this text

Claim names follow JWT_TENANT_CLAIM, JWT_ROLES_CLAIM and JWT_DEPARTMENTS_CLAIM.`;

class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

async function main(argv: string[]): Promise<string | undefined> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        tenant: { type: 'string' },
        admin: { type: 'boolean' },
        departments: { type: 'string' },
        sub: { type: 'string' },
        ttl: { type: 'string' },
        service: { type: 'string' },
        operator: { type: 'boolean' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const flags = parsed.values;
  if (flags.help) return undefined;

  let ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS;
  if (flags.ttl !== undefined) {
    if (!/^\d{1,9}$/.test(flags.ttl) || Number(flags.ttl) < 1) fail('--ttl must be a whole number of seconds, at least 1.');
    ttlSeconds = Number(flags.ttl);
  }
  const secret = () => loadJwtSecret(flags['data-dir'] ? { dataDir: flags['data-dir'] } : { dataDir: localDataDir() });

  const claimNames = () =>
    // Only the claim names: the rest of the hub's configuration is none of this command's business.
    parseConfig({
      JWT_TENANT_CLAIM: process.env.JWT_TENANT_CLAIM,
      JWT_ROLES_CLAIM: process.env.JWT_ROLES_CLAIM,
      JWT_DEPARTMENTS_CLAIM: process.env.JWT_DEPARTMENTS_CLAIM,
    }).claims;
  if (flags.sub !== undefined && (flags.sub.length === 0 || flags.sub.length > 256)) fail('--sub must be 1 to 256 characters.');

  if (flags.operator) {
    if (flags.service !== undefined || flags.tenant !== undefined || flags.admin || flags.departments !== undefined) {
      fail('--operator makes an operator token; it takes no --service, --tenant, --admin or --departments.');
    }
    return mintOperatorToken(secret(), { ...(flags.sub === undefined ? {} : { sub: flags.sub }), ttlSeconds, claimNames: claimNames() });
  }

  if (flags.service !== undefined) {
    if (flags.tenant !== undefined || flags.admin || flags.departments !== undefined || flags.sub !== undefined) {
      fail('--service makes a service token; it takes no --tenant, --admin, --departments or --sub.');
    }
    if (!serviceNamePattern.test(flags.service)) fail('--service must be lowercase letters, digits and dashes, e.g. --service template-sender.');
    return mintServiceToken(secret(), { service: flags.service, ttlSeconds });
  }

  if (flags.tenant === undefined) fail('--tenant <id> is required (or --service <name> for a service token, --operator for an operator token).');
  if (!identifierPattern.test(flags.tenant)) fail('--tenant must be 1 to 128 of A-Z a-z 0-9 _ . : @ -');
  const departments =
    flags.departments === undefined
      ? []
      : flags.departments
          .split(',')
          .map((d) => d.trim())
          .filter(Boolean);
  for (const department of departments) {
    if (!identifierPattern.test(department)) fail(`--departments: "${department}" must be 1 to 128 of A-Z a-z 0-9 _ . : @ -`);
  }
  return mintConsoleToken(secret(), {
    tenant: flags.tenant,
    admin: flags.admin ?? false,
    departments,
    ...(flags.sub === undefined ? {} : { sub: flags.sub }),
    ttlSeconds,
    claimNames: claimNames(),
  });
}

try {
  const token = await main(process.argv.slice(2));
  if (token === undefined) process.stdout.write(`${usage}\n`);
  else process.stdout.write(`${token}\n`);
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`token: ${error.message}\n\n${usage}\n`);
    process.exit(2);
  }
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
