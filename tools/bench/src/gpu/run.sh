#!/bin/sh
# Zaoji's GPU device check, from a pack made by `npm run bench -- gpu --pack DIR`. The host needs no
# Node.js and no package registry: only a POSIX shell, gzip, and for the Vulkan loader (when the host
# has none) dpkg-deb or ar + tar; python3 with torch for the PyTorch side (skipped with a note if absent).
#
#   sh run.sh [--out DIR] [--micro] [--layers N ...] [--no-torch] [--allow-software] [--help]
#
# Results: gpu-bench.json and gpu-bench.md in --out (default: $OUT when set, else ./gpu-results).
# Environment: VK_DRIVER_FILES (the GPU driver's ICD JSON; looked for in the usual places when unset),
# ZAOJI_TORCH_PYTHON (the Python with torch), ZAOJI_GPU_PACK_VULKAN=1 (use the pack's Vulkan loader even
# where the host has one), ZAOJI_GPU_WORK (unpack here and keep it; default: a
# temporary folder removed at the end).
set -eu

pack=$(cd "$(dirname "$0")" && pwd)
if [ -n "${ZAOJI_GPU_WORK:-}" ]; then
  work=$ZAOJI_GPU_WORK
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/zaoji-gpu.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

say() { printf '%s\n' "run.sh: $*" >&2; }
started=$(date +%s)

# 1. Node, the bundle and Dawn, unpacked with the gzip every Linux has
mkdir -p "$work/dist/linux-x64"
gzip -dc "$pack/node.gz" >"$work/node"
chmod +x "$work/node"
gzip -dc "$pack/runner.mjs.gz" >"$work/runner.mjs"
# webgpu loads dawn.node from dist/<platform>-<arch>/ beside the module that imports it (the bundle)
gzip -dc "$pack/dawn.node.gz" >"$work/dist/linux-x64/dawn.node"

# 2. The Vulkan loader (and the GL dispatch library NVIDIA's driver links against): the host's when it
#    has them, else the pack's Debian packages, unpacked into the work folder
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1 "; }
if [ "${ZAOJI_GPU_PACK_VULKAN:-0}" = 1 ] || ! has_lib 'libvulkan\.so\.1' || ! has_lib 'libGLdispatch\.so\.0'; then
  found=0
  mkdir -p "$work/loader"
  for deb in "$pack"/*.deb; do
    [ -f "$deb" ] || continue
    found=1
    if command -v dpkg-deb >/dev/null 2>&1; then
      dpkg-deb -x "$deb" "$work/loader"
    elif command -v ar >/dev/null 2>&1; then
      mkdir -p "$work/ar" && (cd "$work/ar" && rm -f data.tar.* && ar x "$deb" && tar -xf data.tar.* -C "$work/loader")
    else
      say "neither dpkg-deb nor ar is here to unpack $(basename "$deb")"
    fi
    say "Vulkan loader from the pack: $(basename "$deb")"
  done
  if [ "$found" = 1 ]; then
    for d in $(find "$work/loader" -name '*.so.*' -exec dirname {} \; | sort -u); do
      LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    done
    export LD_LIBRARY_PATH
  else
    say "the host lacks the Vulkan loader or libGLdispatch and the pack carries no packages: WebGPU may find no adapter"
  fi
fi

# 3. The NVIDIA driver's ICD file: the loader searches /usr/share and /etc itself; the NVIDIA container
#    runtime may mount it elsewhere (and only with the "graphics" driver capability)
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
    /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then
      VK_DRIVER_FILES=$f
      VK_ICD_FILENAMES=$f
      export VK_DRIVER_FILES VK_ICD_FILENAMES
      say "Vulkan driver: $f"
      break
    fi
  done
fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  if [ -d "$d" ]; then LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"; export LD_LIBRARY_PATH; fi
done
if command -v nvidia-smi >/dev/null 2>&1; then
  say "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1 || true)"
fi

# 4. The check: parity, Zaoji, PyTorch; the pack's folder tells the bundle where its files are
out=${OUT:-$PWD/gpu-results}
ZAOJI_GPU_PACK=$pack
export ZAOJI_GPU_PACK
status=0
"$work/node" "$work/runner.mjs" "$@" --out "$out" || status=$?  # a --out given first wins
say "done in $(($(date +%s) - started)) s (exit $status)"
exit $status
