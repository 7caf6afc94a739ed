#!/usr/bin/env bash
# Builds an installable package with `go tool fyne package` (DESIGN.md section 9).
#
#   scripts/package-build.sh linux     -> dist/srtscope-<version>-linux-amd64.tar.xz
#   scripts/package-build.sh windows   -> dist/srtscope-<version>-windows-amd64.exe
#
# `fyne package` bumps Build in FyneApp.toml and deletes the binary it builds in
# the source folder, so it runs on a copy in build/pkg-src-<os>; the checkout is
# never written to except dist/ and build/.
#
# PACKAGE_SOURCE says what is packaged:
#   head     (default in a git checkout) the committed tree at HEAD, via
#            `git archive`: a package always matches a commit, and half-done
#            edits in a shared checkout cannot break it or slip into it.
#   worktree tracked files as they are now plus untracked, not ignored ones
#            (what `make build` compiles); used when there is no git.
# VERSION (default: Version in the packaged FyneApp.toml) goes into app.Version
# (-ldflags -X, what `srtscope --version` prints) and into the package metadata.
# DIST (default: dist) is where the package lands.
set -euo pipefail

target=${1:-}
case "$target" in
  linux | windows) ;;
  *)
    echo "usage: $0 linux|windows" >&2
    exit 2
    ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
GO=${GO:-go}
dist=${DIST:-dist}
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)

ingit=false
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then ingit=true; fi
source=${PACKAGE_SOURCE:-$($ingit && echo head || echo worktree)}
src=$root/build/pkg-src-$target
rm -rf "$src"
mkdir -p "$src"
case "$source" in
  head)
    $ingit || {
      echo "package: PACKAGE_SOURCE=head needs a git checkout" >&2
      exit 2
    }
    git archive --format=tar HEAD | tar -xf - -C "$src"
    what="commit $(git rev-parse --short HEAD)"
    if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
      what="$what (uncommitted changes in the checkout are not included; PACKAGE_SOURCE=worktree packages them)"
    fi
    ;;
  worktree)
    if $ingit; then
      # -c: tracked, -o --exclude-standard: new files not ignored; skip tracked
      # files deleted in the working tree.
      git ls-files -z -c -o --exclude-standard |
        while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done |
        tar --null -T - -cf - | tar -xf - -C "$src"
    else
      tar --exclude=./.git --exclude=./bin --exclude=./build --exclude=./dist \
        --exclude=./fyne-cross/bin --exclude=./fyne-cross/dist --exclude=./fyne-cross/tmp \
        -cf - . | tar -xf - -C "$src"
    fi
    what="the working tree"
    ;;
  *)
    echo "package: PACKAGE_SOURCE=$source: want head or worktree" >&2
    exit 2
    ;;
esac

version=${VERSION:-$(sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$src/FyneApp.toml" | head -n1)}
if [ -z "$version" ]; then
  echo "package: no Version in FyneApp.toml; set VERSION=x.y.z" >&2
  exit 1
fi
# A plain `go build` prints app.Version from app/version.go: say when it has
# drifted from FyneApp.toml (the package itself gets the right one below).
code_version=$(sed -n 's/^var Version = "\(.*\)"$/\1/p' "$src/app/version.go")
if [ -z "${VERSION:-}" ] && [ "$code_version" != "$version" ]; then
  echo "package: warning: app/version.go says $code_version, FyneApp.toml says $version; the package uses $version" >&2
fi
echo "package: $target $version from $what"

# fyne merges -ldflags from GOFLAGS with its own (-H=windowsgui, -s -w).
gf=$("$GO" env GOFLAGS)
goflags="${gf:+$gf }-ldflags=-X=github.com/srtscope/srtscope/app.Version=$version"
# The fyne tool itself is built for the host without cgo; fyne sets GOOS and
# CGO_ENABLED=1 for the application build.
common=(package -os "$target" -release --app-version "$version")

cd "$src"
start=$(date +%s)
case "$target" in
  linux)
    GOFLAGS=$goflags CGO_ENABLED=0 "$GO" tool fyne "${common[@]}"
    # Repack: top folder named after the package, and fix the install Makefile:
    # fyne.io/tools v1.7.2 writes Icon := "<app id>" but ships <app id>.png, so
    # `make install` fails (fyne-io/tools#139). Patched only when still broken.
    name=srtscope-$version-linux-amd64
    out=$dist/$name.tar.xz
    rm -rf repack && mkdir repack
    tar -xJf srtscope.tar.xz -C repack
    mv repack/srtscope "repack/$name"
    mk=repack/$name/Makefile
    icon=$(sed -n 's/^Icon := "\(.*\)"$/\1/p' "$mk")
    if [ -n "$icon" ] && ! find "repack/$name/usr" -path "*/pixmaps/$icon" | grep -q . &&
      find "repack/$name/usr" -path "*/pixmaps/$icon.png" | grep -q .; then
      sed -i "s/^Icon := \"$icon\"\$/Icon := \"$icon.png\"/" "$mk"
    fi
    tar --sort=name --owner=0 --group=0 --numeric-owner -cJf "$out.part" -C repack "$name"
    mv -f "$out.part" "$out"
    rm -rf repack srtscope.tar.xz
    ;;
  windows)
    if ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
      echo "package: x86_64-w64-mingw32-gcc not found; run" >&2
      echo "  SRTSCOPE_EXTRA_PACKAGES=gcc-mingw-w64-x86-64 bash scripts/setup.sh" >&2
      exit 1
    fi
    # fyne adds -fstack-protector-strong; mingw needs libssp linked statically.
    GOFLAGS=$goflags CGO_ENABLED=0 GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
      CGO_LDFLAGS="${CGO_LDFLAGS:+$CGO_LDFLAGS }-l:libssp.a" \
      "$GO" tool fyne "${common[@]}"
    out=$dist/srtscope-$version-windows-amd64.exe
    mv -f srtscope.exe "$out"
    ;;
esac
cd "$root"
rm -rf "$src" # the copy is only kept when the build failed, to look at
echo "package: $out ($(du -h "$out" | cut -f1), $(($(date +%s) - start)) s)"
