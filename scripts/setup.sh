#!/usr/bin/env bash
# Idempotent developer/CI setup for Rewind.
#
# Installs what is missing, and is quick when everything is present:
#   * a Rust compiler that can build both halves (native server + wasm32 UI):
#       - "rustup" route: where `rustup target add wasm32-unknown-unknown` works;
#       - "debian" route: Debian's rustc-web/cargo-web (1.96) with the wasm32 std built once
#         from rust-web-src into the compiler's sysroot (machines where rustup cannot download).
#     The route is remembered in .toolchain (git-ignored); override with REWIND_TOOLCHAIN=debian|rustup.
#   * Debian chromium (Playwright drives it), postgresql (tests), age (backup checks), binaryen
#     (wasm-opt for the size-optimised wasm)
#   * end2end npm packages (browser download skipped)
#   * the SCIM compliance checker (scim2-tester through scim2-cli, pinned, from PyPI) in a
#     virtual environment, $HOME/.cache/rewind/scim-venv (or REWIND_SCIM_VENV)
# The build itself is `cargo xtask` (xtask/): wasm-bindgen runs as a library inside it, so no
# cargo-leptos or wasm-bindgen-cli install is needed.
# Nothing is fetched from anywhere but Debian, crates.io and npm.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
WASM_TARGET=wasm32-unknown-unknown
CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
export PATH="$CARGO_HOME/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
START=$SECONDS
INSTALLED=()

log()  { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

apt_missing() {
  local p out=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || out+=("$p")
  done
  echo "${out[@]:-}"
}
apt_install() {
  local missing; missing=$(apt_missing "$@")
  [ -z "$missing" ] && return 0
  info "apt: installing $missing"
  if [ -z "${APT_UPDATED:-}" ]; then
    $SUDO apt-get update -qq || info "apt-get update reported errors (continuing)"
    APT_UPDATED=1
  fi
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  INSTALLED+=("apt: $missing")
}

# ------------------------------------------------------------ system packages
log "System packages"
# REWIND_SETUP=build (the container build): only what building a release needs.
if [ "${REWIND_SETUP:-}" = build ]; then
  PKGS=(binaryen gcc libc6-dev pkg-config make)
else
  PKGS=(chromium postgresql age binaryen gcc libc6-dev pkg-config make python3-venv)
  command -v node >/dev/null 2>&1 || PKGS+=(nodejs npm)
fi
apt_install "${PKGS[@]}"

# ------------------------------------------------------------------ compiler
log "Rust toolchain"
ROUTE=${REWIND_TOOLCHAIN:-}
[ -z "$ROUTE" ] && [ -f .toolchain ] && ROUTE=$(cat .toolchain)
if [ -z "$ROUTE" ]; then
  if command -v rustup >/dev/null && rustup target list --installed 2>/dev/null | grep -qx "$WASM_TARGET"; then
    ROUTE=rustup
  elif command -v rustup >/dev/null && timeout 120 rustup target add "$WASM_TARGET" >/dev/null 2>&1; then
    ROUTE=rustup; INSTALLED+=("rustup target $WASM_TARGET")
  else
    ROUTE=debian
  fi
fi
echo "$ROUTE" > .toolchain
info "route: $ROUTE"

if [ "$ROUTE" = debian ]; then
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm rust-web-clippy rustfmt-web lld-22
  # rustup's proxies (if any) must hand out Debian's compiler inside this repo.
  printf '[toolchain]\npath = "/usr"\n' > rust-toolchain.toml
  SYSROOT=$(/usr/bin/rustc --print sysroot)
  WASM_LIB="$SYSROOT/lib/rustlib/$WASM_TARGET/lib"
  STAMP="$SYSROOT/lib/rustlib/$WASM_TARGET/rewind-std.stamp"
  WANT=$(/usr/bin/rustc -vV)
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && ls "$WASM_LIB"/libstd-*.rlib >/dev/null 2>&1; then
    info "wasm32 std present"
  else
    LIBSRC="$SYSROOT/lib/rustlib/src/rust/library"
    BUILD=$(mktemp -d)
    info "building the wasm32 standard library once (1-2 min)"
    # The same recipe rustc's bootstrap uses for a dist std (bitcode kept for LTO).
    env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_TARGET -u CARGO_TARGET_DIR \
      RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Zforce-unstable-if-unmarked RUSTC=/usr/bin/rustc \
      /usr/bin/cargo build --quiet --manifest-path "$LIBSRC/Cargo.toml" -p sysroot \
      --profile dist --target "$WASM_TARGET" --locked --target-dir "$BUILD"
    $SUDO rm -rf "$WASM_LIB"; $SUDO mkdir -p "$WASM_LIB"
    $SUDO cp "$BUILD/$WASM_TARGET/dist/deps/"*.rlib "$WASM_LIB/"
    printf '%s\n' "$WANT" | $SUDO tee "$STAMP" >/dev/null
    rm -rf "$BUILD"
    INSTALLED+=("wasm32 std into $WASM_LIB")
  fi
  CARGO_BIN=/usr/bin/cargo; RUSTC_BIN=/usr/bin/rustc
else
  rm -f rust-toolchain.toml
  rustup component add clippy rustfmt >/dev/null 2>&1 || true
  CARGO_BIN=$(rustup which cargo); RUSTC_BIN=$(rustup which rustc)
fi
# ------------------------------------------------------------ end2end deps
log "end2end npm packages"
if [ "${REWIND_SETUP:-}" = build ]; then
  info "skipped (REWIND_SETUP=build)"
elif [ -f end2end/package-lock.json ]; then
  if [ -d end2end/node_modules/@playwright/test ] && [ end2end/node_modules/.package-lock.json -nt end2end/package-lock.json ]; then
    info "present"
  else
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
    INSTALLED+=("end2end npm packages")
  fi
fi

# ------------------------------------------------------------ SCIM compliance checker
log "SCIM compliance checker"
SCIM_VENV=${REWIND_SCIM_VENV:-$HOME/.cache/rewind/scim-venv}
SCIM_PINS=("scim2-cli==0.6.0" "scim2-tester==0.5.2")
if [ "${REWIND_SETUP:-}" = build ]; then
  info "skipped (REWIND_SETUP=build)"
elif [ -x "$SCIM_VENV/bin/scim2" ] && [ "$(cat "$SCIM_VENV/.rewind-pins" 2>/dev/null)" = "${SCIM_PINS[*]}" ]; then
  info "present"
else
  rm -rf "$SCIM_VENV"
  python3 -m venv "$SCIM_VENV"
  "$SCIM_VENV/bin/pip" install --quiet --disable-pip-version-check "${SCIM_PINS[@]}"
  echo "${SCIM_PINS[*]}" > "$SCIM_VENV/.rewind-pins"
  INSTALLED+=("SCIM checker (${SCIM_PINS[*]})")
fi

log "Summary"
if [ ${#INSTALLED[@]} -eq 0 ]; then info "nothing to install"; else for i in "${INSTALLED[@]}"; do info "installed $i"; done; fi
info "rustc        $("$RUSTC_BIN" --version)"
info "wasm-opt     $(wasm-opt --version 2>/dev/null || echo missing)"
info "chromium     $(chromium --version 2>/dev/null)"
info "postgres     $(ls /usr/lib/postgresql 2>/dev/null | tail -1)"
info "node         $(node --version 2>/dev/null)"
info "setup took $(( SECONDS - START ))s"
