#!/usr/bin/env bash
# Installs NVIDIA's CUDA 13.0 toolkit from its Python wheels (with pip) into a folder outside the
# repository, laid out as a CUDA toolkit root that candle (cudarc, cudaforge) and whisper.cpp's
# CMake (FindCUDAToolkit) accept: bin/nvcc, nvvm/, include/, lib64/ and lib64/stubs/libcuda.so.
#
# Usage: scripts/cuda-toolkit.sh [ROOT]
#   ROOT defaults to $AOUN_CUDA_ROOT, else ~/.local/share/aoun/cuda-13.0.
#   Safe to run again: wheels already installed are skipped.
#
# Why 13.0: the CUDA 12 wheels (nvidia-cuda-nvcc-cu12, 12.9 included) carry only ptxas and libnvvm,
# without nvcc, cicc, cudafe++, fatbinary or nvlink, so they cannot build anything; the CUDA 13
# wheels carry the whole compiler. Programs built with it need an NVIDIA driver of 580 or newer.
set -euo pipefail

command -v python3 >/dev/null 2>&1 \
  || { echo "cuda-toolkit.sh: python3 is missing; install Python 3 with pip first." >&2; exit 1; }
python3 -m pip --version >/dev/null 2>&1 \
  || { echo "cuda-toolkit.sh: pip is missing for python3; install it (Debian: python3-pip) first." >&2; exit 1; }

ROOT="${1:-${AOUN_CUDA_ROOT:-$HOME/.local/share/aoun/cuda-13.0}}"
mkdir -p "$ROOT"
ROOT="$(cd "$ROOT" && pwd)"

# CUDA 13.0 Update 2, as pinned by NVIDIA's cuda-toolkit==13.0.2 meta-package. cudarc 0.19 knows
# CUDA up to 13.4 only, and an older toolkit runs on more drivers, hence 13.0.
wheels=(
  nvidia-cuda-nvcc==13.0.88      # nvcc, cudafe++, fatbinary, nvlink, ptxas, bin2c
  nvidia-nvvm==13.0.88           # nvvm/bin/cicc, libdevice, libnvvm
  nvidia-cuda-crt==13.0.88       # include/crt: headers nvcc puts in front of every .cu file
  nvidia-cuda-runtime==13.0.96   # cudart, cuda.h, cuda_runtime.h
  nvidia-cuda-cccl==13.0.85      # thrust, cub, libcu++ (include/cccl, found through nvcc.profile)
  nvidia-cuda-culibos==13.0.85   # libculibos.a: whisper-rs links it
  nvidia-cublas==13.1.0.3        # cuBLAS and cuBLASLt: candle and whisper.cpp
  nvidia-curand==10.4.0.35       # cuRAND: candle
  nvidia-cuda-nvrtc==13.0.88     # NVRTC: candle links it (cudarc)
)

say() { echo "cuda-toolkit: $*"; }

# One pip target per wheel: pip --target skips a top-level folder (nvidia/) that already exists,
# so wheels installed one after another would not merge.
stamps="$ROOT/.wheels"
mkdir -p "$stamps"
for spec in "${wheels[@]}"; do
  if [[ -e "$stamps/$spec" ]]; then
    say "$spec already installed"
    continue
  fi
  say "installing $spec"
  tmp="$ROOT/.pip-target"
  rm -rf "$tmp"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --no-deps --no-compile \
    --disable-pip-version-check --target "$tmp" "$spec"
  [[ -d "$tmp/nvidia/cu13" ]] \
    || { echo "cuda-toolkit.sh: $spec has no nvidia/cu13 folder; its layout changed." >&2; exit 1; }
  # Hard links: the files move into the root without being copied (same file system).
  cp -alf "$tmp/nvidia/cu13/." "$ROOT/"
  rm -rf "$tmp"
  : >"$stamps/$spec"
done
find "$ROOT" -name __init__.py -delete

# nvcc.profile passes -L$ROOT/lib64 and lib64/stubs, and whisper-rs and most build scripts look
# in lib64; the wheels install into lib.
[[ -e "$ROOT/lib64" ]] || ln -s lib "$ROOT/lib64"

# Linkers want the unversioned names: -lcudart finds libcudart.so, not libcudart.so.13.
for so in "$ROOT"/lib/lib*.so.*; do
  [[ -e "$so" ]] || continue
  file="${so##*/}"
  link="$ROOT/lib/${file%%.so.*}.so"
  [[ -e "$link" ]] || { ln -s "$file" "$link"; say "lib64/${link##*/} -> $file"; }
done

# No wheel carries the driver's library, and both candle (cudarc, linked dynamically) and
# whisper.cpp link -lcuda. Every cu* name in cuda.h (with its _v2.., _ptds and _ptsz forms) and in
# the cuda*Typedefs.h headers (cuProfilerInitialize, the GL/EGL/VDPAU calls) as a function is
# enough; the soname makes programs load the driver's libcuda.so.1. Two are built from the names:
# - lib64/stubs/libcuda.so, empty functions, to link against;
# - no-driver/libcuda.so.1, whose every call answers CUDA_ERROR_NO_DEVICE (100), to try a CUDA
#   build on a machine without a driver (the engines then fall back to the CPU). Only there: on
#   the library path it would hide a real driver.
driver_library() { # $1: output, $2: the body of each function
  local names="$ROOT/.driver-names.c"
  {
    cat "$ROOT/include/cuda.h"
    "$cc" -E -P -DCUDA_API_PER_THREAD_DEFAULT_STREAM -I"$ROOT/include" "$ROOT/include/cuda.h"
    grep -ohE '\bPFN_cu[A-Z][A-Za-z0-9_]*_v[0-9]+' "$ROOT"/include/cuda*Typedefs.h | sed -E 's/^PFN_//; s/_v[0-9]+$//'
  } | grep -oE '\bcu[A-Z][A-Za-z0-9_]*' | sort -u | sed "s/.*/$2/" >"$names"
  mkdir -p "$(dirname "$1")"
  "$cc" -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$1" "$names"
  rm "$names"
}
cc="$(command -v cc || command -v gcc || true)"
[[ -n "$cc" ]] \
  || { echo "cuda-toolkit.sh: no C compiler (cc) found; nvcc needs one too, install gcc first." >&2; exit 1; }
if [[ ! -e "$ROOT/lib/stubs/libcuda.so" ]]; then
  say "building lib64/stubs/libcuda.so"
  driver_library "$ROOT/lib/stubs/libcuda.so" 'void &(void) {}'
fi
if [[ ! -e "$ROOT/no-driver/libcuda.so.1" ]]; then
  say "building no-driver/libcuda.so.1"
  driver_library "$ROOT/no-driver/libcuda.so.1" 'int &(void) { return 100; }'
fi

# A kernel through the whole chain (cudafe++, cicc, ptxas, fatbinary, the host compiler) proves
# the layout: nvcc finds cicc and the headers through bin/nvcc.profile.
check="$(mktemp -d)"
trap 'rm -rf "$check"' EXIT
cat >"$check/k.cu" <<'EOF'
#include <cuda_runtime.h>
#include <cub/cub.cuh>
__global__ void axpy(float a, const float *x, float *y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}
EOF
say "checking: nvcc -arch=sm_80 -c"
"$ROOT/bin/nvcc" -arch=sm_80 -c "$check/k.cu" -o "$check/k.o"

# The GPUs a build targets. whisper.cpp (ggml) reads CMAKE_CUDA_ARCHITECTURES only when it is
# set before its own default list, hence a CMake toolchain file: machine code for sm_86, sm_89
# and sm_90, and compute_80 PTX that the driver compiles for any newer GPU. candle's kernels are
# built as PTX for the one capability in CUDA_COMPUTE_CAP.
cat >"$ROOT/cuda-architectures.cmake" <<'EOF'
set(CMAKE_CUDA_ARCHITECTURES "80-virtual;86-real;89-real;90-real" CACHE STRING "GPU architectures")
EOF

# One file to source before a CUDA build. whisper-rs searches only /usr/local/cuda for the
# libraries (LIBRARY_PATH), and programs built against them load them from here.
cat >"$ROOT/env.sh" <<EOF
export CUDA_ROOT="$ROOT"
export CUDA_HOME="\$CUDA_ROOT"
export PATH="\$CUDA_ROOT/bin:\$PATH"
export LIBRARY_PATH="\$CUDA_ROOT/lib64:\$CUDA_ROOT/lib64/stubs\${LIBRARY_PATH:+:\$LIBRARY_PATH}"
export LD_LIBRARY_PATH="\$CUDA_ROOT/lib64\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export CUDA_COMPUTE_CAP=80
export CMAKE_TOOLCHAIN_FILE="\$CUDA_ROOT/cuda-architectures.cmake"
EOF

release="$("$ROOT/bin/nvcc" --version | grep -i release)"
say "done, $release"
say "before a CUDA build: source $ROOT/env.sh"
