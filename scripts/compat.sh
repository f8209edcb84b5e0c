#!/usr/bin/env bash
# ./dev compat [--only REGEX] [--exclude REGEX]: the compatibility suite, the
# kernel as the oracle (tests/compat/run.sh; docs/compatibility.md). The
# programs it runs are Debian packages installed by ./dev deps; a case whose
# program is missing is skipped, never passed.
set -euo pipefail
build=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
SHUNT_BUILD_DIR=$build SHUNT_SRC_DIR=$top exec bash "$top/tests/compat/run.sh" "$@"
