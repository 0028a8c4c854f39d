#!/bin/sh
# The whole test suite on a fresh Debian/Ubuntu machine, as root:
# installs what is missing, builds, and runs unit and integration tests.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh --tests
npm test
