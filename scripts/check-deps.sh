#!/usr/bin/env bash
# The domain, ledger and analytics crates stay free of the async runtime, the database
# driver and the web framework, so they build fast, test without I/O and can be reused.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for crate in aims-core aims-ledger aims-analytics; do
  if ! cargo metadata --format-version 1 --no-deps | grep -q "\"name\":\"$crate\""; then
    continue
  fi
  forbidden=$(cargo tree -p "$crate" -e normal --prefix none --format '{p}' 2>/dev/null \
    | awk '{print $1}' | grep -xE 'tokio|sqlx|sqlx-core|axum|axum-core|hyper' | sort -u || true)
  if [ -n "$forbidden" ]; then
    echo "dependency direction: $crate must not depend on: $forbidden" >&2
    status=1
  else
    echo "dependency direction: $crate is free of tokio, sqlx and axum"
  fi
done
exit $status
