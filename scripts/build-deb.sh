#!/usr/bin/env bash
# Builds Aoun's Debian package with Tauri's bundler: the desktop app, the `aoun` command, and the
# installed model pack (with the onnxruntime library and the espeak-ng data), so an office without
# a network installs from this one file.
#
#   scripts/build-deb.sh [--release] [--without-models] [--models-dir DIR]
#
# --without-models carries only onnxruntime and the espeak-ng data; the models are then imported
# from a USB stick by the app or `aoun models fetch --from`. Without --release the build is the
# development one that `cargo test` uses (engines optimised, the rest not): quicker to make, for
# the package test. Prints the package's path last.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=debug
cargo_profile=()
bundle_profile=(--debug)
only=()
models_dir=()
while (($#)); do
  case "$1" in
    --release) profile=release; cargo_profile=(--release); bundle_profile=() ;;
    --without-models) only=(--only onnxruntime --only espeak-ng-data) ;;
    --models-dir) models_dir=(--models-dir "$2"); shift ;;
    *) echo "unknown option: $1 (see the top of $0)" >&2; exit 2 ;;
  esac
  shift
done

target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
stage=target/deb-stage                # where src-tauri/tauri.deb.conf.json looks

if [[ ! -f ui/dist/index.html ]]; then
  (cd ui && npm ci --no-audit --no-fund && npm run build)
fi
if [[ ! -x ui/node_modules/.bin/tauri ]]; then
  (cd ui && npm ci --no-audit --no-fund)
fi
cargo build -q "${cargo_profile[@]}" --bin aoun --bin aoun-app

# The package's files are laid out in the stage (see src-tauri/tauri.deb.conf.json): the command,
# and a verified copy of the model pack without this machine's verification stamps.
rm -rf "$stage"
mkdir -p "$stage"
cp "$target_dir/$profile/aoun" "$stage/aoun"
"$stage/aoun" "${models_dir[@]}" models export "$stage/models" "${only[@]}" --json >/dev/null
find "$stage/models" -name '.*.verified' -delete

(cd src-tauri && ../ui/node_modules/.bin/tauri bundle "${bundle_profile[@]}" --bundles deb \
  --config tauri.deb.conf.json --ci >&2)
ls "$target_dir/$profile"/bundle/deb/Aoun_*_amd64.deb
