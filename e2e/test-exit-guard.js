// jest globalTeardown: the suite closes everything it opens, so jest exits by itself (no
// forceExit). Should a failed test leave a socket or a child process behind, this names what
// is still open and ends the run after a grace period instead of hanging CI; the timer is
// unref'd, so it never delays a clean exit.
module.exports = async () => {
  setTimeout(() => {
    const open = process
      .getActiveResourcesInfo()
      .filter((r) => r !== 'TTYWrap')
      .join(', ');
    console.warn(
      `\njest: still open 10 s after the last test (${open}); exiting. Run the file with --detectOpenHandles.`,
    );
    process.exit();
  }, 10_000).unref();
};
