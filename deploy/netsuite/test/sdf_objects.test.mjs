// The SDF objects agree with the scripts and the mapping: the user event script is deployed on
// every record type it reports, each custom field of the default mapping has its object file,
// and the outbox record has the fields the scripts write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { suiteScripts, OBJECTS, PROJECT } from '../test_support/scripts.mjs';
import { REPO } from '../test_support/tandem_server.mjs';

const object = (name) => readFileSync(join(OBJECTS, `${name}.xml`), 'utf8');
const { load } = suiteScripts();
const records = load('tandem_records');

test('the project has the SuiteCloud CLI layout: config, then manifest and deploy file in src', () => {
  const config = readFileSync(join(PROJECT, 'suitecloud.config.js'), 'utf8');
  assert.match(config, /defaultProjectFolder: 'src'/);
  const manifest = readFileSync(join(PROJECT, 'src', 'manifest.xml'), 'utf8');
  assert.match(manifest, /<manifest projecttype="ACCOUNTCUSTOMIZATION">/);
  assert.match(manifest, /<feature required="true">SERVERSIDESCRIPTING<\/feature>/);
  assert.match(manifest, /<feature required="true">CUSTOMRECORDS<\/feature>/);
  const deploy = readFileSync(join(PROJECT, 'src', 'deploy.xml'), 'utf8');
  assert.match(deploy, /<path>~\/FileCabinet\/SuiteScripts\/tandem\/\*<\/path>/);
  assert.match(deploy, /<path>~\/Objects\/\*<\/path>/);
});

test('the user event script is deployed once on each record type it reports', () => {
  const xml = object('customscript_tandem_ue');
  const deployed = [...xml.matchAll(/<recordtype>([A-Z]+)<\/recordtype>/g)].map((m) => m[1].toLowerCase());
  assert.equal(new Set(deployed).size, deployed.length, 'one deployment per record type');
  const expected = [
    'customer', 'contact', 'salesorder', 'invoice', 'customerpayment',
    'inventoryitem', 'noninventoryitem', 'serviceitem', 'otherchargeitem', 'kititem', 'assemblyitem',
    'discountitem', 'markupitem', 'subtotalitem', 'descriptionitem', 'paymentitem',
    'giftcertificateitem', 'downloaditem',
    'itemreceipt', 'itemfulfillment', 'inventoryadjustment', 'inventorytransfer', 'assemblybuild',
  ];
  assert.deepEqual([...deployed].sort(), [...expected].sort());
  for (const type of deployed) {
    assert.ok(records.RECORDS[type] || records.QUANTITY_TRANSACTIONS[type], `the script handles ${type}`);
  }
  assert.match(xml, /<scriptfile>\[\/SuiteScripts\/tandem\/tandem_ue\.js\]<\/scriptfile>/);
  assert.match(xml, /<aftersubmitfunction>afterSubmit<\/aftersubmitfunction>/);
});

test('the script parameters the user event script reads are declared on it', () => {
  const xml = object('customscript_tandem_ue');
  const source = readFileSync(join(PROJECT, 'src/FileCabinet/SuiteScripts/tandem/tandem_ue.js'), 'utf8');
  const read = [...new Set([...source.matchAll(/name: '(custscript_[a-z_]+)'/g)].map((m) => m[1]))];
  assert.equal(read.length, 3);
  for (const parameter of read) {
    assert.match(xml, new RegExp(`<scriptcustomfield scriptid="${parameter}">`), parameter);
  }
  const deployments = xml.match(/<scriptdeployment /g).length;
  assert.equal(xml.match(/<custscript_tandem_url>/g).length, deployments, 'every deployment sets the URL');
  assert.equal(xml.match(/<custscript_tandem_integration_role>/g).length, deployments, 'and the role');
});

test('every file the objects name exists in the file cabinet', () => {
  for (const file of readdirSync(OBJECTS)) {
    for (const [, path] of readFileSync(join(OBJECTS, file), 'utf8').matchAll(/<scriptfile>\[([^\]]+)\]<\/scriptfile>/g)) {
      assert.ok(existsSync(join(PROJECT, 'src', 'FileCabinet', path)), `${file} names ${path}`);
    }
  }
});

test('each NetSuite custom field of the default mapping has its object file', () => {
  const mapping = readFileSync(join(REPO, 'mapping.toml'), 'utf8');
  const fields = [...new Set([...mapping.matchAll(/"(cust(?:entity|body|item)_[a-z0-9_]+)"/g)].map((m) => m[1]))];
  assert.ok(fields.length >= 10, fields.join());
  const roots = { custentity: 'entitycustomfield', custbody: 'transactionbodycustomfield', custitem: 'itemcustomfield' };
  for (const field of fields) {
    const xml = object(field);
    const root = roots[field.split('_')[0]];
    assert.match(xml, new RegExp(`^<${root} scriptid="${field}">`), field);
    assert.match(xml, /<fieldtype>[A-Z]+<\/fieldtype>/, field);
  }
  assert.match(object('custbody_discount_approved'), /<fieldtype>CHECKBOX<\/fieldtype>/);
  assert.match(object('custentity_tandem_origin'), /<appliestocontact>T<\/appliestocontact>/);
});

test('the outbox record has every field the scripts write', () => {
  const xml = object('customrecord_tandem_outbox');
  const outbox = load('tandem_outbox');
  for (const field of Object.values(outbox.FIELDS)) {
    assert.match(xml, new RegExp(`<customrecordcustomfield scriptid="${field}">`), field);
  }
  assert.match(xml, /^<customrecordtype scriptid="customrecord_tandem_outbox">/);
});
