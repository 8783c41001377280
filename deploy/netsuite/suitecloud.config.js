// SuiteCloud CLI for Node.js configuration: the SDF project (manifest.xml, deploy.xml,
// FileCabinet, Objects) is the src folder; run `suitecloud` commands from this folder.
module.exports = {
    defaultProjectFolder: 'src',
    commands: {},
};
