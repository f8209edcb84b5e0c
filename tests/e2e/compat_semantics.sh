#!/usr/bin/env bash
# The compatibility suite's semantic probes and Python cases, as part of
# ./dev test: each behaviour observed on the kernel and through shunt must be
# identical (the full suite, real programs included, is ./dev compat).
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
require_root
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash "$SHUNT_SRC_DIR/tests/compat/run.sh" --only '^(probe_|python_)' --results "$out"
