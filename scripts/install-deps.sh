#!/usr/bin/env bash
# Installs the Debian packages samdsim needs to build, test and benchmark.
# Idempotent: prints nothing and touches nothing when everything is present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libeigen3-dev libboost-math-dev libtbb-dev
  libhdf5-dev hdf5-tools zlib1g-dev
  catch2 libyaml-cpp-dev libcli11-dev librandom123-dev libfmt-dev nlohmann-json3-dev
  libbenchmark-dev
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib
  clang libclang-rt-14-dev llvm
)

# Optional groups: "mpi" adds what the MPI build (-DSAMDSIM_MPI=ON) needs;
# "peers" what benchmarks/peers.sh compares against (R with rpact and lme4,
# and NumPy's YAML reader), never installed by the test command.
for group in "$@"; do
  case "$group" in
    mpi) packages+=(libopenmpi-dev openmpi-bin) ;;
    peers) packages+=(r-base-core r-cran-rpact r-cran-lme4 python3-yaml) ;;
    *) echo "install-deps.sh: unknown group '$group' (known: mpi, peers)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "samdsim: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
