// A jest reporter (plain CommonJS: jest loads reporters untransformed). It prints, after jest's summary,
// the notices test/support/global-setup.ts left in PIPELINE_TEST_NOTICES (test/support/notices.ts): which
// reference tools ran, and why a suite was skipped.
class NoticesReporter {
  onRunComplete() {
    const notices = JSON.parse(process.env.PIPELINE_TEST_NOTICES || '[]');
    for (const notice of notices) process.stderr.write(`${notice}\n`);
  }
}

module.exports = NoticesReporter;
