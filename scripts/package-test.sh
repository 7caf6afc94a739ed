#!/usr/bin/env bash
# Checks the packages scripts/package-build.sh made (issue 7):
#  - Linux: unpacks the tar.xz, installs it with its own Makefile into a
#    temporary DESTDIR, checks the binary, .desktop file and icon, and runs
#    the installed binary with --version.
#  - Windows: the .exe is a PE32+ GUI x86-64 executable of a plausible size
#    with the version info fyne embeds; with Wine present it also runs it.
#
#   scripts/package-test.sh [linux] [windows]     (default: both)
#
# VERSION and DIST as for package-build.sh.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=${VERSION:-$(sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' FyneApp.toml | head -n1)}
dist=${DIST:-dist}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(linux windows)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/srtscope-pkgtest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "package-test: FAIL: $*" >&2
  exit 1
}

# run BIN ARGS...: runs an installed binary the way a user's shell would, but
# with no display (--version must not need one), no stdin and a time limit.
run() {
  env -u DISPLAY -u WAYLAND_DISPLAY -u XAUTHORITY timeout 30 "$@" </dev/null 2>&1
}

test_linux() {
  local name=srtscope-$version-linux-amd64
  local pkg=$dist/$name.tar.xz
  [ -f "$pkg" ] || fail "$pkg missing; run make package-linux"
  local tops
  tops=$(tar -tJf "$pkg" | cut -d/ -f1 | sort -u | tr '\n' ' ')
  [ "$tops" = "$name " ] || fail "$pkg: want one top folder $name/, found: $tops"
  mkdir -p "$tmp/unpack" "$tmp/root" "$tmp/home"
  tar -xJf "$pkg" -C "$tmp/unpack"
  local top=$tmp/unpack/$name
  [ -f "$top/Makefile" ] || fail "$pkg has no install Makefile"

  # System install (what `sudo make install` does), into a temporary root.
  make --no-print-directory -s -C "$top" install DESTDIR="$tmp/root" PREFIX=/usr >/dev/null ||
    fail "make install from $pkg failed"
  local bin=$tmp/root/usr/bin/srtscope
  local desktop=$tmp/root/usr/share/applications/io.github.srtscope.desktop
  local icon=$tmp/root/usr/share/pixmaps/io.github.srtscope.png
  [ -x "$bin" ] || fail "installed binary $bin missing or not executable"
  [ -f "$desktop" ] || fail ".desktop file $desktop missing"
  [ -s "$icon" ] || fail "icon $icon missing"
  local want
  for want in '[Desktop Entry]' 'Type=Application' 'Name=srtscope' 'Exec=srtscope' 'Icon=io.github.srtscope'; do
    grep -qxF "$want" "$desktop" || fail "$desktop: no line '$want'"
  done
  grep -q '^Categories=.*AudioVideo;' "$desktop" || fail "$desktop: no AudioVideo category (FyneApp.toml [LinuxAndBSD])"
  if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$desktop" || fail "$desktop does not validate"
  fi
  file -b "$icon" | grep -q '^PNG image data, 512 x 512' || fail "$icon: $(file -b "$icon"), want a 512x512 PNG"
  file -b "$bin" | grep -q '^ELF 64-bit LSB .*x86-64' || fail "$bin: $(file -b "$bin")"

  local out
  out=$(run "$bin" --version) || fail "$bin --version exited $?: $out"
  [ "$out" = "srtscope $version" ] || fail "$bin --version printed '$out', want 'srtscope $version'"
  out=$(run "$bin" version) || fail "$bin version exited $?: $out"
  [ "$out" = "srtscope $version" ] || fail "$bin version printed '$out', want 'srtscope $version'"

  # Per-user install (`make user-install`), with HOME pointed at a temporary folder.
  make --no-print-directory -s -C "$top" user-install HOME="$tmp/home" >/dev/null ||
    fail "make user-install from $pkg failed"
  local ubin=$tmp/home/.local/bin/srtscope
  local udesktop=$tmp/home/.local/share/applications/io.github.srtscope.desktop
  [ -x "$ubin" ] || fail "user-install: $ubin missing"
  [ -s "$tmp/home/.local/share/icons/io.github.srtscope.png" ] || fail "user-install: icon missing"
  grep -qxF "Exec=$ubin" "$udesktop" || fail "user-install: $udesktop has no 'Exec=$ubin' line"
  out=$(run "$ubin" --version) || fail "$ubin --version exited $?: $out"
  [ "$out" = "srtscope $version" ] || fail "$ubin --version printed '$out'"

  echo "package-test: ok linux   $(du -h "$pkg" | cut -f1) $pkg; installed binary says: $out"
}

# utf16 STR: a grep -P pattern matching STR in UTF-16LE.
utf16() {
  local s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      [A-Za-z0-9]) out+=$c ;;
      *) out+="\\$c" ;;
    esac
    out+='\x00'
  done
  printf '%s' "$out"
}

test_windows() {
  local exe=$dist/srtscope-$version-windows-amd64.exe
  [ -f "$exe" ] || fail "$exe missing; run make package-windows"
  local kind size
  kind=$(file -b "$exe")
  case "$kind" in
    "PE32+ executable (GUI) x86-64"*) ;;
    *) fail "$exe is '$kind', want PE32+ executable (GUI) x86-64" ;;
  esac
  size=$(stat -c %s "$exe")
  if [ "$size" -lt $((10 * 1024 * 1024)) ] || [ "$size" -gt $((80 * 1024 * 1024)) ]; then
    fail "$exe is $size bytes, want 10..80 MB"
  fi
  # fyne embeds VS_VERSION_INFO (UTF-16LE strings) with ProductVersion <version>.<build>.
  LC_ALL=C grep -qaP "$(utf16 ProductVersion)(\\x00\\x00){1,2}$(utf16 "$version.")" "$exe" ||
    fail "$exe has no embedded version info with ProductVersion $version.<build>"
  # With mingw's objdump (installed with the cross compiler): the resources
  # fyne embeds and the DLLs it needs, which must all come with Windows
  # (no libgcc or libwinpthread DLL to ship beside it).
  local objdump=x86_64-w64-mingw32-objdump
  if command -v "$objdump" >/dev/null 2>&1; then
    "$objdump" -p "$exe" >"$tmp/pe.txt" || fail "$objdump -p $exe failed"
    # Top-level resource types: 3 icon, 0xe icon group, 0x10 version, 0x18 manifest.
    local types t
    types=$(sed -n '/^The .rsrc Resource Directory section/,$p' "$tmp/pe.txt" |
      sed -n 's/^[0-9a-f]\{3\}   Entry: ID: 0x0000\([0-9a-f]*\),.*/\1/p' | tr '\n' ' ')
    for t in 03 0e 10 18; do
      case " $types" in
        *" $t "*) ;;
        *) fail "$exe: resource type 0x$t (icon 03, icon group 0e, version 10, manifest 18) missing; has: $types" ;;
      esac
    done
    local dll
    while read -r dll; do
      case "${dll^^}" in
        ADVAPI32.DLL | GDI32.DLL | KERNEL32.DLL | MSVCRT.DLL | OPENGL32.DLL | SHELL32.DLL | USER32.DLL | \
          OLE32.DLL | OLEAUT32.DLL | WS2_32.DLL | WINMM.DLL | DWMAPI.DLL | IMM32.DLL | SHCORE.DLL | \
          COMDLG32.DLL | COMCTL32.DLL | UXTHEME.DLL | CRYPT32.DLL | NTDLL.DLL | BCRYPT.DLL | \
          API-MS-WIN-*.DLL) ;;
        *) fail "$exe needs $dll, which Windows does not ship" ;;
      esac
    done < <(sed -n 's/^[[:space:]]*DLL Name: //p' "$tmp/pe.txt")
  fi
  if command -v wine >/dev/null 2>&1; then
    local out
    out=$(WINEDEBUG=-all timeout 120 wine "$exe" --version 2>/dev/null | tr -d '\r') || true
    case "$out" in
      "srtscope $version") echo "package-test: wine: $out" ;;
      *) echo "package-test: note: wine ran the .exe but printed '$out' (GUI subsystem binaries may print nothing)" ;;
    esac
  fi
  echo "package-test: ok windows $(du -h "$exe" | cut -f1) $exe: $kind"
}

for t in "${targets[@]}"; do
  case "$t" in
    linux) test_linux ;;
    windows) test_windows ;;
    *)
      echo "usage: $0 [linux] [windows]" >&2
      exit 2
      ;;
  esac
done
