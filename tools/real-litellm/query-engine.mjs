// Stands in for Prisma's native `query-engine` binary, which prisma-client-py 0.11 launches and which no
// registry serves for linux x64. It only translates protocols: prisma-client-py speaks the engine's old
// GraphQL-over-HTTP protocol; every query is run by Prisma's real query engine (5.17, compiled to
// WebAssembly, from npm) through its PostgreSQL driver adapter. See docs/real-litellm.md.
//
//   query-engine --version          the version line prisma-client-py checks
//   query-engine -p PORT [flags]    serve on 127.0.0.1:PORT; schema from PRISMA_DML_PATH,
//                                   database from OVERWRITE_DATASOURCES or DATABASE_URL

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.LITEMAAS_ENGINE_NODE_MODULES || path.join(here, "node_modules");
const requireModule = createRequire(path.join(modules, "noop.js"));

// The engine version prisma-client-py 0.11.0 expects (Prisma 5.4.2); the real engine underneath is 5.17.0.
const EXPECTED_VERSION = "ac9d7041ed77bcc8a8dbd2ab6616b39013829574";

const args = process.argv.slice(2);
if (args.includes("--version") || args.includes("-V")) {
  process.stdout.write(`query-engine ${EXPECTED_VERSION}\n`);
  process.exit(0);
}
const portFlag = args.indexOf("-p") >= 0 ? args.indexOf("-p") : args.indexOf("--port");
if (portFlag < 0 || !args[portFlag + 1]) {
  process.stderr.write("query-engine stand-in: -p PORT is required\n");
  process.exit(2);
}
const port = Number(args[portFlag + 1]);

// ---------------------------------------------------------------------------------------------------
// Numbers are kept as written: BigInt columns (tpm/rpm limits) exceed 2^53.

class RawNumber {
  constructor(text) {
    this.text = text;
  }
}

function serialize(value) {
  if (value instanceof RawNumber) return value.text;
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(serialize).join(",")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------------
// The GraphQL subset prisma-client-py writes:
//   query|mutation { alias: rootField(arg: value …) { field relation(args) { … } … } }
// where values are JSON literals, bare identifiers, { key: value } objects and [ … ] lists.

function tokenize(text) {
  const tokens = [];
  const pattern = /\s+|,|([{}()[\]:])|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)/gy;
  let match;
  while (pattern.lastIndex < text.length) {
    const at = pattern.lastIndex;
    match = pattern.exec(text);
    if (!match) throw new Error(`cannot parse the query at offset ${at}: ${text.slice(at, at + 40)}`);
    if (match[1]) tokens.push({ kind: "punct", text: match[1] });
    else if (match[2]) tokens.push({ kind: "string", text: match[2] });
    else if (match[3]) tokens.push({ kind: "number", text: match[3] });
    else if (match[4]) tokens.push({ kind: "name", text: match[4] });
  }
  return tokens;
}

class Parser {
  constructor(text) {
    this.tokens = tokenize(text);
    this.at = 0;
  }

  peek() {
    return this.tokens[this.at];
  }

  next() {
    const token = this.tokens[this.at++];
    if (!token) throw new Error("unexpected end of query");
    return token;
  }

  expect(text) {
    const token = this.next();
    if (token.text !== text) throw new Error(`expected '${text}', got '${token.text}'`);
  }

  isPunct(text) {
    const token = this.peek();
    return token && token.kind === "punct" && token.text === text;
  }

  document() {
    const operation = this.next().text;
    if (operation !== "query" && operation !== "mutation") throw new Error(`unknown operation '${operation}'`);
    this.expect("{");
    const alias = this.next().text;
    this.expect(":");
    const rootField = this.next().text;
    const args = this.isPunct("(") ? this.arguments() : {};
    const selection = this.isPunct("{") ? this.selection() : null;
    this.expect("}");
    return { alias, rootField, args, selection };
  }

  arguments() {
    this.expect("(");
    const args = {};
    while (!this.isPunct(")")) {
      const name = this.next().text;
      this.expect(":");
      args[name] = this.value();
    }
    this.expect(")");
    return args;
  }

  value() {
    const token = this.next();
    if (token.kind === "string") return JSON.parse(token.text);
    if (token.kind === "number") return new RawNumber(token.text);
    if (token.kind === "name") {
      if (token.text === "true") return true;
      if (token.text === "false") return false;
      if (token.text === "null") return null;
      return token.text; // an enum value
    }
    if (token.text === "[") {
      const items = [];
      while (!this.isPunct("]")) items.push(this.value());
      this.expect("]");
      return items;
    }
    if (token.text === "{") {
      const object = {};
      while (!this.isPunct("}")) {
        const key = this.next().text;
        this.expect(":");
        object[key] = this.value();
      }
      this.expect("}");
      return object;
    }
    throw new Error(`unexpected '${token.text}' in a value`);
  }

  // { a b rel { … } rel(args) { … } } → Prisma JSON-protocol selection
  selection() {
    this.expect("{");
    const selection = {};
    while (!this.isPunct("}")) {
      const field = this.next().text;
      const args = this.isPunct("(") ? this.arguments() : null;
      if (this.isPunct("{")) {
        const nested = this.selection();
        selection[field] = args ? { arguments: args, selection: nested } : { selection: nested };
      } else {
        selection[field] = args ? { arguments: args, selection: { $scalars: true } } : true;
      }
    }
    this.expect("}");
    return Object.keys(selection).length ? selection : { $scalars: true };
  }
}

// ---------------------------------------------------------------------------------------------------
// Input values are typed by walking them against the schema's input types (from the DMMF): the GraphQL
// protocol sent Json fields as JSON text, which the JSON protocol would otherwise store as a JSON string.

class InputTyper {
  constructor(dmmf) {
    this.inputTypes = new Map(dmmf.schema.inputObjectTypes.prisma.map((t) => [t.name, t]));
    this.rootFields = new Map();
    for (const type of dmmf.schema.outputObjectTypes.prisma) {
      if (type.name !== "Query" && type.name !== "Mutation") continue;
      for (const field of type.fields) this.rootFields.set(field.name, field);
    }
    this.operations = new Map();
    for (const mapping of dmmf.mappings.modelOperations) {
      for (const [action, rootName] of Object.entries(mapping)) {
        if (action !== "model" && action !== "plural" && typeof rootName === "string") {
          this.operations.set(rootName, { modelName: mapping.model, action });
        }
      }
    }
    for (const [action, rootName] of Object.entries(dmmf.mappings.otherOperations || {})) {
      for (const name of [].concat(rootName)) this.operations.set(name, { modelName: undefined, action: name });
    }
  }

  operation(rootField) {
    const known = this.operations.get(rootField);
    if (known) return known;
    if (rootField === "queryRaw" || rootField === "executeRaw") return { modelName: undefined, action: rootField };
    throw new Error(`unknown root field '${rootField}'`);
  }

  typeArguments(rootField, args) {
    const field = this.rootFields.get(rootField);
    if (!field) return args;
    const typed = {};
    for (const [name, value] of Object.entries(args)) {
      const arg = field.args.find((a) => a.name === name);
      typed[name] = arg ? this.typeValue(value, arg.inputTypes) : value;
    }
    return typed;
  }

  typeValue(value, candidates) {
    if (value === null || value === undefined) return value;
    if (Array.isArray(value)) {
      const listed = candidates.filter((c) => c.isList);
      return value.map((item) => this.typeValue(item, listed.length ? listed : candidates));
    }
    if (value instanceof RawNumber) {
      if (candidates.some((c) => c.location === "scalar" && c.type === "BigInt")) {
        return { $type: "BigInt", value: value.text };
      }
      return value;
    }
    if (typeof value === "object") {
      const keys = Object.keys(value);
      const objectType = candidates
        .filter((c) => c.location === "inputObjectTypes")
        .map((c) => this.inputTypes.get(c.type))
        .find((t) => t && keys.every((k) => t.fields.some((f) => f.name === k)));
      if (!objectType) return value;
      const typed = {};
      for (const [key, item] of Object.entries(value)) {
        typed[key] = this.typeValue(item, objectType.fields.find((f) => f.name === key).inputTypes);
      }
      return typed;
    }
    if (typeof value === "string") {
      const scalars = new Set(candidates.filter((c) => c.location === "scalar").map((c) => c.type));
      if (scalars.has("String")) return value;
      if (scalars.has("Json")) return { $type: "Json", value };
      if (scalars.has("DateTime")) return { $type: "DateTime", value };
    }
    return value;
  }
}

// Outputs come back tagged ({"$type": "DateTime", "value": …}); the GraphQL protocol answered plain values
// (Json as JSON text, BigInt as a number).
function untag(value) {
  if (Array.isArray(value)) return value.map(untag);
  if (value && typeof value === "object") {
    if (typeof value.$type === "string" && "value" in value && Object.keys(value).length === 2) {
      return value.$type === "BigInt" ? new RawNumber(String(value.value)) : value.value;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, untag(v)]));
  }
  return value;
}

// Engine 5.17 answers raw queries as {columns, types, rows}; prisma-client-py 0.11 reads the older per-row
// form [{column: {prisma__type, prisma__value}}].
function legacyRawRows(result) {
  const typed = (type, value) => {
    if (value === null || value === undefined) return { prisma__type: "null", prisma__value: null };
    if (type.endsWith("-array")) {
      const itemType = type.slice(0, -"-array".length);
      return { prisma__type: "array", prisma__value: value.map((item) => typed(itemType, item)) };
    }
    return { prisma__type: type, prisma__value: value };
  };
  return result.rows.map((row) =>
    Object.fromEntries(result.columns.map((column, i) => [column, typed(result.types[i], row[i])])),
  );
}

// ---------------------------------------------------------------------------------------------------

function readSchema() {
  const dmlPath = process.env.PRISMA_DML_PATH;
  if (dmlPath) return fs.readFileSync(dmlPath, "utf8");
  if (process.env.PRISMA_DML) return Buffer.from(process.env.PRISMA_DML, "base64").toString("utf8");
  throw new Error("PRISMA_DML_PATH is not set");
}

function databaseUrl() {
  if (process.env.OVERWRITE_DATASOURCES) {
    const overrides = JSON.parse(process.env.OVERWRITE_DATASOURCES);
    if (overrides.length && overrides[0].url) return overrides[0].url;
  }
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  throw new Error("no database URL: set DATABASE_URL or OVERWRITE_DATASOURCES");
}

// adapter-pg 5.17 cannot deserialize PostgreSQL's catalog types `name`, `name[]`, `char` and `unknown`
// (LiteLLM's spend-view setup reads them): present them as text / text[] before pg picks the row parsers.
function presentCatalogTypesAsText(pg) {
  const Result = requireModule("pg/lib/result.js");
  const asText = { 18: 25, 19: 25, 705: 25, 1003: 1009 };
  const addFields = Result.prototype.addFields;
  Result.prototype.addFields = function (fields) {
    for (const field of fields) {
      if (asText[field.dataTypeID]) field.dataTypeID = asText[field.dataTypeID];
    }
    return addFields.call(this, fields);
  };
  return pg;
}

async function loadEngine(schema) {
  const wasmDir = path.join(modules, "@prisma", "query-engine-wasm", "postgresql");
  const bg = await import(path.join(wasmDir, "query_engine_bg.js"));
  const module = new WebAssembly.Module(fs.readFileSync(path.join(wasmDir, "query_engine_bg.wasm")));
  const instance = new WebAssembly.Instance(module, { "./query_engine_bg.js": bg });
  bg.__wbg_set_wasm(instance.exports);

  const pg = presentCatalogTypesAsText(requireModule("pg"));
  const { PrismaPg } = requireModule("@prisma/adapter-pg");
  const { bindAdapter } = requireModule("@prisma/driver-adapter-utils");
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: Number(process.env.LITEMAAS_ENGINE_POOL || 10) });
  const adapter = bindAdapter(new PrismaPg(pool));

  const logQueries = Boolean(process.env.LOG_QUERIES);
  const engine = new bg.QueryEngine(
    { datamodel: schema, logLevel: logQueries ? "info" : "error", logQueries },
    (line) => {
      if (logQueries || /"level":"(ERROR|WARN)"/i.test(line)) process.stderr.write(`query-engine: ${line}\n`);
    },
    adapter,
  );
  await engine.connect("{}");
  return engine;
}

function engineError(message) {
  return { errors: [{ error: message, user_facing_error: { is_panic: false, message, meta: {} } }] };
}

async function main() {
  const schema = readSchema();
  const schemaWasm = require(path.join(modules, "@prisma", "prisma-schema-wasm"));
  const typer = new InputTyper(JSON.parse(schemaWasm.get_dmmf(JSON.stringify({ prismaSchema: schema }))));
  const engine = await loadEngine(schema);

  function toJsonProtocol(graphql) {
    const doc = new Parser(graphql).document();
    const { modelName, action } = typer.operation(doc.rootField);
    const raw = action === "queryRaw" || action === "executeRaw";
    // Raw queries take their parameters as JSON text, as sent.
    const query = raw
      ? { arguments: doc.args, selection: {} }
      : { arguments: typer.typeArguments(doc.rootField, doc.args), selection: doc.selection || {} };
    return { alias: doc.alias, action, request: { modelName, action, query } };
  }

  function fromJsonProtocol(answer, alias, action) {
    if (answer.errors) return answer;
    const [result] = Object.values(answer.data);
    const value = action === "queryRaw" ? legacyRawRows(result) : untag(result);
    return { data: { [alias]: value } };
  }

  async function run(body, txId) {
    if (Array.isArray(body.batch)) {
      const translated = body.batch.map((item) => toJsonProtocol(item.query));
      const request = { batch: translated.map((t) => t.request) };
      if (body.transaction) request.transaction = { isolationLevel: body.isolation_level ?? null };
      const answer = JSON.parse(await engine.query(serialize(request), "{}", txId));
      if (answer.errors) return answer;
      return {
        batchResult: answer.batchResult.map((item, i) => fromJsonProtocol(item, translated[i].alias, translated[i].action)),
      };
    }
    const { alias, action, request } = toJsonProtocol(body.query);
    return fromJsonProtocol(JSON.parse(await engine.query(serialize(request), "{}", txId)), alias, action);
  }

  async function route(req, body) {
    const url = new URL(req.url, "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/status") return { status: "ok" };
    if (req.method === "GET" && url.pathname === "/metrics") return url.searchParams.get("format") === "json" ? {} : "";
    if (req.method === "POST" && url.pathname === "/") {
      return run(JSON.parse(body), req.headers["x-transaction-id"] || undefined);
    }
    if (req.method === "POST" && url.pathname === "/transaction/start") {
      return JSON.parse(await engine.startTransaction(body || "{}", "{}"));
    }
    const tx = url.pathname.match(/^\/transaction\/([^/]+)\/(commit|rollback)$/);
    if (req.method === "POST" && tx) {
      const answer = tx[2] === "commit"
        ? await engine.commitTransaction(tx[1], "{}")
        : await engine.rollbackTransaction(tx[1], "{}");
      return JSON.parse(answer || "{}");
    }
    return null;
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", async () => {
      let status = 200;
      let answer;
      try {
        answer = await route(req, Buffer.concat(chunks).toString("utf8"));
        if (answer === null) {
          status = 404;
          answer = engineError(`no route ${req.method} ${req.url}`);
        }
      } catch (error) {
        answer = engineError(String(error && error.message ? error.message : error));
      }
      const text = typeof answer === "string" ? answer : serialize(answer);
      res.writeHead(status, { "Content-Type": typeof answer === "string" ? "text/plain" : "application/json" });
      res.end(text);
    });
  });

  const shutdown = async () => {
    server.close();
    try {
      await engine.disconnect("{}");
    } finally {
      process.exit(0);
    }
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  server.listen(port, "127.0.0.1");
}

main().catch((error) => {
  process.stderr.write(`query-engine stand-in: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
