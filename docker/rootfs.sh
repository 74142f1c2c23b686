#!/bin/sh
# Runs inside an image's build stage: lays out a minimal root filesystem in DEST holding only
# the given programs, the shared libraries they load (their ldd closure), and the few files
# every container needs (passwd/group with root and nonroot 65532, a sticky /tmp).
# The final stage is `FROM scratch` + this tree: no shell, no package manager.
#   docker/rootfs.sh DEST PROGRAM...     e.g. docker/rootfs.sh /rootfs /usr/local/bin/node /usr/bin/tini
set -eu

dest="$1"
shift
mkdir -p "$dest"

# copy_path FILE: copies FILE into DEST at the same path, following symlinks on the way
# (a library reached as libfoo.so.1 -> libfoo.so.1.2.3 keeps both names).
copy_path() {
  src="$1"
  while [ -L "$src" ]; do
    mkdir -p "$dest$(dirname "$src")"
    cp -P "$src" "$dest$src"
    target="$(readlink "$src")"
    case "$target" in
      /*) src="$target" ;;
      *) src="$(dirname "$src")/$target" ;;
    esac
  done
  mkdir -p "$dest$(dirname "$src")"
  cp -p "$src" "$dest$src"
}

# Debian's merged /usr first (/lib -> usr/lib, ...), so that every path ldd prints lands once.
for link in bin lib lib64 sbin; do
  if [ -L "/$link" ] && [ ! -e "$dest/$link" ]; then
    mkdir -p "$dest/usr/$link"
    ln -s "$(readlink "/$link")" "$dest/$link"
  fi
done

for program in "$@"; do
  copy_path "$program"
  # ldd prints "name => /path (addr)" for libraries and "/path (addr)" for the loader.
  ldd "$program" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | while read -r lib; do
    copy_path "$lib"
  done
done

mkdir -p "$dest/etc" "$dest/tmp"
chmod 1777 "$dest/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$dest/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$dest/etc/group"
mkdir -p "$dest/root" "$dest/home/nonroot"
chown 65532:65532 "$dest/home/nonroot"
