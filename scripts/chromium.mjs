// How every headless-Chromium run in this project starts the browser: the
// e2e tests and both browser benchmarks import this, so the flags live in
// one place. Debian's chromium, driven by playwright-core (which never
// downloads a browser); the flags are the ones that behave on these
// machines (shared/design/toolchain.md): no GPU, no sandbox as root, and no
// background requests, which this closed network would refuse. Playwright
// gives every launch a fresh, temporary user-data-dir.

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
