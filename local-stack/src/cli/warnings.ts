/**
 * The AWS SDK warns at every start that its releases from 2027 on need Node 22. This project runs on
 * Node 20 (Lambda's nodejs20.x), so the command-line tools drop that one warning and print the rest.
 */
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'NodeVersionSupportWarning') console.warn(`${warning.name}: ${warning.message}`);
});
