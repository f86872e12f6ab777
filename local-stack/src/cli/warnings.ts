/**
 * The AWS SDK warns at every start that its releases from 2027 on need Node 22. This project runs on
 * Node 20 (Lambda's nodejs20.x), so the command-line tools turn that one warning off, for themselves and
 * the processes they start (the SDK reads the variable when its first client is built), and print the rest.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  // The SDK emits it as a plain Warning whose message starts with the name.
  if (!warning.message.startsWith('NodeVersionSupportWarning')) console.warn(`${warning.name}: ${warning.message}`);
});
