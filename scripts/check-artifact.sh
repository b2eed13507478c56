#!/usr/bin/env bash
# Check that a Lambda deployment binary runs on provided.al2023 arm64: it must
# be an aarch64 ELF executable and need no glibc symbol version newer than the
# glibc that Amazon Linux 2023 ships (2.34).
#
# Usage: check-artifact.sh PATH_TO_BOOTSTRAP
set -euo pipefail

readonly MAX_GLIBC="2.34"
artifact="${1:?usage: check-artifact.sh PATH_TO_BOOTSTRAP}"

if [[ ! -f "$artifact" ]]; then
    echo "check-artifact: $artifact not found; 'make build' writes it under cargo's target directory" >&2
    exit 1
fi

if command -v file >/dev/null; then
    echo "check-artifact: file: $(file --brief "$artifact")"
fi

machine="$(readelf --file-header "$artifact" | sed -n 's/^ *Machine: *//p')"
if [[ "$machine" != "AArch64" ]]; then
    echo "check-artifact: $artifact is built for '${machine:-not an ELF file}', expected AArch64" >&2
    exit 1
fi

newest="$(readelf --version-info --wide "$artifact" \
    | grep --only-matching 'GLIBC_[0-9][0-9.]*' \
    | sed 's/^GLIBC_//' \
    | sort --unique --version-sort \
    | tail -n 1 || true)"

if [[ -z "$newest" ]]; then
    echo "check-artifact: OK: $artifact is an AArch64 ELF that needs no glibc symbol versions"
    exit 0
fi

highest="$(printf '%s\n%s\n' "$newest" "$MAX_GLIBC" | sort --version-sort | tail -n 1)"
if [[ "$highest" != "$MAX_GLIBC" ]]; then
    echo "check-artifact: $artifact needs GLIBC_$newest, newer than GLIBC_$MAX_GLIBC on provided.al2023" >&2
    exit 1
fi
echo "check-artifact: OK: $artifact is an AArch64 ELF; newest glibc symbol version GLIBC_$newest (limit $MAX_GLIBC)"
