/**
 * Jest global setup (the main process, before any worker starts): finds or builds the tools the tests use
 * as references and real clients, once for the whole run, and says what it found.
 *
 * - The fastText CLI (scripts/lib/fasttext-cli.ts): Debian's where installed, else compiled from the
 *   fasttext package's sources on the first run (cached in node_modules/.cache). Its path is handed to
 *   the workers as FASTTEXT_CLI, so no worker builds it again. A CLI with test-label (fastText 0.9) for the
 *   per-class reference: FASTTEXT_TEST_LABEL_CLI, else the reference CLI if it has one; without, that comparison skips.
 * - The AWS CLI (test/support/aws-cli.ts): AWS_CLI, else `aws` on PATH. Without one, the CLI suites skip.
 * - The browser of the console's test (test/support/browser.ts): Debian's chromium. Without it, that suite skips.
 *
 * What it found goes to the notices reporter (test/support/notices-reporter.js), which prints it under
 * jest's summary: a skip is never silent.
 */
import { resolveFastTextCli, testLabelCli } from '../../scripts/lib/fasttext-cli';
import { lookUpAwsCli } from './aws-cli';
import { browserMissing, CHROMIUM } from './browser';
import { addNotice } from './notices';

export default function globalSetup(): void {
  try {
    const fastText = resolveFastTextCli();
    process.env.FASTTEXT_CLI = fastText.path;
    if (fastText.builtInSeconds !== undefined) {
      addNotice(`fastText reference CLI: built from node_modules/fasttext/fastText/src in ${fastText.builtInSeconds.toFixed(1)} s, cached at ${fastText.path}`);
    }
  } catch (error) {
    addNotice(`fastText reference CLI unavailable, the comparisons with it fail: ${(error as Error).message}`);
  }
  try {
    const withTestLabel = testLabelCli();
    addNotice(
      withTestLabel === undefined
        ? 'fastText test-label comparison SKIPPED (the reference CLI is fastText 0.1): FASTTEXT_TEST_LABEL_CLI=<fastText 0.9 CLI> runs it; recall is compared with fasttext test either way'
        : `fastText test-label comparison runs with ${withTestLabel}`,
    );
  } catch (error) {
    // Asked for by name (CI does): one that does not work is an error, not a reason to skip.
    if (process.env.FASTTEXT_TEST_LABEL_CLI) throw error;
    addNotice(`fastText test-label comparison SKIPPED: ${(error as Error).message}`);
  }

  const aws = lookUpAwsCli();
  if ('found' in aws) {
    process.env.AWS_CLI = aws.found.command;
    addNotice(`AWS CLI tests run with ${aws.found.version} (${aws.found.command})`);
  } else if (process.env.AWS_CLI) {
    // Asked for by name (CI does): a CLI that does not run is an error, not a reason to skip.
    throw new Error(`AWS CLI tests: ${aws.missing}`);
  } else {
    addNotice(`AWS CLI tests SKIPPED: ${aws.missing}`);
  }

  const browser = browserMissing();
  addNotice(browser === undefined ? `Browser tests run with ${CHROMIUM}` : `Browser tests SKIPPED: ${browser}`);
}
