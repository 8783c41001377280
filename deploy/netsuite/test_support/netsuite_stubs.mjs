// Stubs of the SuiteScript modules the tandem scripts use, built on node's own crypto and a real
// HTTP client: N/https, N/crypto, N/encode, N/runtime, N/record, N/search, N/log, N/task.
// `netsuite()` returns {modules, state}; tests set state (secrets, parameters, user, items) and
// read what the scripts did (posts, outbox records, logs, tasks). Unlike NetSuite's, the N/https
// stub also takes http:// URLs, so that tests reach a local tandem without TLS.
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

const HTTP_POST = join(dirname(fileURLToPath(import.meta.url)), 'http_post.mjs');
const ENCODINGS = { UTF_8: 'utf8', BASE_64: 'base64', HEX: 'hex' };

function suiteScriptError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

export function netsuite(initial = {}) {
  const state = {
    secrets: {},
    parameters: {},
    user: { id: 7, role: 3 },
    executionContext: 'USERINTERFACE',
    items: {},
    loadable: {},
    posts: [],
    customRecords: {},
    nextId: 100,
    logs: [],
    tasks: [],
    remainingUsage: 10000,
    ...initial,
  };

  const encode = { Encoding: { UTF_8: 'UTF_8', BASE_64: 'BASE_64', HEX: 'HEX' } };

  const crypto = {
    HashAlg: { SHA1: 'SHA1', SHA256: 'SHA256', SHA512: 'SHA512' },
    createSecretKey({ secret, guid, encoding }) {
      if (guid || !(secret in state.secrets)) {
        throw suiteScriptError('INVALID_SECRET_KEY', `no API secret ${secret}`);
      }
      return { secret, encoding, bytes: Buffer.from(state.secrets[secret], ENCODINGS[encoding || 'UTF_8']) };
    },
    createHmac({ algorithm, key }) {
      const hmac = createHmac(algorithm.toLowerCase(), key.bytes);
      return {
        update({ input, inputEncoding }) {
          hmac.update(Buffer.from(input, ENCODINGS[inputEncoding || 'UTF_8']));
        },
        digest({ outputEncoding }) {
          return hmac.digest(ENCODINGS[outputEncoding || 'HEX']);
        },
      };
    },
  };

  const https = {
    post({ url, body, headers }) {
      const request = { url, headers, body, timeoutMs: 45000 };
      const answer = JSON.parse(execFileSync(process.execPath, [HTTP_POST], { input: JSON.stringify(request) }));
      state.posts.push({ request, answer });
      if (answer.error) {
        throw suiteScriptError(answer.error.name, answer.error.message);
      }
      return answer;
    },
  };

  const runtime = {
    ContextType: {
      USER_INTERFACE: 'USERINTERFACE',
      WEBSERVICES: 'WEBSERVICES',
      REST_WEBSERVICES: 'RESTWEBSERVICES',
      SCHEDULED: 'SCHEDULED',
      CSV_IMPORT: 'CSVIMPORT',
    },
    get executionContext() {
      return state.executionContext;
    },
    getCurrentUser: () => ({ id: state.user.id, role: state.user.role }),
    getCurrentScript: () => ({
      id: 'customscript_tandem_test',
      deploymentId: 'customdeploy_tandem_test',
      getParameter: ({ name }) => (name in state.parameters ? state.parameters[name] : ''),
      getRemainingUsage: () => state.remainingUsage,
    }),
  };

  const table = (type) => {
    state.customRecords[type] = state.customRecords[type] || {};
    return state.customRecords[type];
  };

  const record = {
    create({ type }) {
      const values = {};
      return {
        type,
        setValue: ({ fieldId, value }) => {
          values[fieldId] = value;
        },
        getValue: ({ fieldId }) => values[fieldId],
        save: () => {
          state.nextId += 1;
          table(type)[state.nextId] = { ...values };
          return state.nextId;
        },
      };
    },
    load({ type, id }) {
      const stored = (state.customRecords[type] || {})[id];
      if (stored) {
        const values = { ...stored };
        return {
          type,
          id,
          getValue: ({ fieldId }) => (fieldId in values ? values[fieldId] : ''),
          setValue: ({ fieldId, value }) => {
            values[fieldId] = value;
          },
          save: () => {
            table(type)[id] = values;
            return id;
          },
        };
      }
      const loadable = state.loadable[`${type}:${id}`];
      if (loadable) {
        return loadable;
      }
      throw suiteScriptError('RCRD_DSNT_EXIST', `no ${type} ${id}`);
    },
    delete({ type, id }) {
      delete table(type)[id];
      return id;
    },
  };

  const results = (rows) => ({
    getRange: ({ start, end }) => rows.slice(start, end),
    each: (callback) => {
      for (const row of rows) {
        if (!callback(row)) {
          break;
        }
      }
    },
  });

  const search = {
    Type: { ITEM: 'item' },
    Operator: { IS: 'is', ANYOF: 'anyof' },
    Sort: { ASC: 'ASC', DESC: 'DESC' },
    createColumn: (column) => column,
    create({ type, filters, columns = [] }) {
      const [field, operator, value] = filters[0];
      if (type === 'item' && field === 'internalid' && operator === 'anyof') {
        const rows = value
          .filter((id) => id in state.items)
          .map((id) => ({ id, getValue: ({ name }) => state.items[id][name] }));
        return { run: () => results(rows) };
      }
      if (operator === 'is') {
        const sortBy = columns.find((column) => column.sort);
        const key = (values) => (sortBy && values[sortBy.name] ? new Date(values[sortBy.name]).getTime() : 0);
        const rows = Object.entries(state.customRecords[type] || {})
          .filter(([, values]) => values[field] === value)
          .sort(([, a], [, b]) => key(a) - key(b))
          .map(([id]) => ({ id: Number(id) }));
        return { run: () => results(rows) };
      }
      throw new Error(`the search stub has no ${type} search on ${field} ${operator}`);
    },
  };

  const logger = (level) => ({ title, details }) => state.logs.push({ level, title, details: String(details) });
  const log = { debug: logger('debug'), audit: logger('audit'), error: logger('error'), emergency: logger('emergency') };

  const task = {
    TaskType: { SCHEDULED_SCRIPT: 'SCHEDULED_SCRIPT' },
    create: (options) => ({ submit: () => state.tasks.push(options) }),
  };

  const modules = {
    'N/https': https,
    'N/crypto': crypto,
    'N/encode': encode,
    'N/runtime': runtime,
    'N/record': record,
    'N/search': search,
    'N/log': log,
    'N/task': task,
  };
  return { modules, state };
}
