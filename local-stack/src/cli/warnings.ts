/**
 * The AWS SDK warns at every start that its releases from 2027 on need Node 22. The project's tools run
 * on the machine's Node 20 (the functions on Lambda's nodejs24.x), so they turn that one warning off, for themselves and
 * the processes they start (the SDK reads the variable when its first client is built), and print the rest.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  // The SDK emits it as a plain Warning whose message starts with the name.
  if (!warning.message.startsWith('NodeVersionSupportWarning')) console.warn(`${warning.name}: ${warning.message}`);
});
