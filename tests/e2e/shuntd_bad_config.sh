#!/usr/bin/env bash
# Bad command lines and config files get a message naming the problem and
# exit code 2, before DPDK starts (no EAL output, no lab needed).
. "$SHUNT_SRC_DIR/tests/e2e/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_usage_error() {  # WHAT-TO-FIND ARGS...
    local want=$1; shift
    local out rc=0
    out=$("$SHUNTD" "$@" 2>&1) || rc=$?
    [ $rc = 2 ] || fail "shuntd $* exited $rc, want 2: $out"
    grep -qF -- "$want" <<<"$out" || fail "shuntd $*: message lacks '$want': $out"
    grep -q "EAL" <<<"$out" && fail "shuntd $* started DPDK before validating: $out"
    return 0
}

expect_usage_error "unknown option --frobnicate" --frobnicate
expect_usage_error "no port" --workers 1
expect_usage_error "999.1.1.1/24" --port net_af_packet0,iface=x --addr 999.1.1.1/24
expect_usage_error "must follow" --addr 10.0.0.1/24
expect_usage_error "has no address" --port net_af_packet0,iface=x
expect_usage_error "not on its subnet" --port net_af_packet0,iface=x --addr 10.0.0.1/24 --gateway 10.9.9.9
expect_usage_error "--mtu" --port net_af_packet0,iface=x --addr 10.0.0.1/24 --mtu 99999
expect_usage_error "cannot read config file" --config "$tmp/missing.conf"

printf 'workers = 1\n[port]\ndevargs = net_af_packet0,iface=x\naddress = 10.0.0.1/24\nmbufs = many\n' >"$tmp/bad.conf"
expect_usage_error "bad.conf:5" --config "$tmp/bad.conf"

printf '# lab\n[port]\ndevargs = net_af_packet0,iface=x\naddress = 10.0.0.1/24\ngateway = 10.0.0.254\n' >"$tmp/good.conf"
out=$("$SHUNTD" --config "$tmp/good.conf" --check 2>&1) || fail "valid config rejected: $out"

"$SHUNTD" --help | grep -q -- "--port DEVARGS" || fail "--help lacks --port"
"$SHUNTD" --version | grep -q "lwIP 2.1.3" || fail "--version lacks the lwIP version"
"$SHUNTCTL" --frobnicate >/dev/null 2>&1; [ $? = 2 ] || fail "shuntctl bad option should exit 2"
"$SHUNTCTL" --socket "$tmp/none.sock" status >/dev/null 2>&1; rc=$?
[ $rc = 3 ] || fail "shuntctl with no daemon exited $rc, want 3"
"$SHUNTCTL" --socket "$tmp/none.sock" status 2>&1 | grep -q "not running" || fail "shuntctl no-daemon message"
echo PASS
